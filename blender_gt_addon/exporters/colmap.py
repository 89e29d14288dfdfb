# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``colmap``: a COLMAP text model with the images, as COLMAP, pycolmap, 3D Gaussian
splatting, gsplat and nerfstudio read it. No ``bpy``; Pillow for the PNGs.

The output is the model folder. Given a folder ending in ``sparse/0`` (the layout of
COLMAP's ``image_undistorter``, 3D Gaussian splatting and gsplat: ``-o scene/sparse/0``),
the images go to ``images/`` two folders up; given any other folder, into its own
``images/``::

    scene/images/0001.png       8-bit sRGB (RGBA with a transparent film), one a frame
    scene/sparse/0/cameras.txt  one PINHOLE camera per distinct set of intrinsics
    scene/sparse/0/images.txt   a pose per frame, world to camera, and its 2D points
    scene/sparse/0/points3D.txt points from depth, coloured from the image

Conventions (COLMAP's documentation: ``doc/format.rst`` for the files,
``doc/database.rst`` and ``doc/tutorial.rst`` for pixel coordinates):

- ``cameras.txt``: ``CAMERA_ID PINHOLE WIDTH HEIGHT fx fy cx cy`` in pixels. COLMAP
  puts the image's upper-left corner at (0, 0) and the centre of the upper-left pixel
  at (0.5, 0.5); our ``K`` puts pixel centres at integers, so ``cx = K[0, 2] + 0.5``,
  ``cy = K[1, 2] + 0.5`` (:func:`.images.corner_intrinsics`). Frames with equal
  intrinsics and size share a camera.
- ``images.txt``: ``IMAGE_ID QW QX QY QZ TX TY TZ CAMERA_ID NAME``: the rotation (unit
  quaternion, w first, w >= 0) and translation of world to camera, in COLMAP's camera
  axes, which are OpenCV's (x right, y down, z forward): exactly ``world_to_camera``.
  Scene units. ``NAME`` is the file in ``images/``. The next line lists the 2D points
  ``X Y POINT3D_ID`` (pixel-corner convention) of the 3D points made from that frame,
  in the order of their ``POINT2D_IDX`` (0, 1, ...); empty when the frame has no
  depth.
- ``points3D.txt``: ``POINT3D_ID X Y Z R G B ERROR TRACK[]``: world coordinates of the
  surface seen at the centre of a pixel, from planar depth
  (:meth:`blender_gt_addon.camera.Camera.points_from_depth`), coloured with that
  pixel of the 8-bit image; ``ERROR`` 0 (the point projects onto its pixel centre
  exactly); ``TRACK`` one ``IMAGE_ID POINT2D_IDX`` pair, the frame it was made from
  (points are not merged across frames).
- Which pixels: a regular grid about :data:`POINTS_PER_FRAME` (2,000) pixels a frame,
  every ``s``-th row and column from ``(s // 2, s // 2)`` with
  ``s = ceil(sqrt(W * H / 2000))`` (:func:`grid_stride`), where a surface was hit.
  The options' ``points_per_frame``, when the export options carry one, replaces the
  2,000.
- Numbers are written at full float64 precision (Python's shortest round-trip repr).

Every frame needs the image output and a perspective camera; points need depth.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import reader
from ..camera import Camera
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .common import Notes, Options, atomic_path, make_folder
from .images import (
    PIXEL_CORNER_OFFSET,
    corner_intrinsics,
    frame_names,
    image_8bit,
    perspective_cameras,
    write_png8,
)

__all__ = ["IMAGE_FOLDER", "MODEL_FOLDER", "POINTS_PER_FRAME", "SUFFIX", "frame_points",
           "grid_stride", "quaternion_wxyz", "write"]

IMAGE_FOLDER = "images"
MODEL_FOLDER = "sparse/0"
SUFFIX = "images.txt"  # the file the driver renames last
POINTS_PER_FRAME = Options.points_per_frame  # the default of the option


def _num(value: float) -> str:
    return repr(float(value))


def quaternion_wxyz(rotation: np.ndarray) -> np.ndarray:
    """The unit quaternion ``(w, x, y, z)`` of a 3x3 rotation matrix, ``w >= 0``
    (Shepperd's method: the largest of w, x, y, z is taken from the diagonal)."""
    r = np.asarray(rotation, dtype=np.float64)
    trace = r[0, 0] + r[1, 1] + r[2, 2]
    if trace > 0:
        s = 2.0 * math.sqrt(trace + 1.0)
        q = [0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s,
             (r[1, 0] - r[0, 1]) / s]
    elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
        s = 2.0 * math.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2])
        q = [(r[2, 1] - r[1, 2]) / s, 0.25 * s, (r[0, 1] + r[1, 0]) / s,
             (r[0, 2] + r[2, 0]) / s]
    elif r[1, 1] > r[2, 2]:
        s = 2.0 * math.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2])
        q = [(r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, 0.25 * s,
             (r[1, 2] + r[2, 1]) / s]
    else:
        s = 2.0 * math.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1])
        q = [(r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s,
             0.25 * s]
    q = np.array(q) / np.linalg.norm(q)
    return -q if q[0] < 0 else q


def grid_stride(width: int, height: int, points_per_frame: int = POINTS_PER_FRAME) -> int:
    """The pixel step ``s`` of the sampling grid: ``ceil(sqrt(W * H / points))``, at
    least 1, so the grid holds at most about ``points_per_frame`` pixels."""
    if points_per_frame < 1:
        raise ValueError(f"points_per_frame must be at least 1, not {points_per_frame}")
    return max(1, math.ceil(math.sqrt(width * height / points_per_frame)))


def frame_points(camera: Camera, depth: np.ndarray, rgb: np.ndarray,
                 stride: int) -> dict[str, np.ndarray]:
    """The 3D points of one frame: the pixels of the grid of step ``stride`` (rows and
    columns ``stride // 2, stride // 2 + stride, ...``) where ``depth`` is finite.

    Returns ``xyz`` (N, 3) float64 world coordinates, ``rgb`` (N, 3) uint8 (the
    first three channels of the 8-bit image ``rgb`` at those pixels), and ``xy``
    (N, 2) float64, the pixel centres in COLMAP's convention (col + 0.5, row + 0.5),
    row by row.
    """
    rows = np.arange(stride // 2, camera.height, stride)
    cols = np.arange(stride // 2, camera.width, stride)
    world = camera.points_from_depth(depth)[np.ix_(rows, cols)]
    hit = np.isfinite(world).all(axis=-1)
    rr, cc = np.meshgrid(rows, cols, indexing="ij")
    rr, cc = rr[hit], cc[hit]
    return {"xyz": world[hit], "rgb": np.asarray(rgb)[rr, cc, :3].astype(np.uint8),
            "xy": np.stack([cc, rr], axis=-1).astype(np.float64) + PIXEL_CORNER_OFFSET}


def _colmap_frame(job: tuple[str, str, int | None]) -> dict[str, np.ndarray] | None:
    """Write one frame's image and return its points (in a worker process)."""
    src, target, stride = job
    frame = reader.read(src)
    rgb = image_8bit(frame.image)
    with atomic_path(target) as partial:
        write_png8(partial, rgb)
    if stride is None:
        return None
    return frame_points(frame.camera, frame.depth, rgb, stride)


def cameras_text(cameras: list[Camera]) -> tuple[str, list[int]]:
    """``cameras.txt`` of distinct intrinsics, and each frame's camera id."""
    ids: dict[tuple, int] = {}
    lines = ["# Camera list with one line of data per camera:",
             "#   CAMERA_ID, MODEL, WIDTH, HEIGHT, PARAMS[]",
             "# Pixel-corner convention: the centre of the upper-left pixel is (0.5, 0.5)."]
    frame_ids = []
    for camera in cameras:
        key = (int(camera.width), int(camera.height), *corner_intrinsics(camera))
        if key not in ids:
            ids[key] = len(ids) + 1
            lines.append(f"{ids[key]} PINHOLE {key[0]} {key[1]} "
                         + " ".join(_num(v) for v in key[2:]))
        frame_ids.append(ids[key])
    return "\n".join(lines) + "\n", frame_ids


def _pose(camera: Camera) -> str:
    w2c = np.asarray(camera.world_to_camera, dtype=np.float64)
    return " ".join(_num(v) for v in (*quaternion_wxyz(w2c[:3, :3]), *w2c[:3, 3]))


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write ``images.txt`` to ``path``, ``cameras.txt`` and ``points3D.txt`` beside
    it, and the images into ``images/`` two folders up when ``path`` is in a
    ``sparse/0`` folder, else into ``images/`` beside it.

    Raises:
        ExportError: a frame without a camera, or with an orthographic one.
    """
    cameras = perspective_cameras(frames, "colmap")
    names = frame_names(frames)
    model = path.parent
    depth = Path(MODEL_FOLDER).parts
    root = model.parents[len(depth) - 1] if model.parts[-len(depth):] == depth else model
    make_folder(model)
    make_folder(root / IMAGE_FOLDER)
    wanted = options.points_per_frame
    work = []
    for frame, camera, name in zip(frames, cameras, names, strict=True):
        stride = grid_stride(camera.width, camera.height, wanted) \
            if "depth" in frame.passes else None
        work.append((str(frame.path), str(root / IMAGE_FOLDER / f"{name}.png"), stride))
    points = parallel_map(_colmap_frame, work, jobs=jobs, progress=progress,
                          desc="export colmap")
    cameras_txt, camera_ids = cameras_text(cameras)
    images = ["# Image list with two lines of data per image:",
              "#   IMAGE_ID, QW, QX, QY, QZ, TX, TY, TZ, CAMERA_ID, NAME",
              "#   POINTS2D[] as (X, Y, POINT3D_ID)"]
    points3d = ["# 3D point list with one line of data per point:",
                "#   POINT3D_ID, X, Y, Z, R, G, B, ERROR, TRACK[] as (IMAGE_ID, POINT2D_IDX)"]
    next_id = 1
    for image_id, (camera, name, found) in enumerate(
            zip(cameras, names, points, strict=True), start=1):
        images.append(f"{image_id} {_pose(camera)} {camera_ids[image_id - 1]} {name}.png")
        observed: list[str] = []
        for idx in range(0 if found is None else len(found["xyz"])):
            (x, y), xyz, rgb = found["xy"][idx], found["xyz"][idx], found["rgb"][idx]
            observed.append(f"{_num(x)} {_num(y)} {next_id}")
            points3d.append(f"{next_id} {' '.join(_num(v) for v in xyz)} "
                            f"{' '.join(str(int(c)) for c in rgb)} 0 {image_id} {idx}")
            next_id += 1
        images.append(" ".join(observed))
    with atomic_path(model / "cameras.txt") as partial:
        partial.write_text(cameras_txt)
    with atomic_path(model / "points3D.txt") as partial:
        partial.write_text("\n".join(points3d) + "\n")
    path.write_text("\n".join(images) + "\n")
    notes = Notes({"images": len(frames), "3D points": next_id - 1},
                  files=[model / "cameras.txt", model / "points3D.txt",
                         *(Path(w[1]) for w in work)])
    without = sum(1 for p in points if p is None)
    if without:
        notes["frames without depth (no points)"] = without
    return notes
