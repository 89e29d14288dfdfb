# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the crisp ground truth of a motion-blurred render costs (issue 26).

    .venvs/bpy-4.5/bin/python benchmarks/bench_blur.py [--size 320x240] [--samples 64]
        [--crisp 1,16,128] [--rounds 3]

The demo's street scene (``bench_scenes``), Cycles on the CPU, adaptive sampling off,
motion blur on (shutter 0.5, centred), frame 2. One Blender process renders, round
by round (the order reversed every other round) after a warm-up render:

- ``image``: only the Image output ticked: the blurred render and its file, no data
  layer (the baseline);
- ``crisp@N`` for each ``--crisp`` N: every pass output ticked (image, depth, normal,
  flow, emission, indices, albedo, position, instance id): the data come from the
  add-on's crisp view layer rendered with N samples a pixel, and the header step
  evaluates the scene at the shutter's opening and closing.

Printed: each mode's median wall and CPU time and what it adds to ``image`` (median
of the differences within a round), and the header step (``finish_frame``) timed
inside the same renders.
"""

from __future__ import annotations

import statistics
import sys

import common

from blender_gt_addon import bpyjob


def blur_costs(directory: str, width: int, height: int, samples: int, crisp: list[int],
               rounds: int) -> dict:
    """The child's job: times of each mode, per round (see the module docstring)."""
    import os
    import time

    import bench_scenes

    from blender_gt_addon.blender import metadata

    scene = bench_scenes._scene(width, height, samples)
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = 0.5
    scene.render.motion_blur_position = "CENTER"
    every = [k for k in bench_scenes.ALL_KEYS if k != "amodal"]
    header: dict[str, list[float]] = {}
    finish = metadata.finish_frame

    def timed_finish(scene_):  # the header step, timed inside the render
        start = time.perf_counter()
        finish(scene_)
        header.setdefault(mode, []).append(time.perf_counter() - start)

    metadata.finish_frame = timed_finish
    modes = ["image"] + [f"crisp@{n}" for n in crisp]
    times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    for round_ in range(rounds + 1):  # round 0 warms up
        for mode in (modes if round_ % 2 else modes[::-1]):
            folder = os.path.join(directory, mode.replace("@", "_"))
            bench_scenes._outputs(scene, folder, ["image"] if mode == "image" else every)
            if mode != "image":
                scene.groundtruth.crisp_samples = int(mode.split("@")[1])
            wall_cpu = bench_scenes._timed_render(scene, os.path.join(directory, "beauty_"))
            if round_:
                times[mode].append(wall_cpu)
    metadata.finish_frame = finish
    layers = [(v.name, v.samples, v.use_motion_blur) for v in scene.view_layers]
    return {"times": times, "header": header, "layers": layers}


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--size", default="320x240")
    p.add_argument("--samples", type=int, default=64, help="the beauty's samples a pixel")
    p.add_argument("--crisp", default="1,16,128", help="the crisp layer's samples a pixel")
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    crisp = [int(n) for n in args.crisp.split(",")]
    folder = args.data / f"blur_{width}x{height}"
    result = bpyjob.run("bench_blur:blur_costs", {
        "directory": str(folder), "width": width, "height": height, "samples": args.samples,
        "crisp": crisp, "rounds": args.rounds}, timeout=7200,
        extra_paths=[str(common.BENCH)], python=sys.executable).value
    times = result["times"]
    base = times["image"]
    print(f"{width}x{height}, beauty {args.samples} samples, motion blur on (shutter 0.5), "
          f"{args.rounds} rounds, medians")
    print(f"{'mode':>10} {'wall s':>8} {'CPU s':>8} {'adds wall s':>12} {'adds CPU s':>11} "
          f"{'header ms':>10}")
    for mode, values in times.items():
        added = [a[0] - b[0] for a, b in zip(values, base, strict=True)]
        added_cpu = [a[1] - b[1] for a, b in zip(values, base, strict=True)]
        head = result["header"].get(mode, [0.0])[1:] or [0.0]  # warm-up left out
        print(f"{mode:>10} {statistics.median(v[0] for v in values):8.3f} "
              f"{statistics.median(v[1] for v in values):8.3f} "
              f"{statistics.median(added):12.3f} {statistics.median(added_cpu):11.3f} "
              f"{1000 * statistics.median(head):10.1f}")


if __name__ == "__main__":
    main()
