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


# The bent scene (issue 28.11): a strip bent by a two-bone armature in front of a
# static back plane, seen by a still camera at the origin looking down -Z.
BENT_RESOLUTION = (64, 48)
BENT_FOCAL_MM, BENT_SENSOR_MM = 35.0, 32.0
BENT_Z = -6.0  # the strip's plane
BENT_BACK_Z = -10.0
BENT_TURN = 25.0  # degrees the tip bone turns about the joint from frame 1 to 2


def render_bent(directory: str) -> dict:
    """Frames 1-2 of the bent scene into ``directory`` (prefix ``b_``): depth, flow and
    instance ids; the strip's mesh hash differs between the frames, its pose does not."""
    from scenes import pinhole_camera

    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = BENT_RESOLUTION
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 2
    scene.cycles.filter_width = 0.01
    pinhole_camera(scene, BENT_FOCAL_MM, BENT_SENSOR_MM)
    _object("Back", _rect("Back", -8, 8, -6, 6), (0, 0, BENT_BACK_Z), 1,
            _material("BackMat", 1))
    # The strip: 12 quads along x from -1.5 to 1.5, 0.6 high, in the plane z = BENT_Z.
    xs = [-1.5 + 0.25 * i for i in range(13)]
    verts = [(x, y, BENT_Z) for x in xs for y in (-0.3, 0.3)]
    faces = [(2 * i, 2 * i + 2, 2 * i + 3, 2 * i + 1) for i in range(12)]
    mesh = bpy.data.meshes.new("Body")
    mesh.from_pydata(verts, [], faces)
    mesh.update()
    body = _object("Body", mesh, (0, 0, 0), 2, _material("BodyMat", 2))

    arm = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    scene.collection.objects.link(arm)
    bpy.context.view_layer.objects.active = arm
    bpy.ops.object.mode_set(mode="EDIT")
    root = arm.data.edit_bones.new("Root")
    root.head, root.tail = (-1.5, 0, BENT_Z), (0, 0, BENT_Z)
    tip = arm.data.edit_bones.new("Tip")
    tip.head, tip.tail = (0, 0, BENT_Z), (1.5, 0, BENT_Z)
    tip.parent = root
    bpy.ops.object.mode_set(mode="OBJECT")
    for name, side in (("Root", lambda x: x <= 0), ("Tip", lambda x: x > 0)):
        group = body.vertex_groups.new(name=name)
        group.add([i for i, v in enumerate(verts) if side(v[0])], 1.0, "REPLACE")
    modifier = body.modifiers.new("Rig", "ARMATURE")
    modifier.object = arm
    bone = arm.pose.bones["Tip"]
    bone.rotation_mode = "XYZ"
    for frame, degrees in ((1, 0.0), (2, BENT_TURN)):
        bone.rotation_euler = (0.0, 0.0, math.radians(degrees))
        bone.keyframe_insert("rotation_euler", frame=frame)
    scene.frame_start, scene.frame_end = 1, 2
    scene.frame_set(1)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "b_"
    gt.use_image = gt.use_depth = gt.use_flow = gt.use_instance_id = True
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "version": bpy.app.version_string}
