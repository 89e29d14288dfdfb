# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every exporter shares: atomic writes, folders, sizes, the summary line.
No Blender needed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blender_gt_addon.exporters.common import (
    ExportError,
    ExportResult,
    atomic_path,
    human_bytes,
    make_folder,
    partial_path,
)


def test_atomic_path_renames_a_complete_file(tmp_path):
    target = tmp_path / "a.png"
    target.write_text("old")
    with atomic_path(target) as partial:
        assert partial.parent == target.parent and partial.suffix == ".png"
        assert partial.name.startswith(".") and str(os.getpid()) in partial.name
        partial.write_text("new")
        assert target.read_text() == "old"  # untouched until the block ends
    assert target.read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.png"]


def test_atomic_path_removes_a_cut_file_and_keeps_the_old(tmp_path):
    target = tmp_path / "coco.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as partial:
        partial.write_text("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["coco.json"]


def test_partial_path_keeps_the_suffix_libraries_choose_formats_by(tmp_path):
    assert partial_path(tmp_path / "gt_0001.npz").suffix == ".npz"
    assert partial_path(tmp_path / "seq.h5").name == f".seq.partial-{os.getpid()}.h5"


def test_make_folder(tmp_path):
    make_folder(tmp_path / "a" / "b")
    assert (tmp_path / "a" / "b").is_dir()
    (tmp_path / "file").write_text("x")
    with pytest.raises(ExportError, match="exists and is not a folder"):
        make_folder(tmp_path / "file")


def test_human_bytes_and_summary():
    assert [human_bytes(n) for n in (697, 3174, 17_000_000)] == ["697 B", "3.1 KB", "16.2 MB"]
    result = ExportResult("coco", 4, [Path("out/coco.json")], 3174, 0.1,
                          {"depth pixels out of KITTI's range (written as 0)": 2})
    assert result.summary() == ("exported 4 frames as coco: 1 file, 3.1 KB, in out/coco.json "
                                "(0.1 s, 40.0 frames/s); 2 depth pixels out of KITTI's range "
                                "(written as 0)")
