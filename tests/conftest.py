# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fixtures: Blender jobs in child processes, and renders shared between tests.

The test process itself never imports ``bpy``: every Blender job runs through
``blender_gt_addon.bpyjob`` in a child Python with its own Blender user folder
and a time limit, so a stuck render fails one test instead of hanging the run.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from blender_gt_addon import bpyjob

TESTS = Path(__file__).resolve().parent
# Modules shared by tests (scenes built in Blender, expected geometry, ...), importable
# by name from every test and from the Blender children.
HELPERS = TESTS / "helpers"
sys.path.insert(0, str(HELPERS))
JOB_TIMEOUT = float(os.environ.get("GT_JOB_TIMEOUT", "240"))
HAVE_BPY = importlib.util.find_spec("bpy") is not None


def pytest_collection_modifyitems(config, items):
    if HAVE_BPY:
        return
    skip = pytest.mark.skip(reason="bpy is not installed in this Python (pip install bpy)")
    for item in items:
        if "blender" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def blender_user_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("blender-user")


@pytest.fixture(scope="session")
def run_job(blender_user_dir, tmp_path_factory):
    """``run_job("scenes:function", **kwargs)`` -> JobResult, run in a child with bpy."""

    def run(target: str, timeout: float = JOB_TIMEOUT, **kwargs) -> bpyjob.JobResult:
        log = tmp_path_factory.mktemp("log") / "job.log"
        return bpyjob.run(target, kwargs, timeout=timeout, user_dir=blender_user_dir,
                          extra_paths=[str(TESTS), str(HELPERS)], log_path=log)

    return run


@pytest.fixture(scope="session")
def analytic_animation(run_job, tmp_path_factory):
    """Frames 1-3 of the analytic scene, every output on, half precision, ZIP."""
    out = tmp_path_factory.mktemp("analytic")
    result = run_job("scenes:render_analytic", directory=f"{out}/")
    return out, result.value


@pytest.fixture(scope="session")
def analytic_frame2(analytic_animation):
    from blender_gt_addon import reader

    out, _ = analytic_animation
    return reader.read(out / "gt_0002.exr")


@pytest.fixture
def exr_opens(monkeypatch) -> list[bool]:
    """Each ``OpenEXR.File`` call from now on, as its ``header_only`` flag, and each
    decode straight into the reader's arrays (reader/native.py), as ``False``."""
    import OpenEXR

    from blender_gt_addon.reader import convert

    calls: list[bool] = []
    real = OpenEXR.File

    def spy(*args, **kwargs):
        calls.append(kwargs.get("header_only", False))
        return real(*args, **kwargs)

    monkeypatch.setattr(OpenEXR, "File", spy)
    if convert._kernels is not None:
        real_native = convert._kernels.read_into

        def native_spy(*args):
            calls.append(False)
            return real_native(*args)

        monkeypatch.setattr(convert._kernels, "read_into", native_spy)
    return calls
