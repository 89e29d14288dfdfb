# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The amodal-mask scene: its numbers and a Blender job (run through ``run_job``).

Camera at the origin looking down -Z (image up = +Y), 50 mm lens on a 36 mm wide
sensor, :data:`WIDTH` x :data:`HEIGHT` pixels, so ``f = 50 / 36 * 160 = 222.2`` px and
the principal point is the image centre (79.5, 59.5), integers at pixel centres.

- "Cube" (pass index 1): side :data:`CUBE_SIDE` at (0, 0, :data:`CUBE_Z`), turned
  :data:`CUBE_TURN_DEG` about the view axis. On the axis, its silhouette is its front
  face (the other faces project inside it): a square of half-diagonal
  ``f * side / sqrt(2) / (-CUBE_Z - side / 2)`` turned by the same angle about the
  principal point, symmetric under a half turn about it.
- "Wall" (pass index 0): a plane facing the camera at z = :data:`WALL_Z` covering
  x < 0: its edge projects onto the column line u = 79.5 through the principal point,
  so it hides exactly the left half of the cube's silhouette (by that symmetry).
- "Holder.A", "Holder.B": empties instancing the collection "Props" (one cube "Box",
  side :data:`BOX_SIDE`, pass index 2, not linked to the scene itself) at
  :data:`HOLDER_A` (right of the wall's edge, in the open) and :data:`HOLDER_B` (left,
  wholly behind the wall).
"""

from __future__ import annotations

import math
import os

WIDTH, HEIGHT = 160, 120
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH
CUBE_SIDE = 0.3
CUBE_Z = -1.5
CUBE_TURN_DEG = 30.0
WALL_Z = -1.0
BOX_SIDE = 0.1
HOLDER_A = (0.3, 0.2, -1.6)
HOLDER_B = (-0.3, -0.2, -1.6)
SAMPLES = 16


def cube_square_uv() -> list[tuple[float, float]]:
    """The four corners (u, v) of the cube's silhouette (its projected front face)."""
    half_diagonal = FOCAL_PX * CUBE_SIDE / math.sqrt(2) / (-CUBE_Z - CUBE_SIDE / 2)
    cu, cv = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
    out = []
    for k in range(4):
        # Corner at 45 + 90 k degrees, turned by CUBE_TURN_DEG; image v points down.
        a = math.radians(45 + 90 * k + CUBE_TURN_DEG)
        out.append((cu + half_diagonal * math.cos(a), cv - half_diagonal * math.sin(a)))
    return out


def render_amodal_scene(directory: str, wall: bool = True, samples: int = SAMPLES,
                        amodal: bool = True) -> dict:
    """Render frame 1 of the scene in the module docstring into ``directory``
    (``am_0001.exr``): image, depth, instance id and amodal masks; ``wall=False``
    renders it without the wall (hidden from rendering)."""
    import bpy
    import scenes

    scene = scenes._reset()
    scene.frame_start = scene.frame_end = 1
    scene.cycles.samples = samples
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scenes.pinhole_camera(scene, FOCAL_MM, SENSOR_MM)

    scenes._object("Cube", scenes._cube("Cube", CUBE_SIDE), (0, 0, CUBE_Z), 1,
                   scenes._material("CubeMat", 1), rotation=(0, 0, math.radians(CUBE_TURN_DEG)))
    w = scenes._object("Wall", scenes._rect("Wall", -3.0, 0.0, -3.0, 3.0), (0, 0, WALL_Z), 0,
                       scenes._material("WallMat", 2))
    w.hide_render = not wall
    props = bpy.data.collections.new("Props")
    box_mesh = scenes._cube("Box", BOX_SIDE)
    box_mesh.materials.append(scenes._material("BoxMat", 3))
    box = bpy.data.objects.new("Box", box_mesh)
    box.pass_index = 2
    props.objects.link(box)
    for name, where in (("Holder.A", HOLDER_A), ("Holder.B", HOLDER_B)):
        holder = bpy.data.objects.new(name, None)
        holder.instance_type = "COLLECTION"
        holder.instance_collection = props
        holder.location = where
        scene.collection.objects.link(holder)
    scenes._enable_all(scene, directory, prefix="am_", normal=False, flow=False,
                       emission=False, object_index=False, material_index=False,
                       albedo=False, position=False, amodal=amodal)
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "version": bpy.app.version_string}
