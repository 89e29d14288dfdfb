# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the ground truth costs a frame at the sample counts datasets use (issue 20).

    .venvs/bpy-5.3/bin/python benchmarks/bench_cost.py [--rounds 5]
        [--samples 1,4,16,64] [--denoise off,on] [--sizes 640x480,1920x1080]
        [--alone-samples 1,16]

The demo's street scene (``bench_scenes``), Cycles on the CPU, adaptive sampling off,
the beauty saved as PNG each time. For every size, sample count and denoising setting
one Blender process renders frame 2 in each mode, interleaved round by round (the
order reversed every other round) after a warm-up render:

- ``off``: the plain render, the scene without the add-on's compositor (every output
  unticked gives it back; the run stops if the compositor would still run);
  ``passes``: every output's pass switched on by hand and nothing written (Cycles' share);
- ``every``: every output (amodal masks included), the add-on's defaults (ZIP);
  ``every@NONE``: the same uncompressed (the EXR encoder's share);
- ``alone:<output>`` for each output (``--alone-samples``: at those sample counts
  only, with denoising off unless ``--alone-denoised``, as they take the longest):
  that output alone (the masks with the image); there too ``every@ZIPS``,
  ``every@PIZ``, ``every@RLE`` (``--codecs``).

Printed: each mode's median wall time, its ratio to ``off`` (wall and CPU time of
every Blender thread, each the median of the ratios within a round) and what it adds
(median of the differences within a round); the breakdown of ``every``: Cycles'
passes, the compositor (with the raw write), the EXR encode, the header rewrite, the
frame record (object poses, mesh hashes) and the amodal masks, the last three timed
inside the same renders; the file sizes; and the targets of issue 20.
"""

from __future__ import annotations

import statistics
import sys
import time

import common

from blender_gt_addon import bpyjob, outputs

ALONE = tuple(o.key for o in outputs.OUTPUTS if o.key != "crisp_image")  # = image unblurred
TARGET_RATIO, TARGET_FIXED_MS = 1.05, 100.0


def _paired(values: dict, mode: str, op) -> float:
    return statistics.median(op(a, b) for a, b in zip(values[mode], values["off"],
                                                      strict=True))


def _step(result: dict, mode: str, name: str) -> float:
    return statistics.median(s[name] for s in result["steps"][mode])


def _run(args, width: int, height: int, samples: int, denoise: bool) -> dict:
    modes = ["off", "passes", "every", "every@NONE"]
    alone = samples in args.alone_samples and (not denoise or args.alone_denoised)
    if alone and (not args.targets_only or (width, height) == (640, 480)):
        modes += [f"alone:{key}" for key in ALONE]
        modes += [f"every@{codec}" for codec in args.codecs]
    folder = args.data / f"cost_{width}x{height}_{samples}spp_{'dn' if denoise else 'raw'}"
    return bpyjob.run("bench_cost_jobs:render_costs", {
        "directory": str(folder), "width": width, "height": height, "samples": samples,
        "denoise": denoise, "rounds": args.rounds, "modes": modes,
    }, timeout=14400, extra_paths=[str(common.BENCH)], python=sys.executable).value


def _report(result: dict) -> dict:
    """Print one configuration's figures; returns the ones the targets use."""
    wall, cpu = result["wall"], result["cpu"]

    def added(mode: str) -> float:
        return _paired(wall, mode, lambda a, b: a - b) * 1e3

    print(f"  {'mode':22s} {'wall median':>11s} {'wall/off':>9s} {'CPU/off':>8s} "
          f"{'adds':>9s} {'adds CPU':>9s} {'file':>9s}")
    for mode in wall:
        ratio = _paired(wall, mode, lambda a, b: a / b)
        ratio_cpu = _paired(cpu, mode, lambda a, b: a / b)
        added_cpu = _paired(cpu, mode, lambda a, b: a - b) * 1e3
        size = result["bytes"][mode]
        print(f"  {mode:22s} {statistics.median(wall[mode]) * 1e3:9.0f}ms {ratio:9.3f} "
              f"{ratio_cpu:8.3f} {added(mode):+7.0f}ms {added_cpu:+7.0f}ms "
              f"{(f'{size / 1e6:.2f} MB' if size else ''):>9s}")
    every, raw = added("every"), added("every@NONE")
    passes = added("passes")
    write, write_raw = _step(result, "every", "_write"), _step(result, "every@NONE", "_write")
    step_raw = _step(result, "every@NONE", "finish_frame")
    masks = _step(result, "every", "mask_of")
    hashes = _step(result, "every", "geometry_hash")
    record = _step(result, "every", "_record_now") - masks - hashes
    rest = _step(result, "every", "finish_frame") - _step(result, "every", "_record_now") - write
    parts = [
        ("Cycles' passes (passes - off)", passes),
        ("compositor and raw write (every@NONE - passes - its frame step)",
         raw - passes - step_raw * 1e3),
        ("EXR encode, ZIP (every - every@NONE, without the header rewrites)",
         every - raw - (write - write_raw) * 1e3),
        ("header rewrite (exr.header.finish_file)", write * 1e3),
        ("frame record: camera, poses (timed in the render)", record * 1e3),
        ("  mesh hashes of the frame record", hashes * 1e3),
        ("amodal masks (timed in the render)", masks * 1e3),
        ("frame step's scene.frame_set and the rest", rest * 1e3),
    ]
    print(f"  every output adds {every:.0f} ms, of which:")
    for what, value in parts:
        print(f"    {what:66s} {value:7.1f} ms")
    return {"ratio": _paired(wall, "every", lambda a, b: a / b),
            "ratio_cpu": _paired(cpu, "every", lambda a, b: a / b), "added": every,
            "alone": {m.split(":", 1)[1]: added(m) for m in wall if m.startswith("alone:")}}


