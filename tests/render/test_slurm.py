# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt render`` under a real Slurm: scripts/jobs/render_array.sbatch as a
3-task array on a one-node cluster (scripts/slurm.sh), into one folder.

The cluster (munged, slurmctld, slurmd: Debian's slurm-wlm and munge) runs as root on
localhost with its config, key and state in a temporary folder; it is started once
for this module and stopped by its pids. Skipped, saying why, where it cannot run
(not root, packages missing: ``bash scripts/slurm.sh install``); CI installs them.

Frames are compared with an unsharded render of the same .blend by their header
without Blender's two timestamps (``Date``, ``RenderTime``, which differ between any
two renders) and every channel's pixels, byte for byte.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from cli_scenes import blends, cli, exr_files

from blender_gt_addon import reader

OpenEXR = pytest.importorskip("OpenEXR")

pytestmark = pytest.mark.blender

ROOT = Path(__file__).resolve().parents[2]
SLURM_SH = ROOT / "scripts" / "slurm.sh"
JOB_FILE = ROOT / "scripts" / "jobs" / "render_array.sbatch"
TASKS = 3
FRAMES = range(1, 7)  # the slow scene's frames: two a task
NAMES = [f"gt_{f:04d}.exr" for f in FRAMES]
TIMESTAMPS = {"Date", "RenderTime"}  # Blender's stamp: differs between two renders
WAIT = 300.0  # seconds for one array to finish


# ---------------------------------------------------------------------- cluster


def _why_not() -> str | None:
    if os.geteuid() != 0:
        return "a one-node Slurm needs root (its daemons run as root); CI runs as root"
    missing = [c for c in ("slurmctld", "slurmd", "sbatch", "squeue", "scancel", "munged",
                           "mungekey") if shutil.which(c) is None]
    if missing:
        return (f"Slurm is not installed (no {', '.join(missing)}): "
                "bash scripts/slurm.sh install (as root: apt-get install slurm-wlm munge)")
    return None


@pytest.fixture(scope="module")
def slurm(tmp_path_factory):
    """The environment to run Slurm's commands in (``SLURM_CONF`` set)."""
    reason = _why_not()
    if reason:
        pytest.skip(reason)
    folder = tmp_path_factory.mktemp("slurm")
    started = time.perf_counter()
    done = subprocess.run(["bash", str(SLURM_SH), "start", str(folder)], capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)
    if done.returncode != 0:  # installed and root: a failure to start is a failure
        pytest.fail(f"scripts/slurm.sh start failed: {done.stdout}{done.stderr}")
    print(f"one-node Slurm started in {time.perf_counter() - started:.1f} s")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "JOB_COMPLETION", "BLENDER_GT_SHARD"))}
    env["SLURM_CONF"] = str(folder / "slurm.conf")
    try:
        yield env
    finally:
        subprocess.run(["scancel", "--user=root"], env=env, capture_output=True, timeout=30)
        subprocess.run(["bash", str(SLURM_SH), "stop", str(folder)], capture_output=True,
                       timeout=60)


def submit(env: dict, blend: Path, out: Path, logs: Path) -> str:
    """``sbatch scripts/jobs/render_array.sbatch BLEND OUT`` with this venv's blender-gt;
    the job id."""
    logs.mkdir(parents=True, exist_ok=True)
    blender_gt = Path(sys.executable).parent / "blender-gt"
    assert blender_gt.exists(), f"{blender_gt}: pip install -e . makes it"
    done = subprocess.run(
        ["sbatch", "--parsable", f"--output={logs}/%A_%a.out", str(JOB_FILE), str(blend),
         str(out)], env={**env, "BLENDER_GT": str(blender_gt)}, capture_output=True,
        text=True, timeout=60, cwd=logs)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().split(";")[0]


def states(env: dict, job: str) -> dict[int, str]:
    """{task: state} of every task of array ``job`` (finished ones too)."""
    done = subprocess.run(["squeue", "-h", "-r", "-j", job, "--states=all", "-o", "%K %T"],
                          env=env, capture_output=True, text=True, timeout=30)
    found = {}
    for line in done.stdout.split("\n"):
        parts = line.split()
        if len(parts) == 2 and parts[0].isdigit():
            found[int(parts[0])] = parts[1]
    return found


def wait(env: dict, job: str) -> dict[int, str]:
    """Wait for every task of ``job`` to end; their final states."""
    deadline = time.monotonic() + WAIT
    while time.monotonic() < deadline:
        now = states(env, job)
        if len(now) == TASKS and all(s not in ("PENDING", "RUNNING", "COMPLETING",
                                               "CONFIGURING") for s in now.values()):
            return now
        time.sleep(0.3)
    subprocess.run(["scancel", job], env=env, timeout=30)
    pytest.fail(f"Slurm array {job} not done after {WAIT:.0f} s: {states(env, job)}")


def task_output(logs: Path, job: str, task: int) -> str:
    path = logs / f"{job}_{task}.out"
    return path.read_text() if path.exists() else ""


def rendered_frames(text: str) -> list[int]:
    """Frames a task's output says it rendered (``frame 4: 1.2 s -> ...``)."""
    return [int(m) for m in re.findall(r"^frame (-?\d+): [\d.]+ s -> ", text, re.M)]


