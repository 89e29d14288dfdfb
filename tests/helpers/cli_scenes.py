# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Small animated .blend files with the add-on's settings saved in them, for the
command-line tests, and the renders shared between those tests.

The job functions (:func:`build_blends`) run in a child Python with real ``bpy``
(through ``blender_gt_addon.bpyjob``); ``bpy`` is imported inside them only, so the
test process can import this module for its helpers.

The scene (metres = scene units): camera at the origin looking down -Z, 50 mm lens
on a 36 mm wide sensor, 64x48 pixels (focal length 88.888... px), frames 1-4.

- back plane at z = -10, x in [-2.5, 6], y in [-4, 4]: object 1, material 1; the
  sky shows left of it (depth inf, object 0);
- a cube of side 0.8, centre at z = -8.4 (front face at distance 8), moving +0.45 in x
  and -0.27 in y per frame: 5 px right and 3 px down per frame; object 2, material 2;
- an emitting square facing the camera at (1.5, -0.8, -5), half size 0.3: object 3,
  material 3.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np

WIDTH, HEIGHT = 64, 48
FRAMES = (1, 4)
FOCAL_PX = 50.0 / 36.0 * WIDTH
MOVING_START = (-1.3, -1.0, -8.4)
MOVING_STEP = (0.45, -0.27, 0.0)
MOVING_HALF = 0.4
STEP_PX = (5.0, 3.0)  # the moving cube's motion per frame in the image: right, down
OBJECTS = {"Back": 1, "Moving": 2, "Lamp": 3}
PREFIX = "gt_"



# ----------------------------------------------------------------- jobs (child, bpy)


def _fcurves(obj) -> list:
    from blender_gt_addon.blender import compat

    return compat.action_fcurves(obj.animation_data.action)


def _build_scene():
    import bmesh
    import bpy

    # The same empty Cycles scene and camera as the other render tests.
    from scenes import _reset, pinhole_camera

    scene = _reset()
    scene.cycles.samples = 2
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.frame_start, scene.frame_end = FRAMES

    pinhole_camera(scene, 50.0, 36.0, sun=False)
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.data.energy = 0.5
    sun.rotation_euler = (0.3, 0.2, 0)
    scene.collection.objects.link(sun)

    def material(name, index, emission=None):
        mat = bpy.data.materials.new(name)
        mat.use_nodes = True
        mat.pass_index = index
        if emission is not None:
            bsdf = mat.node_tree.nodes["Principled BSDF"]
            bsdf.inputs["Emission Color"].default_value = (*emission, 1.0)
            bsdf.inputs["Emission Strength"].default_value = 2.0
        return mat

    def place(name, mesh, location, mat):
        mesh.materials.append(mat)
        obj = bpy.data.objects.new(name, mesh)
        obj.location = location
        obj.pass_index = OBJECTS[name]
        scene.collection.objects.link(obj)
        return obj

    def rect(name, x0, x1, y0, y1):
        mesh = bpy.data.meshes.new(name)
        mesh.from_pydata([(x0, y0, 0), (x1, y0, 0), (x1, y1, 0), (x0, y1, 0)], [],
                         [(0, 1, 2, 3)])
        return mesh

    place("Back", rect("Back", -2.5, 6.0, -4.0, 4.0), (0, 0, -10), material("BackMat", 1))
    cube = bpy.data.meshes.new("Moving")
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=2 * MOVING_HALF)
    bm.to_mesh(cube)
    bm.free()
    moving = place("Moving", cube, MOVING_START, material("MovingMat", 2))
    for frame in FRAMES:
        i = frame - FRAMES[0]
        moving.location = tuple(s + i * d for s, d in zip(MOVING_START, MOVING_STEP,
                                                          strict=True))
        moving.keyframe_insert("location", frame=frame)
    for fcurve in _fcurves(moving):
        fcurve.extrapolation = "LINEAR"  # the flow of the last frame moves on too
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"
    place("Lamp", rect("Lamp", -0.3, 0.3, -0.3, 0.3), (1.5, -0.8, -5.0),
          material("LampMat", 3, emission=(1.0, 0.5, 0.25)))

    gt = scene.groundtruth
    gt.directory = "//gt/"
    gt.file_prefix = PREFIX
    for key in ("image", "depth", "normal", "flow", "emission", "object_index",
                "material_index", "instance_id"):
        setattr(gt, f"use_{key}", True)
    scene.render.filepath = "//beauty/"
    scene.frame_set(FRAMES[0])
    return scene


