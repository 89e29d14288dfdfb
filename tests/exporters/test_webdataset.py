# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``webdataset``: tar shards read back with the ``webdataset`` library equal the
reader's dataset, frame by frame and pair by pair; shard limits; refusals."""

from __future__ import annotations

import json
import re
import tarfile
from pathlib import Path

import numpy as np
import pytest
from cli_scenes import cli
from exports import one_line_error, run_export
from scenes_stream import write_sequence

from blender_gt_addon import reader
from blender_gt_addon.exporters import ExportError, export

wds = pytest.importorskip("webdataset", reason="reading shards needs pip install webdataset")

LAYERS = ("image", "depth", "vector", "object_index", "flow")  # the synthetic frames'


def read_back(out) -> tuple[dict, list[dict]]:
    """The index, and every sample as ``webdataset.WebDataset(...).decode()`` gives it."""
    index = json.loads((out / "webdataset.json").read_text())
    url = str(out / index["url"])
    samples = list(wds.WebDataset(url, shardshuffle=False).decode())
    return index, samples


def assert_equal_arrays(sample: dict, item: dict, prefix: str = "") -> None:
    for layer in LAYERS:
        if prefix and layer == "flow":
            continue
        ours, theirs = sample[f"{prefix}{layer}.npy"], item[f"{prefix}{layer}"]
        assert ours.dtype == theirs.dtype and ours.shape == theirs.shape, layer
        assert np.array_equal(ours, theirs, equal_nan=True), layer


def assert_camera(camera: dict, gt) -> None:
    assert np.array_equal(np.array(camera["K"]), gt.camera.K)  # float64, bit for bit
    assert np.array_equal(np.array(camera["world_to_camera"]), gt.camera.world_to_camera)
    assert (camera["width"], camera["height"]) == (gt.width, gt.height)


@pytest.fixture
def folder(tmp_path):
    return write_sequence(tmp_path / "gt")


def test_a_sample_a_frame_equals_the_readers_dataset(folder, tmp_path):
    out = tmp_path / "wds"
    result = export(folder, "webdataset", out, shard_samples=4, jobs=2)
    assert result.notes == {"tar shards": 2, "samples": 6,
                            "bytes in shards": sum(p.stat().st_size
                                                   for p in out.glob("shard-*.tar"))}
    index, samples = read_back(out)
    assert index["url"] == "shard-{000000..000001}.tar"
    assert [s["samples"] for s in index["shards"]] == [4, 2]
    sequence = reader.open_sequence(folder)
    dataset = sequence.dataset()
    assert [s["__key__"] for s in samples] == [f"gt_{n:04d}" for n in range(1, 7)]
    for sample, item, gt in zip(samples, dataset, sequence, strict=True):
        assert set(sample) - {"__key__", "__url__", "__local_path__"} == {
            *(f"{layer}.npy" for layer in LAYERS), "camera.json", "names.json", "meta.json"}
        assert_equal_arrays(sample, item)
        assert_camera(sample["camera.json"], gt)
        assert sample["meta.json"] == {"frame": gt.frame, "source": gt.path.name}
        assert sample["names.json"] == {}
        # From the geometry of the synthetic frames: forward flow (n / 10, n / 20) px.
        assert np.allclose(sample["flow.npy"], [gt.frame / 10, gt.frame / 20])
    assert index["fields"]["image.npy"] == {"dtype": "<f4", "shape": [24, 32, 4]}


def test_a_sample_a_pair_for_flow_training(tmp_path):
    folder = write_sequence(tmp_path / "gt", frames=(1, 2, 3, 5, 6))  # 4 is missing
    out = tmp_path / "wds"
    export(folder, "webdataset", out, pairs=True, layers=("image", "depth", "flow"))
    index, samples = read_back(out)
    assert index["pairs"] is True and index["samples"] == 3
    dataset = reader.open_sequence(folder).dataset(["image", "depth", "flow"], pairs=True)
    assert len(samples) == len(dataset) == 3
    for sample, item in zip(samples, dataset, strict=True):
        assert sample["meta.json"]["next_frame"] == item["next_frame"] == item["frame"] + 1
        assert "next_flow.npy" not in sample
        for name in ("image", "depth", "flow", "next_image", "next_depth"):
            assert np.array_equal(sample[f"{name}.npy"], item[name]), name
        assert sample["next_camera.json"]["world_to_camera"][0][3] == -item["next_frame"] / 10
    assert [s["meta.json"]["frame"] for s in samples] == [1, 2, 5]


