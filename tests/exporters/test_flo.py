# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``flo``: Middlebury .flo of forward flow, parsed by the Middlebury layout itself."""

from __future__ import annotations

import struct

import numpy as np
import pytest
from cli_scenes import OBJECTS
from exports import run_export

from blender_gt_addon.exporters.flo import read_flo

pytestmark = pytest.mark.blender


def test_flo_is_middlebury_forward_flow(out, frames, tmp_path):
    run_export(out, "flo", tmp_path / "flo")
    for gt in frames:
        data = (tmp_path / "flo" / f"{gt.path.stem}.flo").read_bytes()
        # Parsed by the Middlebury layout itself: 'PIEH', width, height, (u, v) rows.
        assert data[:4] == b"PIEH"
        width, height = struct.unpack("<ii", data[4:12])
        assert (width, height) == (gt.width, gt.height)
        assert len(data) == 12 + width * height * 8
        flow = np.frombuffer(data[12:], "<f4").reshape(height, width, 2)
        np.testing.assert_array_equal(flow[..., 0], -gt.vector[..., 2])
        np.testing.assert_array_equal(flow[..., 1], gt.vector[..., 3])
        np.testing.assert_array_equal(read_flo(tmp_path / "flo" / f"{gt.path.stem}.flo"),
                                      flow)
    # The moving cube goes right and down: dx > 0 and dy > 0 (image y down).
    cube = frames[0].object_index == OBJECTS["Moving"]
    flow = read_flo(tmp_path / "flo" / f"{frames[0].path.stem}.flo")
    assert np.median(flow[cube][:, 0]) == pytest.approx(5.0, abs=0.05)
    assert np.median(flow[cube][:, 1]) == pytest.approx(3.0, abs=0.05)
