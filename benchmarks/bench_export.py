# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt export`` of a 100-frame folder: frames per second, cores used (issue 6,
target 5).

    .venvs/bpy-4.5/bin/python benchmarks/bench_export.py [--formats npz,flo,coco] [--frames 100]

The folder is made cheaply: the add-on renders 4 frames of the demo scene at 640x480
with every output (8 samples), and they are copied round-robin to frames 1..100, each
copy's frame number (the ``Frame`` attribute and the camera's frame in the ``Note``)
rewritten, so every file is a valid frame of its own number.

Each format is exported twice by the real command (``python -m blender_gt_addon
export``, a child process): with ``--jobs 1``, and with the default (every core).
Printed: wall time, frames per second, the speed-up, and the cores kept busy (CPU
time of the command and its worker processes over wall time).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import common
import OpenEXR

from blender_gt_addon import outputs
from blender_gt_addon.sequence import frame_files

SIZE = (640, 480)
RENDERED = 4
_CAMERA = "blender-gt camera "


def renumbered(src: Path, dst: Path, number: int) -> None:
    """Write ``src`` as frame ``number``: same pixels, codec and header but the frame."""
    exr = OpenEXR.File(str(src), separate_channels=True)
    part = exr.parts[0]
    header = {k: v for k, v in part.header.items() if k != "channels"}
    header["Frame"] = str(number)
    lines = []
    for line in header.get("Note", "").split("\n"):
        if line.startswith(_CAMERA):
            camera = json.loads(line[len(_CAMERA):])
            camera["f"] = number
            line = _CAMERA + json.dumps(camera, separators=(",", ":"))
        lines.append(line)
    header["Note"] = "\n".join(lines)
    OpenEXR.File(header, {n: c.pixels for n, c in part.channels.items()}).write(str(dst))


def make_folder(data: Path, frames: int, rerender: bool) -> Path:
    rendered = data / "export_rendered"
    folder = data / f"export_{frames}_frames"
    if rerender or len(list(rendered.glob("*.exr"))) < RENDERED:
        shutil.rmtree(rendered, ignore_errors=True)
        print(f"rendering {RENDERED} frames at {SIZE[0]}x{SIZE[1]} into {rendered} ...",
              flush=True)
        started = time.perf_counter()
        common.run_job("render_sequence", directory=str(rendered), width=SIZE[0],
                       height=SIZE[1], samples=8, frames=RENDERED)
        print(f"  {time.perf_counter() - started:.0f} s", flush=True)
        shutil.rmtree(folder, ignore_errors=True)
    if len(list(folder.glob("*.exr"))) != frames:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        sources = [p for _, p in frame_files(rendered)]
        for n in range(1, frames + 1):
            renumbered(sources[(n - 1) % len(sources)], folder / outputs.file_name("", n), n)
    return folder


def export(folder: Path, fmt: str, out: Path, jobs: int | None) -> dict:
    shutil.rmtree(out, ignore_errors=True)
    cmd = [sys.executable, "-m", "blender_gt_addon", "export", str(folder), "--to", fmt,
           "-o", str(out)]
    if fmt == "coco":
        cmd += ["--ids", "instance_id"]
    if jobs is not None:
        cmd += ["--jobs", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=common.ROOT,
                          env=dict(os.environ, PYTHONPATH=str(common.ROOT)))
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "summary": proc.stdout.strip().splitlines()[-1]}


def main(argv: list[str] | None = None) -> int:
    p = common.parser(__doc__.split("\n\n")[0])
    p.add_argument("--formats", default="npz,flo,coco", help="formats to export "
                   "(default: %(default)s)")
    p.add_argument("--frames", type=int, default=100, help="frames in the folder "
                   "(default: %(default)s)")
    args = p.parse_args(argv)
    print(f"machine: {common.machine()}")
    folder = make_folder(args.data, args.frames, args.rerender)
    size = sum(f.stat().st_size for f in folder.glob("*.exr")) / 1e6
    print(f"source: {folder}, {args.frames} frames of {SIZE[0]}x{SIZE[1]}, every output, "
          f"{size:.0f} MB\n")
    cores = common.cores()
    targets = common.Targets()
    for fmt in args.formats.split(","):
        one = export(folder, fmt, args.data / "export_out" / f"{fmt}_1", 1)
        every = export(folder, fmt, args.data / "export_out" / f"{fmt}_all", None)
        for label, r in (("--jobs 1", one), (f"default ({cores} cores)", every)):
            print(f"  {fmt:5s} {label:18s} {r['wall']:6.1f} s  {args.frames / r['wall']:6.1f} "
                  f"frames/s  cores busy {r['cpu'] / r['wall']:.2f}")
        print(f"        the command said: {every['summary']}")
        speedup = one["wall"] / every["wall"]
        print(f"        speed-up on {cores} cores: {speedup:.2f}x\n")
        targets.check(f"{fmt}: cores busy with the default --jobs", every["cpu"] / every["wall"],
                      0.75 * cores, at_most=False, fmt="{:.2f}")
        says_fps = re.search(r"frames?/s", every["summary"]) is not None
        targets.check(f"{fmt}: the command reports frames per second", float(says_fps), 1.0,
                      at_most=False, fmt="{:.0f}")
    print(f"machine load at the end: {common.machine().rsplit('load average ', 1)[-1]}")
    return 0 if targets.report() else 1


if __name__ == "__main__":
    sys.exit(main())
