# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Structured fuzzing of the reader's two decoding paths (issue 21). No Blender.

The mutations know the OpenEXR layout: they change one field of a file in the
add-on's layout (every codec, half and float, an offset data window, tiled and
multi-part files) the way an attacker would, not only random bytes:

- ``window``: the data window set to edge values or to huge claims (rows of 2**27,
  2**28, 2**29 pixels, 2**31-wide windows, negative origins), sometimes with the file
  padded by a large header attribute so that the claim looks plausible for its size;
- ``sampling``: a channel's xSampling / ySampling set to 2, 4 or an edge value
  (channels the native path decodes and channels it skips alike);
- ``pixel type``, ``compression``, ``line order``: one header byte or word changed;
- ``chunk table``: an offset set to 0, another chunk's, the file's end, an edge value;
- ``chunk y`` / ``chunk size``: a chunk's leader changed; ``chunk bytes``: bytes in
  its compressed data overwritten; ``truncate``: cut at or near a chunk boundary;
- ``bits``: random bits anywhere past the magic number.

Each file is read completely twice in the same child, through the native decoder
(reader/native.py) and through the openexr package's planes (``native.ENABLED =
False``); the property is the issue's "one rule": both refuse it with the same
``GroundTruthError`` text, or both read the same arrays (NaN payloads excepted, see
docs/reader-safety.md), and nothing but ``GroundTruthError`` escapes.

Files are numbered: file ``i`` of run ``seed`` is made from ``random.Random((seed,
i))`` alone, so a child that crashes is restarted after the file that crashed it,
and that file can be made again (:func:`mutated`). A child reads a range of files:

    python fuzz_structured.py child SEEDS_DIR WORK_DIR SEED FIRST COUNT MEMORY_MB

A child that reads one file through both paths and prints what happened (JSON:
the two outcomes, whether the native decoder filled the arrays, its peak memory):

    python fuzz_structured.py both FILE MEMORY_MB

``MEMORY_MB`` caps the child's address space (0: no cap, for AddressSanitizer
builds, whose shadow memory needs terabytes of address space); ``GT_FUZZ_KERNELS``
names a build of the C module to load instead of the installed one (the
AddressSanitizer build of scripts/build_asan.sh). :func:`run` is the parent.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import json
import os
import random
import re
import resource
import signal
import struct
import subprocess
import sys
import time
from pathlib import Path

TRIAL_SECONDS = 30  # one file, both paths; the slowest seen take well under a second
H, W = 36, 12  # several chunks of every codec but DWAB / HTJ2K256 (256 lines)
CODECS = ("NO", "RLE", "ZIPS", "ZIP", "PIZ", "PXR24", "B44", "B44A", "DWAA", "DWAB",
          "HTJ2K32", "HTJ2K256", "ZSTD")
MUTATIONS = ("window", "sampling", "pixel type", "compression", "line order",
             "chunk table", "chunk y", "chunk size", "chunk bytes", "truncate", "bits")

# -- Seed files ----------------------------------------------------------------------


