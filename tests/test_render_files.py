# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What F12 and Ctrl+F12 write, and what the add-on says about bad settings."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


def test_animation_writes_one_file_per_frame(analytic_animation):
    out, result = analytic_animation
    assert [f for f in result["files"] if f.endswith(".exr")] == [
        "gt_0001.exr", "gt_0002.exr", "gt_0003.exr"]
    assert [reader.read(out / f"gt_000{i}.exr").frame for i in (1, 2, 3)] == [1, 2, 3]


def test_still_render_writes_the_current_frame(run_job, tmp_path):
    result = run_job("scenes:render_analytic", directory=f"{tmp_path}/", animation=False,
                     prefix="still_", precision="FULL", codec="NONE").value
    assert [f for f in result["files"] if f.endswith(".exr")] == ["still_0002.exr"]
    gt = reader.read(tmp_path / "still_0002.exr")
    assert gt.frame == 2
    assert gt.header["compression"].name == "NO_COMPRESSION"
    assert gt.image.dtype.name == "float32"


def test_unwritable_folder_is_reported_without_traceback(run_job, tmp_path):
    job = run_job("scenes:problem_render", directory=str(tmp_path), case="unwritable")
    problems = job.value["problems"]
    assert problems and problems[0][0] == "ERROR"
    assert "cannot be created" in problems[0][1] and "is a file" in problems[0][1]
    assert "Ground truth error: Output folder" in job.log
    assert "Traceback" not in job.log
    # Nothing the user had is lost: the beauty render is still written.
    assert "beauty_.png" in job.value["files"]


def test_motion_blur_with_flow_writes_crisp_flow(run_job, tmp_path):
    # Motion blur on before the outputs are ticked: the crisp layer is set up at once,
    # nothing to say, and the flow is the moving cube's (5 px right, 3 down a frame).
    job = run_job("scenes:problem_render", directory=f"{tmp_path}/", case="motion_blur")
    assert not [m for _, m in job.value["problems"] if "Motion blur" in m]
    assert "Ground truth error" not in job.log
    flow = reader.read(tmp_path / "gt_0002.exr").flow_forward
    assert np.isclose(flow[..., 0], 5.0, atol=0.01).sum() > 20
    assert "Traceback" not in job.log


def test_users_note_is_kept_in_the_files_and_restored(run_job, tmp_path):
    result = run_job("scenes:note_story", directory=f"{tmp_path}/").value
    assert result["after"] == [True, "take 7, lens check"]
    assert result["frame_after"] == 2
    for frame in (1, 2, 3):
        gt = reader.read(tmp_path / f"{frame:04d}.exr")
        assert gt.header["Note"] == "take 7, lens check"
        assert gt.camera is not None and gt.camera.width == 64


def test_camera_is_recorded_with_metadata_burned_in_and_the_note_untouched(run_job, tmp_path):
    """The camera has its own header attribute: burning stamps into the image no
    longer costs the camera record, and the user's Note is written as they typed it."""
    job = run_job("scenes:note_story", directory=f"{tmp_path}/", burn_in=True)
    assert job.value["after"] == [True, "take 7, lens check"]
    for frame in (1, 2, 3):
        gt = reader.read(tmp_path / f"{frame:04d}.exr")
        assert gt.header["Note"] == "take 7, lens check"
        assert gt.camera is not None and gt.camera.width == 64