def _whole_file_rewrite(path: str, strings: dict) -> None:
    """The header step as it was before issue 20: the whole file read, rebuilt with the
    new header and written beside it, then renamed over it."""
    import os

    from blender_gt_addon.exr import header

    with open(path, "rb") as f:
        new = header.rewritten_header(f.read(), frozenset(), strings)
    with open(path + ".tmp", "wb") as f:
        f.write(new)
    os.replace(path + ".tmp", path)


def header_rewrites(folder, rounds: int = 7) -> None:
    """Time the header step on copies of the files a run wrote (``every``,
    ``every@NONE``): the whole-file rewrite of before against ``finish_file`` in place,
    interleaved; each round adds a record of the size of a frame record."""
    import shutil
    import tempfile
    from pathlib import Path

    from blender_gt_addon.exr import header

    for mode in ("every", "every@NONE"):
        files = sorted(Path(folder, mode).glob("*.exr"))
        if not files:
            continue
        with tempfile.TemporaryDirectory(prefix="blender-gt-header-") as tmp:
            copies = {"whole": str(Path(tmp, "whole.exr")), "in_place": str(Path(tmp, "p.exr"))}
            times = {name: [] for name in copies}
            for r in range(rounds):
                strings = {"blender-gt/bench": f"{r:04d}" * 1000}
                for name, copy in copies.items():
                    shutil.copy(files[0], copy)
                    run = (_whole_file_rewrite if name == "whole"
                           else lambda p, s: header.finish_file(p, (), s))
                    times[name].append(common.timed(lambda: run(copy, strings)))  # noqa: B023
            size = files[0].stat().st_size
            print(f"  header step on {mode}'s file ({size / 1e6:.1f} MB): whole-file rewrite "
                  f"{statistics.median(times['whole']) * 1e3:.1f} ms, in place "
                  f"{statistics.median(times['in_place']) * 1e3:.2f} ms")


