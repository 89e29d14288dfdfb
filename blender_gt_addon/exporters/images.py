# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the formats with pictures share (``nerf``, ``colmap``, ``coco``,
``coco-amodal``, ``kins``): a name for each frame, the check that every frame has a
perspective camera, intrinsics in the pixel-corner convention those tools use, 8-bit
sRGB PNGs of the image and 16-bit PNGs of depth. No ``bpy``; numpy, and Pillow when a
PNG is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..camera import Camera
from ..pictures.colour import srgb, to_uint8
from ..reader import GroundTruthFrame
from .common import ExportError, atomic_path, make_folder, write_png16

__all__ = [
    "DEPTH_FOLDER",
    "DEPTH_STEPS_PER_MM_UNIT",
    "IMAGE_FOLDER",
    "PIXEL_CORNER_OFFSET",
    "corner_intrinsics",
    "depth_png16",
    "frame_names",
    "image_8bit",
    "perspective_cameras",
    "picture_folders",
    "write_frame_pictures",
    "write_png8",
]

IMAGE_FOLDER = "images"  # beside the json (COCO's image root, nerfstudio's images/)
DEPTH_FOLDER = "depth"
DEPTH_STEPS_PER_MM_UNIT = 1000.0  # depth PNG steps per scene unit: mm for metres

# Our K puts integer pixel coordinates at pixel centres (OpenCV): pixel (col, row)
# covers [col - 0.5, col + 0.5]. nerfstudio, instant-ngp and COLMAP put the image's
# top-left corner at (0, 0), so pixel (col, row) has its centre at (col + 0.5, row + 0.5).
PIXEL_CORNER_OFFSET = 0.5


def corner_intrinsics(camera: Camera) -> tuple[float, float, float, float]:
    """``(fx, fy, cx, cy)`` in pixels, with the top-left corner of the image at (0, 0)
    and the centre of pixel (col, row) at (col + 0.5, row + 0.5), as nerfstudio,
    instant-ngp and COLMAP take them: ``cx = K[0, 2] + 0.5``, ``cy = K[1, 2] + 0.5``;
    focal lengths unchanged. Python floats (float64)."""
    K = np.asarray(camera.K, dtype=np.float64)
    return (float(K[0, 0]), float(K[1, 1]), float(K[0, 2]) + PIXEL_CORNER_OFFSET,
            float(K[1, 2]) + PIXEL_CORNER_OFFSET)


def perspective_cameras(frames: Sequence[GroundTruthFrame], fmt: str) -> list[Camera]:
    """The camera of every frame (from the headers, no pixels decoded).

    Raises:
        ExportError: a frame has no camera, or an orthographic one (``fmt``'s
            readers model pinhole cameras only).
    """
    cameras = []
    for frame in frames:
        camera = frame.camera
        if camera is None:
            raise ExportError(f"{frame.path}: records no camera, which {fmt} needs")
        if camera.type != "PERSP":
            raise ExportError(f"{frame.path}: has a {camera.type} camera; {fmt} takes "
                              "perspective (pinhole) cameras only")
        cameras.append(camera)
    return cameras


def frame_names(frames: Sequence[GroundTruthFrame]) -> list[str]:
    """A file stem for each frame, so that sorting the names sorts the frames: the
    frame number with 4 digits or more (``0007``) when every frame has its own;
    else the EXR file's stem when those are distinct; else 0001, 0002, ..."""
    numbers = [f.frame for f in frames]
    if None not in numbers and len(set(numbers)) == len(numbers):
        width = max(4, *(len(str(abs(n))) for n in numbers))
        return [f"{n:0{width}d}" for n in numbers]
    stems = [f.path.stem for f in frames]
    if len(set(stems)) == len(stems):
        return stems
    return [f"{i:04d}" for i in range(1, len(frames) + 1)]


def image_8bit(linear: np.ndarray) -> np.ndarray:
    """The beauty image as 8-bit sRGB: (H, W, 3) uint8, or (H, W, 4) when some pixel
    is not opaque (a transparent film).

    ``linear``: the reader's ``image``, (H, W, 4) float32 linear RGBA, premultiplied
    (or (H, W, 3)). Colour: ``to_uint8(srgb(rgb))`` (:func:`..pictures.colour.srgb`:
    clipped to [0, 1], sRGB-encoded, rounded to nearest). With alpha below 1
    somewhere, the colour is un-premultiplied first (``rgb / alpha`` where alpha > 0,
    PNG's straight alpha) and alpha is written linearly, ``round(255 * alpha)``.
    """
    linear = np.asarray(linear, dtype=np.float64)
    rgb = linear[..., :3]
    if linear.shape[-1] < 4:
        return to_uint8(srgb(rgb))
    alpha = np.clip(np.nan_to_num(linear[..., 3], nan=0.0), 0.0, 1.0)
    if (alpha >= 1.0).all():
        return to_uint8(srgb(rgb))
    straight = np.divide(rgb, alpha[..., None], out=np.zeros_like(rgb),
                         where=alpha[..., None] > 0)
    return np.dstack([to_uint8(srgb(straight)), to_uint8(alpha)])


