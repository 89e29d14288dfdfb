# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""PointOdyssey's ``anno.npz``. No ``bpy``.

As aharley/pips2's loaders read it (``datasets/pointodysseydataset_3d.py``,
``pointodysseydataset.py``): ``trajs_2d`` (S, N, 2) pixels ``[x, y]``, ``trajs_3d``
(S, N, 3) world coordinates, ``visibs`` and ``valids`` (S, N), ``intrinsics`` (S, 3, 3)
``pix_T_cams`` and ``extrinsics`` (S, 4, 4) ``cams_T_world`` (world to camera), so
that ``trajs_2d = pix_T_cam(intrinsics, apply_4x4(extrinsics, trajs_3d))`` with
``x = fx X / Z + cx``. Here: float32 positions (the loaders cast to float32), OpenCV
pixel centres at integers and camera axes x right, y down, z forward (the ones in
which that projection holds), world axes Blender's (z up), ``visibs`` and ``valids``
bool; invalid entries keep NaN positions (the loaders zero NaN and drop them). Every
point is written (the format has ``valids``). Only ``anno.npz``: no ``rgbs/`` or
``depths/`` folder.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .points import Tracks


def arrays(tracks: Tracks) -> dict[str, np.ndarray]:
    return {"trajs_2d": tracks.uv.astype(np.float32),
            "trajs_3d": tracks.world.astype(np.float32),
            "visibs": tracks.visible.copy(), "valids": tracks.valid.copy(),
            "intrinsics": tracks.K.astype(np.float32),
            "extrinsics": tracks.world_to_camera.astype(np.float32)}


def write(tracks: Tracks, path: Path, frames, name: str) -> dict:
    with open(path, "wb") as out:
        np.savez(out, **arrays(tracks))
    return {"points": len(tracks)}
