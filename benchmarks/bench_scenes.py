# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Blender jobs of the benchmarks; each runs in a child Python through ``bpyjob.run``.

The scene is the demo's street scene (:func:`blender_gt_addon.demo.render_demo`: a
car driving past a crate and a post, brake lights on from frame 2 of 3). It is built
by a tiny 3-frame render (8x6 pixels, 1 sample) into a scratch folder, then the
jobs set the size, samples and outputs they need and render frame 2 again.

Only this module imports ``bpy``; the benchmark scripts never do.
"""

from __future__ import annotations

import os
import tempfile
import time

import bpy

from blender_gt_addon import demo, outputs

# Every output but the crisp image: without motion blur (these scenes) it is the image
# written again, so "every output" measures what it did before that row was added.
ALL_KEYS = tuple(o.key for o in outputs.OUTPUTS if o.key != "crisp_image")


def _scene(width: int, height: int, samples: int):
    with tempfile.TemporaryDirectory(prefix="blender-gt-bench-build-") as scratch:
        demo.render_demo(scratch, frames=3, width=8, height=6, samples=1)
    scene = bpy.context.scene
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.cycles.samples = samples
    scene.cycles.use_adaptive_sampling = False  # same work in every run
    # A still render records the cameras of frame_start and the current frame in the
    # stamp Note; Blender cuts the Note at 511 bytes, which two 1080p cameras exceed
    # (the camera of frame 2 comes back unreadable). One frame, one camera.
    scene.frame_start = scene.frame_end = 2
    scene.frame_set(2)
    return scene


def _outputs(scene, directory: str, keys, codec: str = outputs.DEFAULT_CODEC,
             precision: str = "HALF", clean_edges: bool = False, prefix: str = "") -> None:
    gt = scene.groundtruth
    gt.directory = directory.rstrip("/\\") + "/"
    gt.file_prefix = prefix
    gt.codec, gt.precision, gt.clean_edges = codec, precision, clean_edges
    for key in ALL_KEYS:
        setattr(gt, f"use_{key}", key in keys)
    if gt.last_error:
        raise RuntimeError(gt.last_error)


def _render(scene, beauty: str) -> float:
    return _timed_render(scene, beauty)[0]


def _timed_render(scene, beauty: str) -> tuple[float, float]:
    """Render the current frame, saving the beauty image; (wall seconds, CPU seconds).

    CPU seconds count every thread of this process (Cycles' and the EXR writer's), so
    they measure the work done even when other programs share the cores.
    """
    scene.render.filepath = beauty
    start, cpu = time.perf_counter(), time.process_time()
    bpy.ops.render.render(write_still=True)
    return time.perf_counter() - start, time.process_time() - cpu


def render_files(directory: str, width: int, height: int, samples: int,
                 variants: list[dict]) -> dict:
    """Render frame 2 once per variant, each into ``directory/<name>/``.

    A variant is ``{"name": ..., "keys": [output keys], "codec": ..., "precision": ...}``.
    Returns render seconds per variant and Blender's version.
    """
    scene = _scene(width, height, samples)
    seconds = {}
    for v in variants:
        folder = os.path.join(directory, v["name"])
        os.makedirs(folder, exist_ok=True)
        _outputs(scene, folder, v["keys"], v.get("codec", outputs.DEFAULT_CODEC),
                 v.get("precision", "HALF"))
        seconds[v["name"]] = _render(scene, os.path.join(folder, "beauty_"))
    return {"seconds": seconds, "blender": bpy.app.version_string}


def render_sequence(directory: str, width: int, height: int, samples: int,
                    frames: int) -> dict:
    """Frames 1..``frames`` (the car keeps driving) with every output, into ``directory``."""
    scene = _scene(width, height, samples)
    _outputs(scene, directory, ALL_KEYS)
    scene.frame_start, scene.frame_end = 1, frames
    scene.frame_set(1)  # one camera in the first frame's Note (see _scene)
    scene.render.filepath = os.path.join(directory, "beauty", "")
    start = time.perf_counter()
    bpy.ops.render.render(animation=True)
    return {"seconds": time.perf_counter() - start, "blender": bpy.app.version_string}


def render_overhead(directory: str, width: int, height: int, samples: int, rounds: int,
                    modes: list[str]) -> dict:
    """Render frame 2 ``rounds`` times in each mode, the modes interleaved.

    Modes: ``off`` (no ground truth), ``on`` (every output), ``on_no_instance`` (every
    output but instance_id), ``clean`` (every output and the clean-edges layer), or
    ``keys:image,depth`` (just those outputs).
    The beauty image is saved as PNG each time, as a user's render would be.
    One warm-up render first (kernels, scene sync) is not counted.
    """
    scene = _scene(width, height, samples)
    every = list(ALL_KEYS)
    settings = {
        "off": ([], False),
        "on": (every, False),
        "on_no_instance": ([k for k in every if k != "instance_id"], False),
        # The eight outputs of issue 6: every output but albedo and position.
        "on_2d": ([k for k in every if k not in ("albedo", "position")], False),
        "clean": (every, True),
    }
    beauty = os.path.join(directory, "beauty_")
    _outputs(scene, directory, [])
    _render(scene, beauty)  # warm-up
    wall: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(rounds):
        # Alternate the order so that no mode always follows the same one.
        order = modes if r % 2 == 0 else list(reversed(modes))
        for mode in order:
            # "keys:image,depth" renders with just those outputs (for profiling).
            keys, clean = settings.get(mode) or (mode.split(":", 1)[1].split(","), False)
            _outputs(scene, os.path.join(directory, mode), keys, clean_edges=clean)
            seconds, cpu_seconds = _timed_render(scene, beauty)
            wall[mode].append(seconds)
            cpu[mode].append(cpu_seconds)
    return {
        "wall": wall,
        "cpu": cpu,
        "blender": bpy.app.version_string,
        "threads": scene.render.threads,
    }


def _add_scatter(scene, copies: int, subdivisions: int) -> None:
    """A collection instanced ``copies`` times in a grid in front of the camera: one
    ico sphere of ``20 * 4**(subdivisions - 1)`` triangles (``bench_amodal.py --scatter``)."""
    import bmesh

    mesh = bpy.data.meshes.new("BenchSphere")
    bm = bmesh.new()
    bmesh.ops.create_icosphere(bm, subdivisions=subdivisions, radius=0.15)
    bm.to_mesh(mesh)
    bm.free()
    props = bpy.data.collections.new("BenchProps")
    sphere = bpy.data.objects.new("BenchSphere", mesh)
    sphere.pass_index = 9
    props.objects.link(sphere)
    camera = scene.camera.matrix_world
    side = max(1, round(copies ** 0.5))
    for i in range(copies):
        holder = bpy.data.objects.new(f"BenchHolder.{i:04d}", None)
        holder.instance_type = "COLLECTION"
        holder.instance_collection = props
        x, y = (i % side - side / 2) * 0.35, (i // side - side / 2) * 0.35
        holder.matrix_world = camera @ mathutils_matrix((x, y, -6.0))
        scene.collection.objects.link(holder)


def mathutils_matrix(location):
    from mathutils import Matrix

    return Matrix.Translation(location)


def amodal_overhead(directory: str, width: int, height: int, samples: int, rounds: int,
                    scatter: int = 0, subdivisions: int = 3) -> dict:
    """Frame 2 rendered ``rounds`` times without and with the Amodal masks output
    (image, depth and instance_id in both), interleaved; then the frame step alone
    (the frame record, with and without the masks, ``metadata._record_now``) timed
    five times each, and the size of the masks' header attribute. ``scatter``: add
    that many instanced copies of an ico sphere (:func:`_add_scatter`)."""
    from blender_gt_addon import amodal
    from blender_gt_addon.blender import metadata

    scene = _scene(width, height, samples)
    if scatter:
        _add_scatter(scene, scatter, subdivisions)
    keys = ["image", "depth", "instance_id"]
    beauty = os.path.join(directory, "beauty_")
    modes = ("without", "with")

    def configure(mode: str) -> None:
        _outputs(scene, os.path.join(directory, mode), keys)
        scene.groundtruth.use_amodal = mode == "with"

    configure("without")
    _render(scene, beauty)  # warm-up
    wall: dict[str, list[float]] = {m: [] for m in modes}
    cpu: dict[str, list[float]] = {m: [] for m in modes}
    for r in range(rounds):
        for mode in modes if r % 2 == 0 else modes[::-1]:
            configure(mode)
            seconds, cpu_seconds = _timed_render(scene, beauty)
            wall[mode].append(seconds)
            cpu[mode].append(cpu_seconds)
    step: dict[str, list[float]] = {m: [] for m in modes}
    for _ in range(5):
        for mode in modes:
            configure(mode)
            start = time.perf_counter()
            strings = metadata._record_now(scene, scene.frame_current)
            step[mode].append(time.perf_counter() - start)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    triangles = objects = 0
    for instance in depsgraph.object_instances:
        obj = instance.object
        if obj.type == "MESH" and not obj.original.hide_render:
            objects += 1
            mesh = obj.data
            mesh.calc_loop_triangles()
            triangles += len(mesh.loop_triangles)
    record = amodal.decode(strings[amodal.KEY])
    return {"wall": wall, "cpu": cpu, "step": step, "blender": bpy.app.version_string,
            "threads": scene.render.threads, "objects": objects, "triangles": triangles,
            "masks": len(record.masks), "header_bytes": len(strings[amodal.KEY]),
            "mask_pixels": sum(m.pixels for m in record.masks.values())}


def stereo_overhead(directory: str, width: int, height: int, samples: int,
                    rounds: int) -> dict:
    """Frame 2 of the street scene rendered ``rounds`` times in four modes, interleaved:
    ``mono_off`` / ``mono_on`` (one view, no ground truth / every output) and
    ``stereo_off`` / ``stereo_on`` (the add-on's Stereo pair, baseline 0.065). The
    beauty images are saved as PNG each time. One warm-up render of each view count."""
    scene = _scene(width, height, samples)
    scene.camera.data.stereo.interocular_distance = 0.065
    beauty = os.path.join(directory, "beauty_")
    wall: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    modes = ("mono_off", "mono_on", "stereo_off", "stereo_on")

    def configure(mode: str) -> None:
        scene.groundtruth.use_stereo = mode.startswith("stereo")
        _outputs(scene, os.path.join(directory, mode), ALL_KEYS if mode.endswith("on") else [])

    for mode in ("mono_off", "stereo_off"):  # warm-up
        configure(mode)
        _render(scene, beauty)
    for r in range(rounds):
        for mode in (modes if r % 2 == 0 else tuple(reversed(modes))):
            configure(mode)
            seconds, cpu_seconds = _timed_render(scene, beauty)
            wall.setdefault(mode, []).append(seconds)
            cpu.setdefault(mode, []).append(cpu_seconds)
    return {"wall": wall, "cpu": cpu, "blender": bpy.app.version_string,
            "files": sorted(os.listdir(os.path.join(directory, "stereo_on")))}
