# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenes of the ``bop`` (and ``ply``) export tests: their numbers, a Blender job and
synthetic files.

- :func:`render_half_hidden_cube` (a Blender job, run through ``run_job``): a cube of
  side :data:`CUBE_SIDE` (pass index 1) turned :data:`CUBE_TURN_DEG` about the view
  axis at :data:`CUBE_LOCATION`, half hidden by a wall (pass index 0) whose edge lies
  on the line from the camera through the cube's centre; camera at the origin
  looking down -Z (image up = +Y), :data:`WIDTH` x :data:`HEIGHT`, two frames of a
  static scene.
- :func:`synthetic_frames` (no ``bpy``): EXR files written directly with a known
  camera, poses, instance ids, depth and image (:data:`SYNTH` for the numbers).
- :func:`cube_model`: the vertices (mm) and quads of a cube, for BOP model files.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 128, 96
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH  # 177.78 px
CUBE_SIDE = 0.25  # metres
CUBE_LOCATION = (0.05, 0.1, -1.2)  # Blender world, camera at the origin looking down -Z
CUBE_TURN_DEG = 30.0  # about the world Z (the camera's viewing axis)
WALL_Z = -0.8  # a plane facing the camera, covering x < its edge
WALL_EDGE_X = CUBE_LOCATION[0] * WALL_Z / CUBE_LOCATION[2]  # on the ray through the centre


def cube_model(side_mm: float) -> tuple[np.ndarray, list[list[int]]]:
    """A cube centred at the origin: (8, 3) vertices in mm and its 6 quads, each
    counter-clockwise seen from outside."""
    h = side_mm / 2
    v = np.array([[x, y, z] for x in (-h, h) for y in (-h, h) for z in (-h, h)])
    quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4],
             [1, 5, 7, 3]]
    return v, quads


def render_half_hidden_cube(directory: str) -> dict:
    """Render frames 1-2 (depth, image, instance id) of the scene in the module
    docstring into ``directory`` (``bop_0001.exr``, ``bop_0002.exr``)."""
    import bpy
    import scenes

    scene = scenes._reset()
    scene.frame_start, scene.frame_end = 1, 2
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scenes.pinhole_camera(scene, FOCAL_MM, SENSOR_MM)

    cube = scenes._object("Cube", scenes._cube("Cube", CUBE_SIDE), CUBE_LOCATION, 1,
                          scenes._material("CubeMat", 1),
                          rotation=(0, 0, math.radians(CUBE_TURN_DEG)))
    wall = scenes._object("Wall", scenes._rect("Wall", -3.0, WALL_EDGE_X, -3.0, 3.0),
                          (0, 0, WALL_Z), 0, scenes._material("WallMat", 2))
    scenes._enable_all(scene, directory, prefix="bop_", normal=False, flow=False,
                       emission=False, object_index=True, material_index=False)
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "version": bpy.app.version_string,
            "cube": [list(r) for r in cube.matrix_world], "wall": wall.name}


# -- Synthetic files (no Blender) -----------------------------------------------

# A 64x48 pinhole camera (f = 190 px, principal point at the image centre, pixel
# centres at integers) under a rigid world-to-camera transform; in its OpenCV axes:
# - "Cube" (pass 1): a 100 mm cube turned 90 degrees about the view axis, centre at
#   z = 1 m on the axis: its silhouette is its front face at z = 0.95 m, half-size
#   190 * 50 / 950 = 10 px about (31.5, 23.5): columns 22-41, rows 14-33 (400 px);
# - "Wall" (pass 0) hides columns 0-31 at depth 0.8 m, so the cube shows columns
#   32-41 (200 px, visib_fract 0.5); rows 14-15 of columns 22-31 are a hole in the
#   wall with nothing behind (depth inf, id 0);
# - "Cube.001" (pass 1): the same model at x = 0.3 m, z = 1 m, out of the image to
#   the right (its silhouette counts on BOP's larger canvas; nothing visible).
SYNTH = {
    "size": (64, 48), "f": 190.0, "c": (31.5, 23.5), "cube_mm": 100.0,
    "cube_t": (0.0, 0.0, 1.0), "cube_turn_deg": 90.0, "other_t": (0.3, 0.0, 1.0),
    "wall_depth": 0.8, "cube_depth": 0.95, "wall_cols": 32, "hole_rows": (14, 16),
    "visible_cols": (32, 42), "rows": (14, 34), "cols": (22, 42),
    "wall_linear": 0.2, "cube_linear": 0.5,
}
_HASHES = {"Cube": 0x3F0A1B2C, "Cube.001": 0x3F1A1B2C, "Wall": 0x40123456}


