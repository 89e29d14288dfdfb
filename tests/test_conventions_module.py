# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender_gt_addon.conventions`` on plain arrays, against plain arithmetic."""

from __future__ import annotations

import numpy as np

from blender_gt_addon import conventions


def test_regression_flow_is_right_with_numpy_2_4_strided_negative():
    """numpy 2.4.6 computes ``np.negative(strided, out=strided)`` wrong (the 4.2
    environment has it): forward and backward flow must equal plain arithmetic."""
    vector = np.random.default_rng(0).normal(size=(48, 64, 4)).astype(np.float32)
    np.testing.assert_array_equal(conventions.forward_flow(vector),
                                  np.stack([-vector[..., 2], vector[..., 3]], axis=-1))
    np.testing.assert_array_equal(conventions.backward_flow(vector),
                                  np.stack([vector[..., 0], -vector[..., 1]], axis=-1))


def test_unit_normals_equal_a_plain_division():


    rng = np.random.default_rng(1)
    normals = rng.normal(size=(48, 64, 3)).astype(np.float32)
    normals[:5] = 0  # background stays (0, 0, 0)
    got = conventions.unit_normals(normals)
    length = np.linalg.norm(normals, axis=-1, keepdims=True)
    expected = np.divide(normals, length, out=np.zeros_like(normals), where=length > 0)
    np.testing.assert_allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert not got[:5].any()
