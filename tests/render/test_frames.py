# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Frames and shards of ``blender-gt render``, given as text or as numbers (no Blender)."""

from __future__ import annotations

import pytest

from blender_gt_addon.render.frames import (
    normalise_frames,
    normalise_shard,
    parse_frames,
    parse_shard,
    shard_frames,
)


def test_shard_and_frames_select_frames():
    assert parse_frames("1-4") == [1, 2, 3, 4]
    assert parse_frames("3") == [3]
    assert parse_frames("1-3,7,10-11") == [1, 2, 3, 7, 10, 11]
    assert parse_frames("-2-1") == [-2, -1, 0, 1]
    assert parse_shard("1/3") == (1, 3)
    frames = list(range(1, 241))
    shards = [shard_frames(frames, (i, 3)) for i in range(3)]
    assert sorted(sum(shards, [])) == frames
    assert all(f % 3 == i for i, shard in enumerate(shards) for f in shard)
    for bad in ("5-3", "a-b", "", "1-"):
        with pytest.raises(ValueError):
            parse_frames(bad)
    for bad in ("2/2", "1", "0/0", "-1/2"):
        with pytest.raises(ValueError):
            parse_shard(bad)


def test_frame_text_allows_dots_spaces_and_repeats():
    assert parse_frames(" 1..3 , 2 ,3") == [1, 2, 3]


def test_no_shard_keeps_every_frame():
    assert shard_frames([3, 1, 2], None) == [3, 1, 2]


def test_negative_frames_belong_to_a_shard():
    shards = [shard_frames(range(-4, 4), (i, 2)) for i in range(2)]
    assert shards == [[-4, -2, 0, 2], [-3, -1, 1, 3]]


def test_frames_given_as_text_or_numbers_come_out_the_same():
    assert normalise_frames(None) is None
    assert normalise_frames("3,1-2") == normalise_frames("1-3") == [1, 2, 3]
    assert normalise_frames([3, 1, 2, 2]) == normalise_frames((1, 2, 3)) == [1, 2, 3]
    assert normalise_frames(range(1, 4)) == [1, 2, 3]
    with pytest.raises(ValueError, match="empty frame range: no frames to render"):
        normalise_frames([])
    with pytest.raises(ValueError, match="empty frame range"):
        normalise_frames("5-3")


def test_shards_given_as_text_or_numbers_come_out_the_same():
    assert normalise_shard(None) is None
    assert normalise_shard("1/4") == normalise_shard((1, 4)) == normalise_shard([1, 4]) == (1, 4)
    with pytest.raises(ValueError, match="shard '2/2'"):
        normalise_shard("2/2")
    for bad in ((2, 2), (-1, 2), (0, 0)):
        with pytest.raises(ValueError, match=f"shard {bad[0]}/{bad[1]}: I must be 0..N-1"):
            normalise_shard(bad)
