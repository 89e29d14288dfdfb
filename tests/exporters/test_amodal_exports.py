# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The amodal formats' helpers without Blender (their exports of real renders are in
tests/test_amodal.py): KINS polygons decode to the mask with pycocotools, holes
included; COCO boxes are pycocotools' own."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon.exporters import ExportError, export
from blender_gt_addon.exporters.coco import rle_encode, rle_to_string
from blender_gt_addon.exporters.coco_amodal import coco_box
from blender_gt_addon.exporters.kins import mask_polygons

mask_utils = pytest.importorskip("pycocotools.mask")


@pytest.mark.parametrize("seed", range(4))
def test_kins_polygons_decode_to_the_mask_with_pycocotools(seed):
    rng = np.random.default_rng(seed)
    h, w = 23, 31
    mask = rng.random((h, w)) > 0.55
    mask[5:15, 5:20] = True
    mask[8:11, 9:13] = False  # a hole
    mask[:, -1] = True  # touching the right and bottom borders
    mask[-1, :] = True
    polygons = mask_polygons(mask)
    assert all(len(p) == 8 for p in polygons)
    rle = mask_utils.merge(mask_utils.frPyObjects(polygons, h, w))
    np.testing.assert_array_equal(mask_utils.decode(rle).astype(bool), mask)
    assert mask_polygons(np.zeros((4, 5), bool)) == []


def test_boxes_are_cocos():
    mask = np.zeros((9, 12), bool)
    mask[2:5, 3:10] = True
    mask[7, 1] = True
    rle = rle_encode(mask)
    rle = {"size": rle["size"], "counts": rle_to_string(rle["counts"])}
    assert coco_box(mask) == [1, 2, 9, 6] == mask_utils.toBbox(rle).tolist()
    assert coco_box(np.zeros((3, 3), bool)) == [0, 0, 0, 0]


def test_amodal_formats_refuse_files_without_amodal_masks(tmp_path):
    import scenes_bop

    src = scenes_bop.synthetic_frames(tmp_path / "exr")
    for fmt in ("coco-amodal", "kins"):
        with pytest.raises(ExportError, match="no amodal masks.*Amodal masks output"):
            export(src, fmt, tmp_path / f"{fmt}.json")
