# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real PyTorch: ``open_sequence(folder).dataset(...)`` and WebDataset shards through
``torch.utils.data.DataLoader`` with 2 worker processes, forked and spawned: every
sample equal to the reader's arrays, each worker decoding, no hang (time limits).

The parent decodes a frame before the workers start, so that forked workers inherit
OpenEXR's thread pool (which does not survive a fork: the reader makes a new one).
"""

from __future__ import annotations

import json
import os

import numpy as np
import pytest
from scenes_stream import Tagged, tag, write_sequence

from blender_gt_addon import reader
from blender_gt_addon.exporters import export

torch = pytest.importorskip(
    "torch", reason="PyTorch is a test extra of the Python 3.11 environments only (its CPU "
    "wheel, torch==2.13.0, exists for 3.11 here); this Python has none")
wds = pytest.importorskip("webdataset", reason="pip install webdataset")
from torch.utils.data import DataLoader  # noqa: E402

LAYERS = ["image", "depth", "flow", "object_index"]
CONTEXTS = ["fork", "spawn"]
TIMEOUT = 120  # seconds a worker may take for one sample before the loader gives up


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return write_sequence(tmp_path_factory.mktemp("stream") / "gt")


@pytest.fixture(scope="module")
def expected(folder) -> dict[int, dict[str, np.ndarray]]:
    """{frame: {layer: the reader's array}}, decoded here in the parent (which also
    starts OpenEXR's pool before any fork)."""
    arrays = {}
    for gt in reader.open_sequence(folder):
        arrays[gt.frame] = {"image": gt.image, "depth": gt.depth, "flow": gt.flow_forward,
                            "object_index": gt.object_index}
    return arrays


def check(batch_items, expected, key_of, array_of) -> set[int]:
    """Every item equal to the reader's arrays, every frame once; the workers seen."""
    frames = []
    workers = set()
    for item in batch_items:
        frame = key_of(item)
        frames.append(frame)
        for layer in LAYERS:
            got = array_of(item, layer)
            assert isinstance(got, torch.Tensor), (layer, type(got))
            want = expected[frame][layer]
            assert got.numpy().dtype == want.dtype and got.shape == want.shape, layer
            assert np.array_equal(got.numpy(), want, equal_nan=True), (frame, layer)
        assert int(item["pid"]) != os.getpid()  # decoded in a worker, not here
        workers.add(int(item["worker"]))
    assert sorted(frames) == sorted(expected)
    return workers


@pytest.mark.timeout(300)
@pytest.mark.parametrize("context", CONTEXTS)
def test_sequence_dataset_through_a_dataloader_with_two_workers(folder, expected, context):
    dataset = Tagged(reader.open_sequence(folder).dataset(LAYERS))
    loader = DataLoader(dataset, batch_size=None, num_workers=2, multiprocessing_context=context,
                        timeout=TIMEOUT)
    workers = check(list(loader), expected, lambda item: int(item["frame"]),
                    lambda item, layer: item[layer])
    assert workers == {0, 1}  # both workers decoded frames


@pytest.mark.timeout(300)
@pytest.mark.parametrize("context", CONTEXTS)
def test_batches_of_pairs_through_a_dataloader(folder, expected, context):
    dataset = Tagged(reader.open_sequence(folder).dataset(["image", "flow"], pairs=True))
    loader = DataLoader(dataset, batch_size=2, num_workers=2, multiprocessing_context=context,
                        timeout=TIMEOUT)
    batches = list(loader)
    assert [b["image"].shape for b in batches] == [(2, 24, 32, 4)] * 2 + [(1, 24, 32, 4)]
    for batch in batches:
        for i, frame in enumerate(batch["frame"].tolist()):
            assert np.array_equal(batch["image"][i].numpy(), expected[frame]["image"])
            assert np.array_equal(batch["next_image"][i].numpy(), expected[frame + 1]["image"])
            assert np.array_equal(batch["flow"][i].numpy(), expected[frame]["flow"])
    assert {int(w) for b in batches for w in b["worker"]} == {0, 1}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("context", CONTEXTS)
def test_webdataset_shards_through_a_dataloader_with_two_workers(folder, expected, context,
                                                                 tmp_path):
    out = tmp_path / "wds"
    export(folder, "webdataset", out, shard_samples=3, layers=LAYERS)  # 2 shards
    index = json.loads((out / "webdataset.json").read_text())
    # Each worker reads its own shards (webdataset splits them by worker).
    dataset = wds.WebDataset(str(out / index["url"]), shardshuffle=False,
                             workersplitter=wds.split_by_worker).decode().map(tag)
    loader = DataLoader(dataset, batch_size=None, num_workers=2,
                        multiprocessing_context=context, timeout=TIMEOUT)
    samples = list(loader)
    workers = check(samples, expected, lambda s: s["meta.json"]["frame"],
                    lambda s, layer: s[f"{layer}.npy"])
    assert workers == {0, 1}
    by_worker = {w: sorted(s["meta.json"]["frame"] for s in samples if s["worker"] == w)
                 for w in workers}
    assert by_worker == {0: [1, 2, 3], 1: [4, 5, 6]}  # shard 0 to worker 0, 1 to 1
