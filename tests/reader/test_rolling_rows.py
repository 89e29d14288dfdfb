# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rows' depth conversion of reader/rolling.py on known geometry (no Blender): the
depth pass along the exposure's middle camera becomes each row's own planar depth."""

from __future__ import annotations

import types

import numpy as np
import pytest

from blender_gt_addon.camera import Camera
from blender_gt_addon.exposure import Shutter
from blender_gt_addon.reader.rolling import row_depth_in_place

H, W = 12, 16


def _rotation(rng: np.random.Generator, angle: float) -> np.ndarray:
    axis = rng.normal(size=3)
    axis /= np.linalg.norm(axis)
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k


def _world_to_camera(rotation: np.ndarray, shift: np.ndarray) -> np.ndarray:
    matrix = np.eye(4)
    matrix[:3, :3], matrix[:3, 3] = rotation, shift
    return matrix


@pytest.mark.parametrize("kind", ["PERSP", "ORTHO"])
def test_each_row_gets_its_own_cameras_depth(kind):
    rng = np.random.default_rng(5)
    K = np.array([[20.0, 0.0, 7.5], [0.0, 20.0, 5.5], [0.0, 0.0, 1.0]])
    # A camera that turns and moves from row to row, and the middle one apart.
    rows = np.array([_world_to_camera(_rotation(rng, 0.05 * r / H), [0.1 * r / H, 0.0, 0.2])
                     for r in range(H)])
    middle = _world_to_camera(_rotation(rng, 0.1), np.array([0.3, -0.1, 0.5]))
    shutter = Shutter(position="CENTER", length=0.5, time=2.0, open=1.75, close=2.25,
                      rolling="TOP", row_world_to_camera=rows, depth_world_to_camera=middle)
    camera = Camera(K=K, world_to_camera=rows[H // 2], width=W, height=H, clip_start=0.1,
                    clip_end=100.0, type=kind)
    frame = types.SimpleNamespace(shutter=shutter, camera=camera)
    # Points on each pixel's ray of its row's camera at known depths.
    own = rng.uniform(2.0, 20.0, size=(H, W))
    c, r = np.meshgrid(np.arange(W, dtype=np.float64), np.arange(H, dtype=np.float64))
    x, y = (c - K[0, 2]) / K[0, 0], (r - K[1, 2]) / K[1, 1]
    if kind == "PERSP":
        in_camera = np.stack([x * own, y * own, own], axis=-1)
    else:  # parallel rays: x, y in scene units
        in_camera = np.stack([x, y, own], axis=-1)
    rotation, shift = rows[:, :3, :3], rows[:, :3, 3]
    world = np.einsum("hji,hwj->hwi", rotation, in_camera - shift[:, None, :])
    depth = (world @ middle[2, :3] + middle[2, 3]).astype(np.float32)  # what Cycles writes
    depth[0, 0] = np.inf  # nothing hit there
    row_depth_in_place(frame, depth)
    assert depth[0, 0] == np.inf
    finite = np.isfinite(depth)
    np.testing.assert_allclose(depth[finite], own[finite], rtol=1e-5)


def test_files_without_the_middle_camera_keep_the_pass():
    shutter = Shutter(position="CENTER", length=0.5, time=2.0, open=1.75, close=2.25)
    camera = Camera(K=np.eye(3), world_to_camera=np.eye(4), width=W, height=H, clip_start=0.1,
                    clip_end=100.0)
    depth = np.full((H, W), 3.0, np.float32)
    row_depth_in_place(types.SimpleNamespace(shutter=shutter, camera=camera), depth)
    assert (depth == 3.0).all()
    row_depth_in_place(types.SimpleNamespace(shutter=None, camera=camera), depth)
    assert (depth == 3.0).all()
