# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stereo core (``blender_gt_addon.stereo``), without Blender: each view's camera,
disparity, occlusion between the views, the rig record."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import stereo
from blender_gt_addon.camera import Camera

W, H, FX = 80, 40, 100.0
K = np.array([[FX, 0, (W - 1) / 2], [0, FX, (H - 1) / 2], [0, 0, 1]])


def _camera(w2c=None) -> Camera:
    return Camera(K=K, world_to_camera=np.eye(4) if w2c is None else w2c, width=W, height=H,
                  clip_start=0.1, clip_end=100.0)


@pytest.mark.parametrize(("pivot", "left", "right"), [("LEFT", 0.0, 0.3),
                                                     ("CENTER", -0.15, 0.15),
                                                     ("RIGHT", -0.3, 0.0)])
def test_each_views_centre_lies_on_the_camera_x_axis(pivot, left, right):
    assert stereo.view_offset("left", pivot, 0.3) == pytest.approx(left)
    assert stereo.view_offset("right", pivot, 0.3) == pytest.approx(right)


def test_the_right_camera_sees_a_point_shifted_left_by_its_disparity():
    # A turned camera: the offset is along its own x axis, not the world's.
    turn = np.eye(4)
    c, s = np.cos(0.4), np.sin(0.4)
    turn[:3, :3] = [[c, 0, s], [0, 1, 0], [-s, 0, c]]
    turn[:3, 3] = (0.2, -0.1, 0.5)
    left = _camera(turn)
    right = stereo.view_camera(left, 0.3)
    centre = right.camera_to_world[:3, 3] - left.camera_to_world[:3, 3]
    assert np.allclose(centre, 0.3 * left.camera_to_world[:3, 0])  # along the camera's x
    point = left.camera_to_world @ np.array([0.4, -0.2, 5.0, 1.0])
    uv_left, uv_right = left.project(point[None, :3])[0], right.project(point[None, :3])[0]
    assert uv_right[1] == pytest.approx(uv_left[1], abs=1e-9)  # same row
    assert uv_left[0] - uv_right[0] == pytest.approx(FX * 0.3 / 5.0, rel=1e-12)


def test_disparity_is_fx_b_over_z_and_zero_where_nothing_was_hit():
    depth = np.full((H, W), 4.0)
    depth[:3] = np.inf
    d = stereo.disparity(depth, FX, 0.2)
    assert d.dtype == np.float32 and d.shape == (H, W)
    assert np.all(d[:3] == 0) and np.allclose(d[3:], FX * 0.2 / 4.0, rtol=1e-7)


def _box_on_wall(view: str, z_box=2.0, z_wall=5.0, box=(30, 50), baseline=0.2):
    """Depth and ids of a box (columns box[0]..box[1]-1 in the left view) in front of a
    wall, both fronto-parallel, as ``view`` sees them."""
    depth = np.full((H, W), z_wall)
    ids = np.ones((H, W), np.int32)
    shift = 0 if view == "left" else FX * baseline / z_box  # the box moves left in R
    cols = np.arange(W)
    inside = (cols >= box[0] - shift - 1e-9) & (cols < box[1] - shift - 1e-9)
    depth[:, inside] = z_box
    ids[:, inside] = 2
    return depth, ids


def test_the_wall_band_left_of_the_box_is_occluded_in_the_right_view():
    b, z_box, z_wall = 0.2, 2.0, 5.0
    left_depth, left_ids = _box_on_wall("left", z_box, z_wall, baseline=b)
    right_depth, right_ids = _box_on_wall("right", z_box, z_wall, baseline=b)
    noc = stereo.non_occluded(left_depth, left_ids, right_depth, right_ids, FX, b, "left")
    band = FX * b * (1 / z_box - 1 / z_wall)  # 6 px
    row = noc[H // 2]
    occluded = np.flatnonzero(~row)
    # The wall's first columns leave the right image (x - d < -0.5); the band sits
    # left of the box, which starts at column 30.
    d_wall = FX * b / z_wall
    outside = np.flatnonzero(np.arange(W) - d_wall < -0.5)
    band_cols = np.setdiff1d(occluded, outside)
    assert band_cols.max() == 29 and abs(band_cols.size - band) <= 1, band_cols
    assert row[30:50].all()  # the box is seen by both views
    # And from the right view: the wall band right of the box's right edge.
    noc_r = stereo.non_occluded(right_depth, right_ids, left_depth, left_ids, FX, b, "right")
    right_edge = int(np.flatnonzero(right_ids[H // 2] == 2).max())
    hidden = np.flatnonzero(~noc_r[H // 2])
    hidden = hidden[hidden > right_edge]
    inside = hidden[np.arange(W)[hidden] + d_wall <= W - 0.5]
    assert inside.min() == right_edge + 1 and abs(inside.size - band) <= 1, inside


def test_a_slanted_plane_is_seen_by_both_views_where_inside():
    u = np.arange(W, dtype=float)[None, :].repeat(H, 0)
    inverse = 0.2 + 0.002 * u  # inverse depth affine in u: a slanted plane
    depth = 1 / inverse
    # The right view's inverse depth at its pixel x' is the left one's at x = x' + d.
    b = 0.1
    # Solve x = x' + FX*b*inv(x) for the affine inverse depth: inv(x) = a + c x.
    a, c = 0.2, 0.002
    x = (u + FX * b * a) / (1 - FX * b * c)
    right_depth = 1 / (a + c * x)
    ids = np.ones((H, W), np.int32)
    noc = stereo.non_occluded(depth, ids, right_depth, ids, FX, b, "left")
    inside = (u - FX * b * inverse) >= -0.5
    assert np.array_equal(noc, inside)


def test_the_rig_record_round_trips_and_damaged_ones_are_refused():
    rig = stereo.Rig("right", 0.065, "LEFT", {"left": "s_0001_L.exr", "right": "s_0001_R.exr"})
    back = stereo.decode(stereo.encode(rig))
    assert back == rig and back.other == "left"
    for text in ("{", "[]", '{"v":1}', stereo.encode(rig).replace("0.065", "-1"),
                 stereo.encode(rig).replace('"right"', '"middle"', 1),
                 stereo.encode(rig).replace("s_0001_L.exr", "../x.exr"), "[" * 100000):
        with pytest.raises(ValueError):
            stereo.decode(text)


@pytest.mark.parametrize(("mode", "words"), [("OFFAXIS", "Off-Axis"), ("TOE", "Toe-in")])
def test_off_axis_and_toe_in_rigs_are_refused_with_what_to_do(mode, words):
    message = stereo.rig_problem(mode, "LEFT", 0.1)
    assert words in message and "Parallel" in message
    assert stereo.rig_problem("PARALLEL", "LEFT", 0.1) is None
    assert "more than 0" in stereo.rig_problem("PARALLEL", "LEFT", 0.0)
