# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``npz``: one compressed .npz a frame, every array exactly as the reader gives it."""

from __future__ import annotations

import numpy as np
import pytest
from exports import expected, run_export

pytestmark = pytest.mark.blender


def test_npz_holds_every_layer_exactly(out, frames, tmp_path):
    text = run_export(out, "npz", tmp_path / "npz", "--jobs", "2")
    assert text.startswith("exported 4 frames as npz: 4 files")
    for gt in frames:
        with np.load(tmp_path / "npz" / f"{gt.path.stem}.npz") as npz:
            assert int(npz["frame"]) == gt.frame
            want = expected(gt)
            assert set(npz.files) == {"frame", *want}
            for name, array in want.items():
                assert npz[name].dtype.kind == array.dtype.kind, name
                np.testing.assert_array_equal(npz[name], array)
    # Normals as the reader gives them: unit length where something was hit.
    hit = np.isfinite(frames[0].depth)
    with np.load(tmp_path / "npz" / f"{frames[0].path.stem}.npz") as npz:
        assert np.allclose(np.linalg.norm(npz["normal"][hit], axis=-1), 1.0, atol=1e-5)
        assert list(npz["instance_names"][:3]) == ["Back", "Lamp", "Moving"]
