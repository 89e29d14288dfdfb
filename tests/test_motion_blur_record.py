# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shutter entry of the frame record (``blender_gt_addon.exposure``), no Blender."""

from __future__ import annotations

import json

import numpy as np
import pytest

from blender_gt_addon import exposure, frame_record
from blender_gt_addon.camera import Camera


def _camera(x: float) -> Camera:
    w2c = np.eye(4)
    w2c[0, 3] = x
    return Camera(K=np.array([[100.0, 0, 31.5], [0, 100.0, 23.5], [0, 0, 1]]),
                  world_to_camera=w2c, width=64, height=48, clip_start=0.1, clip_end=100.0)


def test_exposure_times_follow_the_shutter_position():
    assert exposure.times("CENTER", 0.5, 7) == (6.75, 7.25)
    assert exposure.times("START", 0.5, 7) == (7.0, 7.5)
    assert exposure.times("END", 0.25, 7) == (6.75, 7.0)
    with pytest.raises(ValueError):
        exposure.times("MIDDLE", 0.5, 7)


def test_shutter_round_trips_through_the_frame_record():
    box = frame_record.ObjectRecord(name="Box", pass_index=2, object_to_world=np.eye(4),
                                    geometry="0123456789abcdef")
    start, end = exposure.times("CENTER", 0.5, 7)
    shutter = exposure.Shutter(
        position="CENTER", length=0.5, time=7.0, open=start, close=end,
        curve=((0.0, 0.0), (0.5, 1.0), (1.0, 0.0)),
        at_open=exposure.Instant(start, _camera(0.1), (box,)),
        at_close=exposure.Instant(end, _camera(-0.1), (box,)))
    text = frame_record.encode(7, _camera(0.0), (box,), shutter=exposure.to_json(shutter))
    record = frame_record.decode(text)
    back = exposure.parse(record.shutter)
    assert (back.position, back.length, back.time, back.open, back.close) == (
        "CENTER", 0.5, 7.0, 6.75, 7.25)
    assert back.curve == shutter.curve and not back.is_box
    assert back.at_open.time == 6.75 and back.at_close.time == 7.25
    assert back.at_open.camera.world_to_camera[0, 3] == 0.1
    assert back.at_close.objects[0].geometry == "0123456789abcdef"
    # A frame without motion blur has no entry.
    assert frame_record.decode(frame_record.encode(7, _camera(0.0))).shutter is None


@pytest.mark.parametrize("damage", [
    "not a dict", {"position": "MIDDLE", "length": 0.5, "time": 1, "open": 1, "close": 1.5},
    {"position": "START", "length": 0.5, "time": 1, "open": 1.5, "close": 1},
    {"position": "START", "length": 0.5, "time": 1, "open": 1, "close": 1.5,
     "at_open": {"v": 1, "frame": 1, "time": 1, "camera": {"K": [1]}}},
])
def test_damaged_shutter_entries_are_refused(damage):
    with pytest.raises(ValueError, match="damaged shutter record"):
        exposure.parse(json.loads(json.dumps(damage)))


def test_rolling_shutter_rows_round_trip_and_follow_cycles_row_order():
    rows = np.stack([np.eye(4)] * 4)
    rows[:, 0, 3] = [0.1, 0.2, 0.3, 0.4]
    shutter = exposure.Shutter(position="START", length=0.4, time=3.0, open=3.0, close=3.4,
                               rolling="TOP", rolling_duration=0.5, row_world_to_camera=rows)
    back = exposure.parse(json.loads(json.dumps(exposure.to_json(shutter))))
    assert back.rolling == "TOP" and back.rolling_duration == 0.5
    np.testing.assert_array_equal(back.row_world_to_camera, rows)
    # Row r (top 0) of H = 4 at 0.5 + ((r + 1) / 4 - 0.5) * (1 - 0.5) of the shutter.
    np.testing.assert_allclose(exposure.row_times(back, 4),
                               3.0 + 0.4 * np.array([0.375, 0.5, 0.625, 0.75]))
    # Without a rolling shutter every row is the exposure's middle.
    plain = exposure.Shutter(position="END", length=0.4, time=3.0, open=2.6, close=3.0)
    np.testing.assert_allclose(exposure.row_times(plain, 3), [2.8, 2.8, 2.8])
    damaged = exposure.to_json(shutter)
    damaged["rolling"]["duration"] = 2.0
    with pytest.raises(ValueError, match="damaged shutter record"):
        exposure.parse(damaged)
