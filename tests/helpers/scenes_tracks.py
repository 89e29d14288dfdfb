# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The point-track scene (``geometry_tracks.py``), built and rendered in a child Python
with ``bpy``: frames 1-8 at 80 x 48, image, depth, position and instance ids, a pixel
filter of 0.01 px (every sample at the pixel centre, where depth is compared)."""

from __future__ import annotations

import os

import bpy
from geometry_tracks import (
    BACK_Z,
    COPIES,
    FOCAL_MM,
    FRAMES,
    HEIGHT,
    MOVER_HALF,
    PEBBLE_HALF,
    SENSOR_MM,
    SHEET_CENTRE,
    SHEET_HALF,
    SHEET_LIFT,
    WALL_RECT,
    WALL_Z,
    WIDTH,
    copy_centre,
    mover_centre,
)
from scenes import _cube, _fcurves, _material, _object, _rect, _reset, pinhole_camera


def _linear(ids) -> None:
    for fcurve in _fcurves(ids):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"


def render_tracks(directory: str, prefix: str = "t_") -> dict:
    """Frames 1-8 of the scene of ``geometry_tracks`` into ``directory``."""
    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 2
    scene.cycles.filter_width = 0.01
    scene.frame_start, scene.frame_end = FRAMES[0], FRAMES[-1]
    pinhole_camera(scene, FOCAL_MM, SENSOR_MM)

    _object("Back", _rect("Back", -6, 6, -4, 4), (0, 0, BACK_Z), 1, _material("BackMat", 1))
    _object("Wall", _rect("Wall", *WALL_RECT), (0, 0, WALL_Z), 2, _material("WallMat", 2))
    mover = _object("Mover", _cube("Mover", 2 * MOVER_HALF), mover_centre(1), 3,
                    _material("MoverMat", 3))
    for frame in FRAMES:
        mover.location = mover_centre(frame)
        mover.keyframe_insert("location", frame=frame)
    _linear(mover)

    pebbles = bpy.data.collections.new("Pebbles")
    pebble = bpy.data.objects.new("Pebble", _cube("Pebble", 2 * PEBBLE_HALF))
    pebble.data.materials.append(_material("PebbleMat", 4))
    pebble.pass_index = 4
    pebbles.objects.link(pebble)  # only inside the collection
    for name in COPIES:
        empty = bpy.data.objects.new(name, None)
        empty.instance_type = "COLLECTION"
        empty.instance_collection = pebbles
        scene.collection.objects.link(empty)
        for frame in FRAMES:
            empty.location = copy_centre(name, frame)
            empty.keyframe_insert("location", frame=frame)
        _linear(empty)

    h = SHEET_HALF
    sheet = _object("Sheet", _rect("Sheet", -h, h, -h, h), SHEET_CENTRE, 5,
                    _material("SheetMat", 5))
    sheet.shape_key_add(name="Basis")
    lift = sheet.shape_key_add(name="Lift")
    for point in lift.data:
        point.co.y += SHEET_LIFT
    for frame, value in ((FRAMES[0], 0.0), (FRAMES[-1], 1.0)):
        lift.value = value
        lift.keyframe_insert("value", frame=frame)
    _linear(sheet.data.shape_keys)

    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = prefix
    gt.use_image = gt.use_depth = gt.use_position = gt.use_instance_id = True
    scene.frame_set(FRAMES[0])
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "version": bpy.app.version_string}
