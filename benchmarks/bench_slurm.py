# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Wall time of a 3-task Slurm array against one process on the same frames (issue 14).

    sudo .venvs/bpy-4.5/bin/python benchmarks/bench_slurm.py [--frames 12] [--size 640x480]

Saves the benchmark scene (the demo's car, every output) as a .blend, renders its
frames once with ``blender-gt render`` in one process, then starts a one-node Slurm
(``scripts/slurm.sh``, needs root and ``slurm-wlm``/``munge``) and renders the same
frames with ``scripts/jobs/render_array.sbatch`` as a 3-task array into another
folder, timed from ``sbatch`` to the last task's end; checks that both folders hold
the same frames; stops the cluster by its pids. The runs alternate ``--rounds`` times.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import common

SLURM_SH = common.ROOT / "scripts" / "slurm.sh"
JOB_FILE = common.ROOT / "scripts" / "jobs" / "render_array.sbatch"
BLENDER_GT = Path(sys.executable).parent / "blender-gt"


def save_blend(path: str, width: int, height: int, samples: int, frames: int) -> dict:
    """(In a Blender child.) The benchmark scene with every output, frames 1..frames."""
    import bench_scenes
    import bpy

    scene = bench_scenes._scene(width, height, samples)
    bench_scenes._outputs(scene, str(Path(path).parent / "unused"), bench_scenes.ALL_KEYS)
    scene.frame_start, scene.frame_end = 1, frames
    scene.frame_set(1)
    bpy.ops.wm.save_as_mainfile(filepath=path)
    return {"blender": bpy.app.version_string}


def one_process(blend: Path, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run([str(BLENDER_GT), "render", str(blend), "-o", str(out)], check=True,
                   capture_output=True, stdin=subprocess.DEVNULL)
    return time.perf_counter() - started


def array(blend: Path, out: Path, env: dict, logs: Path) -> float:
    logs.mkdir(parents=True, exist_ok=True)  # Slurm fails a task whose output it cannot open
    started = time.perf_counter()
    job = subprocess.run(
        ["sbatch", "--parsable", f"--output={logs}/%A_%a.out", str(JOB_FILE), str(blend),
         str(out)], env={**env, "BLENDER_GT": str(BLENDER_GT)}, check=True,
        capture_output=True, text=True).stdout.strip()
    while True:
        states = subprocess.run(["squeue", "-h", "-r", "-j", job, "--states=all", "-o", "%T"],
                                env=env, capture_output=True, text=True).stdout.split()
        if len(states) == 3 and all(s in ("COMPLETED", "FAILED", "CANCELLED", "TIMEOUT")
                                    for s in states):
            break
        time.sleep(0.1)
    seconds = time.perf_counter() - started
    if set(states) != {"COMPLETED"}:
        said = " | ".join(p.read_text()[-300:] for p in sorted(logs.glob("*.out")))
        raise SystemExit(f"array {job}: {states}: {said}")
    return seconds


def main() -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=12)
    p.add_argument("--size", default="640x480")
    p.add_argument("--samples", type=int, default=16)
    p.add_argument("--rounds", type=int, default=2)
    args = p.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("bench_slurm.py starts Slurm's daemons: run it as root")
    width, height = (int(v) for v in args.size.split("x"))
    print(common.machine())
    with tempfile.TemporaryDirectory(prefix="blender-gt-bench-slurm-") as tmp:
        tmp = Path(tmp)
        blend = tmp / "scene.blend"
        facts = common.bpyjob.run("bench_slurm:save_blend", {
            "path": str(blend), "width": width, "height": height, "samples": args.samples,
            "frames": args.frames}, extra_paths=[str(common.BENCH)], python=sys.executable,
            timeout=600).value
        cluster = tmp / "slurm"
        subprocess.run(["bash", str(SLURM_SH), "start", str(cluster)], check=True,
                       capture_output=True)
        env = {k: v for k, v in os.environ.items() if not k.startswith("SLURM_")}
        env["SLURM_CONF"] = str(cluster / "slurm.conf")
        times: dict[str, list[float]] = {"one process": [], "3-task array": []}
        try:
            for r in range(args.rounds):
                times["one process"].append(one_process(blend, tmp / f"one{r}"))
                times["3-task array"].append(array(blend, tmp / f"array{r}", env,
                                                   tmp / f"logs{r}"))
                one = sorted(p.name for p in (tmp / f"one{r}").glob("*.exr"))
                three = sorted(p.name for p in (tmp / f"array{r}").glob("*.exr"))
                assert one == three and len(one) == args.frames, (one, three)
        finally:
            subprocess.run(["bash", str(SLURM_SH), "stop", str(cluster)], capture_output=True)
    print(f"\n{args.frames} frames at {args.size}, {args.samples} samples, every output, "
          f"Blender {facts['blender']}, {common.cores()} cores (median of {args.rounds})")
    print("| run | wall time | frames a second |")
    print("|---|---:|---:|")
    for name, values in times.items():
        seconds = statistics.median(values)
        print(f"| {name} | {seconds:.1f} s | {args.frames / seconds:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
