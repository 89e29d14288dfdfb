# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``hdf5-sequence``: one .h5 for all frames, a frame axis, chunked a frame at a time."""

from __future__ import annotations

import numpy as np
import pytest
from exports import ALL, expected, run_export

h5py = pytest.importorskip("h5py")

pytestmark = pytest.mark.blender


def test_hdf5_sequence_is_one_file_with_a_frame_axis(out, frames, tmp_path):
    target = tmp_path / "seq.h5"
    text = run_export(out, "hdf5-sequence", target, "--jobs", "2")
    assert "1 file" in text
    with h5py.File(target, "r") as h5:
        assert list(h5["frame"][()]) == [gt.frame for gt in frames]
        assert list(h5["source"].asstr()[()]) == [gt.path.name for gt in frames]
        for layer in (*ALL, "flow", "instance_id"):
            data = h5[layer]
            assert data.shape[0] == len(frames)
            assert data.chunks[0] == 1 and data.compression == "gzip"
        for i, gt in enumerate(frames):
            for name, array in expected(gt).items():
                if name == "instance_names":
                    assert list(h5[name].asstr()[i][:len(array)]) == list(array)
                else:
                    np.testing.assert_array_equal(h5[name][i], array)