def _ints(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v]


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="renders per mode (default: "
                   "%(default)s)")
    p.add_argument("--samples", type=_ints, default=[1, 4, 16, 64],
                   help="sample counts, comma-separated (default: 1,4,16,64)")
    p.add_argument("--denoise", default="off,on", help="off, on or both (default: off,on)")
    p.add_argument("--sizes", default="640x480,1920x1080", help="render sizes (default: "
                   "%(default)s)")
    p.add_argument("--alone-samples", type=_ints, default=[1, 16],
                   help="sample counts at which each output is also rendered alone "
                   "(default: 1,16)")
    p.add_argument("--alone-denoised", action="store_true", help="render each output "
                   "alone with denoising on too (OIDN's seconds a frame drown the figures)")
    p.add_argument("--targets-only", action="store_true", help="only what the targets "
                   "need, and 1080p at 1 sample: 640x480 at 1 sample (outputs alone, "
                   "codecs) and at 16 samples denoised")
    p.add_argument("--codecs", type=lambda t: [c for c in t.split(",") if c],
                   default=["ZIPS", "PIZ", "RLE"], help="other codecs rendered with every "
                   "output where the outputs are rendered alone (default: ZIPS,PIZ,RLE)")
    args = p.parse_args(argv)
    sizes = [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    denoises = [d == "on" for d in args.denoise.split(",")]
    print(f"machine: {common.machine()}")
    started = time.perf_counter()
    found, blender = {}, "?"
    configs = [(w, h, s, d) for w, h in sizes for s in args.samples for d in denoises]
    if args.targets_only:
        configs = [(640, 480, 1, False), (640, 480, 16, True), (1920, 1080, 1, False)]
    for width, height, samples, denoise in configs:
        t0 = time.perf_counter()
        result = _run(args, width, height, samples, denoise)
        blender = result["blender"]
        if result.get("plain_runs_compositor", True):
            # A plain render paying for a compositor understates what the outputs add.
            print(f"error: Blender {blender}: the plain render runs the compositor; it must "
                  "be the scene without the add-on's (untick every output)", file=sys.stderr)
            return 2
        print(f"\n{width}x{height}, {samples} samples, denoising "
              f"{'on' if denoise else 'off'}: Blender {blender}, "
              f"{result['threads']} threads, {args.rounds} rounds, "
              f"{time.perf_counter() - t0:.0f} s, load "
              f"{common.machine().rsplit('load average ', 1)[-1]}", flush=True)
        found[(width, height, samples, denoise)] = _report(result)
        if samples == 1 and not denoise:
            header_rewrites(args.data / f"cost_{width}x{height}_{samples}spp_"
                            f"{'dn' if denoise else 'raw'}")
    alone = {k: v for k, v in found.items() if v["alone"]}
    if alone:
        print("\neach output alone: what it adds to the plain render (ms)")
        keys = list(alone)
        names = [f"{w}x{h} {s}spp" + (" dn" if d else "") for w, h, s, d in keys]
        print("  " + f"{'output':16s}" + "".join(f"{name:>22s}" for name in names))
        for key in ALONE:
            print("  " + f"{key:16s}" + "".join(f"{alone[k]['alone'][key]:22.0f}" for k in keys))
    targets = common.Targets()
    target = found.get((640, 480, 16, True))
    if target:
        targets.check(f"Blender {blender}: every output / plain, 16 spp, denoised, 640x480 "
                      "(wall)", target["ratio"], TARGET_RATIO)
        targets.check(f"Blender {blender}: the same, CPU time", target["ratio_cpu"],
                      TARGET_RATIO)
    fixed = found.get((640, 480, 1, False)) or found.get((640, 480, 1, True))
    if fixed:
        targets.check(f"Blender {blender}: fixed cost of every output at 1 spp, 640x480 (ms)",
                      fixed["added"], TARGET_FIXED_MS, fmt="{:.0f}")
    print(f"\n{time.perf_counter() - started:.0f} s in all; load at the end: "
          f"{common.machine().rsplit('load average ', 1)[-1]}")
    if not targets.rows:
        return 0
    return 0 if targets.report() else 1


if __name__ == "__main__":
    sys.exit(main())
