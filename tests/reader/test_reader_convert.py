# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader's conversions (reader/convert.py) and memory handling (reader/frame.py):
bands of rows on threads give the values of the whole-image formulas, in any order of
access, after the decoded planes were let go, in a forked worker, and with
``dtype=float16``. Expected values come from the arrays written. No Blender.
"""

from __future__ import annotations

import itertools
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import conventions, reader
from blender_gt_addon.reader import convert, decode, ids

# Large enough for the conversions to run on threads (at least 2**18 pixels).
H, W = 520, 640
SUFFIXES = {"image": "RGBA", "emission": "RGBA", "normal": "XYZ", "vector": "XYZW"}


def write_exr(path: Path, layers: dict[str, np.ndarray]) -> Path:
    """``{"depth": (H, W), "normal": (H, W, 3), ...}`` in the add-on's layout, ZIP."""
    channels = {}
    for layer, array in layers.items():
        if array.ndim == 2:
            channels[f"{layer}.V"] = array
        else:
            for i, c in enumerate(SUFFIXES[layer]):
                channels[f"{layer}.{c}"] = np.ascontiguousarray(array[..., i])
    head = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
            "Frame": "3"}
    OpenEXR.File(head, channels).write(str(path))
    return path


def layers_of(half: bool) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    colour = np.float16 if half else np.float32
    depth = rng.uniform(1, 50, (H, W)).astype(np.float32)
    depth[::7, ::5] = 1e10  # nothing hit
    normal = rng.normal(size=(H, W, 3)).astype(np.float32)
    normal[:3] = 0  # background
    return {
        "image": rng.random((H, W, 4)).astype(colour),
        "depth": depth,
        "normal": normal,
        "vector": rng.normal(size=(H, W, 4)).astype(np.float32),
        "emission": (rng.random((H, W, 4)) * 5).astype(colour),
        "object_index": rng.integers(0, 300, (H, W)).astype(np.float32),
        "material_index": rng.integers(0, 5, (H, W)).astype(np.float32),
    }


