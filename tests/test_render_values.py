# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real Cycles renders of the analytic scene: each value checked against geometry.

Every expected number below comes from ``geometry.py`` (positions, sizes, the
pinhole projection), never from an earlier render.
"""

from __future__ import annotations

import math

import numpy as np
import OpenEXR
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
    TILTED_CENTRE,
    WIDTH,
    moving_centre,
    project,
    rect_interior,
)

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


def moving_front_interior(frame: int, margin: int = 1):
    cx, cy, cz = moving_centre(frame)
    h = MOVING_HALF
    return rect_interior(cx - h, cx + h, cy - h, cy + h, cz + h, margin)


def back_strip():
    """Pixels of the back plane at the top right, with nothing in front of them."""
    return rect_interior(2.8, 3.5, 0.0, 2.5, BACK_Z)


def lamp_interior(margin: int = 1):
    cx, cy, cz = LAMP_CENTRE
    h = LAMP_HALF
    return rect_interior(cx - h, cx + h, cy - h, cy + h, cz, margin)


def test_shapes_and_dtypes(analytic_frame2):
    gt = analytic_frame2
    assert (gt.width, gt.height, gt.frame) == (WIDTH, HEIGHT, 2)
    assert gt.passes == ("image", "depth", "normal", "vector", "emission", "object_index",
                         "material_index", "albedo", "position", "cryptomatte_object",
                         "crisp_image")
    expected = {
        "image": ((HEIGHT, WIDTH, 4), np.float32),
        "crisp_image": ((HEIGHT, WIDTH, 4), np.float32),
        "depth": ((HEIGHT, WIDTH), np.float32),
        "normal": ((HEIGHT, WIDTH, 3), np.float32),
        "vector": ((HEIGHT, WIDTH, 4), np.float32),
        "emission": ((HEIGHT, WIDTH, 3), np.float32),
        "object_index": ((HEIGHT, WIDTH), np.int32),
        "material_index": ((HEIGHT, WIDTH), np.int32),
        "albedo": ((HEIGHT, WIDTH, 3), np.float32),
        "position": ((HEIGHT, WIDTH, 3), np.float32),
    }
    for name, (shape, dtype) in expected.items():
        array = gt.get(name)
        assert array.shape == shape, name
        assert array.dtype == dtype, name
    # No motion blur here: the crisp image is the image itself, from the same socket.
    np.testing.assert_array_equal(gt.crisp_image, gt.image)
    assert gt.image.max() > 0.1  # not two empty pictures


def test_data_channels_are_32_bit_in_half_precision(run_job, tmp_path):
    run_job("scenes:render_analytic", directory=f"{tmp_path}/", animation=False,
            off=["instance_id"])
    exr = OpenEXR.File(str(tmp_path / "gt_0002.exr"), separate_channels=True)
    dtypes = {name: c.pixels.dtype for part in exr.parts for name, c in part.channels.items()}
    assert len(dtypes) == 4 + 1 + 3 + 4 + 4 + 1 + 1 + 4 + 3 + 4
    for name, dtype in dtypes.items():
        layer = name.split(".")[0]
        wanted = (np.float16 if layer in ("image", "emission", "albedo", "crisp_image")
                  else np.float32)
        assert dtype == wanted, name
    assert exr.parts[0].header["compression"] == OpenEXR.ZIP_COMPRESSION


def test_instance_ids_make_the_whole_file_full_float(analytic_animation):
    out, _ = analytic_animation
    exr = OpenEXR.File(str(out / "gt_0002.exr"), separate_channels=True)
    dtypes = {c.pixels.dtype for part in exr.parts for c in part.channels.values()}
    assert dtypes == {np.dtype(np.float32)}


def test_depth_of_plane_is_planar_distance_at_centre_and_corners(analytic_frame2):
    depth = analytic_frame2.depth
    plane = -BACK_Z
    # The right-hand corners and the centre see the back plane: planar depth is the
    # same everywhere on a camera-facing plane, while the ray length at a corner
    # would be 10 * sqrt(1 + 0.36^2 + 0.27^2) = 10.98.
    for row, col in ((0, WIDTH - 1), (HEIGHT - 1, WIDTH - 1), (HEIGHT // 2, WIDTH // 2)):
        assert depth[row, col] == pytest.approx(plane, abs=1e-4), (row, col)
    # Left of the plane's edge x = -2.5 nothing is hit.
    edge_col, _ = project(BACK_RECT[0], 0, BACK_Z)
    assert np.isinf(depth[:, : math.floor(edge_col - 1)]).all()
    assert (depth[:, : math.floor(edge_col - 1)] > 0).all()
    # The moving cube's front face is at distance 8.
    face = depth[moving_front_interior(2)]
    assert face.size > 10
    np.testing.assert_allclose(face, -(moving_centre(2)[2] + MOVING_HALF), atol=1e-4)


def test_normals_of_known_faces(analytic_frame2):
    normal = analytic_frame2.normal
    back = normal[back_strip()]  # right strip, nothing in front
    np.testing.assert_allclose(back.reshape(-1, 3), [[0, 0, 1]] * (back.size // 3), atol=1e-4)

    # The cube turned +45 degrees about Y shows two faces: the -X face, now facing
    # (-s, 0, s), on the left, and the +Z face, now (s, 0, s), on the right, s = 1/sqrt 2.
    s = math.sqrt(0.5)
    x, y, z = TILTED_CENTRE
    near_edge = project(x, y, z + s)[0]
    left = project(x - s, y, z)[0]
    right = project(x + s, y, z)[0]
    row = round(project(x, y, z)[1])
    rows = slice(row - 1, row + 2)
    left_face = normal[rows, math.ceil(left + 2): math.floor(near_edge - 2)]
    right_face = normal[rows, math.ceil(near_edge + 2): math.floor(right - 2)]
    assert left_face.size and right_face.size
    np.testing.assert_allclose(left_face.reshape(-1, 3), [[-s, 0, s]] * (left_face.size // 3),
                               atol=1e-3)
    np.testing.assert_allclose(right_face.reshape(-1, 3), [[s, 0, s]] * (right_face.size // 3),
                               atol=1e-3)


def test_index_passes_equal_pass_index(analytic_frame2):
    gt = analytic_frame2
    edge_col, _ = project(BACK_RECT[0], 0, BACK_Z)
    background = (slice(None), slice(0, math.floor(edge_col - 1)))
    assert (gt.object_index[background] == 0).all()
    assert (gt.material_index[background] == 0).all()
    regions = {
        BACK: back_strip(),
        MOVING: moving_front_interior(2),
        LAMP: lamp_interior(),
    }
    for (name, ob_index, ma_index), region in regions.items():
        assert (gt.object_index[region] == ob_index).all(), name
        assert (gt.material_index[region] == ma_index).all(), name
    # Never blended: only the ids that exist appear, even on edge pixels.
    assert set(np.unique(gt.object_index)) == {0, BACK[1], TILTED[1], MOVING[1], LAMP[1]}
    assert set(np.unique(gt.material_index)) == {0, BACK[2], TILTED[2], MOVING[2], LAMP[2]}


def test_emission_is_colour_times_strength(analytic_frame2):
    emission = analytic_frame2.emission
    lamp = emission[lamp_interior()]
    expected = np.array(LAMP_COLOR) * LAMP_STRENGTH
    assert lamp.size > 10
    np.testing.assert_allclose(lamp.reshape(-1, 3), np.broadcast_to(expected, (lamp.size // 3, 3)),
                               rtol=1e-3)  # half float
    others = analytic_frame2.object_index != LAMP[1]
    assert np.abs(emission[others & ~_dilate(~others)]).max() == 0


def _dilate(mask: np.ndarray) -> np.ndarray:
    out = mask.copy()
    for axis in (0, 1):
        for shift in (-1, 1, -2, 2):
            out |= np.roll(mask, shift, axis=axis)
    return out


def test_moving_cube_flow_matches_its_motion(analytic_frame2, analytic_animation):
    step_x = MOVING_STEP[0] * FOCAL_PX / 8.0  # 5 px right per frame
    step_y = -MOVING_STEP[1] * FOCAL_PX / 8.0  # 3 px down per frame (world y is up)
    # Blender's Vector pass, raster y up: (prev - now).xy, (now - next).xy.
    expected = np.array([-step_x, step_y, -step_x, step_y])
    face = analytic_frame2.vector[moving_front_interior(2)].reshape(-1, 4)
    assert face.shape[0] > 10
    np.testing.assert_allclose(face, np.broadcast_to(expected, face.shape), atol=2e-3)
    assert np.hypot(*face[:, 2:].T) == pytest.approx(math.hypot(5, 3), abs=2e-3)
    # Static objects do not move.
    back = analytic_frame2.vector[back_strip()]
    assert np.abs(back).max() < 1e-4
    # Frame 3 is the last keyframe and the motion stops there: no motion to "next".
    out, _ = analytic_animation
    last = reader.read(out / "gt_0003.exr").vector[moving_front_interior(3)].reshape(-1, 4)
    np.testing.assert_allclose(last[:, :2], np.broadcast_to(expected[:2], last[:, :2].shape),
                               atol=2e-3)
    np.testing.assert_allclose(last[:, 2:], 0, atol=2e-3)


def test_beauty_image_is_rendered(analytic_frame2):
    image = analytic_frame2.image
    assert np.isfinite(image).all()
    assert image[..., 3].min() == pytest.approx(1.0)  # opaque film
    # The scene has no world: black where nothing is hit, the lamp glows.
    edge_col, _ = project(BACK_RECT[0], 0, BACK_Z)
    assert image[:, : math.floor(edge_col - 1), :3].max() == 0
    assert image[lamp_interior()][..., :3].min() > 0.5
    assert image[back_strip()][..., :3].min() > 0  # lit by the sun


def test_every_object_of_a_thousand_keeps_its_own_id_and_name(run_job, tmp_path):
    """1024 cubes named Part.0000 ... each with pass_index = number + 1. Blender keeps a
    Cryptomatte hash's float exponent inside 1..254 in the pixels (Part.0044, .0240
    and .0463 have exponent 0): every object still gets its own id and its name."""
    run_job("scenes:render_many_objects", directory=f"{tmp_path}/", timeout=400)
    gt = reader.read(tmp_path / "0001.exr")
    assert len(gt.names) == 1024
    index, ids = gt.object_index, gt.instance_id
    seen = index > 0
    assert np.array_equal(ids > 0, seen)  # no object's pixels read as background
    names = np.array([""] + [gt.names[i] for i in range(1, 1025)])
    expected = np.array([""] + [f"Part.{i:04d}" for i in range(1024)])
    assert (names[ids[seen]] == expected[index[seen]]).all()
    visible = {gt.names[int(i)] for i in np.unique(ids[seen])}
    assert len(visible) == 1024
    assert {"Part.0044", "Part.0240", "Part.0463"} <= visible
    # Every object's pose is in the header, under the id its pixels carry.
    poses = gt.poses
    assert len(poses) == 1024
    side = 32
    for i in range(1024):
        pose = poses[int(ids[index == i + 1][0])]
        assert pose.name == f"Part.{i:04d}" and pose.pass_index == i + 1
        expected = ((i % side) - side / 2 + 0.5, side / 2 - 0.5 - (i // side), 0.0)
        np.testing.assert_allclose(pose.object_to_world[:3, 3], expected, atol=1e-6)


def _rotation_y(degrees: float) -> np.ndarray:
    a = math.radians(degrees)
    return np.array([[math.cos(a), 0, math.sin(a)], [0, 1, 0], [-math.sin(a), 0, math.cos(a)]])


def test_object_poses_are_recorded_in_every_frame(analytic_animation):
    """The moving cube's pose in frames 1-3 is where its keys put it, the tilted cube
    turned 45 degrees about y: float64 from Blender's float32 matrices (1e-6 relative),
    read from the header alone, under the ids of instance_id."""
    out, _ = analytic_animation
    for frame in (1, 2, 3):
        gt = reader.read(out / f"gt_{frame:04d}.exr")
        poses = {p.name: p for p in gt.poses.values()}
        assert set(poses) == {"Back", "Lamp", "Moving", "Tilted"}
        assert {p.id: p.name for p in gt.poses.values()} == gt.names
        moving, tilted = poses["Moving"], poses["Tilted"]
        assert moving.pass_index == MOVING[1] and tilted.pass_index == TILTED[1]
        assert moving.object_to_world.dtype == np.float64
        np.testing.assert_allclose(moving.object_to_world[:3, 3], moving_centre(frame),
                                   rtol=1e-6)
        np.testing.assert_allclose(moving.object_to_world[:3, :3], np.eye(3), atol=1e-6)
        np.testing.assert_allclose(tilted.object_to_world[:3, :3], _rotation_y(45), atol=1e-6)
        np.testing.assert_allclose(tilted.object_to_world[:3, 3], TILTED_CENTRE, rtol=1e-6)
        # In OpenCV camera axes: the camera at the origin looks down -z with y up.
        flip = np.diag([1.0, -1.0, -1.0, 1.0])
        np.testing.assert_allclose(moving.object_to_camera, flip @ moving.object_to_world,
                                   atol=1e-9)
        assert moving.object_to_camera[2, 3] == pytest.approx(-moving_centre(frame)[2])
