# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader on damaged and foreign files: one exception, GroundTruthError, naming the file.

Crafted cases first (short files, huge declared sizes, other tools' EXRs, parts,
subsampled and deep channels, damaged metadata), then the files a render killed
mid-frame leaves, and a hypothesis fuzzer over thousands of mutated files. Those
two read their files in child processes (``fuzz_reader_child.py``) under a memory
cap and a time limit, so a segfault, a hang or a memory blow-up in the C++ library
fails a test instead of taking pytest down. No Blender.

``GT_FUZZ_EXAMPLES`` sets the mutated files per fuzzing child (two children);
``pytest -s`` prints the counts.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import fuzz_reader_child as fz
import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import camera as cammod
from blender_gt_addon import reader
from blender_gt_addon.reader import GroundTruthError

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(fz.__file__).resolve()
MEMORY_MB = 2048  # address-space cap of a child: a blow-up fails cleanly there
FUZZ_EXAMPLES = int(os.environ.get("GT_FUZZ_EXAMPLES", "3000"))
FUZZ_SEEDS = (1, 2)  # one child each, run side by side
CHILD_TIMEOUT = 300  # a whole child; one file that hangs is caught after 20 s
ZIP = OpenEXR.ZIP_COMPRESSION
SCANLINE = OpenEXR.scanlineimage


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, Path]:
    return fz.write_seeds(tmp_path_factory.mktemp("seeds"))


def patched(data: bytes, old: bytes, new: bytes) -> bytes:
    assert data.count(old) == 1 and len(old) == len(new)
    return data.replace(old, new)


def with_data_window(data: bytes, x0: int, y0: int, x1: int, y1: int) -> bytes:
    field = b"dataWindow\0box2i\0" + struct.pack("<i", 16)
    at = data.index(field) + len(field)
    return data[:at] + struct.pack("<4i", x0, y0, x1, y1) + data[at + 16:]


def raises_naming(path: Path, match: str | None = None) -> pytest.ExceptionInfo:
    """Read everything from ``path``; it must raise GroundTruthError naming the file."""
    with pytest.raises(GroundTruthError, match=match) as info:
        fz.read_everything(path)
    assert str(path) in str(info.value)
    return info


# -- Short, huge, foreign ---------------------------------------------------------


@pytest.mark.parametrize("content, reason", [
    (b"", "an empty file"),
    (b"\x76\x2f\x31", "not an OpenEXR file"),
    (b"\x76\x2f\x31\x01", "damaged EXR file"),
    (b"\x76\x2f\x31\x01\x02\x00\x00\x00", "damaged EXR file"),
])
def test_empty_and_tiny_files(tmp_path, content, reason):
    path = tmp_path / "short.exr"
    path.write_bytes(content)
    raises_naming(path, reason)


@pytest.mark.parametrize("window, declared", [
    ((0, 0, 99999, 99999), "100000x100000"),
    ((0, 0, 99999, 39), "100000x40"),
    ((-50000, -50000, 49999, 49999), "100000x100000"),
    ((0, 0, 2**31 - 2, 2**31 - 2), None),  # the library may refuse it first
    ((-2**31, -2**31, 2**31 - 1, 2**31 - 1), None),
])
def test_huge_declared_size_is_refused_before_allocating(seeds, tmp_path, exr_opens, window,
                                                          declared):
    path = tmp_path / "huge.exr"
    path.write_bytes(with_data_window(seeds["ours_zip"].read_bytes(), *window))
    opened = exr_opens
    info = raises_naming(path)
    if declared:
        assert f"declares {declared} pixels" in str(info.value)
        assert "refused before allocating" in str(info.value)
    assert opened in ([], [True])  # the header at most: no pixel arrays were allocated


@pytest.mark.parametrize("codec", ["ZIP", "RLE", "PIZ", "HTJ2K256"])
def test_large_but_very_compressible_file_is_not_refused(tmp_path, codec):
    """A blank 4K frame (75 MiB of pixels) compresses up to 1000:1 (HTJ2K: 25000:1);
    the size check must still let it through."""
    path = tmp_path / "blank.exr"
    zeros = np.zeros((2304, 4096), np.float32)
    OpenEXR.File({"compression": getattr(OpenEXR, f"{codec}_COMPRESSION"), "type": SCANLINE},
                 {"depth.V": zeros, "object_index.V": zeros}).write(str(path))
    assert path.stat().st_size < 2_000_000
    gt = reader.read(path)
    assert gt.depth.shape == (2304, 4096) and not gt.depth.any()
    assert not gt.object_index.any()


def test_other_tools_rgb_file_has_no_passes(seeds):
    path = seeds["other_rgb_piz"]
    gt = reader.read(path)
    assert gt.passes == () and gt.layers == ()
    with pytest.raises(GroundTruthError) as info:
        _ = gt.depth
    message = str(info.value)
    assert str(path) in message and "'depth'" in message
    assert "it has: no ground-truth outputs" in message
    image = reader.read_pass(path, "image")
    assert image.shape == (40, 4, 4) and (image[..., 3] == 1).all()
    with pytest.raises(GroundTruthError, match="no vector channels; it has: B, G, R"):
        reader.read_pass(path, "vector")


