# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: render a small street scene with every output, read it back, draw a preview.

    python -m blender_gt_addon.demo [--out DIR] [--frames N] [--size WxH] [--samples S]

A car (a box body with a cabin and wheels) drives to the right across a ground
plane, past a crate and a post; its two red brake lights switch on halfway
through. Blender renders it with Cycles on the CPU in a child process (see
:mod:`blender_gt_addon.bpyjob`); this process then reads every EXR back with
:mod:`blender_gt_addon.reader`, prints a table of what it found and writes
``<out>/preview.png`` for the middle frame with :mod:`blender_gt_addon.preview`.

Files in ``<out>``: ``0001.exr`` ... (the ground truth), ``beauty_0001.png`` ...
(Blender's ordinary render output), ``preview.png`` and ``render.log`` (Blender's
output, for when something goes wrong).

Scene units are metres; the car moves 0.6 m per frame along +x; the brake lights
are on from frame ``1 + frames // 2`` (the middle frame) on.

Only :func:`render_demo` imports ``bpy``, and only in the child process.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from pathlib import Path

from . import bpyjob, outputs, preview, reader

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

    Returns JSON-able facts: the files written, render seconds, Blender's version,
    the objects' and materials' pass indices and the frame the brake lights go on.
    """
    import bpy
    import mathutils

    import blender_gt_addon

    bpy.ops.wm.read_factory_settings(use_empty=True)
    blender_gt_addon.register()
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = samples
    scene.cycles.use_denoising = False
    scene.cycles.max_bounces = 4
    scene.render.resolution_x, scene.render.resolution_y = width, height
    scene.render.resolution_percentage = 100
    scene.render.use_motion_blur = False  # the Vector pass is empty with motion blur
    scene.frame_start, scene.frame_end = 1, frames
    middle = 1 + frames // 2
    brake_on = middle

    world = bpy.data.worlds.new("Sky")
    world.use_nodes = True
    background = world.node_tree.nodes["Background"]
    background.inputs["Color"].default_value = (0.45, 0.6, 0.85, 1.0)
    background.inputs["Strength"].default_value = 0.8
    scene.world = world

    def material(name, color, roughness=0.5, metallic=0.0):
        mat = bpy.data.materials.new(name)
        mat.use_nodes = True
        mat.pass_index = MATERIALS[name]
        bsdf = mat.node_tree.nodes["Principled BSDF"]
        bsdf.inputs["Base Color"].default_value = (*color, 1.0)
        bsdf.inputs["Roughness"].default_value = roughness
        bsdf.inputs["Metallic"].default_value = metallic
        return mat

    def box(name, size, location, mat, parent=None, rotation_z=0.0):
        import bmesh

        mesh = bpy.data.meshes.new(name)
        bm = bmesh.new()
        bmesh.ops.create_cube(bm, size=1.0)
        bmesh.ops.scale(bm, vec=size, verts=bm.verts)
        bm.to_mesh(mesh)
        bm.free()
        return place(name, mesh, location, mat, parent, rotation_z)

    def place(name, mesh, location, mat, parent=None, rotation_z=0.0):
        mesh.materials.append(mat)
        obj = bpy.data.objects.new(name, mesh)
        obj.location = location
        obj.rotation_euler = (0.0, 0.0, rotation_z)
        obj.pass_index = OBJECTS[name]
        obj.parent = parent
        scene.collection.objects.link(obj)
        return obj

    def cylinders(name, centres, radius, depth, mat, parent=None, axis="Y"):
        import bmesh

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
        return place(name, mesh, (0, 0, 0), mat, parent)

    # Ground: a 24 m square, so the sky shows above its far edge (depth = inf there).
    ground = bpy.data.meshes.new("Ground")
    ground.from_pydata([(-12, -8, 0), (12, -8, 0), (12, 16, 0), (-12, 16, 0)], [],
                       [(0, 1, 2, 3)])
    place("Ground", ground, (0, 0, 0), material("Asphalt", (0.12, 0.12, 0.13), 0.9))

    # The car, 3.6 m long, driving along +x; everything else is parented to the body.
    paint = material("CarPaint", (0.05, 0.2, 0.7), 0.3, 0.4)
    body = box("CarBody", (3.6, 1.7, 0.6), (0.0, 0.0, 0.65), paint)
    box("CarCabin", (1.9, 1.5, 0.5), (-0.3, 0.0, 0.55), material("Glass", (0.02, 0.03, 0.04),
                                                                  0.05), parent=body)
    cylinders("Wheels", [(x, y, -0.3) for x in (-1.15, 1.15) for y in (-0.82, 0.82)],
              0.36, 0.24, material("Rubber", (0.02, 0.02, 0.02), 0.8), parent=body)
    brake = material("BrakeLight", (0.35, 0.0, 0.0), 0.3)
    bsdf = brake.node_tree.nodes["Principled BSDF"]
    bsdf.inputs["Emission Color"].default_value = (1.0, 0.0, 0.0, 1.0)
    # Lights at the rear corners, sticking out a little behind and to the sides.
    for name, y in (("BrakeLightL", 0.62), ("BrakeLightR", -0.62)):
        box(name, (0.1, 0.42, 0.16), (-1.82, y, 0.15), brake, parent=body)

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

    # Static things by the road.
    box("Crate", (1.0, 1.0, 1.0), (2.8, -1.0, 0.5), material("Wood", (0.45, 0.25, 0.08), 0.7),
        rotation_z=math.radians(25))
    cylinders("Post", [(0.0, 0.0, 1.1)], 0.18, 2.2, material("Concrete", (0.6, 0.6, 0.58), 0.8),
              axis="Z").location = (-2.0, 2.0, 0.0)

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

    gt = scene.groundtruth
    gt.directory = directory.rstrip("/\\") + "/"
    gt.file_prefix = ""
    for o in outputs.OUTPUTS:
        setattr(gt, f"use_{o.key}", True)
    if gt.last_error:
        raise RuntimeError(gt.last_error)
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.render.image_settings.file_format = "PNG"

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


def _fcurves(animated) -> list:
    from .blender import compat

    return compat.action_fcurves(animated.animation_data.action)


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, e.g. 320x240, not {text!r}") from None
    if not (8 <= w <= 4096 and 8 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is outside 8..4096 pixels")
    return w, h


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m blender_gt_addon.demo",
        description="Render a small demo scene with every ground-truth output, read the "
        "files back and draw a preview.",
    )
    parser.add_argument("--out", type=Path, default=Path("demo_output"),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--frames", type=_positive, default=5,
                        help="number of frames, from 1 (default: %(default)s)")
    parser.add_argument("--size", type=_size, default=(320, 240), metavar="WxH",
                        help="render size in pixels (default: 320x240)")
    parser.add_argument("--samples", type=_positive, default=16,
                        help="Cycles samples per pixel (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before the render is abandoned (default: %(default)s)")
    return parser


def _range(values) -> str:
    return f"{values[0]:.2f}-{values[1]:.2f}" if values else "-"


def _summarise(frame: reader.GroundTruthFrame) -> dict:
    import numpy as np

    depth = frame.depth
    finite = depth[np.isfinite(depth)]
    flow = preview.forward_flow(frame.vector)
    magnitude = np.hypot(flow[..., 0], flow[..., 1])
    return {
        "passes": frame.passes,
        "depth": (float(finite.min()), float(finite.max())) if finite.size else None,
        "objects": [int(i) for i in np.unique(frame.object_index) if i != 0],
        "flow": float(np.nanmax(magnitude)) if magnitude.size else 0.0,
        "emission": float(frame.emission.max()),
    }


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    out = args.out.resolve()
    width, height = args.size
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        print(f"demo: error: cannot create {out}: {exc.strerror}", file=sys.stderr)
        return 1
    plural = "s" if args.frames > 1 else ""
    print(f"Rendering {args.frames} frame{plural} at {width}x{height}, {args.samples} samples, "
          f"into {out} ...", flush=True)
    started = time.time()
    log = out / "render.log"
    try:
        job = bpyjob.run(
            "blender_gt_addon.demo:render_demo",
            {"directory": str(out), "frames": args.frames, "width": width, "height": height,
             "samples": args.samples},
            timeout=args.timeout, python=sys.executable, log_path=log,
        )
    except bpyjob.BlenderJobError as exc:
        first = str(exc).splitlines()[0]
        print(f"demo: error: {first} (Blender's output: {log})", file=sys.stderr)
        return 1
    facts = job.value
    total = time.time() - started
    print(f"Blender {facts['blender']} rendered in {facts['seconds']:.1f} s "
          f"({total:.1f} s with start-up).\n")

    frame_numbers = range(1, args.frames + 1)
    paths = [out / outputs.file_name("", n) for n in frame_numbers]
    stale = [p.name for p in paths if not p.exists() or p.stat().st_mtime < started - 1]
    if stale:
        print(f"demo: error: Blender did not write {', '.join(stale)} (see {log})",
              file=sys.stderr)
        return 1
    try:
        frames = [reader.read(p) for p in paths]
        summaries = [_summarise(f) for f in frames]
    except reader.GroundTruthError as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 1

    header = ("file", "KB", "passes", "depth [m]", "object ids", "max flow [px]",
              "max emission")
    rows = [
        (p.name, f"{p.stat().st_size / 1024:.0f}", str(len(s["passes"])), _range(s["depth"]),
         ",".join(map(str, s["objects"])), f"{s['flow']:.1f}", f"{s['emission']:.2f}")
        for p, s in zip(paths, summaries, strict=True)
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    all_passes = {s["passes"] for s in summaries}
    if len(all_passes) == 1:
        print(f"passes in every file: {', '.join(all_passes.pop())}")
    print(f"brake lights on from frame {facts['brake_lights_on_from']}; object ids: "
          + ", ".join(f"{i} {n}" for n, i in sorted(facts["objects"].items(),
                                                     key=lambda kv: kv[1])))

    middle = frames[len(frames) // 2]
    number = middle.frame if middle.frame is not None else len(frames) // 2 + 1
    lights = "on" if number >= facts["brake_lights_on_from"] else "off"
    png = preview.save_preview(
        middle, out / "preview.png",
        title=f"blender-gt demo: frame {number} of {args.frames} "
        f"({width}x{height} px, brake lights {lights})",
        object_names={i: n for n, i in facts["objects"].items()},
        material_names={i: n for n, i in facts["materials"].items()},
    )
    print(f"\nGround truth:  {out}/{outputs.file_name('', 1)} ... "
          f"{outputs.file_name('', args.frames)}")
    print(f"Beauty PNGs:   {out}/beauty_0001.png ...")
    print(f"Preview:       {png}  (frame {number})")
    print(f"Blender log:   {log}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
