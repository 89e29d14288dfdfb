# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Amodal masks on real Cycles renders (``tests/helpers/scenes_amodal.py``): a cube
half hidden by a wall whose edge projects through its centre, and two instanced
copies, one in the open and one wholly behind the wall. Expected values from the
scene's geometry and from a render of the same scene without the wall."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
import scenes_amodal as S
from exports import run_export

from blender_gt_addon import reader
from blender_gt_addon.exporters import export
from blender_gt_addon.exporters.bop_models import model_path, write_model_ply
from blender_gt_addon.reader import GroundTruthError

Image = pytest.importorskip("PIL.Image")
pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def renders(run_job, tmp_path_factory):
    """(with the wall, without it): the frames of the two renders."""
    out = tmp_path_factory.mktemp("amodal")
    found = []
    for name, wall in (("wall", True), ("open", False)):
        job = run_job("scenes_amodal:render_amodal_scene", directory=f"{out / name}/", wall=wall)
        assert job.value["files"] == ["am_0001.exr"], job.value
        found.append(reader.read(out / name / "am_0001.exr"))
    return found


def _id(frame, name: str) -> int:
    return {v: k for k, v in frame.names.items()}[name]


def _centres_in_square() -> int:
    """Pixel centres inside the cube's projected silhouette (the square of
    ``cube_square_uv``), by a half-plane test of every pixel centre."""
    corners = np.array(S.cube_square_uv())
    u, v = np.meshgrid(np.arange(S.WIDTH), np.arange(S.HEIGHT))
    inside = np.ones(u.shape, dtype=bool)
    for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
        # Corners run clockwise on screen (v down): the inside is on the same side.
        inside &= (b[0] - a[0]) * (v - a[1]) - (b[1] - a[1]) * (u - a[0]) <= 0
    return int(inside.sum())


def test_amodal_mask_of_a_half_hidden_cube_is_its_unoccluded_silhouette(renders):
    walled, open_ = renders
    cube = walled.amodal(_id(walled, "Cube"))
    assert cube.shape == (S.HEIGHT, S.WIDTH) and cube.dtype == bool
    unoccluded = open_.instance_id == _id(open_, "Cube")
    # Area: the render without the wall within 0.5 %, the square from geometry within
    # 2 pixels (centres within 1e-9 of its edges).
    assert abs(int(cube.sum()) - int(unoccluded.sum())) <= 0.005 * unoccluded.sum()
    assert abs(int(cube.sum()) - _centres_in_square()) <= 2
    # Where: differing pixels only on the cube's rendered outline.
    edge = unoccluded ^ np.roll(unoccluded, 1, 0) | unoccluded ^ np.roll(unoccluded, 1, 1)
    edge |= np.roll(edge, -1, 0) | np.roll(edge, -1, 1)
    assert not ((cube ^ unoccluded) & ~edge).any()
    # The wall hides exactly the left half: visible pixels only right of u = 79.5.
    visible = walled.instance_id == _id(walled, "Cube")
    assert not visible[:, :80].any()
    assert (visible & ~cube).sum() <= 0.005 * cube.sum()  # rendered edge pixels
    # The amodal mask does not depend on the wall.
    np.testing.assert_array_equal(cube, open_.amodal(_id(open_, "Cube")))


