# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""TAP-Vid, the layout of TAP-Vid-DAVIS (a pickle). No ``bpy``.

As google-deepmind/tapnet ``tapvid/README.md`` and ``evaluation_datasets.py``
(``create_davis_dataset``) read it: a dict ``{video name: {"video": (T, H, W, 3)
uint8, "points": (N, T, 2) float32, "occluded": (N, T) bool}}``; ``points`` are
``[x, y]`` scaled to [0, 1] by the image size (``points * [W, H]`` gives tapnet's
raster coordinates, whose pixel centres are at ``i + 0.5``): here
``x = (u + 0.5) / W``, ``y = (v + 0.5) / H`` from OpenCV ``(u, v)``. ``occluded`` is
True where the point is not visible, out of view included. The format has no
validity flag and no query points (tapnet samples queries from the first visible
frame or strided): only points valid in every frame are written (``notes`` counts the
others).
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from .points import Tracks
from .shared import complete, video


def arrays(tracks: Tracks) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(keep, points, occluded)``: (N,) bool of the points written, and their
    (M, T, 2) float32 normalised ``[x, y]`` and (M, T) bool occlusion."""
    keep = complete(tracks)
    size = np.array([tracks.width, tracks.height], dtype=np.float64)
    points = ((tracks.uv[:, keep].astype(np.float64) + 0.5) / size).astype(np.float32)
    return keep, np.ascontiguousarray(points.transpose(1, 0, 2)), \
        np.ascontiguousarray(~tracks.visible[:, keep].T)


def write(tracks: Tracks, path: Path, frames, name: str) -> dict:

    keep, points, occluded = arrays(tracks)
    data = {name: {"video": video(frames, len(tracks.frames)), "points": points,
                   "occluded": occluded}}
    with open(path, "wb") as out:
        pickle.dump(data, out, protocol=4)
    return {"points": int(keep.sum()), "points left out (invalid in some frame)":
            int((~keep).sum())}
