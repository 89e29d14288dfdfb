# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``gt.amodal``, ``gt.amodal_masks`` and ``gt.visib_fract`` on files written without
Blender (tests/helpers/scenes_bop.py's synthetic frames) with an amodal record added
to the header: ids, the empty mask, records of another frame or size."""

from __future__ import annotations

import numpy as np
import pytest
import scenes_bop
from scenes_bop import SYNTH

from blender_gt_addon import amodal, reader
from blender_gt_addon.exr.header import finish_file
from blender_gt_addon.reader import GroundTruthError

W, H = SYNTH["size"]


def _with_masks(path, frame=5, size=(W, H)):
    # The cube's silhouette (columns 22-41, rows 14-33), and its out-of-view twin empty.
    crop = np.ones((20, 20), dtype=bool)
    crop[0, 0] = False
    masks = [amodal.Mask("Cube", (22, 14, 42, 34), crop),
             amodal.Mask("Cube.001", (0, 0, 0, 0), np.zeros((0, 0), dtype=bool))]
    assert finish_file(str(path), strings={amodal.KEY: amodal.encode(frame, size, masks)})
    return crop


def test_masks_by_instance_id_and_visib_fract(tmp_path):
    folder = scenes_bop.synthetic_frames(tmp_path)
    path = folder / "gt_0005.exr"
    crop = _with_masks(path)
    gt = reader.read(path)
    ids = {v: k for k, v in gt.names.items()}
    cube, twin, wall = ids["Cube"], ids["Cube.001"], ids["Wall"]
    assert sorted(gt.amodal_masks) == [cube, twin]
    mask = gt.amodal(cube)
    assert mask.shape == (H, W) and mask.dtype == bool
    np.testing.assert_array_equal(mask[14:34, 22:42], crop)
    assert mask.sum() == crop.sum() == 399
    # Visible: the cube's 200 instance_id pixels (columns 32-41), all inside its mask.
    fractions = gt.visib_fract
    assert fractions[cube] == pytest.approx(200 / 399, abs=1e-12)
    assert fractions[twin] == 0.0  # empty mask: out of view
    assert not gt.amodal(twin).any()
    with pytest.raises(GroundTruthError, match=f"no amodal mask for id {wall}"):
        gt.amodal(wall)


def test_records_of_another_frame_or_size(tmp_path):
    folder = scenes_bop.synthetic_frames(tmp_path)
    _with_masks(folder / "gt_0005.exr", frame=6)  # a header copied from frame 6
    gt = reader.read(folder / "gt_0005.exr")
    assert gt.amodal_masks == {} and gt.visib_fract == {}
    with pytest.raises(GroundTruthError, match="has no amodal masks"):
        gt.amodal(1)
    _with_masks(folder / "gt_0006.exr", frame=6, size=(W + 1, H))
    with pytest.raises(GroundTruthError, match="amodal masks for 65x48 pixels"):
        _ = reader.read(folder / "gt_0006.exr").amodal_masks