def test_visib_fract_of_the_cube_and_the_instanced_copies(renders):
    walled, open_ = renders
    fractions = walled.visib_fract
    assert abs(fractions[_id(walled, "Cube")] - 0.5) <= 0.02, fractions
    a, b = _id(walled, "Holder.A/Box#0"), _id(walled, "Holder.B/Box#0")
    assert fractions[a] >= 0.98 and fractions[b] == 0.0
    # Copy B wholly hidden still has its full silhouette: the half turn of copy A's
    # about the principal point (the holders sit at opposite x, y, same depth).
    mask_a, mask_b = walled.amodal(a), walled.amodal(b)
    assert mask_a.sum() > 100
    np.testing.assert_array_equal(mask_b, mask_a[::-1, ::-1])
    assert not (walled.instance_id == b).any()
    # Without the wall, copy B shows its whole silhouette.
    shown = open_.instance_id == _id(open_, "Holder.B/Box#0")
    assert abs(int(shown.sum()) - int(mask_b.sum())) <= 0.02 * mask_b.sum()
    assert open_.visib_fract[_id(open_, "Holder.B/Box#0")] >= 0.98
    # The wall: only its part in the image shows, of a silhouette reaching far
    # left of it (BOP's canvas, 3 x the image): visible pixels / canvas pixels.
    wall = walled.amodal_masks[_id(walled, "Wall")]
    assert wall.box[0] == -S.WIDTH and wall.box[2] == S.WIDTH // 2
    assert fractions[_id(walled, "Wall")] < 0.2
    with pytest.raises(GroundTruthError, match="no amodal mask for id"):
        walled.amodal(999)
    assert "Wall" not in open_.names.values()  # hidden from rendering: not recorded


def test_bop_without_models_equals_bop_with_models(renders, tmp_path):
    walled, _ = renders
    src = walled.path.parent
    models = tmp_path / "models"
    models.mkdir()
    for obj_id, side in ((1, S.CUBE_SIDE), (2, S.BOX_SIDE)):
        h = side * 500.0  # mm
        vertices = np.array([[x, y, z] for x in (-h, h) for y in (-h, h) for z in (-h, h)])
        quads = [[0, 1, 3, 2], [4, 6, 7, 5], [0, 4, 5, 1], [2, 3, 7, 6], [0, 2, 6, 4],
                 [1, 5, 7, 3]]
        write_model_ply(model_path(models, obj_id), vertices, quads)
    infos = {}
    for how in ("amodal", "models"):
        out = tmp_path / how
        if how == "amodal":  # the command line, no --models
            printed = run_export(src, "bop", out, "--amodal-masks")
            assert "; 1 objects with pass index 0 (no obj_id) left out" in printed  # wall
        else:
            export(src, "bop", out, jobs=1, amodal_masks=True, models=str(models))
        infos[how] = json.loads((out / "scene_gt_info.json").read_text())["1"]
        gts = json.loads((out / "scene_gt.json").read_text())["1"]
        assert [g["obj_id"] for g in gts] == [1, 2, 2]  # Cube, copy A, copy B
        if how == "amodal":
            for i, name in enumerate(("Cube", "Holder.A/Box#0", "Holder.B/Box#0")):
                png = np.asarray(Image.open(out / "mask" / f"000001_{i:06d}.png")) == 255
                np.testing.assert_array_equal(png, walled.amodal(_id(walled, name)))
    for got, want in zip(infos["amodal"], infos["models"], strict=True):
        assert abs(got["visib_fract"] - want["visib_fract"]) <= 1e-3, (got, want)
        assert abs(got["px_count_all"] - want["px_count_all"]) <= 2, (got, want)
        assert got["bbox_obj"] == want["bbox_obj"] and got["bbox_visib"] == want["bbox_visib"]
    cube = infos["amodal"][0]
    assert abs(cube["visib_fract"] - 0.5) <= 0.02
    assert cube["visib_fract"] == walled.visib_fract[_id(walled, "Cube")]