def test_tiled_and_multipart_files_read_like_the_plain_one(seeds):
    plain = reader.read(seeds["ours_zip"])
    for name in ("ours_tiled_zip", "ours_multipart_zip"):
        other = reader.read(seeds[name])
        assert other.passes == plain.passes
        for layer in plain.passes:
            np.testing.assert_array_equal(other.get(layer), plain.get(layer), err_msg=name)


def test_lost_part_is_caught_even_when_another_part_has_its_channel_names(tmp_path):
    """The bindings drop a part they cannot decode; its names must not hide behind the other's."""
    path = tmp_path / "two_parts.exr"
    depth = np.ones((40, 4), np.float32)
    OpenEXR.File([
        OpenEXR.Part({"compression": ZIP, "type": SCANLINE}, {"depth.V": depth}, "left"),
        OpenEXR.Part({"compression": ZIP, "type": SCANLINE}, {"depth.V": depth * 2}, "right"),
    ]).write(str(path))
    data = path.read_bytes()
    path.write_bytes(data[:-10])  # the end of the second part's last chunk
    raises_naming(path, r"damaged EXR file \(pixels: 1 of 2 parts could be decoded\)")


def test_subsampled_channel_is_refused(tmp_path):
    path = tmp_path / "sub.exr"
    OpenEXR.File({"compression": ZIP, "type": SCANLINE},
                 {"depth.V": OpenEXR.Channel("depth.V", np.ones((20, 4), np.float32), 1, 2)}
                 ).write(str(path))
    assert reader.read(path).passes == ("depth",)
    raises_naming(path, "subsampled channels are not supported")


def test_deep_image_is_refused(tmp_path):
    path = tmp_path / "deep.exr"
    samples = np.empty((3, 4), dtype=object)
    for index in np.ndindex(samples.shape):
        samples[index] = np.arange(sum(index) % 3, dtype=np.float32)
    OpenEXR.File({"compression": OpenEXR.ZIPS_COMPRESSION, "type": OpenEXR.deepscanline},
                 {"depth.V": samples}).write(str(path))
    raises_naming(path, "a deep EXR image")
    with pytest.raises(GroundTruthError, match="a deep EXR image"):
        reader.read_pass(path, "depth")


def test_channel_name_that_is_not_utf8(seeds, tmp_path):
    path = tmp_path / "name.exr"
    path.write_bytes(patched(seeds["ours_zip"].read_bytes(), b"depth.V\0", b"dep\xffh.V\0"))
    info = raises_naming(path, r"damaged EXR file \(header: 'utf-8' codec")
    assert info.value.__cause__ is None and info.value.__suppress_context__


def _header_file(tmp_path: Path, name: str, **attributes) -> Path:
    path = tmp_path / name
    planes = {f"{layer}.{c}": np.ones((40, 4), np.float32)
              for layer, cs in (("depth", "V"), ("cryptomatte_object", "rgba")) for c in cs}
    OpenEXR.File({"compression": ZIP, "type": SCANLINE, "Frame": "012",
                  "cryptomatte/0000000/name": "cryptomatte_object", **attributes},
                 planes).write(str(path))
    return path


@pytest.mark.parametrize("manifest", ['{"Cube": "zz"}', "[1, 2]", '{"Cube": 7}', "{"])
def test_damaged_cryptomatte_manifest(tmp_path, manifest):
    path = _header_file(tmp_path, "crypto.exr", **{"cryptomatte/0000000/manifest": manifest})
    with pytest.raises(GroundTruthError, match="unreadable Cryptomatte manifest") as info:
        _ = reader.read(path).names
    assert str(path) in str(info.value)


def _note(frame: int = 12, width: int = 4, height: int = 40) -> str:
    cam = cammod.Camera(K=np.array([[50.0, 0, 1.5], [0, 50.0, 19.5], [0, 0, 1]]),
                        world_to_camera=np.eye(4), width=width, height=height,
                        clip_start=0.1, clip_end=100.0)
    return cammod.encode(cam, frame)


@pytest.mark.parametrize("note, attribute, match", [
    (_note().replace('"f":12', '"f":1e999'), "camera", "unreadable camera"),  # int(inf)
    (_note().replace('"K":[50', '"K":[50,1'), "camera", "unreadable camera"),
    (_note().replace('"K":[50.0,50.0', '"K":[0.0,0.0'), "distance", "unreadable camera"),
    (_note(width=5), "distance", "camera in the header is for 5x40 pixels, the image has 4x40"),
])
def test_damaged_camera_in_the_header(tmp_path, note, attribute, match):
    path = _header_file(tmp_path, "cam.exr", Note=note)
    with pytest.raises(GroundTruthError, match=match) as info:
        getattr(reader.read(path), attribute)
    assert str(path) in str(info.value)


