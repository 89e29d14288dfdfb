# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt tracks``: time per frame, and the figures of ``check --tracks`` (issue 19).

    .venvs/bpy-5.3/bin/python benchmarks/bench_tracks.py [--frames 24] [--size 640x480]

The folder: the demo scene (a car driving past, a camera following it) rendered by the
add-on with every output (4 samples), kept in the data folder between runs. Printed:
for 1000 and 10000 query points, the wall time of :func:`blender_gt_addon.tracks.track`
(decoding each frame's depth and instance ids included) per frame, best of
``--repeats``, next to the time of reading those alone; the time to write each format;
and, from ``check_tracks`` on the same folder, the median chained-flow error and the
share of in-view entries a depth-ratio visibility heuristic (0.97) gets wrong.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import common

from blender_gt_addon import tracks
from blender_gt_addon.tracks import verify


def folder(data: Path, frames: int, size: tuple[int, int], rerender: bool) -> Path:
    out = data / f"tracks_{size[0]}x{size[1]}_{frames}"
    if rerender or len(list(out.glob("*.exr"))) < frames:
        print(f"rendering {frames} frames at {size[0]}x{size[1]} into {out} ...", flush=True)
        started = time.perf_counter()
        common.run_job("render_sequence", directory=str(out), width=size[0],
                       height=size[1], samples=4, frames=frames)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    return out


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=24)
    p.add_argument("--size", default="640x480")
    p.add_argument("--repeats", type=int, default=3)
    args = p.parse_args()
    size = tuple(int(v) for v in args.size.split("x"))
    print(common.machine(), flush=True)
    source = folder(args.data, args.frames, size, args.rerender)
    from blender_gt_addon import reader

    reading = []
    for _ in range(args.repeats):
        started = time.perf_counter()
        for frame in reader.open_sequence(source):
            _ = frame.depth, frame.instance_id, frame.poses  # what tracking reads a frame
        reading.append(time.perf_counter() - started)
    read = min(reading) / args.frames
    print(f"reading depth, instance ids and poses alone: {read * 1000:.1f} ms a frame",
          flush=True)
    for points in (1000, 10000):
        times = []
        for _ in range(args.repeats):
            started = time.perf_counter()
            result = tracks.track(source, points=points)
            times.append(time.perf_counter() - started)
        best = min(times)
        print(f"track {len(result)} points over {len(result.frames)} frames "
              f"({size[0]}x{size[1]}): best {best:.2f} s, median "
              f"{statistics.median(times):.2f} s = {best / len(result.frames) * 1000:.1f} ms "
              f"a frame ({(best / len(result.frames) - read) * 1000:.1f} ms more than "
              "reading)", flush=True)
        print("  " + result.summary().replace("\n", "\n  "), flush=True)
        with tempfile.TemporaryDirectory() as scratch:
            for fmt in tracks.FORMATS:
                started = time.perf_counter()
                path, _ = tracks.write(result, fmt, Path(scratch), folder=source)
                print(f"  write {fmt}: {time.perf_counter() - started:.2f} s, "
                      f"{path.stat().st_size / 1e6:.2f} MB", flush=True)
    started = time.perf_counter()
    checked = verify.check_tracks(source, points=1000)
    print(f"check --tracks 1000: {time.perf_counter() - started:.2f} s", flush=True)
    print(checked.report(), flush=True)


if __name__ == "__main__":
    main()
