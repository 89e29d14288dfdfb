# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The per-frame header record (``blender_gt_addon.frame_record``): float64 kept bit for
bit, no length limit, damaged records refused with a reason."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import camera, frame_record


def _camera(rng) -> camera.Camera:
    K = np.array([[1234.56789012345, 0, 959.5 + rng.normal()], [0, 1234.5678901, 539.5],
                  [0, 0, 1]])
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    w2c = np.eye(4)
    w2c[:3, :3], w2c[:3, 3] = q, rng.normal(size=3) * 1000
    return camera.Camera(K=K, world_to_camera=w2c, width=1920, height=1080,
                         clip_start=0.1, clip_end=1000.0)


def test_camera_round_trips_bit_for_bit():
    rng = np.random.default_rng(1)
    for frame in (-3, 0, 7, 123456):
        cam = _camera(rng)
        text = frame_record.encode(frame, cam)
        got = frame_record.decode(text)
        assert got.frame == frame
        assert got.camera.K.tobytes() == cam.K.tobytes()
        assert got.camera.world_to_camera.tobytes() == cam.world_to_camera.tobytes()
        assert (got.camera.width, got.camera.height, got.camera.type) == (1920, 1080, "PERSP")


def test_a_frame_without_camera():
    assert frame_record.decode(frame_record.encode(4, None)) == frame_record.FrameRecord(4, None)


@pytest.mark.parametrize("text", [
    "", "[]", "{}", '{"v": 2, "frame": 1}', '{"v": 1}',
    '{"v": 1, "frame": 1, "camera": {"K": [[1]], "world_to_camera": [], "size": [1, 1], '
    '"clip": [0, 1], "type": "PERSP"}}',
    '{"v": 1, "frame": 1, "camera": {"size": [1]}}',
])
def test_damaged_records_are_refused(text):
    with pytest.raises(ValueError):
        frame_record.decode(text)
