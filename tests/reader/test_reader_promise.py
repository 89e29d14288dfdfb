# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The twelve broken cases of issue 24, each a regression test: the reader's promise
(docs/reader-safety.md: one GroundTruthError naming the file, memory within the
budget, the same outcome on both decoding paths, no process-wide state changed)
kept around the decoder: the add-on's own header records, multi-part and deep files,
the memory limit, threads and process pools. No Blender: the files are the committed
analytic frame (tests/data/analytic_0002.exr) rewritten with hostile attributes
(tests/helpers/fuzz_records.py). Where pixels are decoded, both paths are tried.
"""

from __future__ import annotations

import concurrent.futures
import json
import multiprocessing
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path

import fuzz_records as fr
import fuzz_structured as fs
import numpy as np
import pytest

from blender_gt_addon import cli, reader
from blender_gt_addon.reader import GroundTruthError, decode, native

NATIVE = native.available() is not None


@pytest.fixture(params=["native", "planes"])
def decoder(request, monkeypatch) -> str:
    """Each test twice: pixels decoded by the native decoder, then by the package."""
    if request.param == "native" and not NATIVE:
        pytest.skip("the native decoder is not built or bound here")
    monkeypatch.setattr(native, "ENABLED", request.param == "native")
    return request.param


def refused(path: Path, what: str, match: str) -> str:
    """The GroundTruthError of ``reader.read(path)`` then attribute ``what`` (a
    method when it ends with ``()``): it names the file first, and holds ``match``."""
    with pytest.raises(GroundTruthError) as caught:
        gt = reader.read(path)
        value = getattr(gt, what.removesuffix("()"))
        if what.endswith("()"):
            value()
    message = str(caught.value)
    assert message.startswith(f"{path}: "), message
    assert match in message, message
    return message


# -- 1. A Frame attribute that is not a number -----------------------------------------


@pytest.mark.parametrize("frame", ["--1", "\u00b2", "9" * 5000, "1_000", "0x10"])
def test_case01_a_frame_attribute_that_is_not_a_number_is_refused_naming_the_file(
        tmp_path, frame):
    """``int()`` of ``--1``, ``²`` (isdigit, not a decimal) or 5000 digits raised a bare
    ValueError from ``reader.read``."""
    path = fr.ours(tmp_path / "f.exr", Frame=frame)
    with pytest.raises(GroundTruthError, match="unreadable Frame attribute") as caught:
        reader.read(path)
    assert str(caught.value).startswith(f"{path}: ")
    assert reader.read(fr.ours(tmp_path / "ok.exr", Frame="-0012")).frame == -12


# -- 2. Deeply nested JSON in every record ---------------------------------------------


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.mark.parametrize("where", ["frame record", "amodal masks", "camera",
                                   "Cryptomatte manifest"])
def test_case02_deeply_nested_json_is_refused_without_recursion(tmp_path, where, decoder):
    """100,000 brackets deep: RecursionError escaped (the manifest's from ``.image``
    already, which reads it before decoding on the native path)."""
    deep = _nested(100_000)
    if where == "frame record":
        path, what = fr.ours(tmp_path / "f.exr", attributes={fr.FRAME_KEY: deep}), "camera"
    elif where == "amodal masks":
        path, what = fr.ours(tmp_path / "f.exr", attributes={fr.AMODAL_KEY: deep}), \
            "amodal_masks"
    elif where == "camera":
        note = "blender-gt camera " + '{"f": 2, "K": ' + deep + "}"
        path, what = fr.ours(tmp_path / "f.exr", Note=note,
                             attributes={fr.FRAME_KEY: None}), "camera"
    else:
        path, what = fr.ours(tmp_path / "f.exr", attributes={fr.MANIFEST_KEY: deep}), "image"
    refused(path, what, f"unreadable {where} in the header (nested 1000")


# -- 3. Singular and non-finite matrices in the frame record ---------------------------


def _instanced(matrix: list) -> dict:
    """The analytic record with object "Tilted" split into two instanced copies, the
    first with ``matrix`` as its object_to_world."""
    record = fr.record()
    tilted = next(o for o in record["objects"] if o["name"] == "Tilted")
    bad = {**tilted, "name": "Group/Tilted#1", "instance_of": "Tilted",
           "object_to_world": matrix}
    good = {**tilted, "name": "Group/Tilted#2", "instance_of": "Tilted"}
    record["objects"] += [bad, good]
    return record


@pytest.mark.parametrize("what", ["instance_id", "boxes()", "emitting()", "poses"])
def test_case03_a_singular_object_matrix_is_refused_not_a_linalg_error(
        tmp_path, what, decoder):
    """A zero object_to_world of an instanced copy: numpy's LinAlgError escaped from
    ``instance_id``, ``boxes()`` and ``emitting()`` (splitting the copies inverts it)."""
    text = json.dumps(_instanced([[0.0] * 4] * 4))
    path = fr.ours(tmp_path / "f.exr", attributes={fr.FRAME_KEY: text})
    refused(path, what, "unreadable frame record in the header (object "
            "'Group/Tilted#1' object_to_world: singular")


@pytest.mark.parametrize("field, value, match", [
    ("K", [[0.0] * 3] * 3, "camera K: singular"),
    ("world_to_camera", [[1.0, 0, 0, 0], [0, 1.0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 1.0]],
     "camera world_to_camera: singular"),
    ("K", [[1e308, 0, 1], [0, 1e308, 1], [0, 0, 1.0]], "camera K: singular"),
    ("size", [10**30, 5], "camera width"),
])
def test_case03_a_camera_that_cannot_be_used_is_refused(tmp_path, field, value, match):
    record = fr.record()
    record["camera"][field] = value
    path = fr.ours(tmp_path / "f.exr", attributes={fr.FRAME_KEY: json.dumps(record)})
    refused(path, "camera", match)


# -- 4. The amodal record as a zlib bomb -----------------------------------------------


def test_case04_an_amodal_box_outside_its_canvas_is_refused_before_inflating(tmp_path):
    """A 30000x30000 box (the image is 64x48, its canvas 192x144) of 112 MB of zeros
    in 110 kB of zlib: it was inflated and unpacked (824 MiB in the issue's file)."""
    text = fr.amodal_record([fr.bomb([0, 0, 30000, 30000], 30000 * 3750)])
    path = fr.ours(tmp_path / "f.exr", attributes={fr.AMODAL_KEY: text})
    assert path.stat().st_size < 200_000
    tracemalloc.start()
    try:
        refused(path, "amodal_masks", "box [0, 0, 30000, 30000] is not inside the canvas "
                "[-64, -48, 128, 96]")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak  # the header and the record, nothing inflated


def test_case04_a_mask_that_inflates_past_its_box_is_stopped_there(tmp_path):
    """A box inside the canvas whose bits inflate to 64 MB: refused after inflating one
    byte more than the box holds, not after inflating all of it."""
    text = fr.amodal_record([fr.bomb([0, 0, 64, 48], 64 << 20)])
    path = fr.ours(tmp_path / "f.exr", attributes={fr.AMODAL_KEY: text})
    tracemalloc.start()
    try:
        refused(path, "amodal_masks", "more bytes for its box of 384")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 64 << 20, peak


def test_case04_the_masks_together_are_held_against_the_read_s_limit(tmp_path):
    """Many masks each inside the canvas: what they claim together is checked against
    the read's memory limit before any is inflated."""
    masks = [{**fr.bomb([-64, -48, 128, 96], 10), "name": f"m{i}"} for i in range(100)]
    path = fr.ours(tmp_path / "f.exr", attributes={fr.AMODAL_KEY: fr.amodal_record(masks)})
    with pytest.raises(GroundTruthError, match="claim 3110400 bytes, more than the limit "
                       "of 3000000 bytes; refused before inflating") as caught:
        _ = reader.read(path, max_bytes=3_000_000).amodal_masks
    assert str(caught.value).startswith(f"{path}: ")
    good = fr.ours(tmp_path / "g.exr", attributes={fr.AMODAL_KEY: fr.amodal_record()})
    mask = next(iter(reader.read(good).amodal_masks.values()))
    assert mask.box == (10, 10, 14, 13) and mask.crop.all() and mask.pixels == 12


# -- 5. Multi-part files whose parts differ in size ------------------------------------


@pytest.mark.parametrize("second, layers, what", [
    ((20, 10), ("depth",), "distance"),
    ((80, 60), ("cryptomatte_object",), "instance_id"),
])
def test_case05_parts_of_another_size_are_refused_from_the_headers(
        tmp_path, second, layers, what, decoder, exr_opens):
    """``depth`` came back 20x10 for a 64x48 frame (then ``distance`` raised
    ValueError); a larger Cryptomatte part gave IndexError from ``instance_id``."""
    path = fr.multipart(tmp_path / "f.exr", second, layers)
    del exr_opens[:]  # the writes
    refused(path, what, f"part 1 has {second[0]}x{second[1]} pixels, the first part 64x48")
    assert all(exr_opens)  # refused from the headers: no pixel was decoded


# -- 6. Deep files ------------------------------------------------------------------------


def test_case06_a_deep_file_is_refused_before_any_pixel_is_decoded(tmp_path, decoder,
                                                                   exr_opens):
    """A deep file was decoded whole (~800 MiB for 272 kB) before it was refused."""
    path = fr.deep(tmp_path / "deep.exr")
    del exr_opens[:]  # the writes
    refused(path, "depth", "a deep EXR image (deepscanline: several samples per pixel)")
    assert exr_opens and all(exr_opens)  # headers only


# -- 7. instance_id without a Cryptomatte layer ----------------------------------------


def test_case07_instance_id_without_cryptomatte_is_a_ground_truth_error(tmp_path, decoder):
    """``instance_id`` returned ``None`` (TypeError with instanced copies in the record,
    from ``occlusion_order()`` too)."""
    plain = fr.ours(tmp_path / "plain.exr", drop_channels=("cryptomatte",))
    refused(plain, "instance_id", "instance_id needs the Cryptomatte object layer")
    record = json.dumps(_instanced(fr.record()["objects"][1]["object_to_world"]))
    copies = fr.ours(tmp_path / "copies.exr", drop_channels=("cryptomatte",),
                     attributes={fr.FRAME_KEY: record, fr.AMODAL_KEY: fr.amodal_record()})
    refused(copies, "instance_id", "instance_id needs the Cryptomatte object layer")
    refused(copies, "occlusion_order()", "instance_id needs the Cryptomatte object layer")


# -- 8. The memory limit: only finite positive numbers ---------------------------------


@pytest.mark.parametrize("value", ["inf", "1e400", "nan", "-5", "0", "lots", "0.5"])
def test_case08_a_memory_limit_that_is_not_a_finite_positive_number_is_refused(
        tmp_path, monkeypatch, value):
    """``GT_READER_MAX_BYTES=inf`` or ``1e400``: every read raised OverflowError."""
    path = fr.ours(tmp_path / "f.exr")
    monkeypatch.setenv(decode.MAX_BYTES_VARIABLE, value)
    refused(path, "depth", f"the memory limit GT_READER_MAX_BYTES={value!r} is not a "
            "finite number of bytes")
    monkeypatch.delenv(decode.MAX_BYTES_VARIABLE)
    with pytest.raises(GroundTruthError, match="the memory limit max_bytes=inf"):
        reader.read(path, max_bytes=float("inf"))
    monkeypatch.setenv(decode.MAX_BYTES_VARIABLE, "1e9")  # a float is fine
    assert reader.read(path).depth.shape == (48, 64)


# -- 9. Memory pressure: the same outcome on both paths -------------------------------


def test_case09_under_memory_pressure_both_paths_say_not_enough_memory(tmp_path):
    """A DWAB file within the budget, read in a child whose address space is too small
    for its arrays: "not enough memory" on the native path, but "damaged EXR file" on
    the planes path (the bindings only warn, and drop the part)."""
    import OpenEXR

    size = 3072
    planes = {f"image.{c}": np.full((size, size), 0.5, np.float32) for c in "RGBA"}
    planes["depth.V"] = np.full((size, size), 3.0, np.float32)
    path = tmp_path / "big.exr"
    OpenEXR.File({"compression": OpenEXR.DWAB_COMPRESSION, "type": OpenEXR.scanlineimage},
                 planes).write(str(path))
    del planes
    got = fs.read_in_child(path, 400)
    assert "error" not in got, got
    assert got["native"][0] == got["planes"][0] == "GroundTruthError", got
    assert got["native"] == got["planes"], got  # the same words on both paths
    assert "not enough memory to read it" in got["planes"][1], got


# -- 10. Threads and process pools: no process-wide state changed ---------------------


def test_case10_reads_from_threads_leave_sys_stdout_alone(tmp_path, capsys):
    """``decode.open_exr`` redirected ``sys.stdout`` (process-wide) around each open:
    after reads from 8 threads it was left a StringIO, and print() output was lost."""
    good = fr.ours(tmp_path / "good.exr")
    cut = tmp_path / "cut.exr"
    cut.write_bytes(good.read_bytes()[:-3000])  # the bindings warn while decoding it
    before = sys.stdout
    stop = threading.Event()
    printed = []

    def work(_):
        for _ in range(25):
            reader.read(good)
            try:
                _ = reader.read(cut).depth
            except GroundTruthError:
                pass
        return True

    def talk():
        while not stop.is_set():
            print("main", end="")
            printed.append(1)

    talker = threading.Thread(target=talk)
    talker.start()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        assert all(pool.map(work, range(8)))
    stop.set()
    talker.join()
    assert sys.stdout is before
    assert capsys.readouterr().out.count("main") == len(printed)  # nothing lost


# Forking while threads run is the point here (Python 3.12+ warns about it).
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
@pytest.mark.parametrize("method", ["fork", "forkserver", "spawn"])
def test_case10_process_pools_of_every_start_method_read_while_threads_read(
        tmp_path, method):
    """Reads in a pool of two processes, started while 4 threads of this process keep
    reading (a lock held at the fork would hang the workers): the same arrays."""
    path = fr.ours(tmp_path / "f.exr")
    expected = fr.read_digest(str(path))
    stop = threading.Event()

    def keep_reading():
        while not stop.is_set():
            fr.read_digest(str(path))

    readers = [threading.Thread(target=keep_reading, daemon=True) for _ in range(4)]
    for each in readers:
        each.start()
    try:
        context = multiprocessing.get_context(method)
        with context.Pool(2) as pool:
            got = pool.map_async(fr.read_digest, [str(path)] * 6).get(timeout=120)
    finally:
        stop.set()
        for each in readers:
            each.join()
    assert got == [expected] * 6


# -- 11. The command line names the file ----------------------------------------------


def test_case11_the_command_line_names_the_file_of_every_hostile_header(tmp_path, capsys):
    """17 of 116 hostile runs of ``blender-gt info`` ended in "unexpected X ... (a bug
    in blender-gt)" without the file's name (cases 1, 2, 3, 5, 7)."""
    no_crypto = json.dumps(_instanced(fr.record()["objects"][1]["object_to_world"]))
    camera = fr.record()
    camera["camera"]["world_to_camera"] = [[0.0] * 4] * 4
    files = [
        fr.ours(tmp_path / "frame.exr", Frame="--1"),
        fr.ours(tmp_path / "nested.exr", attributes={fr.FRAME_KEY: _nested(50_000)}),
        fr.ours(tmp_path / "manifest.exr", attributes={fr.MANIFEST_KEY: _nested(50_000)}),
        fr.ours(tmp_path / "singular.exr",
                attributes={fr.FRAME_KEY: json.dumps(_instanced([[0.0] * 4] * 4))}),
        fr.ours(tmp_path / "camera.exr", attributes={fr.FRAME_KEY: json.dumps(camera)}),
        fr.multipart(tmp_path / "parts.exr"),
        fr.ours(tmp_path / "copies.exr", drop_channels=("cryptomatte",),
                attributes={fr.FRAME_KEY: no_crypto}),
    ]
    for path in files:
        for args in (["info", str(path)], ["info", "--header-only", str(path)]):
            code = cli.main(args)
            err = capsys.readouterr().err
            if code == 0:
                assert path.name == "copies.exr", err  # info does not ask for instance_id
                continue
            assert code == 1, (path, err)
            assert err.startswith(f"blender-gt: error: {path}: "), err
            assert "unexpected" not in err and err.count("\n") == 1, err


def test_case11_an_unexpected_error_still_names_the_file(tmp_path, capsys, monkeypatch):
    """A bug (any exception but GroundTruthError) while ``info`` reads a file: the one
    line still names the file it was reading."""
    path = fr.ours(tmp_path / "f.exr")

    def broken(*args, **kwargs):
        raise KeyError("a bug")

    monkeypatch.setattr(reader.GroundTruthFrame, "get", broken)
    assert cli.main(["info", str(path)]) == 1
    err = capsys.readouterr().err
    assert err == (f"blender-gt: error: {path}: unexpected KeyError: 'a bug' (a bug in "
                   "blender-gt; BLENDER_GT_DEBUG=1 shows the traceback)\n"), err


# -- 12. Mip- and rip-mapped files; interpreter exit while threads read ---------------


@pytest.mark.parametrize("mode", ["MIPMAP", "RIPMAP"])
def test_case12_multi_resolution_files_are_refused_as_unsupported(
        tmp_path, mode, decoder, exr_opens):
    """Valid mip- and rip-mapped files were refused as "damaged EXR file" (or their
    first level read as if it were the file)."""
    path = fr.tiled_levels(tmp_path / f"{mode}.exr", mode)
    message = refused(path, "depth", f"unsupported ({mode.lower()}ped tiles")
    assert "damaged" not in message
    assert all(exr_opens)


_EXIT_WHILE_READING = """
import sys, threading, time
from blender_gt_addon import reader
from blender_gt_addon.reader import native
native.ENABLED = {native!r}
def loop():
    while True:
        reader.read({path!r}).image
for _ in range(6):
    threading.Thread(target=loop, daemon=True).start()
time.sleep({sleep})
print("exiting", flush=True)
"""


@pytest.mark.parametrize("use_native, sleeps", [(False, (0.2, 0.3, 0.45, 0.6)),
                                                (True, (0.3,))])
def test_case12_exiting_while_daemon_threads_read_is_a_clean_exit(tmp_path, use_native,
                                                                  sleeps):
    """The interpreter exiting while daemon threads were mid-read (through the
    package: OpenEXR's thread pool destroyed under them) aborted with "terminate
    called without an active exception" (2 runs of 6, and at least 1 of these 4, before the fix)."""
    import OpenEXR

    rng = np.random.default_rng(1)
    path = tmp_path / "f.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                 {f"image.{c}": rng.random((768, 768), np.float32) for c in "RGBA"}
                 ).write(str(path))
    for sleep in sleeps:
        script = _EXIT_WHILE_READING.format(native=use_native, path=str(path), sleep=sleep)
        done = subprocess.run([sys.executable, "-c", script], capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "exiting"
        assert "terminate called" not in done.stderr


def test_case12_an_exit_handler_may_still_read_a_file(tmp_path):
    """The exit waits for daemon threads' decodes, but a read by an exit handler that
    runs after the reader's (on the main thread) goes on instead of waiting forever."""
    p = str(fr.ANALYTIC)
    # Registered before the reader is imported: it runs after the reader's handler.
    late = (f"import atexit\natexit.register(lambda: print(__import__("
            f"'blender_gt_addon.reader', fromlist=['read']).read({p!r}).depth.shape))\n"
            f"from blender_gt_addon import reader\nreader.read({p!r}).depth\n")
    for each in (late,):
        done = subprocess.run([sys.executable, "-c", each], capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == "(48, 64)"


def test_records_module_bounds_what_other_records_parse():
    """The helpers other parsers of header records use (reader/records.py)."""
    from blender_gt_addon.reader import records

    with pytest.raises(GroundTruthError, match=r"^f\.exr: unreadable keypoints in the "
                       r"header \(xy: of shape \(2, 3\), not \(None, 2\)\)$"):
        with records.reading(Path("f.exr"), "keypoints"):
            records.matrix([[1, 2, 3], [4, 5, 6]], (None, 2), "xy")
    with pytest.raises(GroundTruthError, match="holds something else than numbers"):
        with records.reading(Path("f.exr"), "keypoints"):
            records.matrix([["1", 2]], (None, 2), "xy")
    with pytest.raises(GroundTruthError, match="NaN is not a number JSON allows"):
        with records.reading(Path("f.exr"), "keypoints"):
            records.load_json('{"x": NaN}')
    assert records.load_json('{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}') == {
        "a": "[" * 38}  # brackets inside strings do not count


# -- 13. The rolling-shutter record (issue 26) -------------------------------------------


def _rolling(**change) -> str:
    """The analytic frame record with a rolling shutter entry (48 rows, one moving
    object "Back"), then ``change`` applied to the ``rolling`` entry."""
    record = fr.record()
    eye = np.eye(4).tolist()
    rolling = {"type": "TOP", "duration": 0.0, "world_to_camera": [eye] * 48,
               "objects": {"Back": [eye] * 48}}
    rolling.update(change)
    record["shutter"] = {"position": "CENTER", "length": 0.5, "time": 2, "open": 1.75,
                         "close": 2.25, "curve": [[0, 1], [1, 1]], "rolling": rolling}
    return json.dumps(record)


@pytest.mark.parametrize("change, match", [
    ({"objects": {"Back": [np.zeros((4, 4)).tolist()] * 48}}, "row 0 pose of 'Back'"),
    ({"objects": {"Back": [np.eye(4).tolist()] * 47}}, "47 row poses of 'Back' for 48"),
    ({"world_to_camera": [np.eye(4).tolist()] * 50, "objects": {}},
     "50 row cameras for 48 rows"),
    ({"world_to_camera": [np.eye(4).tolist()] * 50}, "48 row poses of 'Back' for 50 rows"),
    ({"objects": [1, 2]}, "row poses are not an object"),
    ({"objects": {"Back": [[[1e400] * 4] * 4] * 48}}, "row poses of 'Back' of shape"),
    ({"objects": {"Back": "many"}}, "row poses of 'Back': not 4x4 matrices"),
    ({"duration": 2.0}, "duration 2.0"),
])
def test_case13_a_damaged_rolling_shutter_record_is_refused_naming_the_file(
        tmp_path, change, match):
    """Row poses are inverted by the rows' checks and rolling flow: a singular one, or
    a count that is not the image's rows, must not reach numpy as a LinAlgError or an
    IndexError."""
    text = _rolling(**change).replace("Infinity", "1e400")
    path = fr.ours(tmp_path / "f.exr", attributes={fr.FRAME_KEY: text})
    for what in ("shutter", "row_times"):
        refused(path, what, match)
    good = fr.ours(tmp_path / "g.exr", attributes={fr.FRAME_KEY: _rolling()})
    gt = reader.read(good)
    assert sorted(gt.shutter.row_object_to_world) == ["Back"]
    assert gt.row_times.shape == (48,)
