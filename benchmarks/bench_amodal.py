# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the Amodal masks output adds to a Cycles render (issue 19, item 3).

    .venvs/bpy-5.3/bin/python benchmarks/bench_amodal.py [--rounds 5] [--samples 16]
        [--size 640x480] [--scatter 400 --subdivisions 3]

The demo's street scene (``--scatter N``: plus N instanced copies of an ico sphere of
``20 * 4**(subdivisions - 1)`` triangles), Cycles on the CPU, image, depth and instance_id
written in both modes, rendered in one Blender process without and with the Amodal
masks output, interleaved round by round after a warm-up render. Printed: the median
wall and CPU time of each mode, the median of the ratios within a round, and the
frame step alone (the frame record without and with the masks, timed five times each
on the main thread: evaluating, triangulating, projecting and rasterising every
object and copy), with the objects, triangles and the header's size.
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
    p.add_argument("--scatter", type=int, default=0, help="instanced copies of a sphere to "
                   "add (default: none)")
    p.add_argument("--subdivisions", type=int, default=3, help="of the scattered ico "
                   "sphere (default: %(default)s, 320 triangles)")
    args = p.parse_args(argv)
    width, height = (int(v) for v in args.size.split("x"))
    print(f"machine: {common.machine()}")
    print(f"rendering 2 modes x {args.rounds} rounds at {width}x{height}, {args.samples} "
          f"samples, {args.scatter} scattered copies ...", flush=True)
    started = time.perf_counter()
    r = common.run_job("amodal_overhead", timeout=7200,
                       directory=str(args.data / "amodal"), width=width, height=height,
                       samples=args.samples, rounds=args.rounds, scatter=args.scatter,
                       subdivisions=args.subdivisions)
    print(f"Blender {r['blender']}, {r['threads']} render threads, "
          f"{time.perf_counter() - started:.0f} s in all")
    print(f"scene: {r['objects']} mesh objects and copies, {r['triangles']} triangles; "
          f"{r['masks']} amodal masks, {r['mask_pixels']} mask pixels on the canvas, header "
          f"attribute {r['header_bytes'] / 1024:.1f} KiB\n")
    wall, cpu = r["wall"], r["cpu"]
    ratio_wall = statistics.median(a / b for a, b in zip(wall["with"], wall["without"],
                                                          strict=True))
    ratio_cpu = statistics.median(a / b for a, b in zip(cpu["with"], cpu["without"],
                                                         strict=True))
    for mode in ("without", "with"):
        print(f"  {mode:8s} wall median {statistics.median(wall[mode]):6.2f} s, "
              f"CPU median {statistics.median(cpu[mode]):6.2f} s; every render: "
              + " ".join(f"{t:.2f}" for t in wall[mode]))
    added = statistics.median(a - b for a, b in zip(wall["with"], wall["without"],
                                                     strict=True))
    print(f"\nwith / without amodal masks: {ratio_wall:.3f} (wall), {ratio_cpu:.3f} (CPU); "
          f"median added per frame {added * 1e3:.0f} ms")
    step = r["step"]
    print(f"frame step alone: {statistics.median(step['without']) * 1e3:.1f} ms without "
          f"masks, {statistics.median(step['with']) * 1e3:.1f} ms with (median of 5)")
    print(f"machine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
