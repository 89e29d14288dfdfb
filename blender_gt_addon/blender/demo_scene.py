# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo's street scene, built from scratch and rendered inside Blender.

A car (a box body with a cabin and wheels) drives to the right across a ground plane,
past a crate and a post; its two red brake lights switch on halfway through. Every
ground-truth output is on. :func:`render_demo` runs in the child Python of
``python -m blender_gt_addon.demo`` (see :mod:`blender_gt_addon.demo` and
:mod:`blender_gt_addon.bpyjob`); the benchmarks build their scene with it too.

Scene units are metres; the car moves :data:`CAR_SPEED` m per frame along +x and is
at x = 0 on the middle frame ``1 + frames // 2``, from which on the brake lights are
on. Objects and materials carry the pass indices in :data:`OBJECTS` and
:data:`MATERIALS` (the legends of the index outputs).

``bpy`` is imported when the scene is built, not when this module is imported, so
:mod:`blender_gt_addon.demo` can name these without Blender.
"""

from __future__ import annotations

import math
import os
import time

from .. import outputs

__all__ = ["BRAKE_STRENGTH", "CAR_SPEED", "MATERIALS", "OBJECTS", "render_demo"]

# pass_index of each object and material: the legends of the index outputs.
OBJECTS = {
    "Ground": 1, "CarBody": 2, "CarCabin": 3, "Wheels": 4,
    "BrakeLightL": 5, "BrakeLightR": 6, "Crate": 7, "Post": 8,
}
MATERIALS = {"Asphalt": 1, "CarPaint": 2, "Glass": 3, "Rubber": 4, "BrakeLight": 5,
             "Wood": 6, "Concrete": 7}
CAR_SPEED = 0.6          # metres per frame, along +x
BRAKE_STRENGTH = 12.0    # emission strength of a lit brake light


def render_demo(directory: str, frames: int = 5, width: int = 320, height: int = 240,
                samples: int = 16) -> dict:
    """Build the demo scene from scratch and render frames 1..``frames`` (runs in the child).

    Writes ``<directory>/0001.exr`` ... (the ground truth) and ``beauty_0001.png`` ...
    (Blender's ordinary render output) at ``width`` x ``height`` pixels with
    ``samples`` Cycles samples.

    Returns JSON-able facts: the files written, render seconds, Blender's version,
    the objects' and materials' pass indices and the frame the brake lights go on.
    """
    import bpy

    from .. import register

    bpy.ops.wm.read_factory_settings(use_empty=True)
    register()
    scene = bpy.context.scene
    _set_up_render(scene, frames, width, height, samples)
    middle = 1 + frames // 2
    brake_on = middle
    _add_world(scene)
    _add_ground(scene)
    _add_car(scene, frames, middle, brake_on)
    _add_props(scene)
    _add_sun_and_camera(scene)
    _set_up_outputs(scene, directory)

    start = time.perf_counter()
    bpy.ops.render.render(animation=True)
    seconds = time.perf_counter() - start
    return {
        "files": sorted(os.listdir(directory)),
        "seconds": round(seconds, 2),
        "blender": bpy.app.version_string,
        "objects": {o.name: o.pass_index for o in bpy.data.objects if o.type == "MESH"},
        "materials": {m.name: m.pass_index for m in bpy.data.materials},
        "frames": [1, frames],
        "brake_lights_on_from": brake_on,
    }


# ------------------------------------------------------------------ the scene


def _set_up_render(scene, frames: int, width: int, height: int, samples: int) -> None:
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 4
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    scene.render.use_motion_blur = False  # the Vector pass is empty with motion blur
    scene.frame_start, scene.frame_end = 1, frames


def _add_world(scene) -> None:
    import bpy

    world = bpy.data.worlds.new("Sky")
    world.use_nodes = True
    background = world.node_tree.nodes["Background"]
    background.inputs["Color"].default_value = (0.45, 0.6, 0.85, 1.0)
    background.inputs["Strength"].default_value = 0.8
    scene.world = world


def _add_ground(scene) -> None:
    import bpy

    # A 24 m square, so the sky shows above its far edge (depth = inf there).
    ground = bpy.data.meshes.new("Ground")
    ground.from_pydata([(-12, -8, 0), (12, -8, 0), (12, 16, 0), (-12, 16, 0)], [],
                       [(0, 1, 2, 3)])
    _place(scene, "Ground", ground, (0, 0, 0), _material("Asphalt", (0.12, 0.12, 0.13), 0.9))


def _add_car(scene, frames: int, middle: int, brake_on: int) -> None:
    """The car, 3.6 m long, driving along +x; everything else is parented to the body."""
    paint = _material("CarPaint", (0.05, 0.2, 0.7), 0.3, 0.4)
    body = _box(scene, "CarBody", (3.6, 1.7, 0.6), (0.0, 0.0, 0.65), paint)
    _box(scene, "CarCabin", (1.9, 1.5, 0.5), (-0.3, 0.0, 0.55),
         _material("Glass", (0.02, 0.03, 0.04), 0.05), parent=body)
    _cylinders(scene, "Wheels", [(x, y, -0.3) for x in (-1.15, 1.15) for y in (-0.82, 0.82)],
               0.36, 0.24, _material("Rubber", (0.02, 0.02, 0.02), 0.8), parent=body)
    brake = _material("BrakeLight", (0.35, 0.0, 0.0), 0.3)
    bsdf = brake.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Emission Color"].default_value = (1.0, 0.0, 0.0, 1.0)
    # Lights at the rear corners, sticking out a little behind and to the sides.
    for name, y in (("BrakeLightL", 0.62), ("BrakeLightR", -0.62)):
        _box(scene, name, (0.1, 0.42, 0.16), (-1.82, y, 0.15), brake, parent=body)

    for frame in (1, frames):
        body.location.x = (frame - middle) * CAR_SPEED
        body.keyframe_insert("location", index=0, frame=frame)
    for fcurve in _fcurves(body):
        # Constant speed, also past the last frame, so its flow is right too.
        fcurve.extrapolation = "LINEAR"
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"
    # Brake lights: off, then on from ``brake_on``, with no fade in between.
    strength = bsdf.inputs["Emission Strength"]
    for frame, value in ((1, 0.0), (brake_on, BRAKE_STRENGTH)):
        strength.default_value = value
        strength.keyframe_insert("default_value", frame=frame)
    for fcurve in _fcurves(brake.node_tree):
        for key in fcurve.keyframe_points:
            key.interpolation = "CONSTANT"


def _add_props(scene) -> None:
    """Static things by the road: a crate and a post."""
    _box(scene, "Crate", (1.0, 1.0, 1.0), (2.8, -1.0, 0.5),
         _material("Wood", (0.45, 0.25, 0.08), 0.7), rotation_z=math.radians(25))
    post = _cylinders(scene, "Post", [(0.0, 0.0, 1.1)], 0.18, 2.2,
                      _material("Concrete", (0.6, 0.6, 0.58), 0.8), axis="Z")
    post.location = (-2.0, 2.0, 0.0)


def _add_sun_and_camera(scene) -> None:
    import bpy
    import mathutils

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.data.energy = 3.0
    sun.data.angle = math.radians(3)
    sun.rotation_euler = (math.radians(40), math.radians(10), math.radians(-30))
    scene.collection.objects.link(sun)

    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    cam.data.lens = 40.0
    cam.location = (-5.5, -8.0, 3.0)
    aim = mathutils.Vector((0.3, 0.5, 0.6)) - cam.location
    cam.rotation_euler = aim.to_track_quat("-Z", "Y").to_euler()
    scene.collection.objects.link(cam)
    scene.camera = cam


def _set_up_outputs(scene, directory: str) -> None:
    """Every ground-truth output into ``directory``, beauty PNGs beside them; the crisp
    image only with motion blur, the rolling-shutter outputs only with Cycles' rolling
    shutter (without them, they are the image, depth, position and index again)."""
    gt = scene.groundtruth
    gt.directory = directory.rstrip("/\\") + "/"
    gt.file_prefix = ""
    blurred = scene.render.use_motion_blur
    rolling = blurred and scene.cycles.rolling_shutter_type != "NONE"
    for o in outputs.OUTPUTS:
        wanted = {"crisp_image": blurred}.get(o.key, rolling if o.key in outputs.ROLLING_KEYS
                                              else True)
        setattr(gt, f"use_{o.key}", wanted)
    if gt.last_error:
        raise RuntimeError(gt.last_error)
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.render.image_settings.file_format = "PNG"


# ------------------------------------------------------------ building blocks


def _material(name: str, color, roughness: float = 0.5, metallic: float = 0.0):
    """A Principled material with the pass index of ``name`` in :data:`MATERIALS`."""
    import bpy

    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    mat.pass_index = MATERIALS[name]
    bsdf = mat.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Base Color"].default_value = (*color, 1.0)
    bsdf.inputs["Roughness"].default_value = roughness
    bsdf.inputs["Metallic"].default_value = metallic
    return mat


def _place(scene, name: str, mesh, location, mat, parent=None, rotation_z: float = 0.0):
    """An object of ``mesh`` in ``scene``, with the pass index of ``name`` in :data:`OBJECTS`."""
    import bpy

    mesh.materials.append(mat)
    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    obj.rotation_euler = (0.0, 0.0, rotation_z)
    obj.pass_index = OBJECTS[name]
    obj.parent = parent
    scene.collection.objects.link(obj)
    return obj


def _box(scene, name: str, size, location, mat, parent=None, rotation_z: float = 0.0):
    """A box of ``size`` (x, y, z metres) centred on ``location``."""
    import bmesh
    import bpy

    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=1.0)
    bmesh.ops.scale(bm, vec=size, verts=bm.verts)
    bm.to_mesh(mesh)
    bm.free()
    return _place(scene, name, mesh, location, mat, parent, rotation_z)


def _cylinders(scene, name: str, centres, radius: float, depth: float, mat, parent=None,
               axis: str = "Y"):
    """One object of 24-sided cylinders along ``axis`` ("Y" or "Z") at ``centres``."""
    import bmesh
    import bpy
    import mathutils

    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    turn = {"Y": mathutils.Matrix.Rotation(math.pi / 2, 4, "X"),
            "Z": mathutils.Matrix.Identity(4)}[axis]
    for centre in centres:
        matrix = mathutils.Matrix.Translation(centre) @ turn
        bmesh.ops.create_cone(bm, cap_ends=True, segments=24, radius1=radius,
                              radius2=radius, depth=depth, matrix=matrix)
    bm.to_mesh(mesh)
    bm.free()
    for poly in mesh.polygons:
        poly.use_smooth = len(poly.vertices) == 4  # smooth sides, flat caps
    return _place(scene, name, mesh, (0, 0, 0), mat, parent)


def _fcurves(animated) -> list:
    """The F-curves of ``animated``'s action, on every Blender version."""
    from . import compat

    return compat.action_fcurves(animated.animation_data.action)
