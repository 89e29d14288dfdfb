# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzz the reader with damaged EXR files, in a child process. No Blender.

Run by ``test_reader_robustness.py`` as::

    python fuzz_reader_child.py fuzz SEEDS_DIR WORK_DIR EXAMPLES SEED MEMORY_MB
    python fuzz_reader_child.py cuts FILE WORK_DIR MEMORY_MB STEP

The child caps its address space (a memory blow-up becomes a clean failure).

``cuts`` cuts FILE at every STEP-th byte and at every byte near the start of a
chunk (8 bytes either side), as it is and as a writer killed mid-frame leaves
it (chunk tables still zero): every one must raise GroundTruthError.

``fuzz`` lets hypothesis build EXAMPLES mutations of the seed files (cut short,
cut short after a chunk table left zeroed as by a killed writer, bytes and bits
overwritten, 32/64-bit fields set to edge values, bytes inserted or deleted,
two files spliced, random bytes after the magic number) and reads each one
completely. Every mutated file goes to ``WORK_DIR/current.exr`` before it is
read, so after a segfault or a hang (SIGALRM ends the child when one file takes
longer than ``TRIAL_SECONDS``) that file is the reproducer.

The properties: reading raises nothing but ``GroundTruthError``, whose message
names the file; a file cut short is never read as good; arrays read from a file
that was not refused have the documented shapes and types. The outcome counts go
to ``WORK_DIR/result.json``; a violation also goes there, shrunk by hypothesis.
"""

from __future__ import annotations

import collections
import contextlib
import io
import json
import os
import re
import resource
import signal
import struct
import sys
import time
import traceback
from pathlib import Path

import numpy as np
import OpenEXR

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from blender_gt_addon import camera as cammod  # noqa: E402
from blender_gt_addon import reader  # noqa: E402

TRIAL_SECONDS = 20  # one file; the slowest seen take milliseconds
H, W = 40, 4  # several chunks per codec: ZIP 16 lines, PIZ 32, NONE/RLE/ZIPS 1

# -- Seed files --------------------------------------------------------------------


def _planes(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Our layers, with smooth and repeated values so every codec really compresses."""
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    depth = 2.0 + 0.25 * yy + 0.5 * xx
    depth[:, : W // 2] = 1e10  # background, as Cycles writes it
    planes = {
        "image.R": (yy / H).astype(np.float16), "image.G": (xx / W).astype(np.float16),
        "image.B": np.full((H, W), 0.5, np.float16), "image.A": np.ones((H, W), np.float16),
        "depth.V": depth,
        "normal.X": np.zeros((H, W), np.float32), "normal.Y": np.zeros((H, W), np.float32),
        "normal.Z": np.ones((H, W), np.float32),
        "object_index.V": (yy // 8).astype(np.float32),
        "material_index.V": (xx // 2).astype(np.float32),
        "emission.R": np.zeros((H, W), np.float16), "emission.G": np.zeros((H, W), np.float16),
        "emission.B": np.zeros((H, W), np.float16), "emission.A": np.ones((H, W), np.float16),
        "cryptomatte_object.r": np.full((H, W), 4.6e-41, np.float32),  # bits 0x00007f00
        "cryptomatte_object.g": np.ones((H, W), np.float32),
        "cryptomatte_object.b": np.zeros((H, W), np.float32),
        "cryptomatte_object.a": np.zeros((H, W), np.float32),
    }
    for i, c in enumerate("XYZW"):
        planes[f"vector.{c}"] = (rng.integers(-4, 5, (H, W)) * 0.25 + i).astype(np.float32)
    return planes


def _header(compression, **extra) -> dict:
    cam = cammod.Camera(K=np.array([[50.0, 0, 1.5], [0, 50.0, 19.5], [0, 0, 1]]),
                        world_to_camera=np.eye(4), width=W, height=H, clip_start=0.1,
                        clip_end=100.0)
    hexhash = "00007f00"
    head = {"compression": compression, "type": OpenEXR.scanlineimage, "Frame": "012",
            "Note": cammod.encode(cam, 12),
            f"cryptomatte/{hexhash[:7]}/name": "cryptomatte_object",
            f"cryptomatte/{hexhash[:7]}/manifest": json.dumps({"Cube": hexhash}),
            f"cryptomatte/{hexhash[:7]}/hash": "MurmurHash3_32"}
    head.update(extra)
    return head


def write_seeds(folder: Path) -> dict[str, Path]:
    """The files the fuzzer starts from: our layout in every lossless codec, tiled,
    multi-part, and a plain RGB file as other tools write it. Returns name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(7)
    planes = _planes(rng)
    seeds = {}
    for name in ("NO", "ZIP", "ZIPS", "PIZ", "RLE"):
        path = folder / f"ours_{name.lower()}.exr"
        OpenEXR.File(_header(getattr(OpenEXR, f"{name}_COMPRESSION")),
                     dict(planes)).write(str(path))
        seeds[path.stem] = path
    tiles = OpenEXR.TileDescription()
    tiles.xSize, tiles.ySize, tiles.mode = 4, 16, OpenEXR.ONE_LEVEL
    path = folder / "ours_tiled_zip.exr"
    OpenEXR.File(_header(OpenEXR.ZIP_COMPRESSION, type=OpenEXR.tiledimage, tiles=tiles),
                 dict(planes)).write(str(path))
    seeds[path.stem] = path
    first = {k: v for k, v in planes.items() if k.split(".")[0] in ("image", "depth")}
    second = {k: v for k, v in planes.items() if k not in first}
    path = folder / "ours_multipart_zip.exr"
    OpenEXR.File([
        OpenEXR.Part(_header(OpenEXR.ZIP_COMPRESSION), first, "beauty"),
        OpenEXR.Part(_header(OpenEXR.ZIP_COMPRESSION), second, "data"),
    ]).write(str(path))
    seeds[path.stem] = path
    path = folder / "other_rgb_piz.exr"
    OpenEXR.File({"compression": OpenEXR.PIZ_COMPRESSION, "type": OpenEXR.scanlineimage},
                 {k[-1]: v for k, v in planes.items() if k.startswith("image.")
                  and not k.endswith("A")}).write(str(path))
    seeds[path.stem] = path
    return seeds


# -- The file layout, enough to play a writer that was killed -----------------------


def chunk_tables(data: bytes) -> tuple[int, int]:
    """(start, end) of the chunk offset tables: after the header(s), before the first chunk.

    An OpenEXR writer leaves these zero until it has written every chunk, so a file
    whose writer was killed has zero tables and is cut short somewhere after them.
    """
    multipart = bool(data[5] & 0x10)
    i = 8
    while True:
        while data[i] != 0:  # attributes: name\\0 type\\0 size value
            name_end = data.index(b"\0", i)
            type_end = data.index(b"\0", name_end + 1)
            (size,) = struct.unpack_from("<i", data, type_end + 1)
            i = type_end + 5 + size
        i += 1  # the header's closing null byte
        if not multipart or data[i] == 0:
            break
    if multipart:
        i += 1  # the empty header that ends the list
    (first_chunk,) = struct.unpack_from("<Q", data, i)
    return i, first_chunk


def chunk_starts(data: bytes) -> list[int]:
    """Where the chunks of a complete file start, from its tables."""
    start, end = chunk_tables(data)
    return list(struct.unpack_from(f"<{(end - start) // 8}Q", data, start))


def interrupted(data: bytes, cut: int) -> bytes:
    """The file as a writer killed after writing ``cut`` bytes leaves it."""
    start, end = chunk_tables(data)
    return (data[:start] + bytes(end - start) + data[end:])[:cut]


# -- Reading and judging one file ---------------------------------------------------


def read_everything(path: Path) -> None:
    """Everything a user can ask of a file; raises whatever the reader raises."""
    gt = reader.read(path)
    repr(gt)
    assert gt.width > 0 and gt.height > 0, (gt.width, gt.height)
    _ = gt.frame, gt.header, gt.channels, gt.layers
    cam = gt.camera
    _ = gt.names
    if not gt.passes:  # e.g. another tool's RGB file: read its pixels all the same
        image = reader.read_pass(path, "image")
        assert image.shape == (gt.height, gt.width, 4), image.shape
    for layer in gt.passes:
        array = gt.get(layer)
        assert array.shape[:2] == (gt.height, gt.width), (layer, array.shape)
        assert array.dtype in (np.float32, np.int32), (layer, array.dtype)
    if "normal" in gt.passes:
        assert gt.normal.shape == (gt.height, gt.width, 3)
    if "vector" in gt.passes:
        assert gt.flow_forward.shape == gt.flow_backward.shape == (gt.height, gt.width, 2)
    if "cryptomatte_object" in gt.passes:
        assert gt.instance_id.shape == (gt.height, gt.width)
    if {"cryptomatte_object", "object_index"} & set(gt.passes):
        gt.boxes()
        if "emission" in gt.passes:
            gt.emitting()
    if cam is not None and "depth" in gt.passes:
        assert gt.distance.shape == (gt.height, gt.width)
    if cam is not None and "normal" in gt.passes:
        assert gt.normal_camera.shape == (gt.height, gt.width, 3)


_RULES = [
    (r"damaged EXR file \(header: declares", "refused: data window larger than the file"),
    (r"damaged EXR file \(header: Unable to open", "damaged header (cannot open)"),
    (r"damaged EXR file \(header: .*codec can't decode", "damaged header (name not UTF-8)"),
    (r"damaged EXR file \(header", "damaged header (other)"),
    (r"damaged EXR file \(pixels: \d+ of \d+ parts", "damaged pixels (a part lost)"),
    (r"damaged EXR file \(pixels", "damaged pixels (channels lost)"),
    (r"subsampled channels", "subsampled channel"),
    (r"^not an OpenEXR file", "not an OpenEXR file"),
    (r"^an empty file", "empty file"),
    (r"^empty image", "empty data window"),
    (r"unreadable camera", "unreadable camera in the header"),
    (r"camera in the header is for", "camera size differs from the image"),
    (r"Cryptomatte manifest", "unreadable Cryptomatte manifest"),
    (r"lacks channels", "layer lacks channels"),
    (r"has no '", "asked for an output the file lacks"),
    (r"no view layer", "no such view layer"),
    (r"no image channels", "read_pass: no image channels"),
]


def kind_of(error: reader.GroundTruthError, path: Path) -> str:
    """A short name for the reason a GroundTruthError gives, without the file name."""
    reason = str(error).removeprefix(f"{path}: ")
    for pattern, kind in _RULES:
        if re.search(pattern, reason):
            return kind
    return "other: " + reason[:60]


def judge(data: bytes, path: Path, must_fail: bool,
          examples: dict[str, str] | None = None) -> tuple[str, str | None]:
    """Write ``data`` to ``path``, read it; (outcome, problem or None).

    ``examples`` collects the first message seen of each kind of GroundTruthError.
    """
    path.unlink(missing_ok=True)  # much faster than truncating it, on some file systems
    path.write_bytes(data)
    signal.alarm(TRIAL_SECONDS)  # default action: the child dies, the parent reports a hang
    try:
        with contextlib.redirect_stdout(io.StringIO()):  # the bindings' own warnings
            read_everything(path)
    except reader.GroundTruthError as exc:
        if str(path) not in str(exc):
            return "GroundTruthError", f"message does not name the file: {exc}"
        kind = "GroundTruthError: " + kind_of(exc, path)
        if examples is not None:
            examples.setdefault(kind, str(exc))
        return kind, None
    except MemoryError as exc:
        return "MemoryError", f"MemoryError: {exc}"
    except Exception as exc:
        return type(exc).__name__, "".join(traceback.format_exception(exc)[-4:])
    finally:
        signal.alarm(0)
    if must_fail:
        return "read as good", "a file cut short was read as a good one"
    return "read without error", None


# -- The child's commands -----------------------------------------------------------


def peak_mb() -> int:
    """This process's peak resident memory in MiB: VmHWM, which starts afresh at exec
    (ru_maxrss carries over the peak of the parent it was forked from)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def _start(work: Path, memory_mb: int) -> Path:
    """Cap the address space, let SIGALRM kill, make WORK_DIR; the file to read."""
    limit = memory_mb << 20
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    work.mkdir(parents=True, exist_ok=True)
    return work / "current.exr"


def cuts(file: Path, work: Path, memory_mb: int, step: int = 1) -> int:
    """Prefixes of ``file``, as it is and as a killed writer leaves it, must all fail.

    Every ``step``-th length, and every length within 8 bytes of a chunk's start
    (the chunk tables' end, and a chunk's y and size fields, included).
    """
    current = _start(work, memory_mb)
    data = file.read_bytes()
    near = {c + d for c in [*chunk_starts(data), len(data)] for d in range(-8, 9)}
    lengths = sorted({*range(0, len(data), step), *(n for n in near if 0 <= n < len(data))})
    counts: collections.Counter[str] = collections.Counter()
    messages: dict[str, str] = {}
    problems = []
    started = time.monotonic()
    for variant in ("cut", "killed writer"):
        for cut in lengths:
            damaged = data[:cut] if variant == "cut" else interrupted(data, cut)
            outcome, problem = judge(damaged, current, True, messages)
            counts[outcome] += 1
            if problem is not None:
                problems.append({"mutation": variant, "cut": cut, "outcome": outcome,
                                 "problem": problem})
    # The whole file with its tables still zero: the library rebuilds them.
    whole = interrupted(data, len(data))
    outcome, problem = judge(whole, current, False, messages)
    if problem is None:
        file_gt, whole_gt = reader.read(file), reader.read(current)
        for layer in file_gt.passes:
            if not np.array_equal(file_gt.get(layer), whole_gt.get(layer), equal_nan=True):
                problem = f"{layer} differs after the chunk tables were rebuilt"
    result = {"tried": sum(counts.values()) + 1, "outcomes": dict(counts),
              "messages": messages, "problems": problems[:5], "whole_with_zero_tables":
              problem or outcome, "seconds": round(time.monotonic() - started, 1)}
    (work / "result.json").write_text(json.dumps(result, indent=1))
    return 1 if problems or problem else 0


def fuzz(seeds_dir: Path, work: Path, examples: int, seed: int, memory_mb: int) -> int:
    """Read ``examples`` hypothesis-made mutations of the seeds; see the module docstring."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import seed as hypothesis_seed
    from hypothesis import strategies as st

    current = _start(work, memory_mb)
    seeds = {p.stem: p.read_bytes() for p in sorted(seeds_dir.glob("*.exr"))}
    names = sorted(seeds)
    counts: collections.Counter[str] = collections.Counter()
    by_mutation: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    problems: list[dict] = []
    messages: dict[str, str] = {}
    edge32 = [0, 1, 2, 0x7F, 0xFF, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
              0xFFFFFFFE, 100000, 65535]
    edge64 = [0, 1, 0x7FFFFFFFFFFFFFFF, 0x8000000000000000, 0xFFFFFFFFFFFFFFFF, 1 << 32,
              1 << 40]

    @st.composite
    def mutated(draw):
        def at(low: int, high: int) -> int:
            """A position in [low, high], uniform: hypothesis favours small integers."""
            return low + draw(st.integers(0, 2**32 - 1)) % (high - low + 1)

        name = draw(st.sampled_from(names))
        data = seeds[name]
        n = len(data)
        how = draw(st.sampled_from([
            "cut", "killed writer", "bytes", "bits", "header bytes", "int32", "int64",
            "insert", "delete", "splice", "random tail",
        ]))
        if how == "cut":
            return name, how, data[: at(0, n - 1)], True
        if how == "killed writer":
            return name, how, interrupted(data, at(0, n - 1)), True
        out = bytearray(data)
        if how in ("bytes", "header bytes"):
            top = chunk_tables(data)[1] - 1 if how == "header bytes" else n - 1
            for _ in range(draw(st.integers(1, 8))):
                out[at(4, top)] = draw(st.integers(0, 255))  # 4: past the magic number
        elif how == "bits":
            for _ in range(draw(st.integers(1, 8))):
                out[at(4, n - 1)] ^= 1 << draw(st.integers(0, 7))
        elif how in ("int32", "int64"):
            size = 4 if how == "int32" else 8
            pos = at(4, n - size)
            edges = edge32 if size == 4 else edge64
            value = draw(st.sampled_from(edges) | st.integers(0, (1 << (8 * size)) - 1))
            out[pos: pos + size] = value.to_bytes(size, "little")
        elif how == "insert":
            pos = at(4, n)
            out[pos:pos] = draw(st.binary(min_size=1, max_size=16))
        elif how == "delete":
            pos = at(4, n - 1)
            del out[pos: pos + draw(st.integers(1, 64))]
        elif how == "splice":
            other = seeds[draw(st.sampled_from(names))]
            out = out[: at(4, n)] + other[at(4, len(other)):]
        else:  # random tail
            out = out[:4] + draw(st.binary(min_size=0, max_size=2048))
        return name, how, bytes(out), False

    @hypothesis_seed(seed)
    @settings(max_examples=examples, database=None, deadline=None, derandomize=False,
              phases=(Phase.generate, Phase.shrink), suppress_health_check=list(HealthCheck),
              report_multiple_bugs=False)
    @given(mutated())
    def one_file(case):
        name, how, data, must_fail = case
        outcome, problem = judge(data, current, must_fail and data != seeds[name], messages)
        if problem is None:
            counts[outcome] += 1
            by_mutation[how][outcome] += 1
            return
        problems.append({"seed": name, "mutation": how, "outcome": outcome,
                         "problem": problem, "size": len(data)})
        (work / "failing.exr").write_bytes(data)
        raise AssertionError(f"{name}, {how}: {outcome}: {problem}")

    started = time.monotonic()
    failure = None
    try:
        one_file()
    except AssertionError as exc:
        failure = str(exc)
    result = {
        "tried": sum(counts.values()) + len(problems), "outcomes": dict(counts),
        "by_mutation": {k: dict(v) for k, v in by_mutation.items()},
        "messages": messages, "problems": problems[-3:], "failure": failure, "seeds": names,
        "seconds": round(time.monotonic() - started, 1),
        "max_rss_mb": peak_mb(),
    }
    (work / "result.json").write_text(json.dumps(result, indent=1))
    return 1 if failure else 0


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "cuts":
        code = cuts(Path(args[0]), Path(args[1]), int(args[2]), int(args[3]))
    else:
        code = fuzz(Path(args[0]), Path(args[1]), int(args[2]), int(args[3]), int(args[4]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
