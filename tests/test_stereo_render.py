# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stereo pairs on real renders (issue 25): each view's file and camera, exact
disparity, the occluded band beside an occluder, against the scene's geometry
(``scenes_stereo``)."""

from __future__ import annotations

import numpy as np
import pytest
from scenes_stereo import BASELINE, CARD_X, CARD_Z, FX, RESOLUTION, WALL_Z

from blender_gt_addon import reader
from blender_gt_addon.check import edge_mask

pytestmark = pytest.mark.blender
W, H = RESOLUTION


@pytest.fixture(scope="module", params=["LEFT", "CENTER"])
def pair(request, run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"stereo_{request.param.lower()}")
    result = run_job("scenes_stereo:render_stereo", directory=f"{out}/", pivot=request.param)
    return out, request.param, result.value


def test_each_view_is_a_file_with_its_own_camera_and_the_rig(pair):
    out, pivot, value = pair
    assert "s_0001_L.exr" in value["files"] and "s_0001_R.exr" in value["files"]
    assert value["before"] is False and value["ticked"] == [True, "STEREO_3D", "PARALLEL"]
    assert value["unticked"] is False  # the add-on switched multiview on, and off again
    left, right = reader.read(out / "s_0001.exr", view="left"), reader.read(
        out / "s_0001_L.exr", view="right")
    assert (left.path.name, right.path.name) == ("s_0001_L.exr", "s_0001_R.exr")
    for frame, view in ((left, "left"), (right, "right")):
        rig = frame.stereo
        assert rig.view == view and rig.pivot == pivot and rig.baseline == pytest.approx(
            BASELINE, rel=1e-6)
        assert rig.files == {"left": "s_0001_L.exr", "right": "s_0001_R.exr"}
        assert set(frame.names.values()) == {"Wall", "Card", "Ramp"}  # header step ran
    # The scene camera is at the origin: the views' centres on its x axis.
    start = {"LEFT": 0.0, "CENTER": -BASELINE / 2}[pivot]
    assert np.allclose(left.camera.camera_to_world[:3, 3], (start, 0, 0), atol=1e-6)
    assert np.allclose(right.camera.camera_to_world[:3, 3], (start + BASELINE, 0, 0),
                       atol=1e-6)
    assert left.camera.K[0, 0] == pytest.approx(FX, rel=1e-9)


def test_each_views_camera_is_the_one_blender_rendered(pair):
    """The world position Blender wrote at each pixel projects through the file's own
    camera onto that pixel's centre (away from edges, where a pixel holds one surface)."""
    out, _, _ = pair
    for view in ("left", "right"):
        frame = reader.read(out / "s_0001.exr", view=view)
        inner = np.isfinite(frame.depth) & ~edge_mask(frame.depth, frame.instance_id)
        uv = frame.camera.project(frame.position[inner].astype(np.float64))
        rows, cols = np.nonzero(inner)
        error = np.hypot(uv[:, 0] - cols, uv[:, 1] - rows)
        assert inner.sum() > 0.8 * W * H and error.max() < 2e-3, (view, error.max())


def test_disparity_of_a_fronto_parallel_wall_is_fx_b_over_z(pair):
    out, _, _ = pair
    for view in ("left", "right"):
        frame = reader.read(out / "s_0001.exr", view=view)
        wall = frame.instance_id == {n: i for i, n in frame.names.items()}["Wall"]
        d = frame.disparity
        assert d.dtype == np.float32 and wall.sum() > 1000
        assert np.allclose(d[wall], FX * BASELINE / WALL_Z, rtol=1e-4, atol=0)


def test_disparity_of_a_slanted_ramp_is_affine_in_the_pixel(pair):
    out, _, _ = pair
    frame = reader.read(out / "s_0001.exr", view="left")
    ramp = frame.instance_id == {n: i for i, n in frame.names.items()}["Ramp"]
    inner = ramp & ~edge_mask(frame.depth, frame.instance_id)
    rows, cols = np.nonzero(inner)
    d = frame.disparity[inner].astype(np.float64)
    design = np.stack([np.ones_like(d), cols, rows], axis=1)
    fit, *_ = np.linalg.lstsq(design, d, rcond=None)
    residual = np.abs(design @ fit - d) / d
    assert inner.sum() > 100 and abs(fit[1]) > 1e-3  # slanted: d changes along rows
    assert residual.max() < 1e-5, residual.max()


def test_the_wall_band_the_right_view_cannot_see_is_as_wide_as_geometry_says(pair):
    out, _, _ = pair
    left = reader.read(out / "s_0001.exr", view="left")
    noc = left.non_occluded
    ids = {n: i for i, n in left.names.items()}
    row = H // 2
    card_cols = np.flatnonzero(left.instance_id[row] == ids["Card"])
    # The card's left edge: x = CARD_X[0] at depth CARD_Z, u = fx x / z + cx.
    centre = left.camera.camera_to_world[0, 3]  # -B/2 with the pivot at the centre
    edge_u = FX * (CARD_X[0] - centre) / CARD_Z + left.camera.K[0, 2]
    assert abs(card_cols.min() - edge_u) <= 1.0
    wall = left.instance_id[row] == ids["Wall"]
    d_wall = FX * BASELINE / WALL_Z
    leaves = np.arange(W) - d_wall < -0.5  # falls outside the right image
    # (The ramp, on the right, hides a band of its own: look left of the card.)
    hidden = np.flatnonzero(wall & ~noc[row] & ~leaves & (np.arange(W) < card_cols.min()))
    band = FX * BASELINE * (1 / CARD_Z - 1 / WALL_Z)
    assert hidden.size and hidden.max() == card_cols.min() - 1
    assert abs(hidden.size - band) <= 1.0, (hidden, band)
    assert np.all(np.diff(hidden) == 1)  # one band
    assert noc[row, card_cols].all()  # the card itself both views see
    assert not noc[row, leaves & wall].any()


def test_an_off_axis_rig_is_refused_with_a_message_and_no_camera(run_job, tmp_path):
    value = run_job("scenes_stereo:render_off_axis", directory=f"{tmp_path}/").value
    assert any(level == "ERROR" and "Off-Axis" in text and "Parallel" in text
               for level, text in value["problems"])
    assert {"o_0001_L.exr", "o_0001_R.exr"} <= set(value["files"])
    frame = reader.read(tmp_path / "o_0001_L.exr")
    assert frame.camera is None and frame.stereo is None
    with pytest.raises(reader.GroundTruthError, match="needs a stereo pair"):
        _ = frame.disparity
