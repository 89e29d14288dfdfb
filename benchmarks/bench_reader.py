# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reader speed on a 1920x1080 frame rendered through the add-on (issue 6, targets 1 and 2).

    .venvs/bpy-4.5/bin/python benchmarks/bench_reader.py [--rounds 15] [--data DIR]

Prints, for the seven-pass file (image and emission in half floats) and the file with
every output (instance_id on, so all full float):

- the bare decode, ``OpenEXR.File(path)`` with OpenEXR's thread pool on every core
  (the faster of ``separate_channels`` False and True), and without the pool;
- ``reader.read(path)`` and every one of the seven passes (image, depth, normal,
  vector, emission, object and material index), and the ratio to the bare decode
  (target: at most 1.15);
- reading ``depth`` only (target: one decode; ratio to the bare decode at most 1.05,
  the depth pass's own conversion);
- the header-only calls (``passes``, ``camera``, ``names``, size, frame), counting the
  pixel decodes they start (target: none);
- once, on the seven-pass file, the classic pattern (``OpenEXR.InputFile(...).channel``
  into ``array.array(...).tolist()`` then ``np.array``), and how many times faster
  the reader is (target: at least 50).

The reader is called first, with OpenEXR's pool as the process starts (0 threads), to
show that it sets the pool up itself. Times are medians of interleaved rounds; each
ratio is the median of the ratios within a round, which other programs' load on the
machine affects least.
"""

from __future__ import annotations

import array
import statistics
import sys
import time
from pathlib import Path

import common
import numpy as np
import OpenEXR

from blender_gt_addon import reader


def bare_decode(path: Path, separate: bool) -> dict:
    exr = OpenEXR.File(str(path), separate_channels=separate)
    return {name: channel.pixels for part in exr.parts for name, channel in part.channels.items()}


def read_seven(path: Path) -> list[np.ndarray]:
    frame = reader.read(path)
    return [getattr(frame, name) for name in common.SEVEN_ATTRIBUTES]


def read_seven_and_ids(path: Path) -> list[np.ndarray]:
    frame = reader.read(path)
    return [getattr(frame, name) for name in (*common.SEVEN_ATTRIBUTES, "instance_id")]


def read_depth(path: Path) -> np.ndarray:
    return reader.read(path).depth


def header_calls(path: Path) -> tuple:
    frame = reader.read(path)
    return frame.passes, frame.camera, frame.names, frame.width, frame.height, frame.frame


def classic(path: Path) -> dict[str, np.ndarray]:
    """The pattern of old examples: each channel through the deprecated InputFile API as
    bytes, into a Python list of floats, into numpy (float64, as ``np.array`` of a list
    gives); then stacked like the reader's arrays."""
    import Imath

    exr = OpenEXR.InputFile(str(path))
    window = exr.header()["dataWindow"]
    width, height = window.max.x - window.min.x + 1, window.max.y - window.min.y + 1
    float_type = Imath.PixelType(Imath.PixelType.FLOAT)

    def plane(name: str) -> np.ndarray:
        return np.array(array.array("f", exr.channel(name, float_type)).tolist()).reshape(
            height, width)

    layers = {"image": "RGBA", "depth": "V", "normal": "XYZ", "vector": "XYZW",
              "emission": "RGB", "object_index": "V", "material_index": "V"}
    out = {}
    for layer, letters in layers.items():
        planes = [plane(f"{layer}.{c}") for c in letters]
        out[layer] = planes[0] if len(planes) == 1 else np.stack(planes, axis=-1)
    return out


class DecodeCounter:
    """Counts ``OpenEXR.File`` calls that decode pixels (``header_only`` false)."""

    def __init__(self) -> None:
        self.pixels = self.headers = 0
        self._original = None

    def __enter__(self):
        self._original = original = OpenEXR.File

        def counting(*args, **kwargs):
            if kwargs.get("header_only"):
                self.headers += 1
            else:
                self.pixels += 1
            return original(*args, **kwargs)

        OpenEXR.File = counting
        return self

    def __exit__(self, *exc) -> None:
        OpenEXR.File = self._original


def size_mb(path: Path) -> str:
    return f"{path.stat().st_size / 1e6:.1f} MB"


def bench_file(label: str, path: Path, n: int, targets: common.Targets) -> dict:
    frame = reader.read(path)
    dtypes = sorted({str(c.pixels.dtype) for part in OpenEXR.File(str(path)).parts
                     for c in part.channels.values()})
    print(f"\n{label}: {path} ({frame.width}x{frame.height}, {size_mb(path)}, "
          f"{len(frame.channels)} channels stored as {'/'.join(dtypes)}, "
          f"{frame.header['compression'].name.replace('_COMPRESSION', '')})")
    print(f"  passes: {', '.join(frame.passes)}")

    with DecodeCounter() as count:
        t_header = statistics.median(common.timed(lambda: header_calls(path)) for _ in range(20))
        header_decodes = count.pixels
    with DecodeCounter() as count:
        lazy = reader.read(path)
        _ = lazy.depth
        after_depth = count.pixels
        for name in common.SEVEN_ATTRIBUTES:
            getattr(lazy, name)
        after_all = count.pixels

    functions = {
        "bare (separate_channels=False)": lambda: bare_decode(path, False),
        "bare (separate_channels=True)": lambda: bare_decode(path, True),
        "reader, seven passes": lambda: read_seven(path),
        "reader, depth only": lambda: read_depth(path),
    }
    if "cryptomatte_object" in frame.passes:
        functions["reader, seven passes + instance_id"] = lambda: read_seven_and_ids(path)
    times = common.rounds(functions, n)
    medians = {name: statistics.median(t) for name, t in times.items()}
    bare = min(("bare (separate_channels=False)", "bare (separate_channels=True)"),
               key=medians.get)
    for name, t in times.items():
        mark = "  <- baseline" if name == bare else ""
        print(f"  {name:38s} median {common.ms(medians[name]):>9s}  min {common.ms(min(t)):>9s}"
              f"{mark}")

    # The pool's effect, for the record (the reader set it up; put it back after).
    threads = OpenEXR.global_thread_count()
    OpenEXR.set_global_thread_count(0)
    single = statistics.median(common.timed(lambda: bare_decode(path, True)) for _ in range(5))
    OpenEXR.set_global_thread_count(threads)
    print(f"  bare decode without OpenEXR's thread pool: median {common.ms(single)} "
          f"({single / medians[bare]:.2f}x the pooled decode)")

    ratio_all = common.paired_ratio(times, "reader, seven passes", bare)
    ratio_depth = common.paired_ratio(times, "reader, depth only", bare)
    print(f"  reader / bare decode: seven passes {ratio_all:.3f}, depth only {ratio_depth:.3f}"
          f" (median of per-round ratios)")
    if "reader, seven passes + instance_id" in times:
        ratio_ids = common.paired_ratio(times, "reader, seven passes + instance_id", bare)
        print(f"  reader / bare decode with instance_id too: {ratio_ids:.3f}")
    print(f"  header-only calls (passes, camera, names, size, frame): {common.ms(t_header)}, "
          f"{header_decodes} pixel decodes")
    print(f"  pixel decodes: {after_depth} after reading depth, {after_all} after all seven")

    targets.check(f"{label}: reader (7 passes) / bare decode", ratio_all, 1.15)
    targets.check(f"{label}: reader (depth only) / bare decode", ratio_depth, 1.05)
    targets.check(f"{label}: pixel decodes for depth only", after_depth, 1, fmt="{:.0f}")
    targets.check(f"{label}: pixel decodes by header-only calls", header_decodes, 0,
                  fmt="{:.0f}")
    return {"reader": medians["reader, seven passes"], "bare": medians[bare]}


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=15, help="timed rounds (default: %(default)s)")
    p.add_argument("--no-classic", action="store_true", help="skip the slow classic pattern")
    args = p.parse_args(argv)
    print(f"machine: {common.machine()}")
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
    seven = bench_file("seven passes", files["seven"], args.rounds, targets)
    bench_file("every output", files["all"], args.rounds, targets)

    if not args.no_classic:
        # As the old examples ran it: OpenEXR's thread pool as the library starts (off).
        threads = OpenEXR.global_thread_count()
        OpenEXR.set_global_thread_count(0)
        started = time.perf_counter()
        old = classic(files["seven"])
        t_classic = time.perf_counter() - started
        OpenEXR.set_global_thread_count(threads)
        new = dict(zip(common.SEVEN_ATTRIBUTES, read_seven(files["seven"]), strict=True))
        same = all(np.array_equal(old[k], new[k], equal_nan=True)
                   for k in ("image", "vector", "emission", "object_index"))
        speedup = t_classic / seven["reader"]
        print(f"\nclassic pattern (InputFile.channel -> array.array.tolist -> np.array, "
              f"OpenEXR's thread pool off as by default), seven passes, once: {t_classic:.2f} s; "
              f"the reader is {speedup:.0f}x faster (same values: {same})")
        targets.check("reader speed-up over the classic pattern", speedup, 50, at_most=False,
                      fmt="{:.0f}")
    print(f"\nmachine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0 if targets.report() else 1


if __name__ == "__main__":
    sys.exit(main())
