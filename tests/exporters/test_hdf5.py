# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``hdf5``: one .h5 a frame, exact, chunked and compressed."""

from __future__ import annotations

import numpy as np
import pytest
from exports import ALL, expected, run_export

h5py = pytest.importorskip("h5py")

pytestmark = pytest.mark.blender


def test_hdf5_per_frame_is_exact_chunked_and_compressed(out, frames, tmp_path):
    run_export(out, "hdf5", tmp_path / "h5")
    for gt in frames:
        with h5py.File(tmp_path / "h5" / f"{gt.path.stem}.h5", "r") as h5:
            assert h5.attrs["frame"] == gt.frame
            want = expected(gt)
            assert set(h5) == set(want)
            for layer in (*ALL, "flow", "instance_id"):
                assert h5[layer].compression == "gzip" and h5[layer].chunks is not None
            for name, array in want.items():
                if name == "instance_names":
                    assert list(h5[name].asstr()[()]) == list(array)
                else:
                    np.testing.assert_array_equal(h5[name][()], array)
