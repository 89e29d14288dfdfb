# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The point-track scene's numbers and projection (``scenes_tracks.py``). No ``bpy``.

Camera at the origin looking down -Z (image up = +Y), 50 mm lens on a 36 mm sensor over
80 x 48 px: f = 111.11 px, principal point (39.5, 23.5) in OpenCV pixel coordinates
(integers at pixel centres). Frames 1..8:

- ``Back``: a plane facing the camera at z = -10 behind everything;
- ``Mover``: a cube of side 0.8 whose centre moves from (-2.1, 0, -8.4) by +0.72 in x a
  frame (its front face at depth 8: 10 px a frame to the right); it passes behind
- ``Wall``: a rectangle facing the camera at z = -5, x in [-0.2, 0.3], y in [-0.5, 0.5],
  and leaves the image on the right in frame 8;
- ``CopyTop``, ``CopyBottom``: two empties instancing the collection ``Pebbles`` (one
  cube ``Pebble`` of side 0.5), moving +0.36 and -0.36 in x a frame at y = +1.25 and
  -1.25, z = -8 (copies ``CopyTop/Pebble#0`` and ``CopyBottom/Pebble#0``);
- ``Sheet``: a square of side 0.6 at (2.2, 0.9, -7) facing the camera, whose shape key
  moves every vertex +0.3 in y from frame 1 (value 0) to frame 8 (value 1): it deforms.
"""

from __future__ import annotations

WIDTH, HEIGHT = 80, 48
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH
CX, CY = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
FRAMES = tuple(range(1, 9))

BACK_Z = -10.0
MOVER_HALF = 0.4
MOVER_START = (-2.1, 0.0, -8.4)
MOVER_STEP = 0.72
WALL_Z = -5.0
WALL_RECT = (-0.2, 0.3, -0.5, 0.5)  # x0, x1, y0, y1
PEBBLE_HALF = 0.25
COPIES = {"CopyTop": ((-1.5, 1.25, -8.0), 0.36), "CopyBottom": ((1.5, -1.25, -8.0), -0.36)}
SHEET_CENTRE = (2.2, 0.9, -7.0)
SHEET_HALF = 0.3
SHEET_LIFT = 0.3


def project(x: float, y: float, z: float) -> tuple[float, float]:
    """OpenCV pixel coordinates (u, v) of the world point (x, y, z), z < 0."""
    return CX + FOCAL_PX * x / -z, CY - FOCAL_PX * y / -z


def mover_centre(frame: int) -> tuple[float, float, float]:
    x, y, z = MOVER_START
    return (x + MOVER_STEP * (frame - 1), y, z)


def copy_centre(name: str, frame: int) -> tuple[float, float, float]:
    (x, y, z), step = COPIES[name]
    return (x + step * (frame - 1), y, z)


def wall_columns() -> tuple[float, float]:
    """The image columns (u) the wall covers."""
    x0, x1, _, _ = WALL_RECT
    return project(x0, 0.0, WALL_Z)[0], project(x1, 0.0, WALL_Z)[0]


def wall_rows() -> tuple[float, float]:
    _, _, y0, y1 = WALL_RECT
    return project(0.0, y1, WALL_Z)[1], project(0.0, y0, WALL_Z)[1]