def raw(path: Path) -> tuple[dict, dict]:
    """The header without Blender's timestamps, and every channel's pixels as bytes."""
    exr = OpenEXR.File(str(path), separate_channels=True)
    (part,) = exr.parts
    header = {k: repr(v) for k, v in part.header.items() if k not in TIMESTAMPS}
    pixels = {name: (ch.pixels.dtype.str, ch.pixels.tobytes())
              for name, ch in part.channels.items()}
    return header, pixels


def differences(folder: Path, reference: Path) -> list[str]:
    """The frames of ``folder`` that differ from ``reference``'s, or are missing or cut."""
    bad = []
    for name in NAMES:
        if not (folder / name).exists():
            bad.append(name)
            continue
        try:
            if raw(folder / name) != raw(reference / name):
                bad.append(name)
        except Exception:  # missing, cut, unreadable
            bad.append(name)
    return bad


# ----------------------------------------------------------------------- scenes


@pytest.fixture(scope="module")
def scene(run_job, tmp_path_factory):
    """A .blend of 6 frames slow enough to be killed mid-frame (128x96 pixels, 16
    samples), and its frames rendered by one process (the reference)."""
    anim = blends(run_job, tmp_path_factory)["anim"]
    folder = tmp_path_factory.mktemp("slurm-scene")
    blend = Path(run_job("cli_scenes:build_slow_blend", source=str(anim),
                         destination=str(folder / "slow.blend"), samples=16).value["path"])
    reference = folder / "reference"
    started = time.perf_counter()
    done = cli("render", blend, "-o", reference)
    assert done.returncode == 0, done.stdout + done.stderr
    seconds = time.perf_counter() - started
    assert [p.name for p in exr_files(reference)] == NAMES
    return blend, reference, seconds


# ------------------------------------------------------------------------ tests


def test_a_three_task_array_renders_every_frame_once_like_one_process(slurm, scene, tmp_path):
    blend, reference, one_process = scene
    out, logs = tmp_path / "gt", tmp_path / "logs"
    started = time.perf_counter()
    job = submit(slurm, blend, out, logs)
    final = wait(slurm, job)
    array = time.perf_counter() - started
    outputs = [task_output(logs, job, t) for t in range(TASKS)]
    assert final == dict.fromkeys(range(TASKS), "COMPLETED"), "\n".join(outputs)
    # Each task took its shard from Slurm's variables and said so.
    for task, text in enumerate(outputs):
        assert text.startswith(f"shard {task}/{TASKS} from Slurm array task "
                               f"(SLURM_ARRAY_TASK_ID={task}, SLURM_ARRAY_TASK_MIN=0, "
                               f"SLURM_ARRAY_TASK_MAX=2, "), text
        assert rendered_frames(text) == [f for f in FRAMES if f % TASKS == task], text
        log = out / f"blender-gt-render-shard-{task}-of-{TASKS}.log"
        assert f"shard {task}/{TASKS} from Slurm array task" in log.read_text()
    # Every frame rendered by exactly one task, and no other file.
    every = sorted(sum((rendered_frames(t) for t in outputs), []))
    assert every == list(FRAMES)
    assert [p.name for p in exr_files(out)] == NAMES
    assert differences(out, reference) == []
    print(f"6 frames at 128x96, 16 samples: one process {one_process:.1f} s, "
          f"a {TASKS}-task Slurm array {array:.1f} s (submit to last task done), "
          f"on {os.cpu_count()} cores")


def test_a_task_killed_mid_frame_and_the_array_resubmitted_loses_nothing(slurm, scene,
                                                                         tmp_path):
    blend, reference, _ = scene
    out, logs = tmp_path / "gt", tmp_path / "logs"
    job = submit(slurm, blend, out, logs)
    # Task 1 renders frames 1 and 4: kill it (SIGKILL, the batch script and all it
    # started) as soon as frame 1 is written, so that frame 4 is half rendered.
    deadline = time.monotonic() + WAIT
    while not rendered_frames(task_output(logs, job, 1)):
        assert time.monotonic() < deadline, task_output(logs, job, 1)
        assert states(slurm, job).get(1) in (None, "PENDING", "RUNNING", "CONFIGURING")
        time.sleep(0.05)
    subprocess.run(["scancel", "--signal=KILL", "--full", f"{job}_1"], env=slurm,
                   check=True, timeout=30)
    first = wait(slurm, job)
    killed = task_output(logs, job, 1)
    assert first[1] != "COMPLETED" and rendered_frames(killed) == [1], (first, killed)
    assert first[0] == first[2] == "COMPLETED", first
    damaged = differences(out, reference)
    assert damaged == ["gt_0004.exr"], damaged  # missing or cut: the kill came mid-frame
    cut = (out / "gt_0004.exr").exists()
    # The same line again: every frame that decodes completely is kept.
    again = submit(slurm, blend, out, logs)
    assert wait(slurm, again) == dict.fromkeys(range(TASKS), "COMPLETED")
    outputs = [task_output(logs, again, t) for t in range(TASKS)]
    assert sorted(sum((rendered_frames(t) for t in outputs), [])) == [4], outputs
    assert outputs[1].count(" (complete)") == 1  # frame 1 kept
    assert differences(out, reference) == []
    assert [p.name for p in exr_files(out)] == NAMES
    for name in NAMES:
        reader.read(out / name).get("depth")  # decodes
    print(f"killed task 1 mid-frame: frame 4 {'cut' if cut else 'not written'}; "
          "resubmitted: frame 4 rendered again, 5 kept")
