# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A render killed at a random moment, then resumed, loses no frame and keeps no bad one."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from cli_scenes import blends, cli

from blender_gt_addon import reader

pytestmark = pytest.mark.blender

TRIALS = 3
NAMES = [f"gt_{f:04d}.exr" for f in range(1, 7)]


def pixels(path):
    gt = reader.read(path)
    return {name: gt.get(name) for name in gt.passes}


@pytest.fixture(scope="module")
def slow(run_job, tmp_path_factory):
    anim = blends(run_job, tmp_path_factory)["anim"]
    folder = tmp_path_factory.mktemp("slow")
    blend = run_job("cli_scenes:build_slow_blend", source=str(anim),
                    destination=str(folder / "slow.blend")).value["path"]
    reference = folder / "reference"
    started = time.perf_counter()
    done = cli("render", blend, "-o", reference)
    assert done.returncode == 0, done.stdout + done.stderr
    return blend, reference, time.perf_counter() - started


def test_killed_render_resumes_without_losing_or_keeping_a_bad_frame(slow, tmp_path):
    blend, reference, seconds = slow
    assert sorted(p.name for p in reference.glob("*.exr")) == NAMES
    rng = random.Random(7)
    lost, bad_left, trials = 0, 0, []
    for trial in range(TRIALS):
        out = tmp_path / f"trial{trial}"
        proc = subprocess.Popen(
            [sys.executable, "-m", "blender_gt_addon", "render", str(blend), "-o", str(out)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
            start_new_session=True)
        # Kill somewhere between start-up and the end of the run, like a farm node dying.
        delay = rng.uniform(0.3, 0.9) * seconds
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=60)
        before = sorted(p.name for p in out.glob("*.exr")) if out.exists() else []
        unreadable = 0
        for name in before:
            try:
                pixels(out / name)
            except reader.GroundTruthError:
                unreadable += 1
        done = cli("render", blend, "-o", out, "--resume")
        assert done.returncode == 0, done.stdout + done.stderr
        after = sorted(p.name for p in out.glob("*.exr"))
        lost += len(set(NAMES) - set(after))
        for name in NAMES:
            if name in after:
                ours, theirs = pixels(out / name), pixels(reference / name)
                same = ours.keys() == theirs.keys() and all(
                    np.array_equal(ours[k], theirs[k], equal_nan=True) for k in ours)
                bad_left += not same
        trials.append((round(delay, 2), len(before), unreadable))
    print(f"kill-and-resume: {TRIALS} trials (kill after s, files then, unreadable then): "
          f"{trials}; frames lost {lost}; bad frames kept {bad_left}")
    assert lost == 0 and bad_left == 0
