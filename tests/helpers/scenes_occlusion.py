# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The occlusion test scene: its numbers (no ``bpy``) and a Blender job.

Camera at the origin looking down -Z (image up = +Y), 50 mm lens on 36 mm film over
:data:`WIDTH` px. A wall facing the camera at z = :data:`WALL_Z` fills the view; in
front of it float a cube ("Front", :data:`FRONT`), whose whole outline hides the
wall, and a cube standing flush against the wall ("Resting", :data:`RESTING`: its
back face in the wall's plane), whose left silhouette is its back-left edge, where
it touches the wall: a contact, not an occlusion. Behind the wall, out of sight, a
third cube ("Hidden", :data:`HIDDEN`) whose silhouette overlaps the floating cube's.
"""

from __future__ import annotations

import os

import numpy as np

WIDTH, HEIGHT = 320, 240
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH
WALL_Z = -3.0
FRONT = ("Front", 0.4, (0.0, 0.0, -2.0))  # name, side, centre (Blender world)
RESTING = ("Resting", 0.5, (0.9, 0.0, WALL_Z + 0.25))
HIDDEN = ("Hidden", 0.4, (-0.3, 0.0, WALL_Z - 0.5))


def corners(side: float, centre) -> np.ndarray:
    """(8, 3) corners of an axis-aligned cube in Blender world (= camera) axes."""
    h = side / 2
    return np.array([[centre[0] + x, centre[1] + y, centre[2] + z]
                     for x in (-h, h) for y in (-h, h) for z in (-h, h)])


def project(points: np.ndarray) -> np.ndarray:
    """(N, 2) OpenCV pixel coordinates (integer = pixel centre) of Blender camera-axes
    points (z < 0)."""
    depth = -points[:, 2]
    x = WIDTH / 2 - 0.5 + FOCAL_PX * points[:, 0] / depth
    y = HEIGHT / 2 - 0.5 - FOCAL_PX * points[:, 1] / depth
    return np.stack([x, y], axis=1)


def render(directory: str) -> dict:
    """Frame 1 of the scene, depth, instance ids and amodal masks, with clean edges (one
    sample per pixel for the data outputs, so each pixel's id and depth come from one
    surface)."""
    import bpy
    import scenes

    scene = scenes._reset()
    scene.frame_start = scene.frame_end = 1
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scenes.pinhole_camera(scene, FOCAL_MM, SENSOR_MM, sun=False)
    scenes._object("Wall", scenes._rect("Wall", -3.0, 3.0, -3.0, 3.0), (0, 0, WALL_Z), 1,
                   scenes._material("WallMat", 1))
    for index, (name, side, centre) in enumerate((FRONT, RESTING, HIDDEN), start=2):
        scenes._object(name, scenes._cube(name, side), centre, index,
                       scenes._material(name + "Mat", index))
    scenes._enable_all(scene, directory, prefix="occ_")
    for key in ("normal", "flow", "emission", "material_index"):
        setattr(scene.groundtruth, f"use_{key}", False)
    scene.groundtruth.clean_edges = True
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory))}
