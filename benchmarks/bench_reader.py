# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reader speed and memory on a 1920x1080 frame rendered through the add-on (issue 15).

    .venvs/bpy-4.5/bin/python benchmarks/bench_reader.py [--rounds 15] [--data DIR]
    .venvs/bpy-5.3/bin/python benchmarks/bench_reader.py      (numpy 2, Python 3.13)
    .venvs/reader/bin/python benchmarks/bench_reader.py       (no bpy: needs --data
                                                               with the frames rendered)

Two files: the seven passes (image and emission in half floats, the add-on's default
precision) and every output (instance_id on, so all full float). For each it prints:

- the bare decode, ``OpenEXR.File(path)`` with OpenEXR's thread pool on every core
  (the faster of ``separate_channels`` False and True), and without the pool;
- ``reader.read(path)`` and every pass of the file (image, depth, normal, vector,
  emission, object and material index, and instance_id in the second file), and the
  ratio to the bare decode (target 1: at most 1.15);
- the peak memory that reading every pass adds, over the bytes of the arrays
  returned, by tracemalloc and by the process's peak RSS, measured in a fresh child
  process (target 3: at most 1.3);
- reading ``depth`` only (target 4: one decode) and the header-only calls
  (``passes``, ``camera``, ``names``, size, frame: no decode). Decoded into planes,
  its time is checked against 1.05 (the depth pass's own conversion). Decoded straight
  into the arrays, the first array read builds every array in that one decode, and
  reading depth alone then also lets the others go: its time is printed, not checked
  (reading every pass is the target);
- with ``--dtype-float16``, the same reading with ``dtype=float16`` (no target);
- with ``--planes``, the frame decoded by the openexr package into a plane a channel
  and then converted (the decode straight into the arrays off; no target);
- with ``--numpy``, that and every conversion by numpy, as where the package was
  installed without a C compiler (the C kernels off; no target).

The reader is called first, with OpenEXR's pool as the process starts (0 threads), to
show that it sets the pool up itself. Times are medians of interleaved rounds; each
ratio is the median of the ratios within a round, which other programs' load on the
machine affects least.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tracemalloc
from pathlib import Path

import common
import numpy as np
import OpenEXR

from blender_gt_addon import reader
from blender_gt_addon.reader import convert, native


def bare_decode(path: Path, separate: bool) -> dict:
    exr = OpenEXR.File(str(path), separate_channels=separate)
    return {name: channel.pixels for part in exr.parts for name, channel in part.channels.items()}


def every_pass(frame: reader.GroundTruthFrame) -> tuple[str, ...]:
    """The attributes of every pass in ``frame``: the seven, and instance_id if it has it."""
    names = [n for n in common.SEVEN_ATTRIBUTES if n in frame.passes]
    if "cryptomatte_object" in frame.passes:
        names.append("instance_id")
    return tuple(names)


def read_every_pass(path: Path, **options) -> list[np.ndarray]:
    frame = reader.read(path, **options)
    return [getattr(frame, name) for name in every_pass(frame)]


def read_depth(path: Path) -> np.ndarray:
    return reader.read(path).depth


def header_calls(path: Path) -> tuple:
    frame = reader.read(path)
    return frame.passes, frame.camera, frame.names, frame.width, frame.height, frame.frame


def rss_bytes(field: str = "VmRSS") -> int:
    """This process's resident memory now (``VmRSS``) or at its peak (``VmHWM``).

    Not ``getrusage``'s ``ru_maxrss``: Linux carries it over from the parent through
    fork and exec, so a child of a large process starts with the parent's peak.
    """
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(path: str, how: str) -> None:
    """In a fresh process: the peak memory added by reading every pass of ``path``,
    by tracemalloc (``how == "traced"``) or by the peak RSS (``VmHWM``) over the
    RSS before (``"rss"``; tracemalloc off, its own bookkeeping would count); JSON."""
    frame = reader.read(path)  # the header: not counted
    names = every_pass(frame)
    before = rss_bytes()
    if how == "traced":
        tracemalloc.start()
    arrays = [getattr(frame, name) for name in names]
    if how == "traced":
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    else:
        peak = rss_bytes("VmHWM") - before
    returned = sum(a.nbytes for a in {id(a): a for a in arrays}.values())
    print(json.dumps({"returned": returned, how: peak}))


def memory(path: Path) -> dict:
    """Both measures, each in a fresh process."""
    found: dict = {}
    for how in ("traced", "rss"):
        out = subprocess.run([sys.executable, __file__, "--memory-child", str(path), how,
                              "numpy" if convert._kernels is None else
                              "native" if native.available() else "planes"],
                             capture_output=True, text=True, check=True).stdout
        found.update(json.loads(out.strip().splitlines()[-1]))
    return found


class DecodeCounter:
    """Counts the decodes of pixels: ``OpenEXR.File`` calls that are not header-only,
    and decodes straight into the reader's arrays (reader/native.py)."""

    def __init__(self) -> None:
        self.pixels = self.headers = 0
        self._original = None
        self._native = None

    def __enter__(self):
        self._original = original = OpenEXR.File

        def counting(*args, **kwargs):
            if kwargs.get("header_only"):
                self.headers += 1
            else:
                self.pixels += 1
            return original(*args, **kwargs)

        OpenEXR.File = counting
        if convert._kernels is not None:
            self._native = native_original = convert._kernels.read_into

            def counting_native(*args):
                self.pixels += 1
                return native_original(*args)

            convert._kernels.read_into = counting_native
        return self

    def __exit__(self, *exc) -> None:
        OpenEXR.File = self._original
        if self._native is not None:
            convert._kernels.read_into = self._native


def size_mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def bench_file(label: str, path: Path, n: int, targets: common.Targets,
               float16: bool) -> dict:
    frame = reader.read(path)
    dtypes = sorted({str(c.pixels.dtype) for part in OpenEXR.File(str(path)).parts
                     for c in part.channels.values()})
    passes = every_pass(frame)
    print(f"\n{label}: {path} ({frame.width}x{frame.height}, {size_mb(path)}, "
          f"{len(frame.channels)} channels stored as {'/'.join(dtypes)}, "
          f"{frame.header['compression'].name.replace('_COMPRESSION', '')})")
    print(f"  every pass: {', '.join(passes)}")

    with DecodeCounter() as count:
        t_header = statistics.median(common.timed(lambda: header_calls(path)) for _ in range(20))
        header_decodes = count.pixels
    with DecodeCounter() as count:
        lazy = reader.read(path)
        _ = lazy.depth
        after_depth = count.pixels
        for name in passes:
            getattr(lazy, name)
        after_all = count.pixels

    functions = {
        "bare (separate_channels=False)": lambda: bare_decode(path, False),
        "bare (separate_channels=True)": lambda: bare_decode(path, True),
        "reader, every pass": lambda: read_every_pass(path),
        "reader, depth only": lambda: read_depth(path),
    }
    if float16:
        functions["reader, every pass, dtype=float16"] = lambda: read_every_pass(
            path, dtype=np.float16)
    times = common.rounds(functions, n)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, t in times.items():
        print(f"  {name:38s} median {common.ms(medians[name]):>9s}  min {common.ms(min(t)):>9s}")
    # The baseline of each round: the faster of the two bare decodes in that round.
    times["bare"] = [min(a, b) for a, b in zip(times["bare (separate_channels=False)"],
                                                times["bare (separate_channels=True)"],
                                                strict=True)]
    bare = statistics.median(times["bare"])

    # The pool's effect, for the record (the reader set it up; put it back after).
    threads = OpenEXR.global_thread_count()
    OpenEXR.set_global_thread_count(0)
    single = statistics.median(common.timed(lambda: bare_decode(path, True)) for _ in range(5))
    OpenEXR.set_global_thread_count(threads)
    print(f"  bare decode without OpenEXR's thread pool: median {common.ms(single)} "
          f"({single / bare:.2f}x the pooled decode)")

    ratio_all = common.paired_ratio(times, "reader, every pass", "bare")
    ratio_depth = common.paired_ratio(times, "reader, depth only", "bare")
    print(f"  reader / bare decode: every pass {ratio_all:.3f}, depth only {ratio_depth:.3f}"
          f" (median of per-round ratios)")
    if float16:
        ratio_half = common.paired_ratio(times, "reader, every pass, dtype=float16", "bare")
        print(f"  reader / bare decode, image and emission as float16: {ratio_half:.3f}")
    print(f"  header-only calls (passes, camera, names, size, frame): {common.ms(t_header)}, "
          f"{header_decodes} pixel decodes")
    print(f"  pixel decodes: {after_depth} after reading depth, {after_all} after every pass")

    mem = memory(path)
    mb = 1e6
    print(f"  memory, every pass (fresh process): arrays returned {mem['returned'] / mb:.1f} MB;"
          f" peak added {mem['traced'] / mb:.1f} MB by tracemalloc "
          f"({mem['traced'] / mem['returned']:.2f}x), {mem['rss'] / mb:.1f} MB by peak RSS "
          f"({mem['rss'] / mem['returned']:.2f}x)")

    targets.check(f"{label}: reader (every pass) / bare decode", ratio_all, 1.15)
    targets.check(f"{label}: peak memory / arrays, tracemalloc", mem["traced"] / mem["returned"],
                  1.3)
    targets.check(f"{label}: peak memory / arrays, peak RSS", mem["rss"] / mem["returned"], 1.3)
    targets.check(f"{label}: pixel decodes for depth only", after_depth, 1, fmt="{:.0f}")
    if not native.available():
        targets.check(f"{label}: reader (depth only) / bare decode", ratio_depth, 1.05)
    targets.check(f"{label}: pixel decodes by header-only calls", header_decodes, 0,
                  fmt="{:.0f}")
    return {"reader": medians["reader, every pass"], "bare": bare}


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=15, help="timed rounds (default: %(default)s)")
    p.add_argument("--dtype-float16", action="store_true",
                   help="also time reading with dtype=float16 (no target)")
    p.add_argument("--numpy", action="store_true",
                   help="convert with numpy, as without a C compiler (the kernels off)")
    p.add_argument("--planes", action="store_true",
                   help="decode through the openexr package's planes, then convert (the "
                        "decode straight into the arrays off)")
    p.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    how = args.memory_child[2] if args.memory_child else ("numpy" if args.numpy else
                                                          "planes" if args.planes else "native")
    if how == "numpy":
        convert._kernels = None
    if how == "planes":
        native.ENABLED = False
    if args.memory_child:
        memory_child(*args.memory_child[:2])
        return 0
    print(f"machine: {common.machine()}")
    decoded = (f"decoded straight into the arrays by OpenEXR Core {native.available()}"
               if native.available() else "decoded by the openexr package into planes")
    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, openexr "
          f"{OpenEXR.__version__}; {decoded}; conversions: {convert.kernels()}")
    files = common.full_hd_frames(args.data, args.rerender)

    pool_before = OpenEXR.global_thread_count()
    read_depth(files["seven"])  # the reader's first decode in this process
    pool_after = OpenEXR.global_thread_count()
    print(f"OpenEXR thread pool: {pool_before} threads at start, {pool_after} after the "
          f"reader's first decode ({common.cores()} cores)")
    if pool_after == 0:
        print("  (the reader left the pool off: the bare decode below uses every core)")
    OpenEXR.set_global_thread_count(max(pool_after, common.cores()))

    targets = common.Targets()
    bench_file("seven passes, half image", files["seven"], args.rounds, targets,
               args.dtype_float16)
    bench_file("every output, full float", files["all"], args.rounds, targets,
               args.dtype_float16)
    print(f"\nmachine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0 if targets.report() else 1


if __name__ == "__main__":
    sys.exit(main())