def _member_bytes(path) -> int:
    """Bytes the members of a tar take: a 512-byte header each, data in 512-byte blocks."""
    with tarfile.open(path) as tar:
        return sum(512 + -(-m.size // 512) * 512 for m in tar.getmembers())


def test_shards_close_at_the_byte_limit_without_cutting_a_sample(folder, tmp_path):
    one = tmp_path / "one"
    export(folder, "webdataset", one, shard_samples=1)
    size = _member_bytes(one / "shard-000000.tar")  # one sample's bytes in a tar
    out = tmp_path / "wds"
    export(folder, "webdataset", out, shard_bytes=int(2.5 * size), shard_samples=6)
    index, samples = read_back(out)
    assert [s["samples"] for s in index["shards"]] == [2, 2, 2]
    assert len(samples) == 6
    for shard in index["shards"]:
        assert _member_bytes(out / shard["name"]) <= 2.5 * size
        assert shard["bytes"] <= 2.5 * size + 10240  # the end of the archive, padded


def _cluster_recipe(out) -> str:
    """docs/cluster.md's WebDataset recipe, as written, reading ``out``."""
    text = (Path(__file__).parents[2] / "docs" / "cluster.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    (recipe,) = [b for b in blocks if "wds.WebDataset" in b]
    assert "num_workers=8" in recipe
    return recipe.replace("/shared/wds", str(out))


@pytest.mark.parametrize("shard_samples", [None, 3])
def test_the_documented_recipe_with_more_workers_than_shards(folder, tmp_path,
                                                             shard_samples):
    """docs/cluster.md's DataLoader(..., num_workers=8) over 6 shards (the default for
    6 frames: one a sample) and over 2 (--shard-samples 3): every sample once."""
    pytest.importorskip("torch")
    out = tmp_path / "wds"
    result = export(folder, "webdataset", out, shard_samples=shard_samples, jobs=1)
    shards = sorted(out.glob("shard-*.tar"))
    assert len(shards) == (6 if shard_samples is None else 2) < 8
    assert result.files == [out / "webdataset.json", *shards]
    namespace: dict = {}
    exec(_cluster_recipe(out), namespace)  # noqa: S102 - the documented code, run as is
    keys, frames = [], []
    for batch in namespace["loader"]:
        keys.extend(batch["__key__"])
        frames.extend(m["frame"] for m in batch["meta.json"])
        assert batch["image.npy"].shape[1:] == (24, 32, 4)
    assert sorted(keys) == [f"gt_{n:04d}" for n in range(1, 7)]  # each exactly once
    assert sorted(frames) == list(range(1, 7))


def test_default_shards_at_least_eight_or_one_a_sample(tmp_path):
    many = write_sequence(tmp_path / "many", frames=tuple(range(1, 18)))  # 17 frames
    index = json.loads(export(many, "webdataset", tmp_path / "a", layers=("depth",)).files[0]
                       .read_text())
    assert [s["samples"] for s in index["shards"]] == [2] * 8 + [1]  # 17 // 8 a shard
    pairs = json.loads(export(many, "webdataset", tmp_path / "b", pairs=True,
                              layers=("depth",)).files[0].read_text())
    assert [s["samples"] for s in pairs["shards"]] == [2] * 8  # 16 pairs
    few = json.loads(export(many, "webdataset", tmp_path / "c", layers=("depth",),
                            shard_samples=9).files[0].read_text())
    assert [s["samples"] for s in few["shards"]] == [9, 8]  # asked for: kept


def test_exports_are_byte_identical_and_older_shards_go(folder, tmp_path):
    first, second = tmp_path / "a", tmp_path / "b"
    export(folder, "webdataset", first, shard_samples=1)
    export(folder, "webdataset", second, shard_samples=1)
    for n in range(6):
        name = f"shard-{n:06d}.tar"
        assert (first / name).read_bytes() == (second / name).read_bytes()
    (first / "notes.txt").write_text("mine")
    result = export(folder, "webdataset", first, shard_samples=6)
    assert result.notes["older shards removed"] == 5
    assert sorted(p.name for p in first.iterdir()) == ["notes.txt", "shard-000000.tar",
                                                        "webdataset.json"]


def test_webdataset_refuses_what_it_cannot_write(folder, tmp_path):
    with pytest.raises(ExportError, match="'albedo'"):  # a layer the frames lack
        export(folder, "webdataset", tmp_path / "a", layers=("image", "albedo"))
    with pytest.raises(ExportError, match="'colour': not a ground-truth layer"):
        export(folder, "webdataset", tmp_path / "b", layers=("colour",))
    lonely = write_sequence(tmp_path / "lonely", frames=(1, 3))
    with pytest.raises(ExportError, match="no frame pairs"):
        export(lonely, "webdataset", tmp_path / "c", pairs=True)
    assert not list((tmp_path / "c").glob("*.tar"))
    with pytest.raises(ExportError, match="npz does not take the option 'pairs'"):
        export(folder, "npz", tmp_path / "d", pairs=True)


def test_command_line_writes_shards(folder, tmp_path):
    out = tmp_path / "wds"
    text = run_export(folder, "webdataset", out, "--shard-samples", "3", "--layers",
                      "image,depth")
    assert "exported 6 frames as webdataset" in text and "2 tar shards" in text
    _, samples = read_back(out)
    assert {k for k in samples[0] if k.endswith(".npy")} == {"image.npy", "depth.npy"}
    line = one_line_error(cli("export", folder, "--to", "webdataset", "-o", out,
                              "--shard-bytes", "lots"))
    assert "expected a size such as 500M" in line


@pytest.mark.blender
def test_shards_of_a_render_hold_instance_ids_and_names(out, tmp_path):
    target = tmp_path / "wds"
    export(out, "webdataset", target, layers=("image", "depth", "instance_id", "flow"))
    _, samples = read_back(target)
    sequence = reader.open_sequence(out)
    assert len(samples) == len(sequence) == 4
    for sample, gt in zip(samples, sequence, strict=True):
        assert np.array_equal(sample["instance_id.npy"], gt.instance_id)
        assert np.array_equal(sample["depth.npy"], gt.depth)  # inf where nothing was hit
        assert np.isinf(sample["depth.npy"]).any()
        assert sample["names.json"] == {str(k): v for k, v in gt.names.items()}
        assert set(sample["names.json"].values()) == {"Back", "Moving", "Lamp"}
        assert_camera(sample["camera.json"], gt)