def build_blends(folder: str) -> dict:
    """Save ``anim.blend`` (every output on), ``depthonly.blend`` (only depth),
    ``nooutput.blend`` (no output ticked) and ``nocamera.blend``."""
    import bpy

    scene = _build_scene()
    paths = {name: os.path.join(folder, f"{name}.blend")
             for name in ("anim", "depthonly", "nooutput", "nocamera")}
    bpy.ops.wm.save_as_mainfile(filepath=paths["anim"])
    for key in ("image", "normal", "flow", "emission", "object_index", "material_index",
                "instance_id"):
        setattr(scene.groundtruth, f"use_{key}", False)
    bpy.ops.wm.save_as_mainfile(filepath=paths["depthonly"])
    scene.groundtruth.use_depth = False
    bpy.ops.wm.save_as_mainfile(filepath=paths["nooutput"])
    bpy.ops.wm.open_mainfile(filepath=paths["anim"])
    scene = bpy.context.scene
    scene.camera = None
    bpy.data.objects.remove(bpy.data.objects["Camera"])
    bpy.ops.wm.save_as_mainfile(filepath=paths["nocamera"])
    return {"paths": paths, "version": bpy.app.version_string}


# ------------------------------------------------------------ helpers (test process)


def cli(*args: str, timeout: float = 240, env: dict | None = None,
        cwd: str | os.PathLike[str] | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m blender_gt_addon ARGS`` as a user would; output captured as text."""
    return subprocess.run([sys.executable, "-m", "blender_gt_addon", *map(str, args)],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=cwd,
                          stdin=subprocess.DEVNULL)


_CACHE: dict[str, object] = {}


def blends(run_job, tmp_path_factory) -> dict[str, Path]:
    """The three .blend files, built once per test session."""
    if "blends" not in _CACHE:
        folder = tmp_path_factory.mktemp("blends")
        result = run_job("cli_scenes:build_blends", folder=str(folder)).value
        _CACHE["blends"] = {k: Path(v) for k, v in result["paths"].items()}
    return _CACHE["blends"]  # type: ignore[return-value]


def rendered(run_job, tmp_path_factory) -> Path:
    """Frames 1-4 of ``anim.blend`` rendered by ``blender-gt render``, once per session.

    Tests must not change this folder: those that do work on a copy (:func:`copy_of`).
    """
    if "rendered" not in _CACHE:
        blend = blends(run_job, tmp_path_factory)["anim"]
        out = tmp_path_factory.mktemp("rendered") / "gt"
        done = cli("render", blend, "-o", out)
        assert done.returncode == 0, done.stdout + done.stderr
        _CACHE["rendered"] = out
        _CACHE["render_stdout"] = done.stdout
    return _CACHE["rendered"]  # type: ignore[return-value]


def render_stdout() -> str:
    return _CACHE["render_stdout"]  # type: ignore[return-value]


def copy_of(folder: Path, target: Path) -> Path:
    shutil.copytree(folder, target)
    return target


def cube_front(gt) -> np.ndarray:
    """Pixels of the moving cube's front face (distance 8) away from its edges.

    The Vector pass is averaged over a pixel's samples, so pixels on an edge hold a
    blend of two motions; the four neighbours of these pixels are the front face too
    (not only the cube: its side faces, farther away, move fewer pixels).
    """
    front = (gt.object_index == OBJECTS["Moving"]) & (np.abs(gt.depth - 8.0) < 1e-3)
    inside = np.zeros_like(front)
    inside[1:-1, 1:-1] = (front[1:-1, 1:-1] & front[:-2, 1:-1] & front[2:, 1:-1]
                          & front[1:-1, :-2] & front[1:-1, 2:])
    return inside


def exr_files(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.exr"))


def build_slow_blend(source: str, destination: str, samples: int = 48) -> dict:
    """``source`` saved again with frames slow enough to be killed in the middle."""
    import bpy

    bpy.ops.wm.open_mainfile(filepath=source)
    scene = bpy.context.scene
    scene.cycles.samples = samples
    scene.render.resolution_x, scene.render.resolution_y = 128, 96
    scene.frame_start, scene.frame_end = 1, 6
    bpy.ops.wm.save_as_mainfile(filepath=destination)
    return {"path": destination}
