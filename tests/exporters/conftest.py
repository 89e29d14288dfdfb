# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures of the exporter tests: the rendered frames 1-4 of ``anim.blend`` (rendered
once per session by :func:`cli_scenes.rendered`) and their reader frames."""

from __future__ import annotations

import pytest
from cli_scenes import exr_files, rendered

from blender_gt_addon import reader


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


@pytest.fixture(scope="module")
def frames(out):
    return [reader.read(p) for p in exr_files(out)]
