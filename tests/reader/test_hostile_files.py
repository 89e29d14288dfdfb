# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The four findings of issue 21, kept as regression files, and the read's memory budget.

Each crafted file is read through both decoding paths (the native decoder and the
openexr package's planes) in a child process whose address space is capped at a
few GiB, so that a regression fails a test instead of allocating tens of gigabytes
or writing through other mappings: both paths must refuse it with the same
``GroundTruthError``, naming the file and the limit, before allocating. No Blender.
"""

from __future__ import annotations

import struct
from pathlib import Path

import fuzz_structured as fs
import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import reader
from blender_gt_addon.reader import GroundTruthError, convert, decode, native

SCANLINE = OpenEXR.scanlineimage
CAP_MB = 2048  # the children's address space: a regression cannot allocate more
NATIVE = native.available() is not None


def crafted(path: Path, codec: str, planes: dict[str, np.ndarray], width: int | None = None,
            pad: int = 0, **header) -> Path:
    """A real file of ``planes`` whose data window is then widened to ``width`` (its
    chunk table still matches the height), padded with a ``pad``-byte string
    attribute so that the claim looks plausible for the file's size."""
    OpenEXR.File({"compression": getattr(OpenEXR, f"{codec}_COMPRESSION"), "type": SCANLINE,
                  **header}, planes).write(str(path))
    data = path.read_bytes()
    if pad:
        data = fs.with_attribute(data, "padding", "string", bytes(pad))
    if width is not None:
        _, at, _ = fs.attributes(data)[0]["dataWindow"]
        x0 = struct.unpack_from("<i", data, at)[0]
        data = data[:at + 8] + struct.pack("<i", x0 + width - 1) + data[at + 12:]
    path.write_bytes(data)
    return path


def refused_alike(path: Path, match: str, env: dict | None = None) -> dict:
    """Both paths, in a capped child: the same GroundTruthError, naming the file."""
    got = fs.read_in_child(path, CAP_MB, env)
    assert "error" not in got, got
    assert got["native"][0] == "GroundTruthError", got
    assert got["native"] == got["planes"], got  # the same words on both paths
    assert got["native"][1].startswith("<file>: ")  # it named the file
    assert match in got["native"][1], got
    return got


# -- Finding 1: a row of 2**31 bytes wrapped the Core's int32 line stride ---------------


@pytest.mark.parametrize("name, planes, width", [
    ("depth.V half", {"depth.V": np.ones((2, 4), np.float16)}, 2**29),
    ("image RGBA float", {f"image.{c}": np.ones((2, 4), np.float32) for c in "RGBA"}, 2**27),
])
def test_a_row_of_2_gib_is_refused_before_the_decoder_writes_past_the_array(
        tmp_path, name, planes, width):
    """A 2 MB ZIP file claiming rows of 2**29 half floats (or 2**27 RGBA float
    pixels) passed the size check; its row stride wrapped and the unpacker wrote row 1
    about 2 GiB away from the array."""
    path = crafted(tmp_path / "wide.exr", "ZIP", planes, width=width, pad=2_000_000)
    assert path.stat().st_size > 2_000_000
    got = refused_alike(path, f"rows wider than the reader's limit of {decode.MAX_WIDTH} pixels")
    assert f"declares {width}x2 pixels" in got["native"][1]
    assert got["max_rss_mb"] < 512  # refused from the header: nothing was allocated


@pytest.mark.skipif(not NATIVE, reason="the native decoder is not built or bound here")
def test_the_decoder_itself_refuses_a_row_its_strides_cannot_hold(tmp_path):
    """The C decoder's own check, behind the header's: an array row of 2**31 bytes
    (2**27 RGBA float32 pixels) is refused before any chunk is decoded. The array is
    2 GiB of untouched, lazily mapped memory."""
    planes = {f"image.{c}": np.ones((1, 4), np.float32) for c in "RGBA"}
    path = crafted(tmp_path / "wide.exr", "ZIP", planes, width=2**27)
    k = convert._kernels
    dst = np.empty((1, 2**27, 4), np.float32)  # 2 GiB, never written if the check holds
    with pytest.raises(k.Refused, match="a row of channel image.A takes more than "
                                        "2147483647 bytes, the decoder's limit"):
        k.read_into(str(path), [(k.KIND_PACK, dst, list("image." + c for c in "RGBA"),
                                 k.PLAIN, 0.0)], 1)
    assert issubclass(k.Refused, ValueError)


# -- Finding 2: the scratch grew with the claimed width times a chunk's lines ---------


def test_a_dwab_file_claiming_2_28_by_3_pixels_is_refused(tmp_path):
    """An 835 KB DWAB file claiming 2**28 x 3 pixels asked for 830 GB of scratch a
    thread (three Cryptomatte planes of 256 lines)."""
    planes = {f"cryptomatte_object.{c}": np.zeros((3, 8), np.float32) for c in "rgba"}
    planes["depth.V"] = np.ones((3, 8), np.float32)
    path = crafted(tmp_path / "dwab.exr", "DWAB", planes, width=2**28, pad=835_000)
    got = refused_alike(path, "rows wider than the reader's limit")
    assert got["max_rss_mb"] < 512


@pytest.mark.skipif(not NATIVE, reason="the native decoder is not built or bound here")
def test_the_scratch_is_a_chunks_real_rows_not_the_codecs_lines(tmp_path):
    """A real DWAB file of 2**22 x 3 pixels with Cryptomatte: its 256-line chunk has 3
    rows. The scratch was 3 planes x 256 lines x 2**22 pixels (12 GiB a thread), so
    the native decoder failed under the 2 GiB cap and quietly gave up; now it is 3
    rows (150 MB) and the file is decoded natively, as the planes path reads it."""
    width = 2**22
    planes = {f"cryptomatte_object.{c}": np.zeros((3, width), np.float32) for c in "rgba"}
    planes["depth.V"] = np.ones((3, width), np.float32)
    path = tmp_path / "wide_dwab.exr"
    OpenEXR.File({"compression": OpenEXR.DWAB_COMPRESSION, "type": SCANLINE,
                  "cryptomatte/0a1b2c3/name": "cryptomatte_object",
                  "cryptomatte/0a1b2c3/manifest": "{}"}, planes).write(str(path))
    del planes
    got = fs.read_in_child(path, CAP_MB)
    assert "error" not in got, got
    assert got["native"][0] == "read" and got["native"] == got["planes"], got
    assert got["native_decoded"], got  # not a quiet fall-back to the planes
    # both reads, one after the other, in the child: within the budget of one
    assert got["max_rss_mb"] << 20 < reader.read(path)._budget.need


# -- Finding 3: numpy's MemoryError escaped from the native path ----------------------


def _huge_dwab(tmp_path: Path) -> Path:
    """A 310 KB DWAB file claiming 65536 x 32768 RGBA half pixels (32 GiB as float32)."""
    planes = {f"image.{c}": np.zeros((32768, 8), np.float16) for c in "RGBA"}
    path = crafted(tmp_path / "huge.exr", "DWAB", planes, width=65536)
    size = path.stat().st_size
    return crafted(tmp_path / "huge.exr", "DWAB", planes, width=65536,
                   pad=max(0, 310_000 - size))


def test_an_image_over_the_budget_is_refused_with_the_limit(tmp_path):
    path = _huge_dwab(tmp_path)
    got = refused_alike(path, f"more than the limit of {decode.DEFAULT_MAX_BYTES} bytes "
                              "(the default; raise it with max_bytes or GT_READER_MAX_BYTES)")
    assert "65536x32768 pixels" in got["native"][1]
    assert got["max_rss_mb"] < 512


def test_an_image_within_the_budget_but_not_in_memory_raises_ground_truth_error(tmp_path):
    """The limit lifted (GT_READER_MAX_BYTES): the arrays do not fit the child's 2 GiB;
    numpy's MemoryError (native path) and the bindings' (planes path) become the same
    GroundTruthError."""
    path = _huge_dwab(tmp_path)
    got = refused_alike(path, "not enough memory to read it (it needs up to ",
                        env={decode.MAX_BYTES_VARIABLE: str(2**40)})
    assert got["max_rss_mb"] < CAP_MB


# -- Finding 4: the paths disagreed on subsampled channels the native path skips -------


@pytest.mark.parametrize("channel", ["albedo.A", "emission.A", "cryptomatte_object.b"])
@pytest.mark.parametrize("sampling", [2, 4])
def test_a_subsampled_channel_the_native_path_skips_is_refused_on_both_paths(
        tmp_path, channel, sampling):
    source = next(p for p in fs.write_seeds(tmp_path / "seeds") if p.stem == "ours_zip_half")
    data = source.read_bytes()
    at = dict(fs.channel_fields(data))[channel]
    path = tmp_path / "sub.exr"
    path.write_bytes(data[:at + 12] + struct.pack("<i", sampling) + data[at + 16:])
    got = refused_alike(path, f"channel {channel} is sampled every 1 x {sampling} pixels "
                              "(subsampled channels are not supported)")
    assert got["max_rss_mb"] < 512


def test_nan_payloads_are_unspecified_but_nan_positions_agree(tmp_path, monkeypatch):
    """Signalling NaNs in half channels next to float ones: where a value is NaN is
    the same on both paths, and every other value is the same bit for bit; the NaN's
    payload (quiet or signalling) is unspecified (docs/reader-safety.md)."""
    image = np.full((16, 8), 0.5, np.float16)
    image[3, 2] = np.frombuffer(struct.pack("<H", 0x7C01), np.float16)[0]  # signalling
    image[5, 1] = np.frombuffer(struct.pack("<H", 0xFE00), np.float16)[0]  # quiet, negative
    planes = {"image.R": image, "image.G": image.copy(), "image.B": image.copy(),
              "image.A": np.ones((16, 8), np.float32)}  # a float channel among halves
    path = tmp_path / "nan.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": SCANLINE}, planes).write(
        str(path))
    got = reader.read(path).image
    monkeypatch.setattr(native, "ENABLED", False)
    want = reader.read(path).image
    assert np.array_equal(np.isnan(got), np.isnan(want)) and np.isnan(got[3, 2, :3]).all()
    finite = ~np.isnan(got)
    assert got[finite].tobytes() == want[finite].tobytes()


