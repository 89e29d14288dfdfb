# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""File size, write and read time per lossless EXR codec and precision (issue 6, target 4).

    .venvs/bpy-4.5/bin/python benchmarks/bench_codecs.py [--rounds 5] [--data DIR]

The 1920x1080 frame rendered through the add-on (``bench_reader.py`` renders the same
files) is written again with each lossless codec by the ``openexr`` package, with the
same channels, pixel types and header as Blender wrote them:

- ``seven, half``: the seven passes with the image and emission in half floats (the
  add-on's default precision; data passes are always 32-bit);
- ``seven, full``: the same passes all in 32-bit float (precision Full);
- ``all``: every output including instance_id (Cryptomatte), which makes the add-on
  write the whole file in 32-bit float.

For each: the size, the time to write it (OpenEXR's thread pool on every core, as
Blender writes), the time to read the seven passes through ``reader.read`` with the
file in the page cache and from the disk (the file dropped from the cache first, as
for a dataset larger than memory), the bare ``OpenEXR.File`` decode (cached), and
whether it decodes bit for bit to what was written.
NONE, RLE, ZIPS, ZIP and PIZ are the codecs the add-on offers (Blender 4.2-5.0 write
them); ZSTD is readable with openexr >= 3.4, but no Blender version writes it.
"""

from __future__ import annotations

import os
import statistics
import sys
from functools import partial
from pathlib import Path

import common
import numpy as np
import OpenEXR

from blender_gt_addon import outputs, reader

CODECS = {
    "NONE": "NO_COMPRESSION", "RLE": "RLE_COMPRESSION", "ZIPS": "ZIPS_COMPRESSION",
    "ZIP": "ZIP_COMPRESSION", "PIZ": "PIZ_COMPRESSION", "ZSTD": "ZSTD_COMPRESSION",
}
OFFERED = {identifier for identifier, _, _ in outputs.CODECS}


def source(path: Path, drop_prefix: str | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    exr = OpenEXR.File(str(path), separate_channels=True)
    part = exr.parts[0]
    header = {k: v for k, v in part.header.items() if k != "channels"}
    if drop_prefix:
        header = {k: v for k, v in header.items() if not k.startswith("cryptomatte/")}
    channels = {n: c.pixels for n, c in part.channels.items()
                if not (drop_prefix and n.startswith(drop_prefix))}
    return header, channels


def write(path: Path, header: dict, channels: dict[str, np.ndarray], codec: str) -> None:
    header = dict(header, compression=getattr(OpenEXR, CODECS[codec]))
    # The bindings put Channel objects into the dict they are given: give them a copy.
    OpenEXR.File(header, dict(channels)).write(str(path))


def evict(path: Path) -> None:
    """Drop the file from the page cache (written to disk first), so the next read
    comes from the disk, as for a dataset larger than memory."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def read_cold(path: Path) -> float:
    evict(path)
    return common.timed(partial(read_seven, path))


def read_seven(path: Path) -> None:
    frame = reader.read(path)
    for name in common.SEVEN_ATTRIBUTES:
        getattr(frame, name)


def bare(path: Path) -> None:
    exr = OpenEXR.File(str(path), separate_channels=True)
    for part in exr.parts:
        for channel in part.channels.values():
            _ = channel.pixels


def lossless(path: Path, channels: dict[str, np.ndarray]) -> bool:
    got = {n: c.pixels for n, c in OpenEXR.File(str(path), separate_channels=True)
           .parts[0].channels.items()}
    return set(got) == set(channels) and all(
        got[n].dtype == a.dtype and np.array_equal(got[n].view(np.uint8), a.view(np.uint8))
        for n, a in channels.items())


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=5, help="timed reads per file (default: "
                   "%(default)s; writes: 3)")
    args = p.parse_args(argv)
    print(f"machine: {common.machine()}")
    files = common.full_hd_frames(args.data, args.rerender)
    OpenEXR.set_global_thread_count(common.cores())
    out = args.data / "codecs"
    out.mkdir(parents=True, exist_ok=True)

    sources = {
        "seven, half": source(files["seven"]),
        "seven, full": source(files["all"], drop_prefix="cryptomatte_object."),
        "all (instance_id), full": source(files["all"]),
    }
    slugs = dict(zip(sources, ("seven_half", "seven_full", "all_full"), strict=True))
    rows = []
    for label, (header, channels) in sources.items():
        for codec in CODECS:
            target = out / f"{slugs[label]}_{codec}.exr"
            writing = partial(write, target, header, channels, codec)
            t_write = statistics.median(common.timed(writing) for _ in range(3))
            times = common.rounds({"read": partial(read_seven, target),
                                   "bare": partial(bare, target)}, args.rounds)
            cold = statistics.median(read_cold(target) for _ in range(3))
            rows.append({
                "file": label, "codec": codec, "mb": target.stat().st_size / 1e6,
                "write": t_write, "read": statistics.median(times["read"]), "cold": cold,
                "bare": statistics.median(times["bare"]), "lossless": lossless(target, channels),
                "blender": codec in OFFERED,
            })
            r = rows[-1]
            print(f"  {label:24s} {codec:5s} {r['mb']:7.1f} MB  write {common.ms(r['write']):>9s}"
                  f"  read {common.ms(r['read']):>9s}  cold {common.ms(r['cold']):>9s}"
                  f"  decode {common.ms(r['bare']):>9s}"
                  f"  lossless {r['lossless']}", flush=True)

    print("\n| file | codec | MB a frame | write | read, cached | read, from disk "
          "| bare decode, cached | lossless | Blender writes it |")
    print("|---|---|---:|---:|---:|---:|---:|---|---|")
    for r in rows:
        print(f"| {r['file']} | {r['codec']} | {r['mb']:.1f} | {r['write'] * 1e3:.0f} ms | "
              f"{r['read'] * 1e3:.0f} ms | {r['cold'] * 1e3:.0f} ms | {r['bare'] * 1e3:.0f} ms | "
              f"{'yes' if r['lossless'] else 'NO'} | {'yes' if r['blender'] else 'no'} |")
    default = outputs.DEFAULT_CODEC
    print(f"\nthe add-on's default codec: {default}")
    for label in sources:
        offered = [r for r in rows if r["file"] == label and r["blender"]]
        smallest = min(offered, key=lambda r: r["mb"])
        cached = min(offered, key=lambda r: r["read"])
        cold = min(offered, key=lambda r: r["cold"])
        print(f"  {label}: smallest {smallest['codec']} ({smallest['mb']:.1f} MB), fastest to "
              f"read from the page cache {cached['codec']} ({cached['read'] * 1e3:.0f} ms), "
              f"from disk {cold['codec']} ({cold['cold'] * 1e3:.0f} ms)")
    print(f"\nmachine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0 if all(r["lossless"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