def depth_png16(depth: np.ndarray, steps_per_unit: float) -> tuple[np.ndarray, int]:
    """Planar depth -> (H, W) uint16 ``round(depth * steps_per_unit)``, 0 = no data;
    and how many surface pixels could not be stored.

    ``depth``: (H, W) scene units, ``inf`` where nothing was hit. 0 where nothing was
    hit and where the surface is nearer than half a step or farther than 65535 steps
    (those are counted as not stored). E.g. ``steps_per_unit=1000``: millimetres
    when the scene unit is the metre, up to 65.535 m.
    """
    scaled = np.asarray(depth, dtype=np.float64) * steps_per_unit
    finite = np.isfinite(scaled)
    stored = np.rint(np.where(finite, scaled, 0.0))
    ok = finite & (stored >= 1) & (stored <= 65535)
    lost = int((finite & ~ok).sum())
    return np.where(ok, stored, 0).astype(np.uint16), lost


def write_png8(path: Path, array: np.ndarray) -> None:
    """An 8-bit PNG of ``array``, (H, W, 3) or (H, W, 4) uint8: RGB or RGBA (Pillow,
    no optimisation). 16-bit grey PNGs: :func:`.common.write_png16`."""
    from PIL import Image

    array = np.ascontiguousarray(array)
    if array.dtype != np.uint8 or array.ndim != 3 or array.shape[-1] not in (3, 4):
        raise ValueError(f"an 8-bit RGB(A) PNG needs (H, W, 3|4) uint8, not "
                         f"{array.dtype} {array.shape}")
    Image.fromarray(array).save(path, format="PNG", optimize=False)


def picture_folders(frames: Sequence[GroundTruthFrame], root: Path,
                    depth: bool = True) -> tuple[bool, bool]:
    """``(images, depth maps)``: whether every frame has the image (and, with
    ``depth``, the depth) output, so that :func:`write_frame_pictures` writes pictures
    (and depth maps) of every frame; creates ``root/images`` (and ``root/depth``)
    when so. A format's readers take pictures for all frames or none."""
    with_image = all("image" in f.passes for f in frames)
    with_depth = depth and with_image and all("depth" in f.passes for f in frames)
    if with_image:
        make_folder(root / IMAGE_FOLDER)
    if with_depth:
        make_folder(root / DEPTH_FOLDER)
    return with_image, with_depth


def write_frame_pictures(frame: GroundTruthFrame, root: Path, name: str,
                         depth: bool) -> dict[str, object]:
    """Write ``root/images/<name>.png``, the frame's image as 8-bit sRGB RGB over
    black (:func:`image_8bit` of its premultiplied colour: what PIL's
    ``Image.open(...).convert("RGB")`` gives back exactly), and with ``depth``
    ``root/depth/<name>.png``, planar depth as 16-bit ``round(depth * 1000)`` (mm when
    the scene unit is the metre), 0 = no data (nothing hit, nearer than 0.5 mm or
    farther than 65.535 m).

    Returns ``{"image": "images/<name>.png", "depth": "depth/<name>.png" or None,
    "lost": depth pixels out of range, "files": [paths written]}``.
    """
    image_rel = f"{IMAGE_FOLDER}/{name}.png"
    with atomic_path(root / image_rel) as partial:
        write_png8(partial, image_8bit(np.asarray(frame.image)[..., :3]))
    files = [str(root / image_rel)]
    depth_rel, lost = None, 0
    if depth:
        depth_rel = f"{DEPTH_FOLDER}/{name}.png"
        stored, lost = depth_png16(frame.depth, DEPTH_STEPS_PER_MM_UNIT)
        with atomic_path(root / depth_rel) as partial:
            write_png16(partial, stored)
        files.append(str(root / depth_rel))
    return {"image": image_rel, "depth": depth_rel, "lost": lost, "files": files}
