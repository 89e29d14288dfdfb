# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``bop``: a BOP scene folder (BOP toolkit's docs/bop_datasets_format.md); values
from geometry: synthetic files (no Blender) and a real render of a cube half hidden
behind a wall."""

from __future__ import annotations

import json
import math
import time

import numpy as np
import pytest
import scenes_bop
from exports import one_line_error, png_header, run_export
from scenes_bop import SYNTH, cube_model

from blender_gt_addon import reader
from blender_gt_addon.exporters import ExportError, bop, export
from blender_gt_addon.exporters.bop_models import model_path, read_model, write_model_ply
from blender_gt_addon.exporters.raster import project_vertices, silhouette

PIL = pytest.importorskip("PIL.Image")
pytest.importorskip("plyfile")


def _models(folder, side_mm):
    folder.mkdir(parents=True, exist_ok=True)
    vertices, quads = cube_model(side_mm)
    write_model_ply(model_path(folder, 1), vertices, quads)
    return folder


def _load(folder):
    return {name: {int(k): v for k, v in json.loads((folder / f"{name}.json").read_text())
                   .items()} for name in ("scene_camera", "scene_gt", "scene_gt_info")}


def _png(path):
    return np.asarray(PIL.open(path))


def _hull_count(points, offset=(0, 0), size=(10**4, 10**4)) -> int:
    """Integer points (pixel centres) inside the convex hull of ``points`` (N, 2):
    the hull by Andrew's monotone chain, then a half-plane test per edge."""
    pts = sorted(map(tuple, np.asarray(points, float)))

    def half(seq):
        out = []
        for p in seq:
            while len(out) >= 2 and ((out[-1][0] - out[-2][0]) * (p[1] - out[-2][1]) - (
                    out[-1][1] - out[-2][1]) * (p[0] - out[-2][0])) <= 0:
                out.pop()
            out.append(p)
        return out[:-1]

    hull = np.array(half(pts) + half(pts[::-1]))
    lo, hi = np.floor(hull.min(0)).astype(int), np.ceil(hull.max(0)).astype(int)
    u, v = np.meshgrid(np.arange(lo[0], hi[0] + 1), np.arange(lo[1], hi[1] + 1))
    inside = np.ones(u.shape, bool)
    for a, b in zip(hull, np.roll(hull, -1, axis=0), strict=True):
        inside &= (b[0] - a[0]) * (v - a[1]) - (b[1] - a[1]) * (u - a[0]) >= 0
    inside &= (u >= -offset[0]) & (u < size[0] - offset[0])
    inside &= (v >= -offset[1]) & (v < size[1] - offset[1])
    return int(inside.sum())


# ------------------------------------------------------------------ no Blender


def test_model_ply_round_trip_and_normals(tmp_path):
    vertices, quads = cube_model(100.0)
    path = write_model_ply(tmp_path / "obj_000001.ply", vertices, quads)
    back, faces = read_model(path)
    np.testing.assert_array_equal(back, vertices)
    assert faces.shape == (12, 3)
    assert path.read_text().startswith("ply\nformat ascii 1.0\n")
    from plyfile import PlyData

    data = PlyData.read(str(path))
    normals = np.stack([data["vertex"][a] for a in ("nx", "ny", "nz")], axis=1)
    # A cube corner's angle-weighted normal points along the diagonal, outwards.
    np.testing.assert_allclose(normals, vertices / np.linalg.norm(vertices, axis=1)[:, None],
                               atol=1e-6)


def test_silhouette_of_a_square_counts_pixel_centres():
    uv = np.array([[2.5, 3.5], [10.2, 3.5], [10.2, 8.0], [2.5, 8.0]])
    mask = silhouette(uv, np.array([[0, 1, 2], [0, 2, 3]]), 20, 12)
    rows, cols = np.nonzero(mask)
    assert (cols.min(), cols.max(), rows.min(), rows.max()) == (3, 10, 4, 8)
    assert mask.sum() == 8 * 5
    wide = silhouette(uv - [8.0, 0.0], np.array([[0, 2, 1], [0, 3, 2]]), 20, 12,
                      margin=(20, 12))  # other winding, partly left of the image
    assert wide.sum() == 40 and wide[12:24, 20:40].sum() == 3 * 5


