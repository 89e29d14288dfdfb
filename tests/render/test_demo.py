# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The main job (``scripts/demo.sh``) end to end, at a tiny size."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


def test_demo_writes_ground_truth_and_a_preview(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run(
        [sys.executable, "-m", "blender_gt_addon.demo", "--out", str(out), "--frames", "3",
         "--size", "80x60", "--samples", "2", "--timeout", "240"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in out.glob("*.exr")) == ["0001.exr", "0002.exr", "0003.exr"]
    assert "preview.png" in done.stdout
    assert (out / "preview.png").stat().st_size > 10_000
    gt = reader.read(out / "0002.exr")
    assert gt.passes == ("image", "depth", "normal", "vector", "emission", "object_index",
                         "material_index", "albedo", "position", "cryptomatte_object")
    assert len(np.unique(gt.object_index)) > 3  # ground, car parts, props, background
    # Only what was rendered: the scene's meshes, not its sun nor Cycles' background
    # light (named "object", listed in the manifest by 4.5 to 5.3).
    from blender_gt_addon.blender.demo_scene import OBJECTS

    assert gt.names == dict(enumerate(sorted(OBJECTS), start=1))
    # The car drives: some pixels move to the next frame.
    assert np.abs(gt.vector[..., 2:]).max() > 1.0


def test_demo_failure_is_one_line(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    done = subprocess.run(
        [sys.executable, "-m", "blender_gt_addon.demo", "--out", str(blocker / "out"),
         "--frames", "1", "--size", "32x24", "--samples", "1"],
        capture_output=True, text=True, timeout=300,
    )
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().startswith("demo: error:")
