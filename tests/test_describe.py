# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``describe``: what a file holds (``blender-gt info``; its text is tested in test_cli)."""

from __future__ import annotations

import pytest
from cli_scenes import PREFIX, rendered

from blender_gt_addon import export, reader
from blender_gt_addon.describe import describe


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


def test_describe_is_still_export_describe():
    assert export.describe is describe


@pytest.mark.blender
def test_info_header_only_decodes_no_pixels(out, monkeypatch):
    decoded = []
    original = reader.GroundTruthFrame._decoded
    monkeypatch.setattr(reader.GroundTruthFrame, "_decoded",
                        lambda self: decoded.append(self.path) or original(self))
    info = describe(out / f"{PREFIX}0001.exr", ranges=False)
    assert decoded == []
    assert "min" not in info["passes"]["depth"] and info["frame"] == 1
    describe(out / f"{PREFIX}0001.exr", ranges=True)
    assert len(decoded) >= 1