# -- In child processes: killed writers and the fuzzer ------------------------------


def run_children(jobs: list[tuple[list[str], Path]]) -> list[dict]:
    """Run ``fuzz_reader_child.py ARGS`` for each (args, work dir), two at a time.

    Each child must exit normally: a signal means a crash (SIGSEGV, SIGABRT...) or
    a hang (SIGALRM: one file took too long); the file it was reading is reported.
    """

    def one(job):
        args, work = job
        try:
            done = subprocess.run([sys.executable, str(CHILD), *args], capture_output=True,
                                  text=True, timeout=CHILD_TIMEOUT, cwd=ROOT)
        except subprocess.TimeoutExpired:
            return {"error": f"child {args} took over {CHILD_TIMEOUT} s",
                    "reproducer": str(work / "current.exr")}
        result_file = work / "result.json"
        result = json.loads(result_file.read_text()) if result_file.exists() else {}
        if done.returncode < 0:
            name = signal.Signals(-done.returncode).name
            why = "a hang (one file took too long)" if name == "SIGALRM" else "a crash"
            result["error"] = f"child {args} was killed by {name}: {why}"
            result["reproducer"] = str(work / "current.exr")
        elif done.returncode != 0:
            result["error"] = (f"child {args} failed ({done.returncode}): "
                               f"{result.get('failure') or result.get('problems')}")
        if "error" in result:
            result["stderr"] = done.stderr[-3000:]
        return result

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, jobs))


def merged(results: list[dict], key: str = "outcomes") -> dict[str, int]:
    total: dict[str, int] = {}
    for result in results:
        for outcome, count in result.get(key, {}).items():
            total[outcome] = total.get(outcome, 0) + count
    return dict(sorted(total.items(), key=lambda kv: -kv[1]))


def test_no_cut_file_is_read_as_good(seeds, tmp_path):
    """Every cut of the add-on's default codec (ZIP) and of the foreign file; every 16th
    byte and every byte near a chunk start of the others; as written and as a writer
    killed mid-frame leaves it (chunk tables still zero, filled in at the end)."""
    exhaustive = {"ours_zip", "other_rgb_piz"}
    jobs = [(["cuts", str(path), str(tmp_path / name), str(MEMORY_MB),
              "1" if name in exhaustive else "16"], tmp_path / name)
            for name, path in sorted(seeds.items())]
    results = run_children(jobs)
    tried = sum(r.get("tried", 0) for r in results)
    print(f"\ncut files: {tried} read, outcomes {merged(results)}")
    for (args, _), result in zip(jobs, results, strict=True):
        assert "error" not in result, result
        assert not result["problems"], result["problems"]
        # A file that is whole but for its zero tables is rebuilt and read as written.
        assert result["whole_with_zero_tables"] == "read without error", (args, result)
        assert set(result["outcomes"]) <= {
            "GroundTruthError: empty file", "GroundTruthError: not an OpenEXR file",
            "GroundTruthError: damaged header (cannot open)",
            "GroundTruthError: damaged pixels (channels lost)",
            "GroundTruthError: damaged pixels (a part lost)"}, (args, result["outcomes"])
    assert tried > 15000


def test_fuzz_mutated_files_raise_only_ground_truth_error(seeds, tmp_path, record_property):
    pytest.importorskip("hypothesis", reason="the fuzzer needs hypothesis (pip install .[test])")
    folder = next(iter(seeds.values())).parent
    jobs = [(["fuzz", str(folder), str(tmp_path / f"fuzz{seed}"), str(FUZZ_EXAMPLES),
              str(seed), str(MEMORY_MB)], tmp_path / f"fuzz{seed}") for seed in FUZZ_SEEDS]
    results = run_children(jobs)
    tried = sum(r.get("tried", 0) for r in results)
    outcomes = merged(results)
    summary = {
        "files tried": tried, "outcomes": outcomes,
        "by mutation": {how: merged([{"o": r["by_mutation"].get(how, {})} for r in results], "o")
                        for how in sorted({h for r in results for h in r.get("by_mutation", {})})},
        "seconds per child": [r.get("seconds") for r in results],
        "max RSS per child (MB)": [r.get("max_rss_mb") for r in results],
        "a message of each kind": {k: v for r in results
                                   for k, v in r.get("messages", {}).items()},
    }
    record_property("fuzz", summary)
    print("\nfuzz:", json.dumps(summary, indent=1))
    for result in results:
        assert "error" not in result, result
        assert result["failure"] is None, result
        assert result["max_rss_mb"] < MEMORY_MB // 2  # no file made the reader balloon
    assert tried == FUZZ_EXAMPLES * len(FUZZ_SEEDS)
    assert set(outcomes) - {"read without error"} and all(
        o.startswith("GroundTruthError: ") for o in outcomes if o != "read without error")
    # The fuzzer reaches the pixel decoders, not only the header checks.
    assert outcomes.get("GroundTruthError: damaged pixels (channels lost)", 0) > tried // 20
