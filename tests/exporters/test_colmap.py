# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``colmap``: the text model read back by pycolmap (cameras, poses, tracks), its
projections against our OpenCV camera, and its points against the surfaces they were
made from, on synthetic frames with exact geometry and on the marker scene's renders."""

from __future__ import annotations

import numpy as np
import pytest
from exports import run_export
from geometry import GROUND_INDEX, MARKER_RADIUS, MARKERS
from scenes_nerf import marker_pixels, marker_renders, synthetic_frames

from blender_gt_addon import reader
from blender_gt_addon.exporters import colmap, export
from blender_gt_addon.exporters.images import image_8bit

pycolmap = pytest.importorskip("pycolmap")
PIL = pytest.importorskip("PIL.Image")


def read_png(path) -> np.ndarray:
    with PIL.open(path) as image:
        return np.asarray(image)


def project(rec, image_id: int, points: np.ndarray) -> np.ndarray:
    """(N, 2) pixel coordinates of world points by pycolmap's own camera and pose
    (COLMAP's convention: the upper-left pixel's centre at (0.5, 0.5))."""
    image = rec.images[image_id]
    in_camera = image.cam_from_world() * np.asarray(points, dtype=np.float64)
    assert (in_camera[:, 2] > 0).all()
    return image.camera.img_from_cam(in_camera)


def points_of(rec, image_id: int):
    """Each 3D point made from ``image_id``: (id, xyz, rgb, its 2D point xy)."""
    image = rec.images[image_id]
    found = []
    for idx, p2 in enumerate(image.points2D):
        point = rec.points3D[p2.point3D_id]
        assert [(e.image_id, e.point2D_idx) for e in point.track.elements] == [(image_id, idx)]
        found.append((p2.point3D_id, np.array(point.xyz), np.array(point.color),
                      np.array(p2.xy)))
    return found


# ------------------------------------------------------------------ no Blender


def test_quaternion_is_the_rotation_pycolmap_reads():
    rng = np.random.default_rng(7)
    rotations = [np.eye(3), np.diag([1.0, -1, -1]), np.diag([-1.0, 1, -1]),
                 np.diag([-1.0, -1, 1])]  # w = 0: each off-diagonal branch
    for _ in range(50):
        q, r = np.linalg.qr(rng.normal(size=(3, 3)))
        rotations.append(q * np.sign(np.diag(r)) * np.linalg.det(q * np.sign(np.diag(r))))
    for rotation in rotations:
        w, x, y, z = colmap.quaternion_wxyz(rotation)
        assert w >= 0
        read = pycolmap.Rotation3d(np.array([x, y, z, w])).matrix()  # pycolmap: xyzw
        np.testing.assert_allclose(read, rotation, atol=1e-12)


def test_grid_stride():
    assert colmap.grid_stride(40, 30) == 1  # 1200 pixels: every one
    assert colmap.grid_stride(240, 160) == 5  # sqrt(19.2) = 4.38
    assert colmap.grid_stride(1920, 1080) == 33  # sqrt(1036.8) = 32.2
    assert colmap.grid_stride(1920, 1080, 10**7) == 1
    with pytest.raises(ValueError):
        colmap.grid_stride(10, 10, 0)


@pytest.fixture
def synthetic(tmp_path):
    """The layout of 3D Gaussian splatting: scene/images, scene/sparse/0."""
    made = synthetic_frames(tmp_path / "gt")
    model = tmp_path / "scene" / "sparse" / "0"
    result = export(tmp_path / "gt", "colmap", model, jobs=1)
    assert result.files[0] == model / "images.txt"
    written = sorted(p for p in (tmp_path / "scene").rglob("*") if p.is_file())
    assert sorted(result.files) == written and len(written) == 5  # 3 texts, 2 images
    assert result.bytes == sum(p.stat().st_size for p in written)
    assert sorted(p.name for p in model.iterdir()) == ["cameras.txt", "images.txt",
                                                        "points3D.txt"]
    return made, pycolmap.Reconstruction(str(model)), tmp_path / "scene", result


