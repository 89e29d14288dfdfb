# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenes with known geometry, built and rendered in a child Python with real ``bpy``.

Each public function here is a job for ``blender_gt_addon.bpyjob.run``; it returns
JSON-able facts that the tests compare with what the files say.

The analytic scene (all distances in metres = scene units):
camera at the origin looking down -Z (image up = +Y), 50 mm lens on a 36 mm wide
sensor, 64x48 pixels, so the focal length is 50/36*64 = 88.888... px.

- back plane, facing the camera at z = -10, x in [-2.5, 6], y in [-4, 4]:
  object pass_index 1, material pass_index 3;
- a unit cube turned 45 degrees about Y at (0.9, 1.0, -6): object 2, material 4;
- a cube of side 0.8, centre at z = -8.4 (front face at distance 8), moving
  +0.45 in x and -0.27 in y per frame: 5 px right and 3 px down per frame;
  object 5, material 6;
- an emitting square (colour (1, 0.5, 0.25), strength 2.5) facing the camera at
  (1.5, -0.8, -5): object 7, material 8.
"""

from __future__ import annotations

import math
import os

import bpy
from geometry import (
    BACK, BACK_RECT, BACK_Z, FOCAL_MM, HEIGHT, LAMP, LAMP_CENTRE, LAMP_COLOR, LAMP_HALF,
    LAMP_STRENGTH, MOVING, MOVING_HALF, MOVING_START, SENSOR_MM, TILTED, TILTED_CENTRE, WIDTH,
    moving_centre,
)


def _reset() -> bpy.types.Scene:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    import blender_gt_addon

    blender_gt_addon.register()
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 4
    scene.cycles.use_denoising = False
    scene.cycles.use_adaptive_sampling = False
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.render.resolution_percentage = 100
    scene.render.use_motion_blur = False
    scene.frame_start, scene.frame_end = 1, 3
    return scene


def _material(name: str, pass_index: int, emission=None):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    mat.pass_index = pass_index
    if emission is not None:
        color, strength = emission
        nodes = mat.node_tree.nodes
        for node in list(nodes):
            nodes.remove(node)
        emit = nodes.new("ShaderNodeEmission")
        emit.inputs["Color"].default_value = (*color, 1.0)
        emit.inputs["Strength"].default_value = strength
        out = nodes.new("ShaderNodeOutputMaterial")
        mat.node_tree.links.new(emit.outputs[0], out.inputs["Surface"])
    return mat


def _object(name, mesh, location, pass_index, material, rotation=(0, 0, 0)):
    mesh.materials.append(material)
    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    obj.rotation_euler = rotation
    obj.pass_index = pass_index
    bpy.context.scene.collection.objects.link(obj)
    return obj


def _rect(name, x0, x1, y0, y1):
    """A rectangle in the XY plane whose normal is +Z (towards the camera)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(x0, y0, 0), (x1, y0, 0), (x1, y1, 0), (x0, y1, 0)], [], [(0, 1, 2, 3)])
    mesh.update()
    return mesh


def _cube(name, size):
    import bmesh

    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=size)
    bm.to_mesh(mesh)
    bm.free()
    return mesh


def build_analytic_scene() -> bpy.types.Scene:
    """The scene described in the module docstring, on frame 1."""
    scene = _reset()
    cam_data = bpy.data.cameras.new("Camera")
    cam_data.lens, cam_data.sensor_width, cam_data.sensor_fit = FOCAL_MM, SENSOR_MM, "HORIZONTAL"
    cam = bpy.data.objects.new("Camera", cam_data)
    scene.collection.objects.link(cam)
    scene.camera = cam

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.rotation_euler = (0.3, 0.2, 0)
    scene.collection.objects.link(sun)

    name, ob_index, ma_index = BACK
    _object(name, _rect(name, *BACK_RECT), (0, 0, BACK_Z), ob_index,
            _material(name + "Mat", ma_index))
    name, ob_index, ma_index = TILTED
    _object(name, _cube(name, 1.0), TILTED_CENTRE, ob_index, _material(name + "Mat", ma_index),
            rotation=(0, math.radians(45), 0))
    name, ob_index, ma_index = MOVING
    moving = _object(name, _cube(name, 2 * MOVING_HALF), MOVING_START, ob_index,
                     _material(name + "Mat", ma_index))
    for frame in (1, 2, 3):
        moving.location = moving_centre(frame)
        moving.keyframe_insert("location", frame=frame)
    for fcurve in _fcurves(moving):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"
    name, ob_index, ma_index = LAMP
    h = LAMP_HALF
    _object(name, _rect(name, -h, h, -h, h), LAMP_CENTRE, ob_index,
            _material(name + "Mat", ma_index, emission=(LAMP_COLOR, LAMP_STRENGTH)))
    scene.frame_set(1)
    return scene


def _fcurves(obj):
    action = obj.animation_data.action
    if hasattr(action, "fcurves"):
        return action.fcurves
    # Blender 5.0: slotted actions keep fcurves in layers/strips/channelbags.
    return [fc for layer in action.layers for strip in layer.strips
            for bag in strip.channelbags for fc in bag.fcurves]


def _enable_all(scene, directory, prefix="gt_", **overrides):
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = prefix
    for key in ("image", "depth", "normal", "flow", "emission", "object_index",
                "material_index"):
        setattr(gt, f"use_{key}", overrides.get(key, True))


def _inventory(scene) -> dict:
    """The compositor as data: nodes with their marks, and links."""
    from blender_gt_addon.blender import compat

    tree, _ = compat.compositor_tree(scene, create=False)
    if tree is None:
        return {"nodes": [], "links": []}
    nodes = [
        {
            "name": n.name,
            "type": n.bl_idname,
            "owner": n.get("blender_gt"),
            "location": [round(v, 3) for v in n.location],
            "label": n.label,
            "mute": n.mute,
        }
        for n in tree.nodes
    ]
    links = sorted(
        [l.from_node.name, l.from_socket.identifier, l.to_node.name, l.to_socket.identifier]
        for l in tree.links
    )
    return {"nodes": nodes, "links": links}


def render_analytic(directory: str, animation: bool = True, prefix: str = "gt_",
                    precision: str = "HALF", codec: str = "ZIP") -> dict:
    """Render the analytic scene with every output on; frames 1-3 or a still of frame 2."""
    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    _enable_all(scene, directory, prefix)
    scene.groundtruth.precision = precision
    scene.groundtruth.codec = codec
    import time

    start = time.perf_counter()
    if animation:
        bpy.ops.render.render(animation=True)
    else:
        scene.frame_set(2)
        bpy.ops.render.render(write_still=True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "files": sorted(os.listdir(directory)),
        "version": bpy.app.version_string,
        "owned_passes": scene.groundtruth.owned_passes,
    }