def test_coco_amodal_reads_back_with_pycocotools_as_uoais_does(renders, tmp_path):
    """UOAIS's loader (adet/data/uoais.py) opens the file with pycocotools' COCO and
    decodes segmentation, visible_mask and occluded_mask as RLE."""
    coco_api = pytest.importorskip("pycocotools.coco")
    mask_utils = pytest.importorskip("pycocotools.mask")
    walled, _ = renders
    out = tmp_path / "uoais.json"
    result = export(walled.path, "coco-amodal", out, jobs=1, object_names={1: "cube"})
    assert result.notes["objects with pass index 0 (no category) left out"] == 1  # wall
    api = coco_api.COCO(str(out))
    (image,) = api.dataset["images"]
    assert (image["width"], image["height"], image["frame"]) == (S.WIDTH, S.HEIGHT, 1)
    # The pictures beside the json, opened as UOAIS / torchvision's CocoDetection do:
    # Image.open(os.path.join(root, file_name)).convert("RGB"); depth a 16-bit PNG (mm).
    assert (image["file_name"], image["depth_file_name"]) == ("images/0001.png",
                                                              "depth/0001.png")
    with Image.open(os.path.join(out.parent, image["file_name"])) as picture:
        assert picture.convert("RGB").size == (S.WIDTH, S.HEIGHT)
    with Image.open(os.path.join(out.parent, image["depth_file_name"])) as depth:
        assert depth.mode == "I;16" and depth.size == (S.WIDTH, S.HEIGHT)
    assert set(result.files) == {out, out.parent / "images" / "0001.png",
                                 out.parent / "depth" / "0001.png"}
    anns = api.loadAnns(api.getAnnIds(imgIds=[image["id"]]))
    assert [a["name"] for a in anns] == ["Cube", "Holder.A/Box#0", "Holder.B/Box#0"]
    assert [c["name"] for c in api.loadCats(api.getCatIds())] == ["cube", "object 2"]
    for ann in anns:
        number = _id(walled, ann["name"])
        amodal = walled.amodal(number)
        visible = amodal & (walled.instance_id == number)
        np.testing.assert_array_equal(api.annToMask(ann).astype(bool), amodal)
        np.testing.assert_array_equal(mask_utils.decode(ann["visible_mask"]).astype(bool),
                                      visible)
        np.testing.assert_array_equal(mask_utils.decode(ann["occluded_mask"]).astype(bool),
                                      amodal & ~visible)
        assert ann["area"] == int(mask_utils.area(ann["segmentation"])) == amodal.sum()
        np.testing.assert_array_equal(ann["bbox"], mask_utils.toBbox(ann["segmentation"]))
        assert ann["occluded_rate"] == pytest.approx(1 - visible.sum() / amodal.sum(), abs=1e-12)
        assert ann["category_id"] == walled.poses[number].pass_index and ann["iscrowd"] == 0
    cube, copy_a, copy_b = anns
    assert abs(cube["occluded_rate"] - 0.5) <= 0.02
    assert copy_a["occluded_rate"] <= 0.02 and copy_b["occluded_rate"] == 1.0
    assert copy_b["visible_bbox"] == [0, 0, 0, 0]


def test_kins_reads_back_with_pycocotools_polygons(renders, tmp_path):
    """KINS loaders turn a_segm / i_segm polygons into masks with
    pycocotools.mask.frPyObjects(polygons, h, w), merged."""
    mask_utils = pytest.importorskip("pycocotools.mask")
    walled, _ = renders
    out = tmp_path / "kins.json"
    result = export(walled.path, "kins", out, jobs=1)
    assert result.notes["objects wholly hidden (no visible pixel) left out"] == 1  # copy B
    data = json.loads(out.read_text())
    (image,) = data["images"]
    with Image.open(os.path.join(out.parent, image["file_name"])) as picture:  # as COCO's
        assert picture.convert("RGB").size == (S.WIDTH, S.HEIGHT)
    anns = data["annotations"]
    assert [a["name"] for a in anns] == ["Cube", "Holder.A/Box#0"]
    h, w = S.HEIGHT, S.WIDTH
    for ann in anns:
        number = _id(walled, ann["name"])
        amodal = walled.amodal(number)
        visible = amodal & (walled.instance_id == number)
        for key, box, area, want in (("a_segm", "a_bbox", "a_area", amodal),
                                     ("i_segm", "i_bbox", "i_area", visible)):
            rle = mask_utils.merge(mask_utils.frPyObjects(ann[key], h, w))
            np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), want)
            np.testing.assert_array_equal(ann[box], mask_utils.toBbox(rle))
            assert ann[area] == int(mask_utils.area(rle)) == want.sum()
        assert ann["image_id"] == data["images"][0]["id"] and ann["category_id"] >= 1
    cube = anns[0]
    assert abs(cube["i_area"] / cube["a_area"] - 0.5) <= 0.02
