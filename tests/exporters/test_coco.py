# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``coco``: one COCO json that pycocotools loads, masks as its own RLE."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_scenes import OBJECTS
from exports import run_export

from blender_gt_addon.exporters import coco as coco_export


@pytest.mark.blender
def test_coco_of_instance_ids_has_a_category_per_object_name(out, frames, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco")
    target = tmp_path / "coco.json"
    run_export(out, "coco", target, "--ids", "instance_id", "--jobs", "2")
    coco = coco_mod.COCO(str(target))
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
