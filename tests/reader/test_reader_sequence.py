# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``open_sequence``: frames of a rendered folder in order, lazily, paired for flow."""

from __future__ import annotations

import pickle
import shutil
from concurrent.futures import ProcessPoolExecutor

import numpy as np
import pytest
from cli_scenes import FRAMES, OBJECTS, PREFIX, cube_front, exr_files, rendered

from blender_gt_addon import reader
from blender_gt_addon.sequence import (
    GroundTruthDataset,
    GroundTruthSequence,
    frame_files,
    open_sequence,
)

pytestmark = pytest.mark.blender

NUMBERS = tuple(range(FRAMES[0], FRAMES[1] + 1))


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


def test_frames_come_in_frame_order_not_name_order(out, tmp_path):
    # Frame 10 sorts before frame 9 by name ("gt_0010" < "gt_009" is not the issue, but
    # -001 and 10000 are): copy frames under numbers whose names sort differently.
    for number, source in ((-1, 1), (9, 2), (10000, 3)):
        name = f"{PREFIX}-{abs(number):03d}.exr" if number < 0 else f"{PREFIX}{number:04d}.exr"
        shutil.copy(out / f"{PREFIX}{source:04d}.exr", tmp_path / name)
    assert [n for n, _ in frame_files(tmp_path)] == [-1, 9, 10000]
    seq = open_sequence(tmp_path)
    assert seq.frames == (-1, 9, 10000)
    # The header's frame number comes with the file, whatever its name now.
    assert [f.frame for f in seq] == [1, 2, 3]


def test_sequence_is_indexable_sliceable_and_lazy(out):
    seq = open_sequence(out)
    assert len(seq) == len(NUMBERS) and seq.frames == NUMBERS
    first = seq[0]
    assert isinstance(first, reader.GroundTruthFrame)
    assert first.frame == NUMBERS[0] and seq[-1].frame == NUMBERS[-1]
    assert first._pixels is None  # nothing decoded until an array is used
    assert first.depth.shape == (first.height, first.width)
    middle = seq[1:3]
    assert isinstance(middle, GroundTruthSequence)
    assert middle.frames == NUMBERS[1:3] and [f.frame for f in middle] == list(NUMBERS[1:3])
    assert seq[::2].frames == NUMBERS[::2]
    assert seq.frame(3).path.name == f"{PREFIX}0003.exr"
    assert seq.index_of(4) == 3
    with pytest.raises(IndexError):
        seq[len(seq)]
    with pytest.raises(reader.GroundTruthError, match="frame 99 is not in this sequence"):
        seq.frame(99)
    np.testing.assert_array_equal(seq[2].depth, reader.read(out / f"{PREFIX}0003.exr").depth)


def test_forward_flow_pairs_frame_t_with_frame_t_plus_1(out):
    seq = open_sequence(out)
    pairs = list(seq.pairs())
    expected = list(zip(NUMBERS[:-1], NUMBERS[1:], strict=True))
    assert [(p.first.frame, p.second.frame) for p in pairs] == expected
    for pair in pairs:
        ids_now, ids_next = pair.first.object_index, pair.second.object_index
        # Follow each pixel of the moving cube's front face along the flow: it lands on
        # the cube in the next frame.
        rows, cols = np.nonzero(cube_front(pair.first))
        dx, dy = pair.flow[rows, cols, 0], pair.flow[rows, cols, 1]
        assert np.allclose(dx, 5.0, atol=0.05) and np.allclose(dy, 3.0, atol=0.05)
        to_rows, to_cols = np.rint(rows + dy).astype(int), np.rint(cols + dx).astype(int)
        inside = (to_rows < ids_next.shape[0]) & (to_cols < ids_next.shape[1])
        assert inside.sum() > 20
        landed = ids_next[to_rows[inside], to_cols[inside]] == OBJECTS["Moving"]
        assert landed.mean() > 0.95
        # Static things do not move (but for pixels on the cube's edge, a blend).
        still = np.abs(pair.flow[ids_now == OBJECTS["Back"]]).max(axis=-1) < 1e-3
        assert still.mean() > 0.97