def expected(layers: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The documented arrays, from the whole-image formulas."""
    return {
        "image": layers["image"].astype(np.float32),
        "depth": np.where(layers["depth"] >= 1e10, np.inf, layers["depth"]).astype(np.float32),
        "normal": conventions.unit_normals(layers["normal"]),
        "vector": layers["vector"],
        "emission": layers["emission"][..., :3].astype(np.float32),
        "object_index": layers["object_index"].astype(np.int32),
        "material_index": layers["material_index"].astype(np.int32),
    }


def same(a: np.ndarray, b: np.ndarray) -> bool:
    """Equal dtype, shape and bytes (NaN bits too), C-contiguous and writable."""
    return (a.dtype == b.dtype and a.shape == b.shape and a.flags.c_contiguous
            and a.flags.writeable and a.tobytes() == b.tobytes())


@pytest.fixture(scope="module", params=[True, False], ids=["half", "float"])
def sample(request, tmp_path_factory):
    layers = layers_of(request.param)
    path = write_exr(tmp_path_factory.mktemp("convert") / "gt_0003.exr", layers)
    return path, layers


@pytest.mark.parametrize("converter", ["kernels", "numpy"])
def test_every_order_of_access_gives_the_documented_arrays(sample, converter, monkeypatch):
    """By the C kernels and by numpy (where the package was built without a compiler)."""
    if converter == "numpy":
        monkeypatch.setattr(convert, "_kernels", None)
    else:
        assert convert.kernels() != "numpy"
    path, layers = sample
    want = expected(layers)
    names = list(want)
    orders = [names, names[::-1], ["emission", "normal", "image", "material_index", "depth",
                                   "vector", "object_index"]]
    for order in orders:
        gt = reader.read(path)
        for name in order:
            assert same(getattr(gt, name), want[name]), (order, name)
        assert not gt._pixels  # every decoded plane let go once its array was built
        # Needed again (the raw normals after the unit ones): decoded again, same values.
        np.testing.assert_array_equal(gt.get("normal"), layers["normal"])


def test_one_decode_for_every_array(sample, exr_opens):
    path, _ = sample
    gt = reader.read(path)
    for name in ("depth", "image", "normal", "vector", "emission", "object_index",
                 "material_index"):
        getattr(gt, name)
    assert exr_opens == [True, False]


def test_dtype_float16_gives_image_and_emission_in_half_floats(sample):
    path, layers = sample
    gt = reader.read(path, dtype=np.float16)
    assert same(gt.image, layers["image"].astype(np.float16))
    assert same(gt.emission, np.ascontiguousarray(layers["emission"][..., :3]).astype(np.float16))
    want = expected(layers)
    for name in ("depth", "normal", "vector", "object_index"):
        assert same(getattr(gt, name), want[name])


def test_dtype_other_than_float32_or_float16_is_refused(sample):
    with pytest.raises(ValueError, match="float32 or float16"):
        reader.read(sample[0], dtype=np.float64)


def test_bands_on_threads_cover_every_row_once(monkeypatch):
    monkeypatch.setattr(decode, "conversion_threads", lambda: 3)
    seen = np.zeros(1000, np.int32)
    convert.run_bands((1000, 400), lambda rows: np.add.at(seen, np.arange(1000)[rows], 1))
    assert (seen == 1).all()

    def fails(rows):
        if rows.start >= 500:
            raise RuntimeError("band failed")

    with pytest.raises(RuntimeError, match="band failed"):
        convert.run_bands((1000, 400), fails)


def test_banded_ids_are_the_whole_image_ids():
    rng = np.random.default_rng(3)
    manifest = sorted((f"Object{i}", int(h)) for i, h in
                      enumerate(rng.integers(1, 2**32 - 1, 12, dtype=np.uint64)))
    hashes = conventions.cryptomatte_pixel_bits(np.array([h for _, h in manifest], np.int64))
    pick = rng.integers(0, len(manifest), (H, W))
    crypto = np.zeros((H, W, 4), np.float32)
    crypto[..., 0] = hashes.astype(np.uint32)[pick].view(np.float32)
    crypto[..., 1] = rng.uniform(0, 1, (H, W))
    crypto[..., 2] = crypto[::-1, :, 0]
    crypto[..., 3] = rng.uniform(0, 1, (H, W)) * (1 - crypto[..., 1])
    whole = ids.instance_ids(crypto, manifest)
    planes = [np.ascontiguousarray(crypto[..., i]) for i in range(4)]
    assert same(convert.instance_ids(planes, manifest), whole)
    assert same(convert.instance_ids([planes[0], planes[1], None, planes[3]], manifest), whole)
    assert (whole > 0).any() and (whole == 0).any()


def _read_in_worker(path: str) -> tuple[int, list[bytes]]:
    gt = reader.read(path)
    arrays = [gt.image, gt.depth, gt.normal, gt.vector, gt.emission]
    return decode.conversion_threads(), [a.tobytes() for a in arrays]


# Forking a process that has threads is what a DataLoader does; Python 3.12+ warns.
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_worker_converts_without_threads_and_gets_the_same_arrays(sample):
    path, layers = sample
    _ = reader.read(path).depth  # this process decodes first: its pool, its threads
    assert decode.conversion_threads() > 1 or decode.usable_cores() == 1
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        threads, arrays = pool.submit(_read_in_worker, str(path)).result(timeout=120)
    assert threads == 1
    want = expected(layers)
    for name, data in zip(("image", "depth", "normal", "vector", "emission"), arrays,
                          strict=True):
        assert data == want[name].tobytes(), name


def test_a_spawned_worker_converts_without_threads(sample):
    """A fresh worker process (spawn, as DataLoader workers start with another start
    method) starts its own OpenEXR pool but no conversion threads."""
    path, layers = sample
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        threads, arrays = pool.submit(_read_in_worker, str(path)).result(timeout=120)
    assert threads == 1
    assert arrays[2] == expected(layers)["normal"].tobytes()


def test_bare_rgba_channels_and_a_clashing_group_decode_as_stored(tmp_path):
    rng = np.random.default_rng(5)
    planes = {c: rng.random((8, 6)).astype(np.float32) for c in "RGBA"}
    planes.update({f"RGB.{c}": rng.random((8, 6)).astype(np.float16) for c in "RGB"})
    path = tmp_path / "clash.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                 dict(planes)).write(str(path))  # the bindings change the dict they get
    names = tuple(planes)
    for interleave in (True, False):
        got = decode.decode_pixels(path, names, 1, interleave=interleave)
        assert set(got) == set(names)
        for name, plane in planes.items():
            assert same(np.ascontiguousarray(got[name]), plane), (interleave, name)


@pytest.mark.parametrize("count", [3, 4])
def test_interleaved_planes_are_found_again(count):
    base = np.empty((5, 4, count), np.float32)  # owns its data, as a decoded array does
    base[...] = np.arange(base.size).reshape(base.shape)
    assert convert.interleaved([base[..., i] for i in range(count)]) is base
    assert convert.interleaved([base[..., i] for i in range(3)]) is base
    assert convert.interleaved([base[..., i] for i in (1, 0, 2)]) is None
    assert convert.interleaved([np.ascontiguousarray(base[..., i]) for i in range(3)]) is None
    assert same(convert.stack([base[..., i] for i in range(3)]),
                np.ascontiguousarray(base[..., :3]))


def test_every_combination_of_two_layers_first(sample):
    path, layers = sample
    want = expected(layers)
    for first, second in itertools.permutations(("normal", "emission", "vector"), 2):
        gt = reader.read(path)
        assert same(getattr(gt, first), want[first])
        assert same(getattr(gt, second), want[second])
