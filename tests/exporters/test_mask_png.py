# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``mask-png``: 16-bit PNG of the object index or the instance id."""

from __future__ import annotations

import numpy as np
import pytest
from exports import png_header, run_export

Image = pytest.importorskip("PIL.Image")

pytestmark = pytest.mark.blender


def test_mask_png_is_the_object_index_in_16_bits(out, frames, tmp_path):
    run_export(out, "mask-png", tmp_path / "masks")
    for gt in frames:
        png = tmp_path / "masks" / f"{gt.path.stem}.png"
        assert png_header(png) == (gt.width, gt.height, 16, 0)
        np.testing.assert_array_equal(np.array(Image.open(png)).astype(np.int32),
                                      gt.object_index)


def test_mask_png_of_instance_ids(out, frames, tmp_path):
    run_export(out, "mask-png", tmp_path / "masks", "--ids", "instance_id")
    for gt in frames:
        png = tmp_path / "masks" / f"{gt.path.stem}.png"
        np.testing.assert_array_equal(np.array(Image.open(png)).astype(np.int32),
                                      gt.instance_id)
