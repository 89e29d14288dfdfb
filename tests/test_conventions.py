# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each computer-vision convention of the reader, proved on real Cycles renders.

Expected values come from the scenes' geometry (``geometry.py``), never from an
earlier render.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from geometry import (
    BACK,
    BACK_Z,
    FOCAL_PX,
    GROUND_COLOR,
    GROUND_INDEX,
    LAMP,
    MARKER_CAMERA,
    MARKER_LENS,
    MARKER_PIXEL_ASPECT,
    MARKER_RES,
    MARKER_SENSOR,
    MARKER_SHIFT,
    MARKER_TARGET,
    MARKERS,
    MOVING,
    MOVING_HALF,
    MOVING_STEP,
    TILTED,
    moving_centre,
    rect_interior,
)

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def markers(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("markers")
    run_job("scenes:render_markers", directory=f"{out}/")
    return {f: reader.read(out / f"m_{f:04d}.exr") for f in (1, 2)}


@pytest.fixture(scope="module")
def instances(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("instances")
    result = run_job("scenes:render_instances", directory=f"{out}/").value
    return reader.read(out / "0001.exr"), result


def moving_front(frame: int):
    cx, cy, cz = moving_centre(frame)
    h = MOVING_HALF
    return rect_interior(cx - h, cx + h, cy - h, cy + h, cz + h, margin=1)


def test_flow_forward_is_dx_dy_to_the_next_frame(analytic_frame2):
    # The cube moves 0.45 right and 0.27 up in the world per frame, at depth 8:
    # in the image, 5 px right and 3 px down (image y points down).
    dx = MOVING_STEP[0] * FOCAL_PX / 8.0
    dy = -MOVING_STEP[1] * FOCAL_PX / 8.0
    assert (round(dx, 6), round(dy, 6)) == (5.0, 3.0)
    forward = analytic_frame2.flow_forward[moving_front(2)].reshape(-1, 2)
    backward = analytic_frame2.flow_backward[moving_front(2)].reshape(-1, 2)
    assert analytic_frame2.flow_forward.shape == (48, 64, 2)
    assert analytic_frame2.flow_forward.dtype == np.float32
    np.testing.assert_allclose(forward, np.broadcast_to([dx, dy], forward.shape), atol=2e-3)
    np.testing.assert_allclose(backward, np.broadcast_to([-dx, -dy], backward.shape), atol=2e-3)


def test_flow_forward_lands_on_the_same_surface_point(analytic_animation):
    """Follow each cube pixel by its forward flow: the next frame shows the cube there."""
    out, _ = analytic_animation
    now, nxt = reader.read(out / "gt_0001.exr"), reader.read(out / "gt_0002.exr")
    cube = now.object_index == MOVING[1]
    # Flow is averaged over samples, so edge pixels blend the cube's motion with
    # the still plane's: follow the pixels whose neighbours are all on the cube.
    inner = cube.copy()
    for axis in (0, 1):
        for shift in (-1, 1):
            inner &= np.roll(cube, shift, axis=axis)
    rows, cols = np.nonzero(inner)
    flow = now.flow_forward[rows, cols]
    target_rows = np.rint(rows + flow[:, 1]).astype(int)
    target_cols = np.rint(cols + flow[:, 0]).astype(int)
    inside = (target_rows >= 0) & (target_rows < 48) & (target_cols >= 0) & (target_cols < 64)
    hits = nxt.object_index[target_rows[inside], target_cols[inside]] == MOVING[1]
    assert inside.sum() > 40 and hits.all()


def test_depth_and_distance_at_pixel_centres_of_a_plane_seen_at_an_angle(markers):
    """Planar depth and ray distance to the ground, from the camera's own K and pose.

    The render puts each pixel's first sample at the pixel centre (filter width
    0.01), so the expected values are exact at the centres; a half-pixel error in
    the intrinsics would be off by more than a scene unit on this grazing plane.
    """
    for gt in markers.values():
        cam = gt.camera
        height, width = gt.depth.shape
        v, u = np.mgrid[0:height, 0:width]
        rays_cam = np.linalg.inv(cam.K) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
        rays_world = cam.camera_to_world[:3, :3] @ rays_cam
        centre = cam.camera_to_world[:3, 3]
        t = -centre[2] / rays_world[2]  # where each ray meets the ground z = 0
        expected_depth = t.reshape(height, width)
        expected_distance = (t * np.linalg.norm(rays_cam, axis=0)).reshape(height, width)
        ground = gt.object_index == GROUND_INDEX
        assert ground.sum() > 0.3 * ground.size
        corners = [(height - 1, 0), (height - 1, width - 1)]
        assert all(ground[c] for c in corners)
        for c in corners:  # the bottom corners, where depth and distance differ most
            assert gt.distance[c] > gt.depth[c] * 1.05
        np.testing.assert_allclose(gt.depth[ground], expected_depth[ground], rtol=1e-4)
        np.testing.assert_allclose(gt.distance[ground], expected_distance[ground], rtol=1e-4)
        assert np.isinf(gt.distance[~np.isfinite(gt.depth)]).all()


def test_position_is_the_camera_centre_plus_distance_along_the_ray(markers):
    """World positions on the ground are where each pixel-centre ray meets z = 0
    (1e-4 relative); NaN where nothing was hit, and never anywhere else."""
    for gt in markers.values():
        cam = gt.camera
        height, width = gt.depth.shape
        v, u = np.mgrid[0:height, 0:width]
        rays_cam = np.linalg.inv(cam.K) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
        rays_world = (cam.camera_to_world[:3, :3] @ rays_cam).T
        centre = cam.camera_to_world[:3, 3]
        t = -centre[2] / rays_world[:, 2]
        expected = (centre + t[:, None] * rays_world).reshape(height, width, 3)
        ground = gt.object_index == GROUND_INDEX
        position = gt.position
        assert position.shape == (height, width, 3) and position.dtype == np.float32
        scale = np.linalg.norm(expected[ground] - centre, axis=-1, keepdims=True)
        assert (np.abs(position[ground] - expected[ground]) <= 1e-4 * scale).all()
        assert (np.isnan(position).all(axis=-1) == ~np.isfinite(gt.depth)).all()


def test_albedo_of_a_plain_diffuse_plane_is_its_base_colour(markers):
    """Albedo is averaged over samples like the image: ground pixels next to a sphere
    or the horizon may blend, so the interior of the ground is compared."""
    for gt in markers.values():
        ground = gt.object_index == GROUND_INDEX
        ground[1:-1, 1:-1] &= (ground[:-2, 1:-1] & ground[2:, 1:-1] & ground[1:-1, :-2]
                               & ground[1:-1, 2:])
        assert gt.albedo.shape == (*gt.depth.shape, 3)
        np.testing.assert_allclose(gt.albedo[ground], np.broadcast_to(GROUND_COLOR,
                                   (int(ground.sum()), 3)), atol=1e-3)  # half floats
        assert not gt.albedo[~np.isfinite(gt.depth)].any()  # background: 0


def test_intrinsics_honour_lens_sensor_shift_resolution_and_pixel_aspect(markers):
    res_x, res_y, percent = MARKER_RES
    width, height = res_x * percent // 100, res_y * percent // 100
    ax, ay = MARKER_PIXEL_ASPECT
    # Horizontal fit (width * ax >= height * ay): the 36 mm sensor spans the width.
    fx = MARKER_LENS / MARKER_SENSOR * width
    expected = np.array([
        [fx, 0, width / 2 - MARKER_SHIFT[0] * width - 0.5],
        [0, fx * ax / ay, height / 2 + MARKER_SHIFT[1] * width * ax / ay - 0.5],
        [0, 0, 1],
    ])
    for gt in markers.values():
        cam = gt.camera
        assert (cam.width, cam.height) == (gt.width, gt.height) == (width, height)
        np.testing.assert_allclose(cam.K, expected, rtol=1e-6)  # stored with 7 digits


def test_known_points_project_to_where_they_are_seen(markers):
    """Sphere centres through K and world_to_camera land on the spheres' pixels (< 0.5 px).

    The camera moves and tracks a target, so each frame has its own pose.
    """
    poses = []
    for frame, gt in markers.items():
        cam = gt.camera
        assert np.allclose(cam.camera_to_world[:3, 3], MARKER_CAMERA[frame], atol=1e-5)
        poses.append(cam.world_to_camera)
        predicted = cam.project(np.array(MARKERS))
        for index, (u, v) in enumerate(predicted, start=1):
            rows, cols = np.nonzero(gt.object_index == index)
            assert rows.size > 20, (frame, index)
            assert abs(cols.mean() - u) < 0.5 and abs(rows.mean() - v) < 0.5, (frame, index)
    assert not np.allclose(poses[0], poses[1])


def test_world_to_camera_uses_opencv_axes(markers):
    cam = markers[1].camera
    target_cam = cam.world_to_camera @ np.array([0.0, 0.5, 0.4, 1.0])  # the tracked point
    assert target_cam[2] > 0  # in front: z forward
    assert abs(target_cam[0]) < 1e-4 and abs(target_cam[1]) < 1e-4  # on the optical axis
    up_cam = cam.world_to_camera[:3, :3] @ np.array([0.0, 0.0, 1.0])
    assert up_cam[1] < 0  # world up is image up, so camera y (down) points away from it
    np.testing.assert_allclose(cam.blender_matrix_world[:3, 3], MARKER_CAMERA[1], atol=1e-5)


def test_normals_are_unit_and_in_camera_axes(analytic_frame2):
    gt = analytic_frame2
    hit = np.linalg.norm(gt.get("normal"), axis=-1) > 0  # Blender's raw, averaged normals
    assert hit.sum() > 1000 and (~hit).sum() > 100
    lengths = np.linalg.norm(gt.normal, axis=-1)
    np.testing.assert_allclose(lengths[hit], 1.0, atol=1e-5)
    assert (lengths[~hit] == 0).all()
    # The camera looks down world -Z: a surface facing it (+Z) faces -z in OpenCV axes.
    back = gt.normal_camera[rect_interior(2.8, 3.5, 0.0, 2.5, BACK_Z)].reshape(-1, 3)
    np.testing.assert_allclose(back, np.broadcast_to([0, 0, -1], back.shape), atol=1e-4)
    s = math.sqrt(0.5)
    tilted = gt.normal_camera[gt.object_index == TILTED[1]]
    assert np.isclose(tilted, [-s, 0, -s], atol=1e-3).all(axis=1).sum() > 20
    assert np.isclose(tilted, [s, 0, -s], atol=1e-3).all(axis=1).sum() > 20


def test_depth_and_ids_are_never_blended_at_edges(analytic_frame2):
    """Around the moving cube, each pixel holds the cube's or the plane's value, not a mix."""
    gt = analytic_frame2
    rows, cols = moving_front(2)
    around = (slice(rows.start - 3, rows.stop + 3), slice(cols.start - 3, cols.stop + 3))
    front = -(moving_centre(2)[2] + MOVING_HALF)
    depth = gt.depth[around]
    sides = (depth > front + 1e-4) & (depth < -BACK_Z - 1e-4)  # the cube's sides, seen at a slant
    assert set(np.unique(gt.object_index[around])) == {BACK[1], MOVING[1]}
    assert set(np.unique(gt.instance_id[around])) == {
        i for i, n in gt.names.items() if n in (BACK[0], MOVING[0])}
    # Where the cube's pixels border the plane's, depth is one surface or the other.
    on_cube = gt.object_index[around] == MOVING[1]
    assert np.all(np.isclose(depth[~on_cube], -BACK_Z, atol=1e-4))
    assert np.all((depth[on_cube] >= front - 1e-4) & (depth[on_cube] <= front + 2 * MOVING_HALF))
    assert not np.any(sides & ~on_cube)


def test_instance_ids_and_names_without_setup(analytic_frame2):
    gt = analytic_frame2
    names = gt.names
    assert {"Back", "Tilted", "Moving", "Lamp"} <= set(names.values())
    by_name = {n: i for i, n in names.items()}
    for name, ob_index, _ in (BACK, TILTED, MOVING, LAMP):
        same = gt.object_index == ob_index
        agree = gt.instance_id[same] == by_name[name]
        assert agree.mean() > 0.97, name  # edge pixels may go to a neighbour by coverage
    assert (gt.instance_id[~np.isfinite(gt.depth)] == 0).mean() > 0.97


def test_boxes_match_the_projected_objects(analytic_frame2):
    boxes = {b.name: b for b in analytic_frame2.boxes()}
    moving = boxes["Moving"]
    # The cube's front face spans x in [cx-0.4, cx+0.4] at depth 8 (the sides add
    # a little towards the optical axis): compare with the projection.
    cx, cy, cz = moving_centre(2)
    h = MOVING_HALF
    left = 32 + FOCAL_PX * (cx - h) / 8.0
    right = 32 + FOCAL_PX * (cx + h) / 8.0
    top = 24 - FOCAL_PX * (cy + h) / 8.0
    bottom = 24 - FOCAL_PX * (cy - h) / 8.0
    assert abs(moving.x_min - left) <= 1 and abs(moving.x_max - right) <= 2
    assert abs(moving.y_min - top) <= 2 and abs(moving.y_max - bottom) <= 1
    mask = analytic_frame2.instance_id == moving.id
    assert mask.sum() == moving.pixels
    assert mask[moving.y_min:moving.y_max, moving.x_min:moving.x_max].sum() == moving.pixels
    by_index = {b.id: b for b in analytic_frame2.boxes("object_index")}
    assert by_index[MOVING[1]].pixels == pytest.approx(moving.pixels, abs=4)


def test_objects_sharing_a_mesh_get_their_own_ids(instances):
    gt, result = instances
    names = gt.names
    boxes = {b.name: b for b in gt.boxes()}
    assert boxes["ShareA"].id != boxes["ShareB"].id
    assert boxes["ShareA"].x_max <= boxes["ShareB"].x_min
    # The user's pass_index (a class id here) is kept and reported unchanged.
    assert result["pass_index"]["ShareA"] == result["pass_index"]["ShareB"] == 4
    assert set(np.unique(gt.object_index)) == {0, 4, 6}
    assert {"TreeLeft/Trunk#0", "TreeRight/Trunk#0"} <= set(names.values())


def test_copies_of_an_instanced_collection_get_their_own_ids(instances):
    """Cryptomatte names both copies "Trunk"; the frame record's copies (instancer,
    pose, bounds) split its pixels: here by the copies' projected boxes alone, as the
    file holds neither depth nor position. No trunk pixel is lost or shared."""
    gt, _ = instances
    boxes = {b.name: b for b in gt.boxes()}
    assert "Trunk" not in boxes
    left, right = boxes["TreeLeft/Trunk#0"], boxes["TreeRight/Trunk#0"]
    assert left.id != right.id and left.x_max <= right.x_min
    assert left.pixels > 50 and right.pixels > 50
    trunk = gt.object_index == 6  # the trunk's pass index, first sample
    assert np.isin(gt.instance_id[trunk], [left.id, right.id]).mean() > 0.97
    poses = {p.name: p for p in gt.poses.values()}
    np.testing.assert_allclose(poses["TreeLeft/Trunk#0"].object_to_world[:3, 3], (1, -1.5, 0),
                               atol=1e-6)
    np.testing.assert_allclose(poses["TreeRight/Trunk#0"].object_to_world[:3, 3], (3, -1.5, 0),
                               atol=1e-6)
    assert poses["TreeLeft/Trunk#0"].id == left.id


@pytest.fixture(scope="module")
def scatter(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("scatter")
    facts = run_job("scenes:render_scatter", directory=f"{out}/").value
    return facts, {f: reader.read(out / f"s_{f:04d}.exr") for f in (1, 2)}


def test_every_geometry_nodes_copy_gets_its_own_id_stable_over_frames(scatter):
    """20 copies of one part scattered by Geometry Nodes (Cryptomatte: one name),
    moving between frames: each copy has its own id, name, box and pose, the same id
    in both frames, and its pixels where its known position projects."""
    facts, frames = scatter
    copies = [f"Scatter#0.{i}" for i in range(20)]
    ids_by_frame = []
    for frame, gt in frames.items():
        by_name = {name: i for i, name in gt.names.items()}
        assert set(copies) <= set(by_name) and "Scatter" not in by_name
        poses = {p.name: p for p in gt.poses.values()}
        boxes = {b.name: b for b in gt.boxes()}
        for name in copies:
            expected = np.array(facts["centres"][str(frame)][name])
            np.testing.assert_allclose(poses[name].object_to_world[:3, 3], expected, atol=1e-5)
            rows, cols = np.nonzero(gt.instance_id == by_name[name])
            assert rows.size > 20, (frame, name)
            u, v = gt.camera.project(expected[None])[0]
            assert abs(cols.mean() - u) < 1.0 and abs(rows.mean() - v) < 1.0, (frame, name)
            assert boxes[name].id == by_name[name]
        ids_by_frame.append({name: by_name[name] for name in copies})
    assert ids_by_frame[0] == ids_by_frame[1]


@pytest.fixture(scope="module")
def clean_and_blended(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("clean")
    run_job("scenes:render_clean_edges", directory=f"{out}/clean/", clean=True)
    blended = run_job("scenes:render_clean_edges", directory=f"{out}/blended/", clean=False)
    return (reader.read(out / "clean" / "gt_0002.exr"),
            reader.read(out / "blended" / "gt_0002.exr"), blended.value)


def test_clean_edges_never_blend_normals_or_flow(clean_and_blended):
    clean, blended, _ = clean_and_blended
    s = math.sqrt(0.5)
    faces = np.array([[0, 0, 1], [-s, 0, s], [s, 0, s]])  # back plane, tilted cube faces
    raw = clean.get("normal")
    hit = np.linalg.norm(raw, axis=-1) > 0
    # Every clean normal is one surface's normal (the moving cube's faces are axis-aligned).
    axis_faces = np.array([[1, 0, 0], [-1, 0, 0], [0, 1, 0], [0, -1, 0], [0, 0, 1]])
    allowed = np.vstack([faces, axis_faces])
    distance = np.abs(raw[hit][:, None, :] - allowed[None]).max(axis=-1).min(axis=1)
    assert distance.max() < 1e-3
    # Flow: none, or the moving cube's, whose points lie between depth 8 (front face,
    # 5 px right and 3 px down) and 8.8 (back edge of the sides, 8/8.8 of that).
    vectors = clean.vector.reshape(-1, 4)
    moving = np.array([-5.0, 3.0, -5.0, 3.0])
    scale = vectors @ moving / (moving @ moving)
    on_line = np.abs(vectors - scale[:, None] * moving).max(axis=1) < 2e-3
    still = np.abs(vectors).max(axis=1) < 1e-3
    cube = on_line & (scale > 8 / 8.8 - 1e-3) & (scale < 1 + 1e-3)
    assert (still | cube).all() and cube.sum() > 50
    # Without the option, 16 samples do blend at the edges.
    blended_raw = blended.get("normal")
    lengths = np.linalg.norm(blended_raw, axis=-1)
    assert ((lengths > 0) & (np.abs(lengths - 1) > 1e-2)).sum() > 20


def test_clean_edges_keep_the_beauty_and_ids(clean_and_blended):
    clean, blended, _ = clean_and_blended
    np.testing.assert_array_equal(clean.image, blended.image)
    assert set(np.unique(clean.object_index)) == set(np.unique(blended.object_index))


def test_emitting_objects_are_named_with_their_brightness(analytic_frame2):
    emitting = analytic_frame2.emitting()
    assert set(emitting) == {LAMP[0]}
    assert emitting[LAMP[0]] == pytest.approx(2.5, rel=1e-3)  # colour (1, .5, .25) x 2.5
    assert analytic_frame2.emitting(threshold=3.0) == {}
    assert analytic_frame2.emitting(source="object_index") == pytest.approx({LAMP[1]: 2.5},
                                                                            rel=1e-3)


# ------------------------------------------------------------------ the window's constraint


def _look_at_world_to_camera(position, target) -> np.ndarray:
    """World -> OpenCV camera for a camera at ``position`` whose -Z tracks ``target``
    with its +Y towards world +Z (Track To, up axis Y): from geometry alone."""
    position, target = np.asarray(position, float), np.asarray(target, float)
    z = target - position
    z /= np.linalg.norm(z)
    up = np.array([0.0, 0.0, 1.0])
    y = -(up - z * (up @ z))  # image down = away from world up
    y /= np.linalg.norm(y)
    x = np.cross(y, z)
    w2c = np.eye(4)
    w2c[:3, :3] = np.stack([x, y, z])
    w2c[:3, 3] = -w2c[:3, :3] @ position
    return w2c


@pytest.fixture(scope="module")
def window_markers(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("window")
    facts = run_job("scenes:render_markers", directory=f"{out}/", as_from_the_window=True).value
    return facts, {f: reader.read(out / f"m_{f:04d}.exr") for f in (1, 2)}


def test_animation_from_the_window_records_every_frames_camera(window_markers):
    """Ctrl+F12 in Blender's window: the handlers run where no frame may be evaluated,
    so every frame waits for the main-thread step after the render;
    then every file holds its own frame's camera. Known points project within 0.05 px
    of where the camera placed by geometry (position and Track To target) puts them."""
    facts, frames = window_markers
    # Nothing is guessed on the render thread: every frame waits for the main thread.
    assert facts["camera_before_the_step"] == {"1": False, "2": False}
    assert facts["pending"] == {"Scene": [1, 2]}
    assert facts["ready"] == ["Scene"]  # marked at render_complete for the timer
    assert facts["frame_after"] == 1
    for frame, gt in frames.items():
        cam = gt.camera
        assert cam is not None, frame
        expected = _look_at_world_to_camera(MARKER_CAMERA[frame], MARKER_TARGET)
        np.testing.assert_allclose(cam.world_to_camera, expected, atol=1e-5)
        truth = dataclasses.replace(cam, world_to_camera=expected)
        error = np.abs(cam.project(np.array(MARKERS)) - truth.project(np.array(MARKERS)))
        assert error.max() < 0.05, (frame, error.max())
        for index, (u, v) in enumerate(truth.project(np.array(MARKERS)), start=1):
            rows, cols = np.nonzero(gt.object_index == index)
            assert abs(cols.mean() - u) < 0.5 and abs(rows.mean() - v) < 0.5, (frame, index)


def test_every_particle_copy_gets_its_own_id(run_job, tmp_path):
    """12 particles instancing one object (Cryptomatte: one name "Pebble"): each copy
    its own id, named after the emitter and the particle, where its position projects."""
    facts = run_job("scenes:render_particles", directory=f"{tmp_path}/").value
    gt = reader.read(tmp_path / "p_0002.exr")
    assert len(facts["centres"]) == 12
    by_name = {name: i for i, name in gt.names.items()}
    assert set(facts["centres"]) <= set(by_name)
    # The original object renders too (out of view): it keeps its own id, no pixel.
    assert not (gt.instance_id == by_name["Pebble"]).any()
    for name, centre in facts["centres"].items():
        rows, cols = np.nonzero(gt.instance_id == by_name[name])
        assert rows.size > 20, name
        u, v = gt.camera.project(np.array(centre)[None])[0]
        assert abs(cols.mean() - u) < 1.0 and abs(rows.mean() - v) < 1.0, name
        np.testing.assert_allclose(gt.poses[by_name[name]].object_to_world[:3, 3], centre,
                                   atol=1e-5)
