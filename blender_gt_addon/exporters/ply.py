# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``ply``: a coloured point cloud a frame in world coordinates (or one for all frames
with ``fuse``), binary little-endian PLY written with ``plyfile``.

Each pixel whose depth is finite gives one point: the surface point seen through the
pixel's centre (:meth:`blender_gt_addon.camera.Camera.points_from_depth`), in world
coordinates (scene units, metres unless the scene says otherwise; Blender's world
axes, z up). Pixels where nothing was hit (``inf`` depth) give no point.

Vertex properties:

- ``x``, ``y``, ``z``: ``float`` (float32). Why not ``double``: depth reaches the file
  as float32 (or half), so a coordinate holds no more than float32's 24 bits of
  relative precision anyway (6e-8 of its magnitude: 0.06 mm at 1 km from the
  origin), float32 halves the file, and every PLY reader and viewer reads ``float``
  while some (GPU viewers, splatting tools) do not take ``double``.
- ``red``, ``green``, ``blue``: ``uchar``, the image sRGB-encoded as the other
  exports write it (:func:`blender_gt_addon.pictures.colour.srgb`: linear RGB
  clipped to [0, 1], IEC 61966-2-1, i.e. Blender's Standard view transform, rounded
  to 0..255; premultiplied, so over black). Left out when a file has no image output.
- fused cloud only: ``frame`` (``int``, int32), the frame number of each point.

Points are in the order of their pixels, row by row from the top-left, skipping
pixels with no surface; the fused cloud is the frames' clouds one after another.
Each file's header has comments naming the source, the frame, the units and axes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reader
from ..pictures.colour import srgb, to_uint8
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .common import ExportError, Options, frame_number

__all__ = ["frame_points", "write", "write_fused"]

# What every cloud's header says about its coordinates.
_AXES = "world coordinates, scene units, Blender's world axes (z up)"


def frame_points(frame: GroundTruthFrame) -> tuple[np.ndarray, np.ndarray | None]:
    """The points of one frame: ``(xyz, rgb)``.

    ``xyz``: (N, 3) float64 world coordinates of the N pixels whose depth is finite,
    row by row; ``rgb``: (N, 3) uint8 display colours of those pixels, or ``None``
    when the file has no image output.

    Raises:
        ExportError: the file holds no camera (nothing places the points in the world).
    """
    camera = frame.camera
    if camera is None:
        raise ExportError(f"{frame.path}: holds no camera, which ply needs to place the "
                          "points in the world")
    points = camera.points_from_depth(frame.depth, world=True)
    hit = np.isfinite(points).all(axis=-1)
    xyz = points[hit]
    rgb = to_uint8(srgb(frame.image[hit])) if "image" in frame.passes else None
    return xyz, rgb


def _vertices(xyz: np.ndarray, rgb: np.ndarray | None,
              frames: np.ndarray | None = None) -> np.ndarray:
    """The structured vertex array: x y z float32, red green blue uint8, frame int32."""
    dtype = [("x", "<f4"), ("y", "<f4"), ("z", "<f4")]
    if rgb is not None:
        dtype += [("red", "u1"), ("green", "u1"), ("blue", "u1")]
    if frames is not None:
        dtype += [("frame", "<i4")]
    vertices = np.empty(len(xyz), dtype=dtype)
    for axis, name in enumerate("xyz"):
        vertices[name] = xyz[:, axis]
    if rgb is not None:
        for channel, name in enumerate(("red", "green", "blue")):
            vertices[name] = rgb[:, channel]
    if frames is not None:
        vertices["frame"] = frames
    return vertices


def _write_ply(path: Path, vertices: np.ndarray, comments: list[str]) -> None:
    from plyfile import PlyData, PlyElement

    element = PlyElement.describe(vertices, "vertex")
    PlyData([element], text=False, byte_order="<", comments=comments).write(str(path))


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write the point cloud of ``frame`` to ``path`` (binary little-endian PLY)."""
    xyz, rgb = frame_points(frame)
    comments = [f"blender-gt point cloud of {frame.path.name}, frame {frame_number(frame)}",
                _AXES]
    _write_ply(path, _vertices(xyz, rgb), comments)
    return {} if rgb is not None else {"frames without an image (points without colour)": 1}


def _frame_cloud(path: str) -> tuple[int, np.ndarray, np.ndarray | None]:
    """(frame number, float32 xyz, rgb) of one file, in a worker process."""
    frame = reader.read(path)
    xyz, rgb = frame_points(frame)
    return frame_number(frame), xyz.astype(np.float32), rgb


def write_fused(frames: list[GroundTruthFrame], path: Path, options: Options,
                jobs: int | None, progress: bool) -> dict[str, int]:
    """Write one cloud of every frame's points to ``path``, with a ``frame`` property.

    Every point is held in memory before writing (19 bytes a point with colour).
    Colours are written when every frame has an image; otherwise none are.
    """
    clouds = parallel_map(_frame_cloud, [str(f.path) for f in frames], jobs=jobs,
                          progress=progress, desc="export ply")
    coloured = all(rgb is not None for _, _, rgb in clouds)
    xyz = np.concatenate([c[1] for c in clouds])  # the driver gives at least one frame
    rgb = np.concatenate([c[2] for c in clouds]) if coloured else None
    numbers = np.concatenate([np.full(len(c[1]), c[0], dtype=np.int32) for c in clouds])
    comments = [f"blender-gt point cloud of {len(clouds)} frames fused; property frame = "
                "frame number", _AXES]
    _write_ply(path, _vertices(xyz, rgb, numbers), comments)
    missing = sum(rgb is None for _, _, rgb in clouds)
    return {"frames without an image (no colours written)": missing} if missing else {}