# -- Found by the long fuzzing run: a tile of millions of rows ---------------------------


@pytest.mark.parametrize("y_size", [0x02000010, 0x00800010])
def test_a_tile_of_millions_of_rows_is_refused_before_the_library_allocates_it(
        tmp_path, y_size):
    """One flipped bit in the tile description of a 14 KB tiled ZIP file (36 x 12
    pixels, tiles of 8 x 16) made its tiles 33,554,448 (or 8,388,624) rows high; the
    library allocates a tile's buffer whole, and the planes path took 24 GB (9.9 GB)
    before failing. A tile now counts as a chunk of the read's budget."""
    seed = next(p for p in fs.write_seeds(tmp_path / "seeds") if p.stem == "ours_tiled_zip")
    data = seed.read_bytes()
    _, at, _ = fs.attributes(data)[0]["tiles"]
    assert struct.unpack_from("<2I", data, at) == (8, 16)
    path = tmp_path / "tall_tiles.exr"
    path.write_bytes(data[:at + 4] + struct.pack("<I", y_size) + data[at + 8:])
    got = refused_alike(path, "more than the limit of")
    assert f"decoded in chunks or tiles of up to {8 * y_size * 29 * 4} bytes" in got["native"][1]
    assert got["max_rss_mb"] < 512


