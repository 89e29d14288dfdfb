# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""PointOdyssey, one sequence folder as the dataset ships it. No ``bpy``; Pillow.

As aharley/pips2's loaders read a sequence (commit 8b5bd9e, "pointodyssey loading for
v1.2": ``datasets/pointodysseydataset.py`` for training, ``pointodysseydataset_3d.py``
and ``pointodysseydataset_fullseq.py``, used by ``test_on_pod.py``), the output folder
is one sequence, ``DATA/train|val|test/SEQUENCE`` (the loaders glob ``DATA/<split>/*``)::

    anno.npz                 the tracks (below)
    info.npz                 trajs_3d: (3,) int64, the shape (S, N, 3) of anno's trajs_3d
                             (the 3D loader reads it to pick sequences with enough points)
    rgbs/rgb_00000.jpg       8-bit sRGB JPEG (quality 95), frame index 0, 1, ... in
                             sequence order (``'rgb_%05d.jpg' % idx``, idx from 0)
    depths/depth_00000.png   16-bit grey: planar depth as PointOdyssey encodes it, which
                             pips2 decodes as ``depth16 / 65535 * 1000`` (metres when the
                             scene unit is the metre): ``round(depth * 65.535)``, so
                             1000 units at most, a step of 1/65.535 = 0.0153 units;
                             0 where nothing was hit or out of range (counted)
    masks/mask_00000.png     8-bit grey: the instance id (Cryptomatte) of each pixel,
                             0 where nothing was hit (ids above 255 wrap to 1..255, counted)
    normals/normal_00000.jpg 8-bit RGB JPEG of the world-space unit normal,
                             ``round((n + 1) / 2 * 255)`` (background (0, 0, 0) -> 128);
                             written when the frames have the normal output (the 3D
                             loader opens them)

``anno.npz`` (``np.load`` reads it without pickles): ``trajs_2d`` (S, N, 2) float32
pixels ``[x, y]``, ``trajs_3d`` (S, N, 3) float32 world coordinates, ``visibs`` and
``valids`` (S, N) bool (what the training and 3D loaders read), ``visibilities`` (S, N)
uint8, 0 occluded, 1 visible, 2 invalid (what the full-sequence test loader reads:
``valids = visibilities < 2``, ``visibs = visibilities == 1``), ``intrinsics`` (S, 3, 3)
float32 ``pix_T_cams`` and ``extrinsics`` (S, 4, 4) float32 ``cams_T_world`` (world to
camera), so that ``trajs_2d = pix_T_cam(intrinsics, apply_4x4(extrinsics, trajs_3d))``
with ``x = fx X / Z + cx``. OpenCV pixel centres at integers and camera axes x right,
y down, z forward (the ones in which that projection holds), world axes Blender's
(z up). Every point is written; invalid entries keep NaN positions.

What pips2 then does with NaN (its steps, commit 8b5bd9e): the training loader zeroes
NaN in ``trajs_2d`` and marks those entries invalid and not visible, keeping the
point's other frames; the 3D loader first drops every point whose ``trajs_3d`` is
NaN in any frame of the clip (its ``not_huge`` test, ``sum |X_t - X_0| < 100``, is
False for NaN), valid frames included; the full-sequence loader assumes 960 x 540
images (``H, W = 540, 960``) for its out-of-view test.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..exporters.common import atomic_path, write_png16
from ..exporters.images import depth_png16
from .points import Tracks
from .shared import jpeg, picture

__all__ = ["DEPTH_STEPS_PER_UNIT", "arrays", "write"]

# pips2 decodes depth16 / 65535 * 1000: 65535 steps span 1000 scene units.
DEPTH_STEPS_PER_UNIT = 65535.0 / 1000.0
INVALID, OCCLUDED, VISIBLE = 2, 0, 1  # the codes of ``visibilities``


def arrays(tracks: Tracks) -> dict[str, np.ndarray]:
    """Every field of ``anno.npz``."""
    visibilities = np.where(tracks.valid, np.where(tracks.visible, VISIBLE, OCCLUDED),
                            INVALID).astype(np.uint8)
    return {"trajs_2d": tracks.uv.astype(np.float32),
            "trajs_3d": tracks.world.astype(np.float32),
            "visibs": tracks.visible.copy(), "valids": tracks.valid.copy(),
            "visibilities": visibilities,
            "intrinsics": tracks.K.astype(np.float32),
            "extrinsics": tracks.world_to_camera.astype(np.float32)}


def mask_8bit(ids: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W) uint8 of instance ids (0 stays 0; ids above 255 wrap to 1..255) and how
    many pixels wrapped."""
    ids = np.asarray(ids, dtype=np.int64)
    high = ids > 255
    return np.where(high, (ids - 1) % 255 + 1, ids).astype(np.uint8), int(high.sum())


def normal_8bit(normal: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8 ``round((n + 1) / 2 * 255)`` of unit normals (H, W, 3)."""
    n = np.clip(np.nan_to_num(np.asarray(normal, dtype=np.float64)), -1.0, 1.0)
    return np.rint((n + 1.0) * 127.5).astype(np.uint8)


def _save(path: Path, write, array: np.ndarray) -> None:
    with atomic_path(path) as partial:
        write(partial, array)


def _jpeg_file(path: Path, array: np.ndarray) -> None:
    path.write_bytes(jpeg(array))


def _grey8(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8)).save(path, optimize=False)


def write(tracks: Tracks, path: Path, frames, name: str) -> dict:
    """Write the sequence folder around ``path`` (the temporary name of ``anno.npz``,
    written last): pictures, depth, masks (and normals) of ``frames``, ``info.npz``."""
    folder = path.parent
    count = len(tracks.frames)
    with_normals = "normal" in frames[0].passes
    subfolders = ["rgbs", "depths", "masks"] + (["normals"] if with_normals else [])
    for sub in subfolders:
        (folder / sub).mkdir(parents=True, exist_ok=True)
    lost = wrapped = 0
    for t in range(count):
        frame = frames[t]
        _save(folder / "rgbs" / f"rgb_{t:05d}.jpg", _jpeg_file, picture(frame))
        stored, out_of_range = depth_png16(frame.depth, DEPTH_STEPS_PER_UNIT)
        lost += out_of_range
        _save(folder / "depths" / f"depth_{t:05d}.png", write_png16, stored)
        mask, high = mask_8bit(frame.instance_id)
        wrapped += high
        _save(folder / "masks" / f"mask_{t:05d}.png", _grey8, mask)
        if with_normals:
            _save(folder / "normals" / f"normal_{t:05d}.jpg", _jpeg_file,
                  normal_8bit(frame.normal))
    fields = arrays(tracks)
    with atomic_path(folder / "info.npz") as partial, open(partial, "wb") as out:
        np.savez(out, trajs_3d=np.array(fields["trajs_3d"].shape, dtype=np.int64))
    with open(path, "wb") as out:
        np.savez(out, **fields)
    notes = {"points": len(tracks), "frames": count}
    if lost:
        notes["depth pixels outside 0.0077..1000 scene units (written as 0)"] = lost
    if wrapped:
        notes["mask pixels of instance ids above 255 (wrapped to 1..255)"] = wrapped
    if not with_normals:
        notes["frames without the normal output (no normals/; pips2's 3D loader needs "
              "them)"] = count
    return notes
