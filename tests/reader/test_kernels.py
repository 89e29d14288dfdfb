# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader's C kernels (reader/_kernels.c) give, bit for bit, what the numpy
formulas of reader/convert.py give: half -> float casts (zeros, subnormals, inf,
NaN), interleaving, unit normals (zero, NaN, tiny and huge lengths), rounded
indices (ties, negatives, out of range) and instance ids (clamped and equal hashes,
coverage rule), on planes decoded alone and as channels of one array, in bands on
threads. No Blender.

The kernels are built by every environment the scripts set up (``pip install`` with
a C compiler); a missing build fails here rather than passing unnoticed.
"""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon.reader import convert

H, W = 520, 640  # >= 2**18 pixels: the bands run on threads


@pytest.fixture
def numpy_only(monkeypatch):
    """Call ``f()`` with the kernels switched off: the numpy formulas' result."""
    def run(f):
        with monkeypatch.context() as m, np.errstate(all="ignore"):
            m.setattr(convert, "_kernels", None)
            return f()
    return run


def same_bits(a: np.ndarray, b: np.ndarray) -> None:
    assert a.dtype == b.dtype and a.shape == b.shape and a.flags.c_contiguous
    assert np.array_equal(a.view(np.uint8), b.view(np.uint8))


def special_halves(rng) -> np.ndarray:
    """(H, W, 4) float16 with every kind of value: random, every finite bit pattern,
    signed zeros, subnormals, infinities and quiet NaNs."""
    bits = rng.integers(0, 1 << 16, (H, W, 4), dtype=np.uint16)
    flat = bits.reshape(-1)
    flat[:1 << 16] = np.arange(1 << 16, dtype=np.uint32).astype(np.uint16)
    nan = (flat & 0x7C00) == 0x7C00
    nan &= (flat & 0x03FF) != 0
    flat[nan] |= 0x0200  # quiet: F16C quiets signalling NaNs, numpy keeps them
    return bits.view(np.float16).copy()  # owning its memory, as decoded arrays do


def test_the_kernels_are_built():
    assert convert.kernels() in ("C", "C, F16C")


@pytest.mark.parametrize("channels", [4, 3])
def test_half_to_float_of_every_bit_pattern(numpy_only, channels):
    rng = np.random.default_rng(1)
    image = special_halves(rng)
    planes = [image[..., i] for i in range(channels)]
    got = convert.stack(planes)
    same_bits(got, numpy_only(lambda: convert.stack(planes)))
    assert np.array_equal(got.view(np.uint32) >> 31, image[..., :channels].view(np.uint16) >> 15)


def test_separate_planes_of_both_dtypes_interleave(numpy_only):
    rng = np.random.default_rng(2)
    planes = [rng.normal(size=(H, W)).astype(np.float32),
              special_halves(rng)[..., 0].copy(),
              rng.normal(size=(H, W)).astype(np.float32),
              special_halves(rng)[..., 1].copy()]
    assert all(p.flags.c_contiguous for p in planes)
    got = convert.stack(planes)
    same_bits(got, numpy_only(lambda: convert.stack(planes)))
    assert np.array_equal(got[..., 0], planes[0])


def test_signalling_nans_stay_nans():
    plane = np.full((H, W), 0x7C01, dtype=np.uint16).view(np.float16)
    assert np.isnan(convert.stack([plane, plane, plane])).all()


@pytest.mark.parametrize("interleaved", [True, False])
def test_unit_normals(numpy_only, interleaved):
    rng = np.random.default_rng(3)
    normal = rng.normal(size=(H, W, 3)).astype(np.float32)
    normal[:3] = 0  # background
    normal[3, :50] = np.nan
    normal[4, :50] = 1e-30  # length underflows to 0 in float32
    normal[5, :50] = 3e20  # length overflows to inf
    normal[6, :50, 0] = -0.0
    normal[7] *= 0.3  # averaged at an edge
    planes = ([normal[..., i] for i in range(3)] if interleaved
              else [np.ascontiguousarray(normal[..., i]) for i in range(3)])
    got = convert.unit_normals(planes)
    same_bits(got, numpy_only(lambda: convert.unit_normals(planes)))
    inner = np.abs(np.linalg.norm(got[8:], axis=-1) - 1)
    assert inner.max() < 1e-6 and (got[:3] == 0).all() and (got[3, :50] == 0).all()