def rigid(rotation_deg: float, axis: str, translation) -> np.ndarray:
    """A 4x4 rotation about x, y or z by ``rotation_deg``, then ``translation``."""
    a = math.radians(rotation_deg)
    c, s = math.cos(a), math.sin(a)
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    m = np.eye(4)
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    m[:3, 3] = translation
    return m


def synthetic_world_to_camera() -> np.ndarray:
    """The synthetic camera's world-to-camera (OpenCV), not the identity."""
    return rigid(20.0, "x", (0.1, -0.2, 0.3)) @ rigid(-35.0, "z", (0.0, 0.0, 0.0))


def synthetic_object_to_camera() -> dict[str, np.ndarray]:
    """Each synthetic object's object-to-camera (OpenCV axes, metres)."""
    return {"Cube": rigid(SYNTH["cube_turn_deg"], "z", SYNTH["cube_t"]),
            "Cube.001": rigid(0.0, "z", SYNTH["other_t"]),
            "Wall": rigid(0.0, "z", (-0.5, 0.0, SYNTH["wall_depth"]))}


def synthetic_frames(folder: Path, frames=(5, 6), scales=None) -> Path:
    """``gt_0005.exr``, ``gt_0006.exr`` in ``folder``: image, depth, Cryptomatte ids and
    the frame record with the camera and the three objects (``scales``: {name: (sx,
    sy, sz)} multiplies an object's matrix, to test refusals)."""
    import OpenEXR

    from blender_gt_addon import frame_record
    from blender_gt_addon.camera import Camera

    folder.mkdir(parents=True, exist_ok=True)
    w, h = SYNTH["size"]
    K = np.array([[SYNTH["f"], 0, SYNTH["c"][0]], [0, SYNTH["f"], SYNTH["c"][1]], [0, 0, 1]])
    w2c = synthetic_world_to_camera()
    cam = Camera(K=K, world_to_camera=w2c, width=w, height=h, clip_start=0.1, clip_end=100.0)
    ids = np.zeros((h, w), dtype=np.int32)  # 1 Cube, 2 Wall, 0 nothing
    depth = np.full((h, w), np.inf, dtype=np.float32)
    linear = np.zeros((h, w), dtype=np.float32)
    ids[:, :SYNTH["wall_cols"]] = 2
    depth[:, :SYNTH["wall_cols"]] = SYNTH["wall_depth"]
    linear[:, :SYNTH["wall_cols"]] = SYNTH["wall_linear"]
    r0, r1 = SYNTH["rows"]
    v0, v1 = SYNTH["visible_cols"]
    ids[r0:r1, v0:v1] = 1
    depth[r0:r1, v0:v1] = SYNTH["cube_depth"]
    linear[r0:r1, v0:v1] = SYNTH["cube_linear"]
    h0, h1 = SYNTH["hole_rows"]
    c0 = SYNTH["cols"][0]
    ids[h0:h1, c0:SYNTH["wall_cols"]] = 0
    depth[h0:h1, c0:SYNTH["wall_cols"]] = np.inf
    linear[h0:h1, c0:SYNTH["wall_cols"]] = 0
    crypto = np.zeros((h, w, 4), np.float32)
    for value, name in ((1, "Cube"), (2, "Wall")):
        crypto[ids == value, 0] = np.array([_HASHES[name]], np.uint32).view(np.float32)[0]
        crypto[ids == value, 1] = 1.0
    c2w = np.linalg.inv(w2c)
    objects = []
    for name, o2c in synthetic_object_to_camera().items():
        o2w = c2w @ o2c
        if scales and name in scales:
            o2w = o2w @ np.diag([*scales[name], 1.0])
        objects.append(frame_record.ObjectRecord(name, 0 if name == "Wall" else 1, o2w))
    channels = {"depth.V": np.where(np.isfinite(depth), depth, 1e10).astype(np.float32)}
    for c in "RGB":
        channels[f"image.{c}"] = np.ascontiguousarray(linear)
    channels["image.A"] = np.ones_like(linear)
    for i, c in enumerate("rgba"):
        channels[f"cryptomatte_object.{c}"] = np.ascontiguousarray(crypto[..., i])
    manifest = {name: f"{value:08x}" for name, value in _HASHES.items()}
    for n in frames:
        header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
                  "Frame": f"{n:04d}",
                  frame_record.KEY: frame_record.encode(n, cam, objects),
                  "cryptomatte/f834d0a/name": "cryptomatte_object",
                  "cryptomatte/f834d0a/manifest": json.dumps(manifest),
                  "cryptomatte/f834d0a/hash": "MurmurHash3_32",
                  "cryptomatte/f834d0a/conversion": "uint32_to_float32"}
        OpenEXR.File(header, channels).write(str(folder / f"gt_{n:04d}.exr"))
    return folder
