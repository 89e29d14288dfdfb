# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Instance ids keep every object whose Cryptomatte hash has an exponent byte of 0 or
255 (issue 12, item 4). No Blender: hashes come from a MurmurHash3_32 written here,
pixels from Blender's ``BKE_cryptomatte_hash_to_float`` written here too, and the
file from OpenEXR.

Blender writes a hash's float32 bits with the exponent byte clamped to 1..254; the
manifest keeps the raw hash. The names used, with their MurmurHash3_32 (seed 0):

- exponent 0: ``Box`` 0x803b1009 (pixels 0x80bb1009), ``Part.0044`` 0x000f18ef,
  ``Part.0240`` 0x0024cc57, ``Part.0463`` 0x806c8d7d (the three of 1024 ``Part.NNNN``
  objects that came back as background);
- exponent 255: ``Part.1290`` 0x7fa81ea4 (pixels 0x7f281ea4), ``Part.1626`` 0xff940884
  (pixels 0xff140884);
- ordinary: ``Cube``, ``Part.0001``.
"""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import reader
from blender_gt_addon.conventions import cryptomatte_pixel_bits
from blender_gt_addon.reader.ids import instance_ids

EXPONENT_0 = ("Box", "Part.0044", "Part.0240", "Part.0463")
EXPONENT_255 = ("Part.1290", "Part.1626")
ORDINARY = ("Cube", "Part.0001")
NAMES = (*EXPONENT_0, *EXPONENT_255, *ORDINARY)


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """MurmurHash3 x86 32-bit, as Cryptomatte hashes names (UTF-8 bytes, seed 0)."""
    c1, c2, mask = 0xCC9E2D51, 0x1B873593, 0xFFFFFFFF

    def mix(k: int) -> int:
        k = (k * c1) & mask
        k = ((k << 15) | (k >> 17)) & mask
        return (k * c2) & mask

    h = seed
    body = len(data) // 4 * 4
    for i in range(0, body, 4):
        h ^= mix(int.from_bytes(data[i:i + 4], "little"))
        h = ((h << 13) | (h >> 19)) & mask
        h = (h * 5 + 0xE6546B64) & mask
    tail = data[body:]
    if tail:
        h ^= mix(int.from_bytes(tail, "little"))
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    return h ^ (h >> 16)


def blender_pixel_float(cryptomatte_hash: int) -> np.float32:
    """``BKE_cryptomatte_hash_to_float``, transcribed: the float Blender writes."""
    mantissa = cryptomatte_hash & ((1 << 23) - 1)
    exponent = min(max((cryptomatte_hash >> 23) & 0xFF, 1), 254)
    sign = cryptomatte_hash >> 31
    bits = (sign << 31) | (exponent << 23) | mantissa
    return np.float32(struct.unpack("<f", struct.pack("<I", bits))[0])


def hash_of(name: str) -> int:
    return murmur3_32(name.encode("utf-8"))


def test_murmur3_gives_the_hash_blender_wrote_in_a_manifest():
    # "Box":"803b1009" is from the manifest of a real render (docs: Blender API notes).
    assert hash_of("Box") == 0x803B1009
    assert {name: (hash_of(name) >> 23) & 0xFF for name in NAMES} == {
        **dict.fromkeys(EXPONENT_0, 0), **dict.fromkeys(EXPONENT_255, 255),
        **{name: (hash_of(name) >> 23) & 0xFF for name in ORDINARY}}
    assert all(0 < (hash_of(name) >> 23) & 0xFF < 255 for name in ORDINARY)


def test_pixel_bits_are_blenders_clamped_exponent():
    assert int(cryptomatte_pixel_bits(0x803B1009)) == 0x80BB1009
    assert int(cryptomatte_pixel_bits(0x7FA81EA4)) == 0x7F281EA4
    assert int(cryptomatte_pixel_bits(0xFF940884)) == 0xFF140884
    hashes = np.array([hash_of(name) for name in NAMES], dtype=np.int64)
    bits = cryptomatte_pixel_bits(hashes)
    assert bits.dtype == np.uint32 and bits.shape == hashes.shape
    expected = np.array([blender_pixel_float(int(h)) for h in hashes], np.float32)
    np.testing.assert_array_equal(bits, expected.view(np.uint32))
    # Sign and mantissa kept; only exponents 0 and 255 change; a second clamp changes nothing.
    keep = np.uint32(0x807FFFFF)
    np.testing.assert_array_equal(bits & keep, hashes.astype(np.uint32) & keep)
    for name, h, b in zip(NAMES, hashes, bits, strict=True):
        assert (int(b) == int(h)) == (name in ORDINARY), name
    np.testing.assert_array_equal(cryptomatte_pixel_bits(bits), bits)
    # Every pixel value is a normal float: no zero, denormal, inf or NaN.
    floats = bits.view(np.float32)
    assert np.isfinite(floats).all() and (np.abs(floats) >= np.finfo(np.float32).tiny).all()


def crypto_planes(names: tuple[str, ...], width: int = 3) -> np.ndarray:
    """(H, W, 4) Cryptomatte object layer: one row per name, as Blender writes it,
    with the object at full coverage except a background pixel at the end of each row."""
    crypto = np.zeros((len(names), width + 1, 4), np.float32)
    for row, name in enumerate(names):
        crypto[row, :width, 0] = blender_pixel_float(hash_of(name))
        crypto[row, :width, 1] = 1.0
    return crypto


def manifest_of(names) -> list[tuple[str, int]]:
    return sorted((name, hash_of(name)) for name in names)


def test_regression_instance_ids_keep_names_whose_hash_exponent_is_0_or_255():
    crypto = crypto_planes(NAMES)
    manifest = manifest_of(NAMES)
    number = {name: i for i, (name, _) in enumerate(manifest, start=1)}
    ids = instance_ids(crypto, manifest)
    assert ids.dtype == np.int32
    for row, name in enumerate(NAMES):
        assert (ids[row, :3] == number[name]).all(), (name, ids[row])
        assert ids[row, 3] == 0  # background


def test_names_equal_after_the_clamp_the_last_name_wins():
    # 0x00000001 (exponent 0) and 0x00800001 (exponent 1) are written as the same
    # pixels: the objects cannot be told apart, and the last name (sorted) takes them,
    # as with any two equal hashes; the other keeps its id and name but no pixels.
    manifest = [("A", 0x00000001), ("B", 0x00800001), ("C", 0x3F800000)]
    bits = np.array([[0x00800001, 0x3F800000, 0x00800001]], np.uint32)
    crypto = np.zeros((1, 3, 4), np.float32)
    crypto[..., 0] = bits.view(np.float32)
    crypto[..., 1] = 1.0
    np.testing.assert_array_equal(instance_ids(crypto, manifest), [[2, 3, 2]])
    swapped = [("A", 0x00800001), ("B", 0x00000001), ("C", 0x3F800000)]
    np.testing.assert_array_equal(instance_ids(crypto, swapped), [[2, 3, 2]])


@pytest.fixture
def crypto_file(tmp_path) -> Path:
    """An EXR in the add-on's layout with only the Cryptomatte object layer."""
    crypto = crypto_planes(NAMES)
    channels = {f"cryptomatte_object.{c}": np.ascontiguousarray(crypto[..., i])
                for i, c in enumerate("rgba")}
    manifest = {name: f"{hash_of(name):08x}" for name in NAMES}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": "1", "cryptomatte/f834d0a/name": "cryptomatte_object",
              "cryptomatte/f834d0a/manifest": json.dumps(manifest, separators=(",", ":")),
              "cryptomatte/f834d0a/hash": "MurmurHash3_32",
              "cryptomatte/f834d0a/conversion": "uint32_to_float32"}
    path = tmp_path / "gt_0001.exr"
    OpenEXR.File(header, channels).write(str(path))
    return path


def test_regression_every_object_keeps_its_id_name_and_box(crypto_file):
    gt = reader.read(crypto_file)
    assert sorted(gt.names.values()) == sorted(NAMES)
    boxes = {box.name: box for box in gt.boxes()}
    assert sorted(boxes) == sorted(NAMES)
    for row, name in enumerate(NAMES):
        box = boxes[name]
        assert (box.x_min, box.y_min, box.x_max, box.y_max, box.pixels) == (0, row, 3, row + 1, 3)
        assert (gt.instance_id[row, :3] == box.id).all()

