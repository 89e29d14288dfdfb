# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoding straight into the reader's arrays (reader/native.py, _exrread.c) gives, bit
for bit, the arrays built from the openexr package's planes: every output the add-on
writes (half and full-float colour, albedo, position with its background, depth with
its background, unit normals, indices, Cryptomatte ids and names), in one decode, in
files whose data window does not start at 0 and whose height is not a whole number of
chunks, on one thread and on several; and the frame falls back to the planes where it
cannot (a multi-part file, a damaged one). No Blender.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import reader
from blender_gt_addon.conventions import cryptomatte_pixel_bits
from blender_gt_addon.reader import GroundTruthError, native

H, W = 333, 517  # not a whole number of 16-row ZIP chunks; >= 2**17 pixels
OBJECTS = {"Box": 0x803B1009, "Cone": 0x1A2B3C4D, "Plane": 0x7F800001, "Sphere": 0x5E6F7081}
ATTRIBUTES = ("image", "depth", "normal", "vector", "emission", "albedo", "position",
              "object_index", "material_index", "instance_id")


def channels_of(half: bool, rng) -> dict[str, np.ndarray]:
    colour = np.float16 if half else np.float32
    depth = rng.uniform(1, 50, (H, W)).astype(np.float32)
    depth[::5, ::3] = 1e10
    normal = rng.normal(size=(H, W, 3)).astype(np.float32)
    normal[:4] = 0
    position = rng.normal(size=(H, W, 3)).astype(np.float32)
    position[::7] = 0
    hashes = cryptomatte_pixel_bits(np.array(list(OBJECTS.values()), dtype=np.int64))
    rank0 = hashes[rng.integers(0, len(hashes), (H, W))]
    rank0[:3] = 0  # background
    coverage = rng.choice(np.array([1.0, 0.6, 0.3], dtype=np.float32), (H, W))
    layers = {
        "image": rng.random((H, W, 4)).astype(colour),
        "emission": (rng.random((H, W, 4)) * 4).astype(colour),
        "albedo": rng.random((H, W, 4)).astype(np.float32),
        "vector": rng.normal(size=(H, W, 4)).astype(np.float32),
    }
    found = {f"{name}.{c}": np.ascontiguousarray(array[..., i])
             for name, array in layers.items() for i, c in enumerate("RGBA")}
    for i, c in enumerate("XYZW"):
        found[f"vector.{c}"] = found.pop(f"vector.{'RGBA'[i]}")
    for i, c in enumerate("XYZ"):
        found[f"normal.{c}"] = np.ascontiguousarray(normal[..., i])
        found[f"position.{c}"] = np.ascontiguousarray(position[..., i])
    found["depth.V"] = depth
    found["object_index.V"] = rng.integers(0, 400, (H, W)).astype(np.float32)
    found["material_index.V"] = rng.integers(0, 6, (H, W)).astype(np.float32)
    found["cryptomatte_object.r"] = rank0.astype(np.uint32).view(np.float32)
    found["cryptomatte_object.g"] = coverage
    found["cryptomatte_object.b"] = hashes[rng.integers(0, len(hashes), (H, W))].astype(
        np.uint32).view(np.float32)
    found["cryptomatte_object.a"] = ((1 - coverage) * 0.9).astype(np.float32)
    return found


def write(path: Path, channels: dict[str, np.ndarray], origin=(0, 0)) -> Path:
    x, y = origin
    header = {
        "compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
        "Frame": "7", "dataWindow": ((x, y), (x + W - 1, y + H - 1)),
        "displayWindow": ((0, 0), (x + W - 1, y + H - 1)),
        "cryptomatte/0a1b2c3/name": "cryptomatte_object",
        "cryptomatte/0a1b2c3/hash": "MurmurHash3_32",
        "cryptomatte/0a1b2c3/conversion": "uint32_to_float32",
        "cryptomatte/0a1b2c3/manifest": json.dumps({n: f"{h:08x}" for n, h in OBJECTS.items()}),
    }
    OpenEXR.File(header, channels).write(str(path))
    return path


@pytest.fixture(scope="module", params=[True, False], ids=["half", "float"])
def every_output(request, tmp_path_factory) -> Path:
    rng = np.random.default_rng(11 if request.param else 12)
    return write(tmp_path_factory.mktemp("native") / "gt_0007.exr",
                 channels_of(request.param, rng), origin=(5, 9))


@pytest.fixture
def native_decodes(monkeypatch) -> list[str]:
    """The files decoded straight into arrays from now on (calls that succeeded), so a
    test comparing the two paths fails if the decode into arrays quietly declined."""
    from blender_gt_addon.reader import convert

    done: list[str] = []
    real = convert._kernels.read_into

    def counting(path, *args):
        real(path, *args)
        done.append(path)

    monkeypatch.setattr(convert._kernels, "read_into", counting)
    return done


def arrays(path: Path, **options) -> dict[str, np.ndarray]:
    frame = reader.read(path, **options)
    return {name: getattr(frame, name) for name in ATTRIBUTES}