def test_silhouette_matches_the_hull_of_a_cube_off_axis():
    vertices, quads = cube_model(100.0)
    faces = np.array([[q[0], q[i], q[i + 1]] for q in quads for i in (1, 2)])
    K = np.array([[190.0, 0, 31.5], [0, 190.0, 23.5], [0, 0, 1]])
    rotation = scenes_bop.rigid(25.0, "y", (0, 0, 0))[:3, :3] @ scenes_bop.rigid(
        10.0, "x", (0, 0, 0))[:3, :3]
    uv, z = project_vertices(vertices, rotation, [60.0, -40.0, 700.0], K)
    assert (z > 0).all()
    mask = silhouette(uv, faces, 64, 48, margin=(64, 48))
    assert mask.sum() == _hull_count(uv, (64, 48), (192, 144))


@pytest.fixture
def synthetic(tmp_path):
    return scenes_bop.synthetic_frames(tmp_path / "exr"), _models(tmp_path / "models",
                                                                  SYNTH["cube_mm"])


def test_bop_scene_from_geometry(synthetic, tmp_path):
    src, models = synthetic
    out = tmp_path / "bop" / "000001"
    result = export(src, "bop", out, jobs=1, models=str(models), depth_scale=0.1,
                    amodal_masks=True)
    # Every file written counted (the summary once said "1 file" for a whole scene).
    assert result.files[0] == out / "scene_gt.json"
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(result.files) == written and len(written) == 3 + 2 * (2 + 2 * 2)
    assert result.bytes == sum(p.stat().st_size for p in written)
    assert result.notes == {"objects with pass index 0 (no obj_id) left out": 1}  # the wall
    data = _load(out)
    assert sorted(data["scene_gt"]) == [5, 6]  # image ids = frame numbers
    w2c = scenes_bop.synthetic_world_to_camera()
    o2c = scenes_bop.synthetic_object_to_camera()
    K = [SYNTH["f"], 0, SYNTH["c"][0], 0, SYNTH["f"], SYNTH["c"][1], 0, 0, 1]
    w, h = SYNTH["size"]
    for im in (5, 6):
        cam = data["scene_camera"][im]
        np.testing.assert_allclose(cam["cam_K"], K, rtol=0, atol=1e-12)
        assert cam["depth_scale"] == 0.1
        np.testing.assert_allclose(cam["cam_R_w2c"], w2c[:3, :3].ravel(), atol=1e-12)
        np.testing.assert_allclose(cam["cam_t_w2c"], w2c[:3, 3] * 1000, atol=1e-9)
        gts = data["scene_gt"][im]
        assert [g["obj_id"] for g in gts] == [1, 1]  # Cube, Cube.001 (the wall has pass 0)
        for gt, name in zip(gts, ("Cube", "Cube.001"), strict=True):
            np.testing.assert_allclose(gt["cam_R_m2c"], o2c[name][:3, :3].ravel(), atol=1e-9)
            np.testing.assert_allclose(gt["cam_t_m2c"], o2c[name][:3, 3] * 1000, atol=1e-9)
        cube, other = data["scene_gt_info"][im]
        # Silhouette columns 22-41, rows 14-33; visible columns 32-41; the wall's hole
        # (rows 14-15, columns 22-31) has no depth.
        assert cube == {"bbox_obj": [22, 14, 19, 19], "bbox_visib": [32, 14, 9, 19],
                        "px_count_all": 400, "px_count_valid": 380, "px_count_visib": 200,
                        "visib_fract": 0.5}
        # Cube.001: out of the image, its silhouette counted on the larger canvas.
        t = np.array(SYNTH["other_t"]) * 1000
        uv, _ = project_vertices(cube_model(SYNTH["cube_mm"])[0], np.eye(3), t,
                                 np.reshape(K, (3, 3)))
        assert other["px_count_all"] == _hull_count(uv, (w, h), (3 * w, 3 * h)) > 0
        assert other["px_count_visib"] == other["px_count_valid"] == 0
        assert other["visib_fract"] == 0.0
        assert other["bbox_obj"] == other["bbox_visib"] == [-1, -1, -1, -1]
        depth = _png(out / "depth" / f"{im:06d}.png")
        assert png_header(out / "depth" / f"{im:06d}.png")[2] == 16
        assert depth[20, 5] == 8000 and depth[20, 35] == 9500 and depth[0, 50] == 0
        assert depth[14, 25] == 0  # the hole
        rgb = _png(out / "rgb" / f"{im:06d}.png")
        assert rgb.shape == (h, w, 3) and rgb.dtype == np.uint8
        # sRGB codes (IEC 61966-2-1): 0.2 -> 123.555, 0.5 -> 187.516.
        assert tuple(rgb[20, 5]) == (124,) * 3 and tuple(rgb[20, 35]) == (188,) * 3
        visib = _png(out / "mask_visib" / f"{im:06d}_000000.png")
        assert visib.dtype == np.uint8 and set(np.unique(visib)) == {0, 255}
        assert (visib == 255).sum() == 200 and (visib[14:34, 32:42] == 255).all()
        full = _png(out / "mask" / f"{im:06d}_000000.png")
        assert (full == 255).sum() == 400 and (full[14:34, 22:42] == 255).all()
        assert not _png(out / "mask_visib" / f"{im:06d}_000001.png").any()
        assert not _png(out / "mask" / f"{im:06d}_000001.png").any()
    assert not list(out.rglob(".*partial*"))


