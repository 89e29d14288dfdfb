# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export driver on real renders: processes, the library call, one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from cli_scenes import PREFIX, blends, cli, exr_files
from exports import one_line_error as _error
from exports import run_export

from blender_gt_addon import export

pytestmark = pytest.mark.blender


def test_one_process_and_two_give_the_same_files(out, tmp_path):
    run_export(out, "npz", tmp_path / "one", "--jobs", "1")
    run_export(out, "npz", tmp_path / "two", "--jobs", "2")
    for a, b in zip(sorted((tmp_path / "one").iterdir()), sorted((tmp_path / "two").iterdir()),
                    strict=True):
        assert a.name == b.name
        with np.load(a) as x, np.load(b) as y:
            assert x.files == y.files
            for key in x.files:
                np.testing.assert_array_equal(x[key], y[key])


def test_export_is_a_library_function(out, frames, tmp_path):
    result = export.export(out, "mask-png", tmp_path / "m", jobs=1)
    assert result.frames == len(frames)
    assert [p.name for p in result.files] == [f"{gt.path.stem}.png" for gt in frames]
    assert result.bytes == sum(p.stat().st_size for p in result.files)
    assert result.summary().startswith("exported 4 frames as mask-png: 4 files")


def test_a_format_needing_a_missing_output_is_an_error(run_job, tmp_path_factory, tmp_path):
    blend = blends(run_job, tmp_path_factory)["depthonly"]
    folder = tmp_path / "depth"
    assert cli("render", blend, "-o", folder, "--frames", "1").returncode == 0
    line = _error(cli("export", folder, "--to", "flo", "-o", tmp_path / "flo"))
    assert f"{PREFIX}0001.exr: has no 'vector' output, which flo needs" in line
    assert not (tmp_path / "flo").exists()


def test_a_damaged_frame_is_an_error(out, tmp_path):
    folder = tmp_path / "gt"
    folder.mkdir()
    for path in exr_files(out):
        (folder / path.name).write_bytes(path.read_bytes())
    victim = folder / f"{PREFIX}0003.exr"
    victim.write_bytes(victim.read_bytes()[:2500])
    line = _error(cli("export", folder, "--to", "npz", "-o", tmp_path / "npz", "--jobs", "2"))
    assert f"{PREFIX}0003.exr" in line and "damaged" in line


def test_unknown_format_missing_folder_and_bad_names_are_errors(out, tmp_path):
    line = _error(cli("export", out, "--to", "tiff", "-o", tmp_path / "x"))
    assert "--to" in line and "tiff" in line
    line = _error(cli("export", tmp_path / "nowhere", "--to", "npz", "-o", tmp_path / "x"))
    assert "nowhere: no such folder" in line
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _error(cli("export", empty, "--to", "npz", "-o", tmp_path / "x"))
    assert "holds no ground-truth frames" in line
    names = tmp_path / "names.json"
    names.write_text("[1, 2]")
    line = _error(cli("export", out, "--to", "coco", "-o", tmp_path / "c.json", "--names", names))
    assert "expected a JSON object" in line
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    line = _error(cli("export", out, "--to", "npz", "-o", blocker))
    assert "is not a folder" in line
    line = _error(cli("export", out, "--to", "npz", "-o", tmp_path / "y", "--jobs", "0"))
    assert "--jobs" in line