def _planes(half: bool) -> dict:
    """Every output of the add-on's layout, smooth so that every codec compresses."""
    import numpy as np

    from blender_gt_addon.conventions import cryptomatte_pixel_bits

    rng = np.random.default_rng(21)
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    colour = np.float16 if half else np.float32
    depth = 2.0 + 0.25 * yy + 0.5 * xx
    depth[:, : W // 3] = 1e10
    hashes = cryptomatte_pixel_bits(np.array([0x803B1009, 0x1A2B3C4D], np.int64))
    planes = {
        "depth.V": depth.astype(np.float32),
        "object_index.V": (yy // 8).astype(np.float32),
        "material_index.V": (xx // 4).astype(np.float32),
        "cryptomatte_object.r": hashes[(xx // 6).astype(int)].astype(np.uint32).view(np.float32),
        "cryptomatte_object.g": np.full((H, W), 0.75, np.float32),
        "cryptomatte_object.b": hashes[1 - (xx // 6).astype(int)].astype(np.uint32).view(
            np.float32),
        "cryptomatte_object.a": np.full((H, W), 0.25, np.float32),
    }
    for c, v in zip("RGBA", (yy / H, xx / W, 0.5 + 0 * xx, 1 + 0 * xx), strict=True):
        planes[f"image.{c}"] = v.astype(colour)
        planes[f"emission.{c}"] = (v * 2).astype(colour)
        planes[f"albedo.{c}"] = v.astype(np.float32)
    for i, c in enumerate("XYZ"):
        planes[f"normal.{c}"] = (rng.normal(size=(H, W))).astype(np.float32)
        position = (xx + i).astype(np.float32)
        position[:2] = 0
        planes[f"position.{c}"] = position
    for i, c in enumerate("XYZW"):
        planes[f"vector.{c}"] = (rng.integers(-4, 5, (H, W)) * 0.25 + i).astype(np.float32)
    return planes


def _header(OpenEXR, codec: str, **extra) -> dict:
    head = {"compression": getattr(OpenEXR, f"{codec}_COMPRESSION"),
            "type": OpenEXR.scanlineimage, "Frame": "21",
            "cryptomatte/0a1b2c3/name": "cryptomatte_object",
            "cryptomatte/0a1b2c3/hash": "MurmurHash3_32",
            "cryptomatte/0a1b2c3/conversion": "uint32_to_float32",
            "cryptomatte/0a1b2c3/manifest": json.dumps({"Box": "803b1009", "Cone": "1a2b3c4d"})}
    head.update(extra)
    return head


def write_seeds(folder: Path) -> list[Path]:
    """The files the mutations start from, sorted by name: our layout in every codec
    (half colour), ZIP and DWAB in full float, ZIP with a data window not at 0, a tiled
    and a two-part file, and a file with a subsampled channel the native path skips."""
    import OpenEXR

    folder.mkdir(parents=True, exist_ok=True)
    half, full = _planes(True), _planes(False)
    files = {}
    for codec in CODECS:
        files[f"ours_{codec.lower()}_half"] = (_header(OpenEXR, codec), half)
    for codec in ("ZIP", "DWAB"):
        files[f"ours_{codec.lower()}_float"] = (_header(OpenEXR, codec), full)
    files["ours_zip_origin"] = (_header(OpenEXR, "ZIP", dataWindow=((7, -5), (6 + W, H - 6)),
                                        displayWindow=((0, 0), (6 + W, H - 6))), half)
    for name, (head, planes) in files.items():
        OpenEXR.File(head, dict(planes)).write(str(folder / f"{name}.exr"))
    # albedo.A (a channel the native path skips) sampled every second row: the
    # bindings cannot write one subsampled channel among others, so it is patched in
    data = (folder / "ours_zip_half.exr").read_bytes()
    at = dict(channel_fields(data))["albedo.A"]
    data = data[:at + 12] + struct.pack("<i", 2) + data[at + 16:]
    (folder / "ours_zip_subsampled.exr").write_bytes(data)
    tiles = OpenEXR.TileDescription()
    tiles.xSize, tiles.ySize, tiles.mode = 8, 16, OpenEXR.ONE_LEVEL
    OpenEXR.File(_header(OpenEXR, "ZIP", type=OpenEXR.tiledimage, tiles=tiles),
                 dict(half)).write(str(folder / "ours_tiled_zip.exr"))
    first = {k: v for k, v in half.items() if k.startswith(("image", "depth"))}
    second = {k: v for k, v in half.items() if k not in first}
    OpenEXR.File([OpenEXR.Part(_header(OpenEXR, "ZIP"), first, "beauty"),
                  OpenEXR.Part(_header(OpenEXR, "PIZ"), second, "data")]).write(
        str(folder / "ours_multipart.exr"))
    return sorted(folder.glob("*.exr"))


# -- The layout of a single-part scanline file -----------------------------------------


def attributes(data: bytes) -> tuple[dict[str, tuple[str, int, int]], int]:
    """({name: (type, value offset, value size)} of the first header, its end)."""
    found = {}
    i = 8
    while i < len(data) and data[i] != 0:
        name_end = data.index(b"\0", i)
        type_end = data.index(b"\0", name_end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        found[data[i:name_end].decode("latin-1")] = (
            data[name_end + 1:type_end].decode("latin-1"), type_end + 5, size)
        i = type_end + 5 + size
    return found, i + 1


def channel_fields(data: bytes) -> list[tuple[str, int]]:
    """(channel name, offset of its pixel type) in the channel list: the int32 pixel
    type, then pLinear and 3 reserved bytes, then int32 xSampling and ySampling."""
    kind, at, size = attributes(data)[0]["channels"]
    fields = []
    i = at
    while i < at + size - 1 and data[i] != 0:
        end = data.index(b"\0", i)
        fields.append((data[i:end].decode("latin-1"), end + 1))
        i = end + 17
    return fields


def chunk_table(data: bytes) -> tuple[int, list[int]]:
    """(where the offset table starts, the chunks' offsets) of a single-part file."""
    found, end = attributes(data)
    _, at, _ = found["dataWindow"]
    y0, y1 = struct.unpack_from("<i", data, at + 4)[0], struct.unpack_from("<i", data, at + 12)[0]
    codec = data[found["compression"][1]]
    lines = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256,
             10: 256, 11: 32, 12: 256}.get(codec, 1)
    count = max(0, min((y1 - y0) // lines + 1, (len(data) - end) // 8))
    return end, list(struct.unpack_from(f"<{count}Q", data, end))


def with_attribute(data: bytes, name: str, kind: str, value: bytes) -> bytes:
    """The file with one more header attribute (before the header's closing null byte):
    every chunk moves, so the offsets in the table move with it."""
    table, offsets = chunk_table(data)
    extra = name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value
    moved = struct.pack(f"<{len(offsets)}Q", *(o + len(extra) if o else 0 for o in offsets))
    return (data[:table - 1] + extra + data[table - 1:table] + moved
            + data[table + 8 * len(offsets):])


# -- The mutations -------------------------------------------------------------------

_EDGE32 = [0, 1, 2, 3, 4, 0x7F, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF,
           0xFFFFFFFE, 1 << 27, (1 << 27) - 1, 1 << 28, 1 << 29]
_EDGE64 = [0, 1, 0x7FFFFFFFFFFFFFFF, 0xFFFFFFFFFFFFFFFF, 1 << 32, 1 << 40, 8]
_WIDTHS = [1, 2, W - 1, W + 1, 65536, (1 << 27) - 1, 1 << 27, 1 << 28, 1 << 29, (1 << 31) - 1]
_HEIGHTS = [1, 2, 3, H - 1, H + 1, 32768, 1 << 20]


def mutated(seeds: list[bytes], names: list[str], seed: int, index: int
            ) -> tuple[str, str, bytes]:
    """(seed file name, mutation, bytes) of file ``index`` of run ``seed``."""
    rng = random.Random(f"{seed}-{index}")
    which = rng.randrange(len(seeds))
    data, name = seeds[which], names[which]
    how = MUTATIONS[index % len(MUTATIONS)]  # every mutation equally often
    out = bytearray(data)
    found, header_end = attributes(data)
    single = not (data[5] & 0x12)  # not multi-part (0x10) nor tiled (0x02)
    if how == "window":
        w, h = rng.choice(_WIDTHS), rng.choice(_HEIGHTS)
        x0 = rng.choice([0, 0, -5, -(1 << 31), 1 << 30])
        y0 = rng.choice([0, 0, -5, -(1 << 31)])
        box = [x0, y0, x0 + w - 1, y0 + h - 1]
        if rng.random() < 0.2 and single:  # make the claim look plausible for the size
            how = "window, padded"
            out = bytearray(with_attribute(data, "padding", "string",
                                           bytes(rng.randrange(1 << 20, 2 << 20))))
        _, at, _ = attributes(bytes(out))[0]["dataWindow"]
        out[at:at + 16] = struct.pack("<4I", *(v & 0xFFFFFFFF for v in box))
        return name, how, bytes(out)
    elif how == "sampling":
        fields = channel_fields(data)
        _, at = rng.choice(fields)
        value = rng.choice([2, 4, 2, 0, 3, 0x7FFFFFFF, 0xFFFFFFFF])
        field = at + 8 + 4 * rng.randrange(2)  # xSampling or ySampling
        out[field:field + 4] = struct.pack("<I", value)
    elif how == "pixel type":
        _, at = rng.choice(channel_fields(data))
        out[at:at + 4] = struct.pack("<I", rng.choice([0, 1, 2, 3, 0xFFFFFFFF]))
    elif how == "compression":
        out[found["compression"][1]] = rng.choice(range(16))
    elif how == "line order":
        out[found["lineOrder"][1]] = rng.choice([0, 1, 2, 3, 255])
    elif how in ("chunk table", "chunk y", "chunk size", "chunk bytes", "truncate"):
        table, offsets = chunk_table(data) if single else (header_end, [])
        if not offsets:
            how = "bits"
        else:
            k = rng.randrange(len(offsets))
            if how == "chunk table":
                value = rng.choice([0, rng.choice(offsets), len(data), len(data) - 4,
                                    *_EDGE64])
                out[table + 8 * k: table + 8 * k + 8] = struct.pack("<Q", value)
            elif how in ("chunk y", "chunk size"):
                at = offsets[k] + (0 if how == "chunk y" else 4)
                if at + 4 <= len(data):
                    value = rng.choice([*_EDGE32, rng.randrange(1 << 32)])
                    out[at:at + 4] = struct.pack("<I", value)
            elif how == "chunk bytes":
                start = offsets[k] + 8
                end = offsets[k + 1] if k + 1 < len(offsets) else len(data)
                for _ in range(rng.randint(1, 6)):
                    if start < end:
                        out[rng.randrange(start, end)] = rng.randrange(256)
            else:
                cut = max(4, min(len(data) - 1, offsets[k] + rng.randint(-8, 16)))
                return name, how, bytes(out[:cut])
    if how == "bits":
        for _ in range(rng.randint(1, 8)):
            out[rng.randrange(4, len(out))] ^= 1 << rng.randrange(8)
    return name, how, bytes(out)


# -- Reading one file through both paths ----------------------------------------------

_ATTRIBUTES = ("instance_id",)


def _digest(array) -> str:
    """sha1 of an array's dtype, shape and bytes, every NaN made the same NaN (NaN
    payloads are unspecified, docs/reader-safety.md); in blocks of rows, so that the
    harness itself allocates little in a memory-limited child."""
    import numpy as np

    a = np.asarray(array)
    digest = hashlib.sha1(f"{a.dtype}{a.shape}".encode())
    if a.size == 0:  # (0, 0) and the like: nothing but the dtype and the shape
        return digest.hexdigest()[:16]
    rows = a.reshape(-1, *a.shape[1:]) if a.ndim else a.reshape(1)
    step = max(1, (1 << 20) // max(1, rows[:1].nbytes))
    for start in range(0, len(rows), step):
        block = np.ascontiguousarray(rows[start:start + step])
        if block.dtype.kind == "f":
            block = np.where(np.isnan(block), np.array(np.nan, block.dtype), block)
        digest.update(block.tobytes())
    return digest.hexdigest()[:16]


def read_both(path: Path) -> tuple[tuple, tuple]:
    """(native outcome, planes outcome); an outcome is ("GroundTruthError", message
    without the path), ("read", {attribute: digest}) or (another type, its message)."""
    from blender_gt_addon import reader
    from blender_gt_addon.reader import native

    def one() -> tuple:
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # the bindings' warnings
                gt = reader.read(path)
                got = {layer: _digest(gt.get(layer)) for layer in gt.passes}
                for name in _ATTRIBUTES:
                    if "cryptomatte_object" in gt.passes:
                        got[name] = _digest(getattr(gt, name))
                if "normal" in gt.passes:
                    got["normal_unit"] = _digest(gt.normal)
            return ("read", got)
        except reader.GroundTruthError as exc:
            message = str(exc)
            if str(path) not in message:
                return ("message without the file", message)
            return ("GroundTruthError", message.replace(str(path), "<file>"))
        except Exception as exc:  # noqa: BLE001 - what escapes is what is judged
            return (type(exc).__name__, str(exc)[:300])

    native.ENABLED = True
    first = one()
    native.ENABLED = False
    try:
        second = one()
    finally:
        native.ENABLED = True
    return first, second


def unstable(path: Path, native_outcome: tuple, planes_outcome: tuple, reads: int = 6) -> bool:
    """Whether either path gives another outcome when the file is read again: OpenEXR
    3.5.3 decodes some damaged HTJ2K chunks one way or the other from one read to the
    next (on either path, on one thread too), which no rule of the reader can make
    agree."""
    seen_native, seen_planes = {json.dumps(native_outcome)}, {json.dumps(planes_outcome)}
    for _ in range(reads):
        again = read_both(path)
        seen_native.add(json.dumps(again[0]))
        seen_planes.add(json.dumps(again[1]))
    return len(seen_native) > 1 or len(seen_planes) > 1


def kind_of(outcome: tuple) -> str:
    """A short name for an outcome: "read", or the reason's first words."""
    if outcome[0] != "GroundTruthError":
        return outcome[0]
    reason = re.sub(r"\d+", "N", outcome[1].removeprefix("<file>: "))
    return "refused: " + reason[:100]


# -- The child -----------------------------------------------------------------------


def _load_kernels() -> None:
    """Load the C module named by GT_FUZZ_KERNELS (an AddressSanitizer build) as the
    reader's, before the reader is imported."""
    so = os.environ.get("GT_FUZZ_KERNELS")
    if not so:
        return
    import importlib.util

    spec = importlib.util.spec_from_file_location("blender_gt_addon.reader._kernels", so)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    sys.modules["blender_gt_addon.reader._kernels"] = module


def child(seeds_dir: Path, work: Path, seed: int, first: int, count: int, memory_mb: int) -> int:
    """Read files first .. first + count - 1: each file in WORK/current.exr while it is
    read, a line a file in WORK/log-FIRST.jsonl once it was (so a crash loses nothing
    but the file that crashed), the child's figures in WORK/result-FIRST.json."""
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)  # a hang: the child dies, reported
    _load_kernels()
    from blender_gt_addon.reader import convert, native

    paths = sorted(seeds_dir.glob("*.exr"))
    seeds = [p.read_bytes() for p in paths]
    names = [p.stem for p in paths]
    work.mkdir(parents=True, exist_ok=True)
    current = work / "current.exr"
    log = open(work / f"log-{first}.jsonl", "w", buffering=1)  # a line written is kept
    started = time.monotonic()
    for index in range(first, first + count):
        name, how, data = mutated(seeds, names, seed, index)
        current.unlink(missing_ok=True)
        current.write_bytes(data)
        signal.alarm(TRIAL_SECONDS)
        native_outcome, planes_outcome = read_both(current)
        signal.alarm(0)
        kind = kind_of(native_outcome)
        problem = None
        if native_outcome[0] not in ("read", "GroundTruthError"):
            problem = f"native path: {native_outcome}"
        elif planes_outcome[0] not in ("read", "GroundTruthError"):
            problem = f"planes path: {planes_outcome}"
        elif native_outcome != planes_outcome:
            problem = f"the paths disagree: native {native_outcome} planes {planes_outcome}"
        line = {"index": index, "seed file": name, "mutation": how.split(",")[0],
                "kind": kind}
        if problem and unstable(current, native_outcome, planes_outcome):
            # Not the reader's rule broken: the library decodes this file differently
            # from one read to the next (docs/reader-safety.md, "Known limits").
            keep = work / f"unstable-{seed}-{index}.exr"
            keep.write_bytes(data)
            line.update(unstable=problem[:600], file=str(keep))
        elif problem:
            keep = work / f"disagree-{seed}-{index}.exr"
            keep.write_bytes(data)
            line.update(problem=problem[:600], file=str(keep))
        log.write(json.dumps(line) + "\n")
    log.close()
    result = {
        "first": first, "count": count, "seconds": round(time.monotonic() - started, 1),
        "max_rss_mb": peak_mb(), "native": native.available(),
        "kernels": getattr(convert._kernels, "__file__", None),
    }
    (work / f"result-{first}.json").write_text(json.dumps(result, indent=1))
    return 0


def peak_mb() -> int:
    """This process's peak resident memory in MiB (VmHWM: unlike ru_maxrss, it does not
    carry over the parent's peak through fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def both(path: Path, memory_mb: int) -> int:
    """Print ``{"native", "planes", "native_decoded", "max_rss_mb"}`` for one file read
    through both paths under an address-space cap (the regression tests' child)."""
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    _load_kernels()
    from blender_gt_addon.reader import convert

    decoded = []
    if convert._kernels is not None:
        real = convert._kernels.read_into

        def counting(*args):
            real(*args)
            decoded.append(True)

        convert._kernels.read_into = counting
    native_outcome, planes_outcome = read_both(path)
    print(json.dumps({"native": native_outcome, "planes": planes_outcome,
                      "native_decoded": bool(decoded), "max_rss_mb": peak_mb()}))
    return 0


def read_in_child(path: Path, memory_mb: int = 2048, env: dict | None = None,
                  timeout: float = 300) -> dict:
    """:func:`both` in a child process; its JSON, or ``{"error": ...}`` if it died."""
    done = subprocess.run([sys.executable, __file__, "both", str(path), str(memory_mb)],
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})
    if done.returncode != 0:
        return {"error": f"exit {done.returncode}", "stderr": done.stderr[-3000:]}
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- The parent ----------------------------------------------------------------------


def run(seeds_dir: Path, work: Path, seed: int, files: int, memory_mb: int = 3072,
        python: str = sys.executable, env: dict | None = None, batch: int = 500,
        child_timeout: float = 1800, max_crashes: int = 20, script: str = __file__) -> dict:
    """Read ``files`` mutated files in children, one child at a time (``batch`` files
    each); a child killed by a signal (a crash, or SIGALRM: a hang) is reported with
    the file it was reading, kept as ``WORK/crash-SEED-INDEX.exr``, and the run goes on
    after it (up to ``max_crashes``: past that the run stops, a broken setup rather
    than a file). ``script``: the children's module (this one, or fuzz_families.py,
    whose ``child`` writes the same logs). Returns the merged counts, problems (the
    paths disagree), crashes,
    and the files the library decodes differently from one read to the next
    (``unstable``, see :func:`unstable`)."""
    work.mkdir(parents=True, exist_ok=True)
    outcomes: collections.Counter[str] = collections.Counter()
    by_mutation: dict[str, collections.Counter[str]] = collections.defaultdict(
        collections.Counter)
    problems, crashes, seconds, rss, kernels = [], [], 0.0, 0, (None, None)
    unstable_files: list[dict] = []
    first, end = 0, files
    started = time.monotonic()
    while first < end:
        count = min(batch, end - first)
        args = [python, script, "child", str(seeds_dir), str(work), str(seed), str(first),
                str(count), str(memory_mb)]
        try:
            done = subprocess.run(args, capture_output=True, text=True, timeout=child_timeout,
                                  env={**os.environ, **(env or {})})
            code, stderr = done.returncode, done.stderr
        except subprocess.TimeoutExpired:
            code, stderr = -signal.SIGKILL, "the child took too long"
        log = work / f"log-{first}.jsonl"
        lines = [json.loads(x) for x in log.read_text().splitlines()] if log.exists() else []
        for line in lines:
            outcomes[line["kind"]] += 1
            by_mutation[line["mutation"]][line["kind"]] += 1
            if "problem" in line:
                problems.append(line)
            if "unstable" in line:
                unstable_files.append(line)
        read = sum(1 for line in lines if line["index"] >= 0)  # not the re-reads
        result_file = work / f"result-{first}.json"
        if code == 0 and result_file.exists() and read == count:
            result = json.loads(result_file.read_text())
            seconds += result["seconds"]
            rss = max(rss, result["max_rss_mb"])
            kernels = result["kernels"], result["native"]
            first += count
            continue
        index = first + read  # the file it was reading when it died
        keep = work / f"crash-{seed}-{index}.exr"
        if (work / "current.exr").exists():
            keep.write_bytes((work / "current.exr").read_bytes())
        name = signal.Signals(-code).name if code < 0 else f"exit {code}"
        crashes.append({"index": index, "signal": name, "file": str(keep),
                        "stderr": stderr[-4000:]})
        outcomes[f"crash ({name})"] += 1
        first = index + 1  # the next child starts after the file that killed this one
        if len(crashes) >= max_crashes:
            break
    return {"files": files, "seed": seed, "outcomes": dict(outcomes.most_common()),
            "by_mutation": {k: dict(v) for k, v in sorted(by_mutation.items())},
            "problems": problems, "crashes": crashes, "unstable": unstable_files,
            "seconds in children": round(seconds, 1),
            "wall seconds": round(time.monotonic() - started, 1), "max_rss_mb": rss,
            "kernels": kernels[0], "native decoder": kernels[1]}


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "child":
        code = child(Path(args[0]), Path(args[1]), int(args[2]), int(args[3]), int(args[4]),
                     int(args[5]))
    elif command == "both":
        code = both(Path(args[0]), int(args[1]))
    else:
        sys.exit(f"unknown command {command!r}")
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