def test_bop_refuses_what_it_cannot_write(synthetic, tmp_path):
    src, models = synthetic
    with pytest.raises(ExportError, match="--models"):
        export(src, "bop", tmp_path / "a")
    with pytest.raises(ExportError, match="no model for obj_id 1"):
        export(src, "bop", tmp_path / "b", models=str(tmp_path))
    with pytest.raises(ExportError, match="does not take the option 'fuse'"):
        export(src, "bop", tmp_path / "c", models=str(models), fuse=True)
    with pytest.raises(ExportError, match="unknown export option colour"):
        export(src, "bop", tmp_path / "c", models=str(models), colour=True)
    with pytest.raises(ExportError, match="no such folder of BOP models"):
        export(src, "bop", tmp_path / "d", models=str(tmp_path / "none"))
    assert not (tmp_path / "d").exists() or not any((tmp_path / "d").rglob("*.png"))


def test_a_uniform_scale_shared_by_a_model_is_noted(synthetic, tmp_path):
    _, models = synthetic
    src = scenes_bop.synthetic_frames(tmp_path / "scaled",
                                      scales={"Cube": (2, 2, 2), "Cube.001": (2, 2, 2)})
    result = export(src, "bop", tmp_path / "out", models=str(models), jobs=1)
    assert result.notes["objects with a uniform scale != 1 (taken out of cam_R_m2c)"] == 2
    gt = _load(tmp_path / "out")["scene_gt"][5][0]
    o2c = scenes_bop.synthetic_object_to_camera()["Cube"]
    np.testing.assert_allclose(gt["cam_R_m2c"], o2c[:3, :3].ravel(), atol=1e-9)
    np.testing.assert_allclose(gt["cam_t_m2c"], o2c[:3, 3] * 1000, atol=1e-9)


def test_uniform_scale_is_taken_out_of_the_rotation(tmp_path):
    m = scenes_bop.rigid(30.0, "y", (0.1, 0.2, 0.9))
    m[:3, :3] *= 0.001  # a mesh modelled in mm, scaled to metres
    rotation, t_mm, scale = bop.pose_mm(m)
    np.testing.assert_allclose(rotation, scenes_bop.rigid(30.0, "y", (0, 0, 0))[:3, :3],
                               atol=1e-12)
    np.testing.assert_allclose(t_mm, [100.0, 200.0, 900.0], atol=1e-9)
    assert math.isclose(scale, 0.001, rel_tol=1e-12)
    mirrored = np.diag([-1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ExportError, match="mirrored"):
        bop.pose_mm(mirrored)


def test_bop_box_is_the_toolkits():
    mask = np.zeros((6, 8), bool)
    mask[2, 3] = True
    assert bop.bop_box(mask) == [3, 2, 0, 0]  # w = x_max - x_min (calc_2d_bbox)
    mask[4, 6] = True
    assert bop.bop_box(mask) == [3, 2, 3, 2]
    assert bop.bop_box(np.zeros((3, 3), bool)) == [-1, -1, -1, -1]


def test_silhouette_cost(capsys):
    """The rasteriser's cost on a BOP-sized model: a 20 000-triangle sphere."""
    n = 101
    theta, phi = np.meshgrid(np.linspace(0, np.pi, n), np.linspace(0, 2 * np.pi, n),
                             indexing="ij")
    sphere = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi),
                       np.cos(theta)], -1).reshape(-1, 3) * 50.0  # mm
    idx = np.arange(n * n).reshape(n, n)
    a, b, c, d = (idx[:-1, :-1].ravel(), idx[1:, :-1].ravel(), idx[1:, 1:].ravel(),
                  idx[:-1, 1:].ravel())
    faces = np.concatenate([np.stack([a, b, c], 1), np.stack([a, c, d], 1)])
    K = np.array([[600.0, 0, 319.5], [0, 600.0, 239.5], [0, 0, 1]])
    uv, _ = project_vertices(sphere, np.eye(3), [0, 0, 300.0], K)  # radius 100 px
    start = time.perf_counter()
    mask = silhouette(uv, faces, 640, 480, margin=(640, 480))
    seconds = time.perf_counter() - start
    # The projected sphere (a disc of radius f r / sqrt(d^2 - r^2)), polygonised.
    radius = 600.0 * 50 / math.sqrt(300.0**2 - 50.0**2)
    assert abs(mask.sum() - math.pi * radius**2) < 0.01 * math.pi * radius**2
    with capsys.disabled():
        print(f"\nsilhouette: {len(faces)} triangles, {int(mask.sum())} px: "
              f"{seconds * 1000:.0f} ms")


