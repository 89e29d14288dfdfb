# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scene for ``blender-gt check``, built and rendered in a child Python with ``bpy``.

A camera moving and turning (Track To a fixed target) over frames 1-3 above a ground
plane with spheres, a static tilted cube, and a cube that moves and spins; depth,
flow, instance ids and the image written, each frame's poses in its header. A pixel
filter of 0.01 px puts every sample at the pixel centre, where ``check`` takes depth.
"""

from __future__ import annotations

import math
import os

import bpy
from scenes import _cube, _fcurves, _material, _object, _rect, _reset, tracking_camera

RESOLUTION = (160, 120)
CAMERA = {1: (0.0, -8.0, 2.0), 2: (0.5, -7.4, 2.3), 3: (1.1, -6.9, 2.5)}  # per frame
TARGET = (0.0, 0.5, 0.5)  # the camera tracks this point
SPHERES = ((-1.5, 1.0, 0.6), (1.2, 0.5, 1.0), (0.0, 2.0, 0.3), (-0.4, -1.5, 1.2))
SPINNER = {1: ((1.8, -0.5, 0.6), 0.0), 2: ((2.0, -0.4, 0.7), 12.0),
           3: ((2.2, -0.3, 0.8), 24.0)}  # per frame: location, turn about z in degrees


def _linear(obj) -> None:
    for fcurve in _fcurves(obj):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"


def render_moving_camera(directory: str, spinner: bool = True) -> dict:
    """Frames 1-3 of the scene above into ``directory`` (prefix ``c_``)."""
    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = RESOLUTION
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 2
    scene.cycles.filter_width = 0.01
    cam = tracking_camera(scene, CAMERA, TARGET)
    cam.data.lens = 30.0
    _linear(cam)

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    _object("Ground", _rect("Ground", -40, 40, -40, 40), (0, 0, 0), 1,
            _material("GroundMat", 1))
    import bmesh

    for i, centre in enumerate(SPHERES, start=1):
        mesh = bpy.data.meshes.new(f"Ball{i}")
        bm = bmesh.new()
        bmesh.ops.create_uvsphere(bm, u_segments=32, v_segments=16, radius=0.4)
        bm.to_mesh(mesh)
        bm.free()
        _object(f"Ball{i}", mesh, centre, 1 + i, _material(f"BallMat{i}", 2))
    _object("Tilted", _cube("Tilted", 0.8), (-2.0, 2.5, 0.8), 8, _material("TiltedMat", 3),
            rotation=(0.3, 0.5, 0.7))
    if spinner:
        spin = _object("Spinner", _cube("Spinner", 0.7), SPINNER[1][0], 9,
                       _material("SpinnerMat", 4))
        for frame, (location, degrees) in SPINNER.items():
            spin.location = location
            spin.rotation_euler = (0.0, 0.0, math.radians(degrees))
            spin.keyframe_insert("location", frame=frame)
            spin.keyframe_insert("rotation_euler", frame=frame)
        _linear(spin)
    scene.frame_start, scene.frame_end = 1, 3
    scene.frame_set(1)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "c_"
    gt.use_image = gt.use_depth = gt.use_flow = gt.use_instance_id = True
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "version": bpy.app.version_string}
