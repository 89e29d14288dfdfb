# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stereo scene's geometry (``scenes_stereo``), without ``bpy``: what the tests
compare the renders with. Depths are planar, scene units; x in the camera's axes."""

from __future__ import annotations

RESOLUTION = (96, 64)
FOCAL_MM, SENSOR_MM = 35.0, 32.0
FX = FOCAL_MM / SENSOR_MM * RESOLUTION[0]  # pixels
BASELINE = 0.2
WALL_Z, CARD_Z, CARD_Z_NEXT = 10.0, 4.0, 3.5  # planar depths (the card's at frames 1, 2)
CARD_X = (-1.2, -0.2)  # the card's left and right edges, x in the camera's axes
RAMP_CENTRE, RAMP_TURN = (1.8, 0.0, -7.0), 30.0  # degrees about the camera's y axis
STRIP_Z, STRIP_LIFT = 8.0, 0.6  # the strip's depth; its shape key moves it nearer by this