def test_cameras_and_poses_read_back_exactly(synthetic):
    made, rec, out, result = synthetic
    assert len(rec.cameras) == 1  # the two frames share intrinsics
    assert sorted(rec.images) == [1, 2]
    for image_id, (cam, _, _) in zip((1, 2), made.values(), strict=True):
        image = rec.images[image_id]
        assert image.name == f"{image_id + 2:04d}.png"
        assert (out / "images" / image.name).is_file()
        camera = image.camera
        assert camera.model_name == "PINHOLE" and (camera.width, camera.height) == (40, 30)
        np.testing.assert_array_equal(
            camera.params, [cam.K[0, 0], cam.K[1, 1], cam.K[0, 2] + 0.5, cam.K[1, 2] + 0.5])
        np.testing.assert_allclose(image.cam_from_world().matrix(), cam.world_to_camera[:3],
                                   atol=1e-14)
        points = np.random.default_rng(image_id).uniform([-3, -1, -0.5], [3, 4, 1.5], (200, 3))
        np.testing.assert_allclose(project(rec, image_id, points) - 0.5, cam.project(points),
                                   atol=1e-9)
    assert result.notes["images"] == 2 and result.notes["3D points"] == len(rec.points3D)


def test_points_lie_on_the_ground_and_project_onto_their_pixel(synthetic):
    made, rec, out, _ = synthetic
    total = 0
    for image_id, (_, _, depth) in zip((1, 2), made.values(), strict=True):
        found = points_of(rec, image_id)
        assert len(found) == np.isfinite(depth).sum()  # stride 1: every pixel hit
        total += len(found)
        rgb = read_png(out / "images" / rec.images[image_id].name)
        xyz = np.array([p[1] for p in found])
        xy = np.array([p[3] for p in found])
        assert np.abs(xyz[:, 2]).max() < 1e-5 * np.abs(xyz).max()  # the ground z = 0
        np.testing.assert_allclose(project(rec, image_id, xyz), xy, atol=1e-9)
        cols, rows = (xy - 0.5).round().astype(int).T
        np.testing.assert_array_equal(xy - 0.5, np.stack([cols, rows], axis=-1))
        assert np.isfinite(depth[rows, cols]).all()
        np.testing.assert_array_equal([p[2] for p in found], rgb[rows, cols])
    assert total == len(rec.points3D)


def test_without_depth_the_model_has_no_points(tmp_path):
    """Any other folder: the model and images/ in it."""
    synthetic_frames(tmp_path / "gt", depth=False)
    result = export(tmp_path / "gt", "colmap", tmp_path / "model", jobs=1)
    assert result.notes["frames without depth (no points)"] == 2
    assert sorted(p.name for p in (tmp_path / "model" / "images").iterdir()) == [
        "0003.png", "0004.png"]
    rec = pycolmap.Reconstruction(str(tmp_path / "model"))
    assert len(rec.images) == 2 and len(rec.points3D) == 0
    assert all(len(image.points2D) == 0 for image in rec.images.values())


def test_command_line(tmp_path):
    synthetic_frames(tmp_path / "gt")
    text = run_export(tmp_path / "gt", "colmap", tmp_path / "scene" / "sparse" / "0",
                      "--jobs", "2")
    assert "exported 2 frames as colmap: 5 files" in text and "2 images" in text
    assert sorted(p.name for p in (tmp_path / "scene" / "sparse" / "0").iterdir()) == [
        "cameras.txt", "images.txt", "points3D.txt"]
    assert len(list((tmp_path / "scene" / "images").iterdir())) == 2
    assert not [p for p in (tmp_path / "scene").rglob(".*")]  # no temporary files left


