# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``bop`` with objects whose matrix is not rigid (synthetic files, no Blender): with
``--models`` each gets a model with its scale baked in and a rigid pose that puts
every model point where the scaled object's point is; without models it is left out
and named; the summary counts what was written and reports only what was checked."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scenes_bop
from cli_scenes import cli
from scenes_bop import SYNTH, cube_model

from blender_gt_addon import amodal
from blender_gt_addon.exporters import export
from blender_gt_addon.exporters.bop_models import model_path, read_model, write_model_ply
from blender_gt_addon.exporters.bop_poses import polar
from blender_gt_addon.exporters.raster import project_vertices, silhouette
from blender_gt_addon.exr.header import finish_file

pytest.importorskip("PIL.Image")
pytest.importorskip("plyfile")

W, H = SYNTH["size"]
K = np.array([[SYNTH["f"], 0, SYNTH["c"][0]], [0, SYNTH["f"], SYNTH["c"][1]], [0, 0, 1]])


def _models(folder):
    folder.mkdir(parents=True, exist_ok=True)
    vertices, quads = cube_model(SYNTH["cube_mm"])
    write_model_ply(model_path(folder, 1), vertices, quads)
    return folder


def _load(folder, name):
    return {int(k): v for k, v in json.loads((folder / f"{name}.json").read_text()).items()}


def _with_amodal_masks(folder):
    """The frames' amodal records: the cube's silhouette (columns 22-41, rows 14-33),
    Cube.001 out of view (empty)."""
    for n in (5, 6):
        masks = [amodal.Mask("Cube", (22, 14, 42, 34), np.ones((20, 20), dtype=bool)),
                 amodal.Mask("Cube.001", (0, 0, 0, 0), np.zeros((0, 0), dtype=bool))]
        assert finish_file(str(folder / f"gt_{n:04d}.exr"),
                           strings={amodal.KEY: amodal.encode(n, (W, H), masks)})
    return folder


@pytest.mark.parametrize("scale", [(1.0, 3.0, 1.0), (2.0, 2.0, 2.0), (-1.0, 1.0, 1.0),
                                   (1.5, 0.5, 2.5)])
def test_a_scaled_object_gets_a_baked_model_and_a_rigid_pose(tmp_path, scale):
    """Cube.001 (obj_id 1, like the unscaled Cube) scaled non-uniformly, by another
    uniform factor than the Cube, mirrored: a new model obj_000002.ply in OUT/models,
    its pose rigid, R (baked vertices) + t = the scaled object's points."""
    src = scenes_bop.synthetic_frames(tmp_path / "gt", scales={"Cube.001": scale})
    out = tmp_path / "bop"
    result = export(src, "bop", out, jobs=1, models=str(_models(tmp_path / "models")))
    baked = model_path(out / "models", 2)
    assert baked in result.files and baked.is_file()
    (key,) = [k for k in result.notes if "baked into a new model" in k]
    assert "Cube.001 -> obj_id 2" in key and result.notes[key] == 1
    vertices, quads = cube_model(SYNTH["cube_mm"])
    baked_v, baked_f = read_model(baked)
    # The scaled object in camera axes, mm: o2c @ diag(scale), from the synthetic frames.
    o2c = scenes_bop.synthetic_object_to_camera()["Cube.001"] @ np.diag([*scale, 1.0])
    want = vertices @ o2c[:3, :3].T + o2c[:3, 3] * 1000
    for im in (5, 6):
        cube, other = _load(out, "scene_gt")[im]
        assert (cube["obj_id"], other["obj_id"]) == (1, 2)
        R = np.reshape(other["cam_R_m2c"], (3, 3))
        np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-9)
        assert np.linalg.det(R) == pytest.approx(1.0, abs=1e-9)
        np.testing.assert_allclose(baked_v @ R.T + other["cam_t_m2c"], want, atol=1e-4)
        # Its silhouette (out of the image, on the 3x canvas) is the scaled cube's, but
        # for pixel centres on an edge: the cube's faces project to lines through pixel
        # centres here (the model file keeps 9 digits, the rotation 1e-16).
        uv, _ = project_vertices(want, np.eye(3), np.zeros(3), K)
        faces = np.array([[q[0], q[i], q[i + 1]] for q in quads for i in (1, 2)])
        expected = int(silhouette(uv, faces, W, H, (W, H)).sum())
        got = _load(out, "scene_gt_info")[im][1]["px_count_all"]
        assert abs(got - expected) <= 0.01 * expected and expected > 100
    # Outward normals after a mirror: each face's normal points away from the centre.
    tri = baked_v[baked_f]
    normal = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    assert (np.einsum("ij,ij->i", normal, tri.mean(axis=1) - baked_v.mean(axis=0)) > 0).all()
    assert "rendered pixels outside their amodal mask (left out)" not in result.notes


def test_without_models_a_scaled_object_is_left_out_and_named(tmp_path):
    src = _with_amodal_masks(scenes_bop.synthetic_frames(tmp_path / "gt",
                                                         scales={"Cube.001": (1, 3, 1)}))
    out = tmp_path / "bop"
    result = export(src, "bop", out, jobs=1, amodal_masks=True)
    (key,) = [k for k in result.notes if "left out, their pose not rigid" in k]
    assert key.endswith(": Cube.001") and result.notes[key] == 1
    for im in (5, 6):
        (cube,) = _load(out, "scene_gt")[im]  # the rigid cube only
        assert cube["obj_id"] == 1
        (info,) = _load(out, "scene_gt_info")[im]
        assert (info["px_count_all"], info["px_count_visib"]) == (400, 200)
    assert not (out / "models").exists()
    # Only what was checked is reported: no model silhouettes without models.
    assert not any("model's silhouette" in k for k in result.notes)
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(result.files) == written and len(written) == 3 + 2 * (2 + 2)


def test_the_command_line_summary_counts_files(tmp_path):
    src = scenes_bop.synthetic_frames(tmp_path / "gt", scales={"Cube.001": (1, 3, 1)})
    out = tmp_path / "bop"
    done = cli("export", src, "--to", "bop", "-o", out, "--models",
               _models(tmp_path / "models"), "--jobs", "1")
    assert done.returncode == 0, done.stderr
    written = [p for p in out.rglob("*") if p.is_file()]
    assert len(written) == 3 + 2 * (2 + 2) + 1  # json, depth, rgb, mask_visib, a model
    assert f"as bop: {len(written)} files" in done.stdout
    assert "Cube.001 -> obj_id 2" in done.stdout


def test_polar_splits_rotation_and_stretch():
    rng = np.random.default_rng(1)
    for _ in range(20):
        m = np.eye(4)
        m[:3, :3] = rng.normal(size=(3, 3))
        m[:3, 3] = rng.normal(size=3)
        R, t_mm, P = polar(m)
        np.testing.assert_allclose(R @ P, m[:3, :3], atol=1e-12)
        np.testing.assert_allclose(R.T @ R, np.eye(3), atol=1e-12)
        assert np.linalg.det(R) == pytest.approx(1.0) and np.allclose(P, P.T)
        np.testing.assert_allclose(t_mm, m[:3, 3] * 1000)