# ------------------------------------------------------------------ Blender


@pytest.mark.blender
def test_bop_of_a_cube_half_hidden_behind_a_wall(run_job, tmp_path):
    src = tmp_path / "exr"
    job = run_job("scenes_bop:render_half_hidden_cube", directory=f"{src}/")
    assert job.value["files"] == ["bop_0001.exr", "bop_0002.exr"], job.value
    frames = [reader.read(src / f) for f in job.value["files"]]
    assert all(any(p.name == "Cube" for p in f.poses.values()) for f in frames), \
        "no poses in the files"
    side_mm = scenes_bop.CUBE_SIDE * 1000
    models = _models(tmp_path / "models", side_mm)
    out = tmp_path / "bop"
    printed = run_export(src, "bop", out, "--models", models, "--amodal-masks")
    assert "; 1 objects with pass index 0 (no obj_id) left out" in printed  # the wall
    data = _load(out)
    # Known pose in OpenCV axes: camera at the origin looking down Blender's -Z, so
    # camera = diag(1, -1, -1) @ world; mm.
    flip = np.diag([1.0, -1.0, -1.0])
    turn = scenes_bop.rigid(scenes_bop.CUBE_TURN_DEG, "z", (0, 0, 0))[:3, :3]
    t_mm = flip @ np.array(scenes_bop.CUBE_LOCATION) * 1000
    K = frames[0].camera.K
    for im in (1, 2):
        (gt,) = data["scene_gt"][im]
        assert gt["obj_id"] == 1
        np.testing.assert_allclose(gt["cam_t_m2c"], t_mm, rtol=0, atol=1e-4)
        np.testing.assert_allclose(np.reshape(gt["cam_R_m2c"], (3, 3)), flip @ turn,
                                   atol=1e-6)
        (info,) = data["scene_gt_info"][im]
        assert abs(info["visib_fract"] - 0.5) <= 0.05, info
        vertices, _ = cube_model(side_mm)
        uv, _ = project_vertices(vertices, flip @ turn, t_mm, K)
        hull = _hull_count(uv)  # the cube's silhouette: the hull of its corners
        assert abs(info["px_count_all"] - hull) <= 0.02 * hull, (info, hull)
        visib = _png(out / "mask_visib" / f"{im:06d}_000000.png") == 255
        cols = np.nonzero(visib.any(axis=0))[0]
        centre_u = uv.mean(axis=0)[0]  # the wall's edge passes through the centre
        assert cols.min() >= math.floor(centre_u) - 1
        full = _png(out / "mask" / f"{im:06d}_000000.png") == 255
        assert not (visib & ~full).any() and full.sum() == info["px_count_all"]
        depth = _png(out / "depth" / f"{im:06d}.png").astype(float)
        gt_depth = frames[im - 1].depth
        ok = np.isfinite(gt_depth)
        np.testing.assert_allclose(depth[ok], np.rint(gt_depth[ok] * 1000), atol=0)


def test_bop_cli_refuses_without_models(synthetic, tmp_path):
    from cli_scenes import cli

    src, _ = synthetic
    line = one_line_error(cli("export", src, "--to", "bop", "-o", tmp_path / "x"))
    assert "--models DIR" in line
