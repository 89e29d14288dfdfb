# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A stereo scene (issue 25), built and rendered in a child Python with ``bpy``.

A still camera at the origin looking down -Z (``scenes.pinhole_camera``) sees a
fronto-parallel wall at depth ``WALL_Z``, a fronto-parallel card in front of it at
``CARD_Z`` on the left, and a ramp turned about the vertical axis on the right. The
add-on's *Stereo pair* is ticked (a parallel rig, baseline ``BASELINE``).

Over frames 1-2 the card moves along the optical axis, from depth ``CARD_Z`` to
``CARD_Z_NEXT``, and a strip low in the picture is bent by a shape key (it deforms:
its pose stays, its mesh changes).
"""

from __future__ import annotations

import math
import os

import bpy
from geometry_stereo import (
    BASELINE,
    CARD_X,
    CARD_Z,
    CARD_Z_NEXT,
    FOCAL_MM,
    RAMP_CENTRE,
    RAMP_TURN,
    RESOLUTION,
    SENSOR_MM,
    STRIP_LIFT,
    STRIP_Z,
    WALL_Z,
)
from scenes import _fcurves, _material, _object, _rect, _reset, pinhole_camera


def _linear(owner) -> None:
    for fcurve in _fcurves(owner):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"


def render_stereo(directory: str, pivot: str = "LEFT") -> dict:
    """Frame 1 of the scene into ``directory`` (prefix ``s_``): image, depth, position
    and instance ids for both views. Returns the files and the scene's multiview
    switch before ticking, after ticking and after unticking."""
    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = RESOLUTION
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 2
    scene.cycles.filter_width = 0.01
    camera = pinhole_camera(scene, FOCAL_MM, SENSOR_MM)
    _object("Wall", _rect("Wall", -8, 8, -6, 6), (0, 0, -WALL_Z), 1, _material("WallMat", 1))
    card = _object("Card", _rect("Card", CARD_X[0], CARD_X[1], -0.8, 0.8), (0, 0, -CARD_Z), 2,
                   _material("CardMat", 2))
    for frame, z in ((1, CARD_Z), (2, CARD_Z_NEXT)):
        card.location = (0, 0, -z)
        card.keyframe_insert("location", frame=frame)
    strip = _object("Strip", _rect("Strip", -1.5, 1.5, -2.3, -1.9), (0, 0, -STRIP_Z), 4,
                    _material("StripMat", 4))
    strip.shape_key_add(name="Basis")
    lift = strip.shape_key_add(name="Lift")
    for point in lift.data:
        point.co.z += STRIP_LIFT * (point.co.x + 1.5) / 3.0  # bent: its right end lifts
    for frame, value in ((1, 0.0), (2, 1.0)):
        lift.value = value
        lift.keyframe_insert("value", frame=frame)
    _linear(card)
    _linear(strip.data.shape_keys)
    _object("Ramp", _rect("Ramp", -0.8, 0.8, -1.0, 1.0), RAMP_CENTRE, 3,
            _material("RampMat", 3), rotation=(0.0, math.radians(RAMP_TURN), 0.0))
    camera.data.stereo.interocular_distance = BASELINE
    camera.data.stereo.pivot = pivot
    camera.data.stereo.convergence_mode = "OFFAXIS"  # the add-on sets Parallel
    before = scene.render.use_multiview
    scene.frame_start, scene.frame_end = 1, 2
    scene.frame_set(1)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "s_"
    gt.use_image = gt.use_depth = gt.use_position = gt.use_instance_id = gt.use_flow = True
    gt.use_stereo = True
    ticked = (scene.render.use_multiview, scene.render.views_format,
              camera.data.stereo.convergence_mode)
    bpy.ops.render.render(animation=True)
    files = sorted(os.listdir(directory))
    gt.use_stereo = False
    return {"files": files, "before": before, "ticked": list(ticked),
            "unticked": scene.render.use_multiview, "version": bpy.app.version_string}


def render_off_axis(directory: str) -> dict:
    """The scene with the user's own multiview on and an off-axis rig: what the
    add-on says, and what it writes."""
    from blender_gt_addon.blender import checks

    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = 32, 24
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 1
    camera = pinhole_camera(scene, FOCAL_MM, SENSOR_MM)
    _object("Wall", _rect("Wall", -8, 8, -6, 6), (0, 0, -WALL_Z), 1, _material("WallMat", 1))
    scene.render.use_multiview = True
    scene.render.views_format = "STEREO_3D"
    camera.data.stereo.convergence_mode = "OFFAXIS"
    scene.frame_start = scene.frame_end = 1
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "o_"
    gt.use_image = gt.use_depth = True
    problems = [(p.level, p.message) for p in checks.problems(scene)]
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "problems": problems}