def test_a_gap_breaks_the_pairs(out, tmp_path):
    for number in (1, 2, 4):
        shutil.copy(out / f"{PREFIX}{number:04d}.exr", tmp_path)
    seq = open_sequence(tmp_path)
    assert [(p.first.frame, p.second.frame) for p in seq.pairs()] == [(1, 2)]
    assert not seq.has_successor(1) and not seq.has_successor(2)
    with pytest.raises(reader.GroundTruthError, match="frame 2 has no next frame 3"):
        seq.pair(1)
    assert len(seq.dataset(pairs=True)) == 1


def test_dataset_items_are_dicts_of_arrays(out):
    seq = open_sequence(out)
    data = seq.dataset(["depth", "object_index", "flow"])
    assert len(data) == len(NUMBERS)
    item = data[1]
    assert item["frame"] == NUMBERS[1]
    assert set(item) == {"frame", "path", "depth", "object_index", "flow"}
    gt = seq[1]
    np.testing.assert_array_equal(item["depth"], gt.depth)
    np.testing.assert_array_equal(item["flow"][..., 0], -gt.vector[..., 2])
    np.testing.assert_array_equal(item["flow"][..., 1], gt.vector[..., 3])
    with pytest.raises(IndexError):
        data[len(data)]
    everything = GroundTruthDataset(list(zip(seq.frames, seq.paths, strict=True)))[0]
    assert {"image", "vector", "material_index", "flow", "instance_id"} <= set(everything)
    np.testing.assert_array_equal(everything["normal"], seq[0].normal)  # unit normals
    np.testing.assert_array_equal(everything["instance_id"], seq[0].instance_id)
    with pytest.raises(reader.GroundTruthError, match="not a ground-truth layer"):
        seq.dataset(["colour"])


def test_paired_dataset_holds_the_next_frame(out):
    data = open_sequence(out).dataset(["image", "object_index", "flow"], pairs=True)
    assert len(data) == len(NUMBERS) - 1
    item = data[0]
    assert (item["frame"], item["next_frame"]) == NUMBERS[:2]
    np.testing.assert_array_equal(item["next_image"],
                                  reader.read(out / f"{PREFIX}0002.exr").image)
    assert "next_flow" not in item


def _item_frame(args):
    dataset, index = args
    item = dataset[index]
    return item["frame"], float(np.nansum(item["depth"][np.isfinite(item["depth"])]))


def test_dataset_works_in_worker_processes_like_a_dataloader(out):
    data = open_sequence(out).dataset(["depth"])
    clone = pickle.loads(pickle.dumps(data))
    assert len(clone) == len(data)
    with ProcessPoolExecutor(2) as pool:
        got = list(pool.map(_item_frame, [(data, i) for i in range(len(data))]))
    for (number, total), path in zip(got, exr_files(out), strict=True):
        depth = reader.read(path).depth
        assert number == reader.read(path).frame
        assert total == pytest.approx(float(depth[np.isfinite(depth)].sum()))


def test_transform_and_bad_folders(out, tmp_path):
    seq = open_sequence(out, transform=lambda f: f.frame * 10)
    assert list(seq) == [n * 10 for n in NUMBERS]
    with pytest.raises(reader.GroundTruthError, match="no such folder"):
        open_sequence(tmp_path / "nope")
    with pytest.raises(reader.GroundTruthError, match="holds no ground-truth frames"):
        open_sequence(tmp_path)
    shutil.copy(out / f"{PREFIX}0001.exr", tmp_path / "a_0001.exr")
    shutil.copy(out / f"{PREFIX}0001.exr", tmp_path / "b_0001.exr")
    with pytest.raises(reader.GroundTruthError, match="several file prefixes"):
        open_sequence(tmp_path)
    assert open_sequence(tmp_path, prefix="b_").paths == (tmp_path / "b_0001.exr",)


def test_reader_offers_open_sequence(tmp_path):
    from blender_gt_addon import reader

    with pytest.raises(reader.GroundTruthError):
        reader.open_sequence(tmp_path / "missing")
