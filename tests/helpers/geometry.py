# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The analytic test scene's numbers and its pinhole projection. No ``bpy``.

Shared by ``scenes.py`` (which builds the scene in Blender) and the tests (which
predict from these numbers what each pixel must hold).

Camera at the origin looking down -Z, image up = +Y; a 50 mm lens on a 36 mm
wide sensor over 64 px gives a focal length of 88.888... px; the principal point
is the image centre (32, 24) in continuous pixel coordinates, where pixel (col, row)
covers [col, col+1) x [row, row+1) and row 0 is the top.
"""

from __future__ import annotations

WIDTH, HEIGHT = 64, 48
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH

# (name, object pass_index, material pass_index)
BACK = ("Back", 1, 3)
TILTED = ("Tilted", 2, 4)
MOVING = ("Moving", 5, 6)
LAMP = ("Lamp", 7, 8)

BACK_Z = -10.0
BACK_RECT = (-2.5, 6.0, -4.0, 4.0)  # x0, x1, y0, y1 in the plane z = BACK_Z

TILTED_CENTRE = (0.9, 1.0, -6.0)  # unit cube turned +45 degrees about +Y

MOVING_HALF = 0.4
MOVING_START = (-1.3, -1.0, -8.4)  # frame 1; front face at distance 8.0
MOVING_STEP = (0.45, -0.27, 0.0)  # per frame: 0.45 * f / 8 = 5 px right, 0.27 * f / 8 = 3 px down

LAMP_CENTRE = (1.5, -0.8, -5.0)
LAMP_HALF = 0.3
LAMP_COLOR = (1.0, 0.5, 0.25)
LAMP_STRENGTH = 2.5


def project(x: float, y: float, z: float) -> tuple[float, float]:
    """Continuous pixel coordinates (col, row) of the camera-space point (x, y, z), z < 0."""
    depth = -z
    return WIDTH / 2 + FOCAL_PX * x / depth, HEIGHT / 2 - FOCAL_PX * y / depth


def moving_centre(frame: int) -> tuple[float, float, float]:
    i = frame - 1
    return tuple(s + i * d for s, d in zip(MOVING_START, MOVING_STEP, strict=True))


def interior(col0: float, col1: float, row0: float, row1: float, margin: int = 2):
    """Slices of the pixels whose centres lie inside the box by at least ``margin`` px."""
    import math

    c0, c1 = math.ceil(min(col0, col1) + margin - 0.5), math.floor(max(col0, col1) - margin - 0.5)
    r0, r1 = math.ceil(min(row0, row1) + margin - 0.5), math.floor(max(row0, row1) - margin - 0.5)
    assert c0 <= c1 and r0 <= r1, "box too small for that margin"
    return slice(r0, r1 + 1), slice(c0, c1 + 1)


def rect_interior(x0, x1, y0, y1, z, margin: int = 2):
    """Interior pixel slices (rows, cols) of a camera-facing rectangle at height z."""
    (ca, ra), (cb, rb) = project(x0, y0, z), project(x1, y1, z)
    return interior(ca, cb, ra, rb, margin)


# -- The marker scene: a camera with shift, non-square pixels and a Track To
# constraint, moving between frames, over a ground plane with small spheres.
MARKER_RES = (480, 320, 50)  # resolution x, y and percentage: 240 x 160 pixels
MARKER_PIXEL_ASPECT = (1.0, 1.5)
MARKER_LENS, MARKER_SENSOR = 30.0, 36.0
MARKER_SHIFT = (0.08, -0.05)
MARKER_CAMERA = {1: (0.0, -7.0, 1.5), 2: (0.6, -6.4, 1.9)}  # location per frame
MARKER_TARGET = (0.0, 0.5, 0.4)  # the camera tracks this point
MARKER_RADIUS = 0.2
GROUND_COLOR = (0.25, 0.5, 0.75)  # the ground's diffuse base colour, linear
MARKERS = (  # sphere centres; object pass_index = position in this list + 1
    (-1.5, 1.0, 0.6),
    (1.2, 0.5, 1.0),
    (0.0, 2.0, 0.3),
    (-0.4, -1.5, 1.2),
    (2.4, 3.0, 1.6),
)
GROUND_INDEX = 10
