# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Renders shared by the point-track tests, each once per session: the scene of
``geometry_tracks`` (8 frames at 80 x 48) and the static scene of ``scenes_check`` under
its moving camera (3 frames at 160 x 120)."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def track_scene(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("tracks")
    run_job("scenes_tracks:render_tracks", directory=f"{out}/")
    return out


@pytest.fixture(scope="session")
def static_scene(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("tracks_static")
    run_job("scenes_check:render_moving_camera", directory=f"{out}/", spinner=False)
    return out


@pytest.fixture(scope="session")
def grid_tracks(track_scene):
    """Tracks of every second pixel of frame 1 of the track scene."""
    from blender_gt_addon.tracks import track

    return track(track_scene, grid=2)
