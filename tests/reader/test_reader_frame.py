# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader on files written here with OpenEXR, and its error paths. No Blender."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import reader
from blender_gt_addon.reader import GroundTruthError

H, W = 6, 8
ROOT = Path(__file__).resolve().parents[2]


def write_exr(path: Path, layers: dict[str, np.ndarray], header: dict | None = None) -> Path:
    """Write ``{"depth": (H,W) array, "normal": (H,W,3) array, ...}`` like the add-on does."""
    suffixes = {"image": "RGBA", "emission": "RGBA", "normal": "XYZ", "vector": "XYZW"}
    channels = {}
    for layer, array in layers.items():
        if array.ndim == 2:
            channels[f"{layer}.V"] = array
        else:
            for i, c in enumerate(suffixes[layer]):
                channels[f"{layer}.{c}"] = np.ascontiguousarray(array[..., i])
    head = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
            "Frame": "012"}
    head.update(header or {})
    OpenEXR.File(head, channels).write(str(path))
    return path


@pytest.fixture
def sample(tmp_path):
    rng = np.random.default_rng(0)
    depth = rng.uniform(1, 20, (H, W)).astype(np.float32)
    depth[0, 0] = 1e10  # what Cycles writes where nothing was hit
    layers = {
        "image": rng.random((H, W, 4)).astype(np.float16),
        "depth": depth,
        "normal": rng.normal(size=(H, W, 3)).astype(np.float32),
        "vector": rng.normal(size=(H, W, 4)).astype(np.float32),
        "emission": rng.random((H, W, 4)).astype(np.float16),
        "object_index": rng.integers(0, 40000, (H, W)).astype(np.float32),
        "material_index": rng.integers(0, 5, (H, W)).astype(np.float32),
    }
    return write_exr(tmp_path / "gt_0012.exr", layers), layers


def test_reads_every_output_with_its_conventions(sample):
    path, layers = sample
    gt = reader.read(path)
    assert gt.passes == ("image", "depth", "normal", "vector", "emission", "object_index",
                         "material_index")
    assert (gt.width, gt.height, gt.frame) == (W, H, 12)
    np.testing.assert_array_equal(gt.image, layers["image"].astype(np.float32))
    assert gt.image.dtype == np.float32 and gt.image.shape == (H, W, 4)
    expected_depth = layers["depth"].copy()
    expected_depth[0, 0] = np.inf
    np.testing.assert_array_equal(gt.depth, expected_depth)
    raw = layers["normal"]
    np.testing.assert_allclose(gt.normal, raw / np.linalg.norm(raw, axis=-1, keepdims=True),
                               rtol=1e-6)
    np.testing.assert_array_equal(gt.get("normal"), raw)  # as Blender wrote it
    np.testing.assert_array_equal(gt.vector, layers["vector"])
    np.testing.assert_array_equal(gt.emission, layers["emission"][..., :3].astype(np.float32))
    assert gt.emission.shape == (H, W, 3)
    for name in ("object_index", "material_index"):
        array = gt.get(name)
        assert array.dtype == np.int32
        np.testing.assert_array_equal(array, layers[name].astype(np.int32))


def test_row_zero_is_the_top_of_the_image(tmp_path):
    depth = np.ones((H, W), np.float32)
    depth[0, :] = 5.0  # top row
    gt = reader.read(write_exr(tmp_path / "a.exr", {"depth": depth}))
    assert (gt.depth[0] == 5.0).all() and (gt.depth[1:] == 1.0).all()


def test_passes_and_header_decode_no_pixels(sample, exr_opens):
    path, _ = sample
    calls = exr_opens
    gt = reader.read(path)
    assert gt.passes and gt.frame == 12 and "depth.V" in gt.channels
    assert calls == [True]
    _ = gt.depth, gt.normal, gt.object_index
    assert calls == [True, False]  # one decode for all the arrays


def test_missing_output_names_the_file_and_lists_what_it_has(tmp_path):
    path = write_exr(tmp_path / "only_depth.exr", {"depth": np.ones((H, W), np.float32)})
    gt = reader.read(path)
    with pytest.raises(GroundTruthError) as info:
        _ = gt.normal
    message = str(info.value)
    assert str(path) in message and "'normal'" in message and "it has: depth" in message


def test_unknown_output_name(sample):
    path, _ = sample
    with pytest.raises(GroundTruthError, match="not a ground-truth output"):
        reader.read(path).get("optical_flow")


def test_missing_file(tmp_path):
    with pytest.raises(GroundTruthError, match=r"nope\.exr: no such file"):
        reader.read(tmp_path / "nope.exr")


def test_folder_instead_of_file(tmp_path):
    with pytest.raises(GroundTruthError, match="is a folder"):
        reader.read(tmp_path)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.exr"
    path.write_bytes(b"")
    with pytest.raises(GroundTruthError, match="empty.exr: an empty file"):
        reader.read(path)


def test_not_an_exr(tmp_path):
    path = tmp_path / "picture.exr"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    with pytest.raises(GroundTruthError, match="picture.exr: not an OpenEXR file"):
        reader.read(path)


def test_truncated_file(sample, tmp_path):
    path, _ = sample
    data = path.read_bytes()
    for keep in (8, 40, len(data) // 2, len(data) - 10):
        cut = tmp_path / f"cut{keep}.exr"
        cut.write_bytes(data[:keep])
        with pytest.raises(GroundTruthError, match=f"cut{keep}.exr: damaged EXR file"):
            _ = reader.read(cut).depth


def test_error_is_a_value_error():
    assert issubclass(GroundTruthError, ValueError)


def test_reader_imports_and_reads_without_bpy(sample):
    path, _ = sample
    code = (
        "import sys; sys.modules['bpy'] = None\n"  # any 'import bpy' now fails
        "import blender_gt_addon\n"
        "from blender_gt_addon import reader\n"
        f"gt = reader.read({str(path)!r})\n"
        "print(gt.depth.shape, gt.passes[1])\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=ROOT, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"({H}, {W}) depth"


def test_blender_42_vector_w_channel_is_found(tmp_path):
    """Blender 4.2 writes the Vector pass as vector.X/Y/Z plus vector.W.V."""
    rng = np.random.default_rng(1)
    planes = {f"vector.{c}": rng.normal(size=(H, W)).astype(np.float32) for c in "XYZ"}
    planes["vector.W.V"] = rng.normal(size=(H, W)).astype(np.float32)
    path = tmp_path / "v42.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                 dict(planes)).write(str(path))  # File() turns the values into Channels
    gt = reader.read(path)
    assert gt.passes == ("vector",)
    np.testing.assert_array_equal(gt.vector[..., 3], planes["vector.W.V"])
    np.testing.assert_array_equal(gt.vector[..., 0], planes["vector.X"])