def test_half_normals(numpy_only):
    rng = np.random.default_rng(4)
    planes = [rng.normal(size=(H, W)).astype(np.float16) for _ in range(3)]
    same_bits(convert.unit_normals(planes), numpy_only(lambda: convert.unit_normals(planes)))


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_index_rounds_like_numpy(numpy_only, dtype):
    rng = np.random.default_rng(5)
    plane = rng.integers(0, 32768, (H, W)).astype(np.float32)
    plane[0, :8] = [0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, -7.0, 3.0]
    if dtype == np.float32:
        plane[1, :5] = [np.nan, np.inf, -np.inf, 3e9, -3e9]
    plane = plane.astype(dtype)
    got = convert.index(plane)
    same_bits(got, numpy_only(lambda: convert.index(plane)))
    assert got[0, :8].tolist() == [0, 2, 2, 0, -2, 2, -7, 3]


def crypto_planes(rng, hashes: np.ndarray) -> list[np.ndarray]:
    """r, g, b, a planes: rank-0 hash as float32 bits, its coverage, rank-1 id and
    coverage, with background, half-covered and blended pixels."""
    pick = rng.integers(0, len(hashes) + 3, (H, W))
    ids = np.where(pick < len(hashes), hashes[np.minimum(pick, len(hashes) - 1)],
                   rng.integers(1, 1 << 32, (H, W), dtype=np.uint64)).astype(np.uint32)
    ids[:4] = 0
    coverage = rng.choice(np.array([1.0, 0.5, 0.3, 0.0, 0.75], dtype=np.float32), (H, W))
    second = (1 - coverage) * rng.random((H, W)).astype(np.float32)
    return [ids.view(np.float32), coverage, rng.random((H, W)).astype(np.float32),
            second.astype(np.float32)]


def test_instance_ids_like_numpy(numpy_only):
    rng = np.random.default_rng(6)
    raw = rng.integers(0, 1 << 32, 200, dtype=np.uint64)
    raw[:3] = [0x803B1009, 0x7F800001, 0x00000005]  # exponent 0 or 255: clamped
    raw[3] = raw[4]  # two names with one hash: the last name keeps the pixels
    manifest = sorted((f"Object{i:03d}", int(h)) for i, h in enumerate(raw))
    from blender_gt_addon.conventions import cryptomatte_pixel_bits
    planes = crypto_planes(rng, cryptomatte_pixel_bits(raw.astype(np.int64)))
    got = convert.instance_ids(planes, manifest)
    expected = numpy_only(lambda: convert.instance_ids(planes, manifest))
    same_bits(got, expected)
    assert 0 < (got > 0).mean() < 1 and len(np.unique(got)) > 150
    interleaved = np.stack(planes, axis=-1)
    same_bits(convert.instance_ids([interleaved[..., i] for i in range(4)], manifest),
              expected)
    same_bits(convert.instance_ids(planes, []), np.zeros((H, W), np.int32))


def test_depth_background_like_numpy(numpy_only):
    rng = np.random.default_rng(8)
    plane = rng.uniform(0, 2e10, (H, W)).astype(np.float32)
    plane[0, :6] = [1e10, np.nextafter(np.float32(1e10), np.float32(0)), np.nan, np.inf,
                    -np.inf, 0.0]
    got = convert.depth(plane.copy())
    same_bits(got, numpy_only(lambda: convert.depth(plane.copy())))
    assert np.isinf(got[0, 0]) and got[0, 1] < 1e10 and np.isnan(got[0, 2])
