# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt render``: a saved .blend rendered headless, in shards, resumed, refused."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from cli_scenes import (
    FRAMES,
    HEIGHT,
    OBJECTS,
    PREFIX,
    WIDTH,
    blends,
    cli,
    copy_of,
    cube_front,
    exr_files,
    render_stdout,
    rendered,
)

from blender_gt_addon import reader
from blender_gt_addon.render import RenderError, render

OpenEXR = pytest.importorskip("OpenEXR")

pytestmark = pytest.mark.blender

ALL = ("image", "depth", "normal", "vector", "emission", "object_index", "material_index",
       "cryptomatte_object")
NAMES = [f"{PREFIX}{f:04d}.exr" for f in range(FRAMES[0], FRAMES[1] + 1)]
# Blender's stamp in the header that differs between two renders of the same frame.
TIMESTAMPS = {"Date", "RenderTime"}


@pytest.fixture(scope="module")
def scenes(run_job, tmp_path_factory):
    return blends(run_job, tmp_path_factory)


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


def raw(path) -> tuple[dict, dict]:
    """The header without timestamps, and every channel's pixels as bytes."""
    exr = OpenEXR.File(str(path), separate_channels=True)
    (part,) = exr.parts
    header = {k: repr(v) for k, v in part.header.items() if k not in TIMESTAMPS}
    pixels = {name: (ch.pixels.dtype.str, ch.pixels.tobytes())
              for name, ch in part.channels.items()}
    return header, pixels


# ------------------------------------------------------------------ a whole run


def test_render_writes_every_frame_of_the_scene_with_its_outputs(out):
    assert [p.name for p in exr_files(out)] == NAMES
    for number, path in enumerate(exr_files(out), start=FRAMES[0]):
        gt = reader.read(path)
        assert gt.frame == number
        assert (gt.width, gt.height) == (WIDTH, HEIGHT)
        assert gt.passes == ALL
        # Every object of the scene is there, and the background.
        assert set(np.unique(gt.object_index)) == {0, *OBJECTS.values()}


def test_render_moves_the_cube_5_right_and_3_down_per_frame(out):
    # Geometry: the front face at distance 8 moves 0.45 x 88.9 / 8 = 5 px right and
    # 0.27 x 88.9 / 8 = 3 px down per frame.
    corners = []
    for path in exr_files(out):
        gt = reader.read(path)
        rows, cols = np.nonzero(gt.object_index == OBJECTS["Moving"])
        corners.append((cols.min(), rows.min()))
        inside = cube_front(gt)  # (its top face shows too, farther away)
        flow = np.stack([-gt.vector[..., 2], gt.vector[..., 3]], axis=-1)[inside]
        assert len(flow) > 20
        assert np.allclose(flow, [5.0, 3.0], atol=0.05), path.name
    steps = np.diff(np.array(corners), axis=0)  # the first sample's edge: +-1 px
    assert np.abs(steps - [5, 3]).max() <= 1, steps


def test_render_reports_each_frame_and_a_summary(out):
    text = render_stdout()
    assert "4 frames to render (1-4)" in text
    for f in range(FRAMES[0], FRAMES[1] + 1):  # no terminal: a line a frame
        assert f"frame {f}: " in text
    assert text.strip().splitlines()[-1].startswith(f"rendered 4 frames into {out}")
    log = (out / "blender-gt-render.log").read_text()
    assert "Saved:" in log and "Traceback" not in log


# ----------------------------------------------------------------------- shards