def from_planes(path: Path, monkeypatch, **options) -> dict[str, np.ndarray]:
    with monkeypatch.context() as m:
        m.setattr(native, "ENABLED", False)
        return arrays(path, **options)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return (a.dtype == b.dtype and a.shape == b.shape and a.flags.c_contiguous
            and a.flags.writeable and a.tobytes() == b.tobytes())


def test_the_openexr_core_is_found():
    """With openexr 3.5 (what the environments install) the decoder binds to its Core;
    with another version it must decline (its structs are 3.5's) and frames read from
    planes."""
    if OpenEXR.__version__.startswith("3.5."):
        assert native.available() is not None and native.available().startswith("3.5")
    else:
        assert native.available() is None


@pytest.mark.parametrize("threads", [1, 3])
def test_every_output_is_the_planes_arrays_bit_for_bit(every_output, exr_opens, monkeypatch,
                                                       native_decodes, threads):
    monkeypatch.setattr(native, "threads", lambda: threads)
    got = arrays(every_output)
    assert exr_opens == [True, False]  # the header, then one decode for every array
    assert native_decodes == [str(every_output)]
    want = from_planes(every_output, monkeypatch)
    assert native_decodes == [str(every_output)]  # the planes: no decode into arrays
    for name in ATTRIBUTES:
        assert same(got[name], want[name]), name
    frame = reader.read(every_output)
    assert set(frame.names.values()) == set(OBJECTS)
    assert set(np.unique(got["instance_id"])) <= {0, *frame.names}
    assert np.isnan(got["position"][::7]).all() and np.isinf(got["depth"][::5, ::3]).all()


def test_float16_image_and_emission(every_output, monkeypatch, native_decodes):
    got = arrays(every_output, dtype=np.float16)
    assert native_decodes == [str(every_output)]
    want = from_planes(every_output, monkeypatch, dtype=np.float16)
    assert got["image"].dtype == np.float16
    for name in ATTRIBUTES:
        assert same(got[name], want[name]), name


def test_the_raw_normals_come_from_a_second_decode(every_output, exr_opens):
    frame = reader.read(every_output)
    unit = frame.normal
    raw = frame.get("normal")
    assert exr_opens == [True, False, False]
    assert not np.array_equal(unit, raw)
    assert np.allclose(np.linalg.norm(unit[4:], axis=-1), 1, atol=1e-6)


def test_a_multi_part_file_is_read_from_planes(tmp_path, exr_opens):
    rng = np.random.default_rng(13)
    channels = channels_of(False, rng)
    depth = {"depth.V": channels["depth.V"]}
    rest = {k: v for k, v in channels.items() if not k.startswith(("depth", "crypto"))}
    head = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
            "Frame": "7"}
    path = tmp_path / "gt_0007.exr"
    OpenEXR.File([OpenEXR.Part({**head, "name": "one"}, depth),
                  OpenEXR.Part({**head, "name": "two"}, rest)]).write(str(path))
    exr_opens.clear()
    frame = reader.read(path)
    expected = np.where(channels["depth.V"] >= 1e10, np.inf, channels["depth.V"])
    assert np.array_equal(frame.depth, expected)
    # the decode into arrays declined the file (two parts); the planes read it
    assert exr_opens == [True, False, False]


def test_a_damaged_file_still_raises_the_readers_error(every_output, tmp_path, exr_opens):
    data = bytearray(every_output.read_bytes())
    cut = tmp_path / "cut.exr"
    cut.write_bytes(bytes(data[: len(data) * 2 // 3]))
    frame = reader.read(cut)
    with pytest.raises(GroundTruthError, match="cut.exr: damaged EXR file"):
        _ = frame.depth
    assert exr_opens.count(False) == 2  # tried into the arrays, then through the planes


def test_a_channel_two_outputs_take_is_refused(every_output):
    """A decoder writes each channel to one place: two outputs of one channel are
    declined (the frame would read from planes), never half filled."""
    from blender_gt_addon.reader import convert
    k = convert._kernels
    a, b = (np.zeros((H, W), np.float32) for _ in range(2))
    with pytest.raises(RuntimeError, match="asked for twice"):
        k.read_into(str(every_output), [(k.KIND_PACK, a, ["depth.V"], k.DEPTH, 1e10),
                                        (k.KIND_PACK, b, ["depth.V"], k.PLAIN, 0.0)], 2)
    with pytest.raises(RuntimeError, match="not in the file"):
        k.read_into(str(every_output), [(k.KIND_PACK, a, ["no.such"], k.PLAIN, 0.0)], 2)


def test_layouts_of_files_with_fewer_channels():
    from blender_gt_addon.reader.layouts import native_layout
    assert native_layout("image", ["R", "G", "B"]) == ("plain", ["R", "G", "B"],
                                                       np.dtype(np.float32))
    assert native_layout("image", list("RGBA"), np.float16)[2] == np.float16
    assert native_layout("vector", list("XYZ"))[1] == list("XYZ")
    assert native_layout("emission", list("RGBA"))[1] == list("RGB")
    assert native_layout("emission", list("RG")) is None
    assert native_layout("cryptomatte_object", list("rgba"))[1] == list("rga")
    assert native_layout("no_such_output", ["V"]) is None
