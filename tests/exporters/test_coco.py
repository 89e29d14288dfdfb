# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``coco``: one COCO json that pycocotools loads, masks as its own RLE, and pictures
beside it that open as torchvision's ``CocoDetection`` opens them."""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from cli_scenes import OBJECTS
from exports import run_export

from blender_gt_addon import reader
from blender_gt_addon.exporters import coco as coco_export
from blender_gt_addon.exporters import export
from blender_gt_addon.exporters.images import image_8bit


def coco_detection(root, ann_file):
    """torchvision's ``CocoDetection`` restated (torchvision is not installed here):
    ``COCO(annFile)``, ``ids = sorted(coco.imgs.keys())``, and for each id
    ``Image.open(os.path.join(root, file_name)).convert("RGB")`` with the image's
    annotations. Yields ``(id, (H, W, 3) uint8, annotations)``."""
    from PIL import Image
    from pycocotools.coco import COCO

    coco = COCO(str(ann_file))
    for image_id in sorted(coco.imgs.keys()):
        path = coco.loadImgs(image_id)[0]["file_name"]
        image = Image.open(os.path.join(root, path)).convert("RGB")
        yield image_id, np.asarray(image), coco.loadAnns(coco.getAnnIds(image_id))


def test_pictures_open_as_coco_detection_opens_them(tmp_path):
    """Synthetic frames (no Blender): each file_name is an 8-bit sRGB PNG beside the
    json, the frame's image exactly; the result counts every file written."""
    pytest.importorskip("pycocotools.coco")
    import scenes_bop

    src = scenes_bop.synthetic_frames(tmp_path / "gt")
    target = tmp_path / "coco" / "annotations.json"
    result = export(src, "coco", target, ids="instance_id", jobs=1)
    frames = {gt.frame: gt for gt in (reader.read(p) for p in sorted(src.glob("*.exr")))}
    seen = []
    for image_id, picture, anns in coco_detection(target.parent, target):
        gt = frames[image_id]
        np.testing.assert_array_equal(picture, image_8bit(gt.image[..., :3]))
        assert picture.shape == (gt.height, gt.width, 3)
        assert {a["instance_id"] for a in anns} == set(np.unique(gt.instance_id)) - {0}
        seen.append(image_id)
    assert seen == [5, 6]
    pictures = [target.parent / "images" / "0005.png", target.parent / "images" / "0006.png"]
    assert result.files == [target, *pictures]
    assert result.bytes == sum(p.stat().st_size for p in result.files)
    assert result.notes == {"images (8-bit sRGB PNG)": 2}
    assert "as coco: 3 files" in result.summary()


@pytest.mark.blender
def test_coco_of_instance_ids_has_a_category_per_object_name(out, frames, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco")
    target = tmp_path / "coco.json"
    run_export(out, "coco", target, "--ids", "instance_id", "--jobs", "2")
    coco = coco_mod.COCO(str(target))
    for image_id, picture, _ in coco_detection(tmp_path, target):  # the rendered images
        gt = {f.frame: f for f in frames}[image_id]
        np.testing.assert_array_equal(picture, image_8bit(gt.image[..., :3]))
    categories = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    visible = sorted({gt.names[int(i)] for gt in frames for i in np.unique(gt.instance_id)
                      if i})
    assert sorted(categories.values()) == visible  # the sun is named but never seen
    for gt in frames:
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[gt.frame])):
            name = categories[ann["category_id"]]
            instance = {n: i for i, n in gt.names.items()}[name]
            np.testing.assert_array_equal(coco.annToMask(ann).astype(bool),
                                          gt.instance_id == instance)
            box = {b.name: b for b in gt.boxes("instance_id")}[name]
            assert ann["bbox"] == [box.x_min, box.y_min, box.x_max - box.x_min,
                                   box.y_max - box.y_min]


@pytest.mark.blender
def test_coco_loads_in_pycocotools_and_matches_the_object_index(out, frames, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco")
    mask_utils = pytest.importorskip("pycocotools.mask")
    names = tmp_path / "names.json"
    names.write_text(json.dumps({str(i): n for n, i in OBJECTS.items()}))
    target = tmp_path / "coco.json"
    run_export(out, "coco", target, "--names", names)
    coco = coco_mod.COCO(str(target))
    assert sorted(coco.getImgIds()) == [gt.frame for gt in frames]
    assert {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())} == {
        i: n for n, i in OBJECTS.items()}
    for gt in frames:
        ids = gt.object_index
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[gt.frame]))
        assert sorted(a["category_id"] for a in anns) == sorted(set(np.unique(ids)) - {0})
        for ann in anns:
            mask = ids == ann["category_id"]
            decoded = coco.annToMask(ann)  # pycocotools' own RLE decoder
            np.testing.assert_array_equal(decoded.astype(bool), mask)
            rows, cols = np.nonzero(mask)
            assert ann["bbox"] == [cols.min(), rows.min(), cols.max() - cols.min() + 1,
                                   rows.max() - rows.min() + 1]
            assert list(mask_utils.toBbox(ann["segmentation"])) == ann["bbox"]
            assert ann["area"] == mask.sum() == mask_utils.area(ann["segmentation"])
            assert ann["image_id"] == gt.frame and ann["iscrowd"] == 0


def test_rle_matches_pycocotools_on_awkward_masks():
    mask_utils = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(5)
    masks = [np.ones((3, 4), bool), np.zeros((5, 2), bool), np.eye(7, dtype=bool)]
    masks += [rng.random((int(h), int(w))) < 0.5 for h, w in rng.integers(1, 60, (30, 2))]
    big = np.zeros((300, 400), bool)  # long runs: counts needing several 5-bit groups
    big[10:290, 7:390] = True
    masks.append(big)
    for mask in masks:
        ref = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        mine = coco_export.rle_encode(mask)
        assert mine["size"] == list(ref["size"])
        text = coco_export.rle_to_string(mine["counts"])
        assert text == ref["counts"].decode()
        assert coco_export.rle_from_string(text) == mine["counts"]
        np.testing.assert_array_equal(coco_export.rle_decode({"size": mine["size"],
                                                         "counts": text}), mask)