def test_points_option_sets_how_many_pixels_become_points(tmp_path):
    """--points N: a grid of about N pixels a frame (stride ceil(sqrt(W H / N)))."""
    made = synthetic_frames(tmp_path / "gt")
    for n, flag in ((None, ()), (100, ("--points", "100"))):
        out = tmp_path / f"model{n}"
        run_export(tmp_path / "gt", "colmap", out, *flag)
        rec = pycolmap.Reconstruction(str(out))
        stride = colmap.grid_stride(40, 30, n or colmap.POINTS_PER_FRAME)
        expected = 0
        for _, _, depth in made.values():
            grid = depth[stride // 2::stride, stride // 2::stride]
            expected += int(np.isfinite(grid).sum())
        assert len(rec.points3D) == expected
    assert stride == 4  # 40 x 30 / 100 pixels: every 4th row and column


# ----------------------------------------------------------------- real renders


@pytest.fixture(scope="module")
def markers(run_job, tmp_path_factory):
    folder = marker_renders(run_job, tmp_path_factory)
    out = tmp_path_factory.mktemp("markers_colmap")
    run_export(folder, "colmap", out / "sparse" / "0")
    frames = {f: reader.read(folder / f"m_{f:04d}.exr") for f in (1, 2)}
    return frames, pycolmap.Reconstruction(str(out / "sparse" / "0")), out


@pytest.mark.blender
def test_known_points_project_where_the_render_shows_them(markers):
    """Sphere centres through pycolmap's camera and pose: within 0.05 px of our OpenCV
    camera and within 0.5 px of the spheres' pixel centroids."""
    frames, rec, _ = markers
    assert len(rec.cameras) == 1 and sorted(rec.images) == [1, 2]
    for image_id, gt in zip((1, 2), frames.values(), strict=True):
        theirs = project(rec, image_id, np.array(MARKERS)) - 0.5  # corner -> centre
        assert np.abs(theirs - gt.camera.project(np.array(MARKERS))).max() < 0.05
        for index, (u, v) in enumerate(theirs, start=1):
            col, row = marker_pixels(gt, index)
            assert abs(col - u) < 0.5 and abs(row - v) < 0.5, (image_id, index)


@pytest.mark.blender
def test_points_lie_on_the_rendered_surfaces(markers):
    """Each point made from a ground pixel lies on z = 0, each made from a sphere's pixel
    on that sphere, and projects onto its pixel.

    The spheres are UV spheres of 32 segments and 16 rings (``scenes.render_markers``):
    flat faces whose vertices lie on the sphere, the largest (at the equator) spanning
    half-angles pi/32 in longitude and latitude, whose plane passes
    ``r * sqrt(1 - 2 sin^2(pi/32))`` from the centre: up to 1.93e-3 inside.
    """
    frames, rec, out = markers
    for image_id, gt in zip((1, 2), frames.values(), strict=True):
        found = points_of(rec, image_id)
        xyz = np.array([p[1] for p in found])
        xy = np.array([p[3] for p in found])
        cols, rows = (xy - 0.5).round().astype(int).T
        stride = colmap.grid_stride(240, 160)
        assert (cols % stride == stride // 2).all() and (rows % stride == stride // 2).all()
        grid = gt.depth[stride // 2::stride, stride // 2::stride]
        assert len(found) == np.isfinite(grid).sum() > 1000
        np.testing.assert_allclose(project(rec, image_id, xyz), xy, atol=1e-6)
        index = gt.object_index[rows, cols]
        ground = index == GROUND_INDEX
        distance = np.linalg.norm(xyz - gt.camera.camera_to_world[:3, 3], axis=1)
        assert ground.sum() > 0.5 * len(found)
        assert (np.abs(xyz[ground, 2]) <= 1e-4 * distance[ground]).all()
        on_markers = 0
        for i, centre in enumerate(MARKERS, start=1):
            mine = index == i
            on_markers += mine.sum()
            radius = np.linalg.norm(xyz[mine] - centre, axis=1)
            facets = MARKER_RADIUS * (1 - np.sqrt(1 - 2 * np.sin(np.pi / 32) ** 2))
            assert (radius <= MARKER_RADIUS + 1e-4).all(), (image_id, i)
            assert (radius >= MARKER_RADIUS - facets - 1e-4).all(), (image_id, i)
        assert on_markers > 10
        rgb = read_png(out / "images" / rec.images[image_id].name)
        np.testing.assert_array_equal(rgb, image_8bit(gt.image))
        np.testing.assert_array_equal([p[2] for p in found], rgb[rows, cols])