# -- The budget a caller sets ---------------------------------------------------------


def test_max_bytes_refuses_a_file_before_anything_is_allocated(tmp_path, exr_opens):
    path = tmp_path / "gt.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": SCANLINE},
                 {"depth.V": np.ones((64, 64), np.float32)}).write(str(path))
    exr_opens.clear()
    need = reader.read(path)._budget.need
    assert need >= 2 * 64 * 64 * 4
    with pytest.raises(GroundTruthError, match=f"more than the limit of {need - 1} bytes "
                                               r"\(max_bytes") as info:
        reader.read(path, max_bytes=need - 1)
    assert str(path) in str(info.value)
    assert reader.read(path, max_bytes=need).depth.shape == (64, 64)
    # three headers, pixels decoded once: by the read that was allowed
    assert exr_opens == [True, True, True, False]


def test_the_environment_variable_sets_the_limit(tmp_path, monkeypatch):
    path = tmp_path / "gt.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": SCANLINE},
                 {"depth.V": np.ones((64, 64), np.float32)}).write(str(path))
    monkeypatch.setenv(decode.MAX_BYTES_VARIABLE, "1000")
    with pytest.raises(GroundTruthError, match=r"limit of 1000 bytes \(GT_READER_MAX_BYTES"):
        reader.read(path)
    assert reader.read(path, max_bytes=10**9).depth.shape == (64, 64)  # the argument wins


def test_decoding_threads_are_fewer_when_one_threads_scratch_is_large():
    """The native decoder's scratch, all threads, stays within SCRATCH_BYTES (or one
    thread's, if that is more); a file of few chunks counts only those."""
    mib = 1 << 20
    wide = decode.Budget(pixels=0, thread_scratch=600 * mib, chunks=100)
    assert wide.threads(8) == 1 and wide.scratch == decode.SCRATCH_BYTES
    huge = decode.Budget(pixels=0, thread_scratch=2 * decode.SCRATCH_BYTES, chunks=100)
    assert huge.threads(8) == 1 and huge.scratch == 2 * decode.SCRATCH_BYTES
    small = decode.Budget(pixels=10 * mib, thread_scratch=mib, chunks=3)
    assert small.threads(8) == 3 and small.scratch == 3 * mib  # a thread a chunk at most
    assert small.need == 2 * 10 * mib + 3 * mib
