# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``kitti-depth``: 16-bit PNG, depth x 256, 0 = no data."""

from __future__ import annotations

import numpy as np
import pytest
from exports import png_header, run_export

from blender_gt_addon.exporters.kitti_depth import kitti_depth

Image = pytest.importorskip("PIL.Image")


@pytest.mark.blender
def test_kitti_depth_png_is_depth_times_256_with_0_for_nothing(out, frames, tmp_path):
    run_export(out, "kitti-depth", tmp_path / "kitti")
    for gt in frames:
        png = tmp_path / "kitti" / f"{gt.path.stem}.png"
        assert png_header(png) == (gt.width, gt.height, 16, 0)  # 16-bit grey
        stored = np.array(Image.open(png))
        assert stored.dtype == np.uint16
        sky = np.isinf(gt.depth)
        assert sky.any() and (stored[sky] == 0).all()
        depth = stored[~sky] / 256.0
        assert (stored[~sky] > 0).all()
        assert np.abs(depth - gt.depth[~sky]).max() <= 1 / 512 + 1e-6


def test_kitti_depth_too_far_is_no_data():
    depth = np.array([[0.001, 1.0, 255.99, 300.0, np.inf]], np.float32)
    stored, lost = kitti_depth(depth)
    assert stored.tolist() == [[0, 256, 65533, 0, 0]]
    assert lost == 2
