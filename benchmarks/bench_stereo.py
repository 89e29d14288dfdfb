# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the ground truth adds to each view of a stereo pair (issue 25, item 7).

    .venvs/bpy-4.5/bin/python benchmarks/bench_stereo.py [--rounds 5] [--samples 16]

The demo's street scene, frame 2, Cycles on the CPU, rendered in one Blender process
in four modes interleaved round by round (``bench_scenes.stereo_overhead``): one view
without and with every output, and the add-on's Stereo pair without and with every
output. A stereo render is two renders by nature; what matters is what the ground
truth adds to each view. Printed: the median wall and CPU seconds of each mode, the
ground truth's cost per view (half the paired difference of ``stereo_on`` and
``stereo_off``, medians within rounds) beside one view's (``mono_on - mono_off``),
and each ratio.
"""

from __future__ import annotations

import statistics
import sys
import time

import common


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="renders per mode (default: "
                   "%(default)s)")
    p.add_argument("--samples", type=int, default=16, help="Cycles samples per pixel "
                   "(default: %(default)s)")
    p.add_argument("--size", default="640x480", help="render size (default: %(default)s)")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    print(f"machine: {common.machine()}")
    print(f"4 modes x {args.rounds} rounds at {width}x{height}, {args.samples} samples ...",
          flush=True)
    started = time.perf_counter()
    result = common.run_job("stereo_overhead", timeout=7200,
                            directory=str(args.data / "stereo"), width=width, height=height,
                            samples=args.samples, rounds=args.rounds)
    print(f"Blender {result['blender']}, {time.perf_counter() - started:.0f} s in all; the "
          f"stereo files: {', '.join(f for f in result['files'] if f.endswith('.exr'))}\n")
    for kind in ("wall", "cpu"):
        times = result[kind]
        print(f"  {kind}: " + ", ".join(f"{m} {statistics.median(v):.2f} s"
                                        for m, v in times.items()))
        mono = statistics.median(a - b for a, b in zip(times["mono_on"], times["mono_off"],
                                                       strict=True))
        per_view = statistics.median((a - b) / 2 for a, b in zip(
            times["stereo_on"], times["stereo_off"], strict=True))
        ratio = statistics.median(a / b for a, b in zip(times["stereo_on"],
                                                        times["stereo_off"], strict=True))
        mono_ratio = statistics.median(a / b for a, b in zip(times["mono_on"],
                                                             times["mono_off"], strict=True))
        print(f"    ground truth per view: stereo +{per_view * 1e3:.0f} ms "
              f"({ratio:.3f}x the plain stereo render); one view +{mono * 1e3:.0f} ms "
              f"({mono_ratio:.3f}x the plain render)")
    print(f"machine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
