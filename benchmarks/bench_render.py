# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the ground truth adds to a Cycles render (issue 6, target 3).

    .venvs/bpy-4.5/bin/python benchmarks/bench_render.py [--rounds 5] [--samples 32]

The demo's street scene at 640x480, Cycles on the CPU, the same samples in every run
(adaptive sampling and denoising off), the beauty image saved as PNG each time, is
rendered in one Blender process in four ways, interleaved round by round after one
warm-up render:

- ``off``: no ground truth (the plain render);
- ``on``: every output of the table (image, depth, normal, flow, emission, object and
  material index, albedo, position, instance_id) and the frame record (camera and
  every object's pose), written to one EXR a frame;
- ``on_no_instance``: every output but instance_id (Cryptomatte);
- ``on_2d``: the eight outputs of issue 6 (every output but albedo and position), with
  the frame record: what the target was set for;
- ``clean``: every output plus the clean-edges view layer (a second, 1-sample render
  of the data passes), reported apart: it is a separate option with its own cost.

Printed per mode: the median wall time and the median CPU time of the render (all of
Blender's threads), and each mode's ratio to ``off`` as the median of the ratios
within a round. The target (at most 1.05) is judged on the wall-clock ratio; the
CPU-time ratio says the same with less noise when other programs share the cores.

Then the same modes at 1 sample a pixel show the fixed cost per frame (compositing,
the EXR write, the passes' set-up), which does not grow with the samples.
"""

from __future__ import annotations

import statistics
import sys
import time

import common

MODES = ("off", "on", "on_no_instance", "on_2d", "clean")


def paired(values: dict[str, list[float]], mode: str) -> float:
    return statistics.median(a / b for a, b in zip(values[mode], values["off"], strict=True))


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=9, help="renders per mode (default: "
                   "%(default)s)")
    p.add_argument("--samples", type=int, default=32, help="Cycles samples per pixel "
                   "(default: %(default)s)")
    p.add_argument("--size", default="640x480", help="render size (default: %(default)s)")
    p.add_argument("--fixed-rounds", type=int, default=15, help="rounds of the 1-sample "
                   "renders that show the fixed cost per frame (default: %(default)s)")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    print(f"machine: {common.machine()}")
    print(f"rendering {len(MODES)} modes x {args.rounds} rounds at {width}x{height}, "
          f"{args.samples} samples ...", flush=True)
    started = time.perf_counter()
    result = common.run_job("render_overhead", timeout=7200,
                            directory=str(args.data / "overhead"), width=width, height=height,
                            samples=args.samples, rounds=args.rounds, modes=list(MODES))
    print(f"Blender {result['blender']}, {result['threads']} render threads, "
          f"{time.perf_counter() - started:.0f} s in all\n")
    wall, cpu = result["wall"], result["cpu"]
    print(f"  {'mode':16s} {'wall median':>12s} {'wall min':>10s} {'CPU median':>11s} "
          f"{'wall / off':>11s} {'CPU / off':>10s}")
    for mode in MODES:
        ratio_wall = paired(wall, mode) if mode != "off" else 1.0
        ratio_cpu = paired(cpu, mode) if mode != "off" else 1.0
        print(f"  {mode:16s} {statistics.median(wall[mode]):11.2f}s {min(wall[mode]):9.2f}s "
              f"{statistics.median(cpu[mode]):10.2f}s {ratio_wall:11.3f} {ratio_cpu:10.3f}")
    print("\n  every render, wall seconds:")
    for mode in MODES:
        print(f"    {mode:16s} " + " ".join(f"{t:6.2f}" for t in wall[mode]))

    targets = common.Targets()
    targets.check("render with every output / without (wall)", paired(wall, "on"), 1.05)
    targets.check("render with every output / without (CPU)", paired(cpu, "on"), 1.05)
    print(f"\nthe eight outputs of issue 6 (no albedo, no position), with the frame record: "
          f"{paired(wall, 'on_2d'):.3f}x the plain render (wall), {paired(cpu, 'on_2d'):.3f}x "
          "(CPU)")
    print(f"\nclean edges on top of every output: {paired(wall, 'clean'):.3f}x the plain render "
          f"(wall), {paired(cpu, 'clean'):.3f}x (CPU); no target")

    # The fixed part of the cost, apart from the samples: the same at 1 sample a pixel.
    fixed_modes = ["off", "keys:image", "on_2d", "on_no_instance", "on"]
    fixed = common.run_job("render_overhead", timeout=3600,
                           directory=str(args.data / "overhead_1spp"), width=width,
                           height=height, samples=1, rounds=args.fixed_rounds,
                           modes=fixed_modes)
    print(f"\nat 1 sample a pixel ({args.fixed_rounds} rounds), what each mode adds to a frame "
          "(median of the differences within a round):")
    names = {"keys:image": "image output only (compositing and EXR write)",
             "on_2d": "the eight outputs of issue 6 (no albedo, position)",
             "on_no_instance": "every output but instance_id", "on": "every output"}
    for mode in fixed_modes[1:]:
        added = statistics.median(a - b for a, b in zip(fixed["wall"][mode], fixed["wall"]["off"],
                                                         strict=True))
        print(f"  {names[mode]:46s} +{added * 1e3:4.0f} ms "
              f"(plain render {statistics.median(fixed['wall']['off']) * 1e3:.0f} ms)")
    print(f"machine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0 if targets.report() else 1


if __name__ == "__main__":
    sys.exit(main())
