# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The launcher's side of a render, without Blender: events, the child, old names."""

from __future__ import annotations

import importlib
import os
import queue
import subprocess
import sys
from pathlib import Path

import pytest

from blender_gt_addon import batch, demo
from blender_gt_addon.blender import demo_scene, render_job
from blender_gt_addon.render import RenderError, RenderResult, child, frames, launcher
from blender_gt_addon.render.events import Follower, follow


def _target(text: str):
    module, _, name = text.partition(":")
    return getattr(importlib.import_module(module), name)


def test_the_child_runs_the_job_that_lives_under_blender():
    assert _target(child.JOB_TARGET) is render_job.render_job
    assert _target(demo.JOB_TARGET) is demo_scene.render_demo


def test_batch_and_demo_keep_their_names():
    assert batch.render is launcher.render
    assert (batch.RenderError, batch.RenderResult) == (RenderError, RenderResult)
    assert (batch.parse_frames, batch.parse_shard, batch.shard_frames) == (
        frames.parse_frames, frames.parse_shard, frames.shard_frames)
    assert batch.render_job is render_job.render_job
    assert batch.DEFAULT_FRAME_TIMEOUT == 3600.0
    assert demo.render_demo is demo_scene.render_demo
    assert demo.OBJECTS["CarBody"] == 2 and demo.MATERIALS["BrakeLight"] == 5
    assert (demo.CAR_SPEED, demo.BRAKE_STRENGTH) == (0.6, 12.0)


def test_importing_the_launcher_side_imports_no_bpy():
    code = ("import sys; import blender_gt_addon.batch, blender_gt_addon.demo; "
            "sys.exit('bpy' in sys.modules)")
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0


def test_events_are_json_lines_and_anything_else_is_junk():
    read_fd, write_fd = os.pipe()
    os.write(write_fd, b'{"event": "plan", "frames": [1]}\n\nBlender says hi\n')
    os.close(write_fd)
    sink: queue.Queue = queue.Queue()
    child.read_events(read_fd, sink)
    assert [sink.get_nowait() for _ in range(3)] == [
        {"event": "plan", "frames": [1]}, {"event": "junk", "text": "Blender says hi"}, None]


def test_follower_fills_the_result_and_names_the_next_frame(tmp_path):
    result = RenderResult(folder=tmp_path)
    seen = []
    follower = Follower(result, seen.append)
    assert follower.current == "the start"
    follower.handle({"event": "plan", "frames": [2, 4, 6], "blender": "4.5"})
    assert follower.current == "frame 2"
    follower.handle({"event": "skip", "frame": 2, "file": "a/0002.exr"})
    follower.handle({"event": "frame", "frame": 4, "file": "a/0004.exr", "seconds": 1.5})
    assert follower.current == "frame 6"
    follower.handle({"event": "junk", "text": "noise"})
    follower.handle({"event": "warning", "message": "careful"})
    follower.handle({"event": "error", "message": "no camera"})
    follower.close()
    assert (result.planned, result.skipped, result.rendered) == ([2, 4, 6], [2], [4])
    assert result.files == [Path("a/0002.exr"), Path("a/0004.exr")]
    assert (result.render_seconds, result.blender, result.warnings) == (1.5, "4.5", ["careful"])
    assert follower.error == "no camera"
    assert [e["event"] for e in seen] == ["plan", "skip", "frame", "warning", "error"]


def test_a_silent_child_is_killed(tmp_path):
    proc = subprocess.Popen(["sleep", "60"], start_new_session=True)
    running = child.Child(proc, queue.Queue(), tmp_path / "result.json")
    follower = Follower(RenderResult(folder=tmp_path))
    with pytest.raises(RenderError, match="no news for 0 s while rendering the start"):
        follow(running, follower, 0.01, tmp_path / "log")
    assert proc.poll() is not None


def test_log_tail_is_the_last_line_or_nothing(tmp_path):
    log = tmp_path / "render.log"
    log.write_text("one\n two \n\n")
    assert child.log_tail(log) == "two"
    assert child.log_tail(log, 2) == "one | two"
    assert child.log_tail(tmp_path / "missing.log") == ""


def test_refusals_before_blender_starts(tmp_path):
    with pytest.raises(RenderError, match="no such .blend file"):
        launcher.render(tmp_path / "nope.blend", tmp_path / "gt")
    with pytest.raises(RenderError, match="is a folder, not a .blend file"):
        launcher.render(tmp_path, tmp_path / "gt")
