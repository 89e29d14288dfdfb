# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader on files the add-on rendered (committed in tests/data, made by
tests/data/make_files.py): frame 2 of the analytic scene, every output, 64x48. Each
value is checked against the scene's geometry (tests/helpers/geometry.py). No Blender:
these run in the bpy-free leg too, where they show that ``pip install .`` alone reads
what Blender wrote.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
from geometry import (
    BACK,
    BACK_RECT,
    BACK_Z,
    FOCAL_PX,
    HEIGHT,
    LAMP,
    LAMP_CENTRE,
    LAMP_COLOR,
    LAMP_HALF,
    LAMP_STRENGTH,
    MOVING,
    MOVING_HALF,
    MOVING_STEP,
    TILTED,
    WIDTH,
    moving_centre,
    project,
    rect_interior,
)

from blender_gt_addon import reader

DATA = Path(__file__).resolve().parents[1] / "data"
FRAME2 = DATA / "analytic_0002.exr"


def moving_face(frame: int = 2):
    cx, cy, cz = moving_centre(frame)
    h = MOVING_HALF
    return rect_interior(cx - h, cx + h, cy - h, cy + h, cz + h, 1)


def back_strip():
    """Pixels of the back plane at the top right, with nothing in front of them."""
    return rect_interior(2.8, 3.5, 0.0, 2.5, BACK_Z)


def lamp_face():
    cx, cy, cz = LAMP_CENTRE
    return rect_interior(cx - LAMP_HALF, cx + LAMP_HALF, cy - LAMP_HALF, cy + LAMP_HALF, cz, 1)


def background():
    edge_col, _ = project(BACK_RECT[0], 0, BACK_Z)
    return slice(None), slice(0, math.floor(edge_col - 1))


@pytest.fixture(scope="module")
def gt():
    return reader.read(FRAME2)


def test_the_files_are_small_and_hold_every_output(gt):
    for path in DATA.glob("*.exr"):
        assert path.stat().st_size < 200_000, path
    assert (gt.width, gt.height, gt.frame) == (WIDTH, HEIGHT, 2)
    assert {"image", "depth", "normal", "vector", "emission", "object_index",
            "material_index", "cryptomatte_object"} <= set(gt.passes)


def test_depth_normal_and_indices_follow_the_geometry(gt):
    assert gt.depth[back_strip()] == pytest.approx(-BACK_Z, abs=1e-4)
    assert np.isinf(gt.depth[background()]).all()
    face = gt.depth[moving_face()]
    assert face.size > 10
    np.testing.assert_allclose(face, -(moving_centre(2)[2] + MOVING_HALF), atol=1e-4)
    back = gt.normal[back_strip()].reshape(-1, 3)
    np.testing.assert_allclose(back, np.broadcast_to([0, 0, 1], back.shape), atol=1e-4)
    assert (gt.normal[background()] == 0).all()
    for (name, ob_index, ma_index), region in {BACK: back_strip(), MOVING: moving_face(),
                                               LAMP: lamp_face()}.items():
        assert (gt.object_index[region] == ob_index).all(), name
        assert (gt.material_index[region] == ma_index).all(), name
    assert set(np.unique(gt.object_index)) == {0, BACK[1], TILTED[1], MOVING[1], LAMP[1]}


def test_emission_flow_and_camera(gt):
    lamp = gt.emission[lamp_face()].reshape(-1, 3)
    np.testing.assert_allclose(lamp, np.broadcast_to(np.array(LAMP_COLOR) * LAMP_STRENGTH,
                                                     lamp.shape), rtol=1e-3)
    # The moving cube's front face, at depth d, moves by MOVING_STEP a frame: in
    # pixels f * step / d (image y down: world y up is a negative row step).
    d = -(moving_centre(2)[2] + MOVING_HALF)
    step = [MOVING_STEP[0] * FOCAL_PX / d, -MOVING_STEP[1] * FOCAL_PX / d]
    flow = gt.flow_forward[moving_face()].reshape(-1, 2)
    assert flow.shape[0] > 10
    np.testing.assert_allclose(flow, np.broadcast_to(step, flow.shape), atol=2e-3)
    K = gt.camera.K
    np.testing.assert_allclose([K[0, 0], K[1, 1]], FOCAL_PX, rtol=1e-6)
    np.testing.assert_allclose([K[0, 2], K[1, 2]], [WIDTH / 2 - 0.5, HEIGHT / 2 - 0.5],
                               atol=1e-6)


def test_instance_ids_name_the_objects_where_they_are(gt):
    names = gt.names
    ids = gt.instance_id
    for (name, _, _), region in {BACK: back_strip(), MOVING: moving_face(),
                                 LAMP: lamp_face()}.items():
        found = np.unique(ids[region])
        assert len(found) == 1 and names[int(found[0])] == name, name
    assert (ids[background()] == 0).all()
    boxes = {b.name: b for b in gt.boxes()}
    rows, cols = moving_face()
    assert boxes["Moving"].x_min <= cols.start and boxes["Moving"].x_max >= cols.stop
    assert boxes["Moving"].y_min <= rows.start and boxes["Moving"].y_max >= rows.stop


def test_half_float_option_and_arrays_read_back_twice(gt):
    half = reader.read(FRAME2, dtype=np.float16)
    assert half.image.dtype == half.emission.dtype == np.float16
    np.testing.assert_array_equal(half.image, gt.image.astype(np.float16))
    np.testing.assert_array_equal(half.emission, gt.emission.astype(np.float16))
    again = reader.read(FRAME2)
    for name in ("image", "depth", "normal", "vector", "emission", "object_index",
                 "material_index", "instance_id"):
        np.testing.assert_array_equal(getattr(again, name), getattr(gt, name), err_msg=name)