def test_two_shards_in_parallel_give_exactly_the_unsharded_frames(scenes, out, tmp_path):
    shared = tmp_path / "shared"
    procs = [subprocess.Popen(
        [sys.executable, "-m", "blender_gt_addon", "render", str(scenes["anim"]), "-o",
         str(shared), "--shard", f"{i}/2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True, stdin=subprocess.DEVNULL) for i in (0, 1)]
    results = [p.communicate(timeout=240) for p in procs]
    for proc, (stdout, stderr) in zip(procs, results, strict=True):
        assert proc.returncode == 0, stdout + stderr
    assert "shard 0/2: 2 frames to render (2,4)" in results[0][0]
    assert "shard 1/2: 2 frames to render (1,3)" in results[1][0]
    assert [p.name for p in exr_files(shared)] == [p.name for p in exr_files(out)]
    for mine, theirs in zip(exr_files(shared), exr_files(out), strict=True):
        header, pixels = raw(mine)
        ref_header, ref_pixels = raw(theirs)
        assert header == ref_header, mine.name
        assert pixels.keys() == ref_pixels.keys()
        for name in pixels:
            assert pixels[name] == ref_pixels[name], f"{mine.name} {name}"


# ----------------------------------------------------------------------- resume


def test_resume_renders_only_missing_and_damaged_frames(scenes, out, tmp_path):
    folder = copy_of(out, tmp_path / "gt")
    files = exr_files(folder)
    files[1].write_bytes(files[1].read_bytes()[:3000])  # a render cut short
    files[3].unlink()
    os.utime(files[0], ns=(1, 1))  # so that a rewrite would show
    os.utime(files[2], ns=(1, 1))
    with pytest.raises(reader.GroundTruthError):
        _ = reader.read(files[1]).depth

    done = cli("render", scenes["anim"], "-o", folder, "--resume")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rendered 2 frames, kept 2 complete" in done.stdout
    assert f"frame 1: kept {files[0]}" in done.stdout
    assert "frame 2: " in done.stdout and "frame 4: " in done.stdout
    # The complete files were kept as they were, not written again.
    assert files[0].stat().st_mtime_ns == 1 and files[2].stat().st_mtime_ns == 1
    for path, ref in zip(exr_files(folder), exr_files(out), strict=True):
        assert raw(path)[1] == raw(ref)[1], path.name


def test_resume_rerenders_files_that_lack_an_output(scenes, out, tmp_path):
    # A file from a depth-only run does not satisfy a .blend that asks for everything.
    folder = tmp_path / "gt"
    done = cli("render", scenes["depthonly"], "-o", folder, "--frames", "2")
    assert done.returncode == 0, done.stderr
    assert reader.read(folder / NAMES[1]).passes == ("depth",)
    done = cli("render", scenes["anim"], "-o", folder, "--frames", "2", "--resume")
    assert done.returncode == 0, done.stderr
    assert "rendered 1 frame into" in done.stdout
    assert reader.read(folder / NAMES[1]).passes == ALL


# ------------------------------------------------------------------- bad inputs


def _error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("blender-gt: error: ")
    return lines[0]


def test_missing_blend_is_an_error(tmp_path):
    line = _error(cli("render", tmp_path / "nope.blend", "-o", tmp_path / "gt"))
    assert "nope.blend: no such .blend file" in line


def test_scene_without_camera_is_an_error(scenes, tmp_path):
    line = _error(cli("render", scenes["nocamera"], "-o", tmp_path / "gt"))
    assert "has no camera" in line
    assert not list((tmp_path / "gt").glob("*.exr"))


def test_blend_without_ground_truth_outputs_is_an_error(scenes, tmp_path):
    line = _error(cli("render", scenes["nooutput"], "-o", tmp_path / "gt"))
    assert "no ground-truth output is enabled" in line


def test_empty_frame_range_is_an_error(scenes, tmp_path):
    line = _error(cli("render", scenes["anim"], "-o", tmp_path / "gt", "--frames", "5-3"))
    assert "empty frame range" in line


def test_unwritable_folder_is_an_error(scenes, tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("not a folder")
    line = _error(cli("render", scenes["anim"], "-o", blocker / "gt"))
    assert "cannot be created" in line and "is a file" in line


def test_bad_shard_is_an_error(scenes, tmp_path):
    line = _error(cli("render", scenes["anim"], "-o", tmp_path / "gt", "--shard", "2/2"))
    assert "shard '2/2'" in line


def test_not_a_blend_file_is_an_error(tmp_path):
    fake = tmp_path / "fake.blend"
    fake.write_text("hello")
    line = _error(cli("render", fake, "-o", tmp_path / "gt"))
    assert "Blender cannot open it" in line


def test_python_without_bpy_is_an_error(scenes, tmp_path):
    code = ("import sys; sys.modules['bpy'] = None\n"
            "from blender_gt_addon.cli import main\n"
            f"sys.exit(main(['render', {str(scenes['anim'])!r}, '-o', {str(tmp_path)!r}]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=60)
    line = _error(done)
    assert "needs Blender as a Python module (bpy)" in line


def test_a_stuck_blender_is_stopped(scenes, tmp_path):
    with pytest.raises(RenderError, match="no news for"):
        render(scenes["anim"], tmp_path / "gt", frame_timeout=0.01)
