# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Opening and decoding OpenEXR files for the reader: the magic-number and size
checks, OpenEXR's thread pool, and the checks on decoded pixels. No ``bpy``.

Every failure raises :class:`GroundTruthError` naming the file and the reason.
What the reader guarantees on hostile files (the limits below, the memory bound, no
crash) is in docs/reader-safety.md.
"""

from __future__ import annotations

import multiprocessing
import os
from pathlib import Path
from typing import Any

import numpy as np

from .errors import GroundTruthError
from .limits import (
    DEFAULT_MAX_BYTES,
    MAX_BYTES_VARIABLE,
    decoding,
    fits,
    memory_limit,
    out_of_memory,
    reserve,
)
from .parallel import usable_cores

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BYTES_VARIABLE", "MAX_WIDTH", "SCRATCH_BYTES", "Budget",
           "check_size", "conversion_threads", "declared_size", "decode_pixels",
           "interleavable", "open_exr", "out_of_memory", "reserve", "subsampled_reason"]

_EXR_MAGIC = b"\x76\x2f\x31\x01"

# The size check: how many times its size a file's pixels can decode to, with a wide
# margin. zlib (ZIP, ZIPS, PXR24) stops near 1000:1 even on a constant image, PIZ
# near 400:1, RLE at 64:1, B44 at 11:1; JPEG 2000, Zstandard and DWA have no such
# bound (over 40000:1 measured on a blank 4K frame), hence the large default for them
# and for unknown codecs; it still keeps a 10 kB file from claiming more than 1.3 GB.
_MAX_EXPANSION = {
    "NO_COMPRESSION": 16, "RLE_COMPRESSION": 512, "ZIPS_COMPRESSION": 8192,
    "ZIP_COMPRESSION": 8192, "PIZ_COMPRESSION": 8192, "PXR24_COMPRESSION": 8192,
    "B44_COMPRESSION": 8192, "B44A_COMPRESSION": 8192,
}
_MAX_EXPANSION_OTHER = 1 << 17
# Decoded pixels below this are allocated whatever the file size: harmless.
_ALWAYS_READABLE = 64 << 20
# Bytes per decoded sample: the header does not say half or float; assume the larger.
_SAMPLE_BYTES = 4
# The widest image read, in pixels: a row of the widest array the reader builds (4
# float32 values a pixel, 16 bytes) must fit OpenEXR Core's int32 line stride; a
# longer one wrapped it, and the unpacker wrote the next row gigabytes away (issue 21).
MAX_WIDTH = (2**31 - 1) // 16
# The native decoder's scratch, all threads together (bytes): fewer threads decode
# when one thread's scratch times the threads would be more (at least one decodes).
# 1 GiB: a 4K frame of every output in DWAB (256-line chunks) still decodes on two.
SCRATCH_BYTES = 1 << 30
# Scanlines a chunk holds, by codec (OpenEXR's table); unknown codecs: the most.
_CHUNK_LINES = {
    "NO_COMPRESSION": 1, "RLE_COMPRESSION": 1, "ZIPS_COMPRESSION": 1, "ZIP_COMPRESSION": 16,
    "PXR24_COMPRESSION": 16, "PIZ_COMPRESSION": 32, "B44_COMPRESSION": 32,
    "B44A_COMPRESSION": 32, "DWAA_COMPRESSION": 32, "DWAB_COMPRESSION": 256,
    "HTJ2K32_COMPRESSION": 32, "HTJ2K256_COMPRESSION": 256,
}
_CHUNK_LINES_OTHER = 256
# A decoding thread's scratch, in decoded chunks (4 bytes a sample): the Core's
# packed, unpacked and intermediate buffers, the Cryptomatte planes (3 of 4
# channels) and the staged half floats (at most half a chunk).
_SCRATCH_CHUNKS = 4


class Budget:
    """The memory a read of one file may take, from its header (bytes).

    ``pixels``: every channel of every part at 4 bytes a sample (P). ``scratch``: the
    native decoder's scratch, all threads (at most :data:`SCRATCH_BYTES`, or one
    thread's if that is more). ``need``: ``2 * pixels + scratch``, an upper bound of
    what decoding allocates on either path (the planes and the arrays built from them;
    or the arrays and the scratch); derived arrays (flow, distance, ...) are not
    counted. ``thread_scratch``: one decoding thread's.
    """

    def __init__(self, pixels: int, thread_scratch: int, chunks: int,
                 refused: str | None = None):
        self.refused = refused  # why decoding is refused on both paths, or None
        self.pixels = pixels
        self.thread_scratch = thread_scratch
        self.scratch = min(max(thread_scratch, SCRATCH_BYTES), chunks * thread_scratch)
        self.need = 2 * pixels + self.scratch
        self.limit = DEFAULT_MAX_BYTES  # the read's limit (bytes), set by check_size

    def threads(self, wanted: int) -> int:
        """Decoding threads whose scratch stays within :attr:`scratch` (at least 1)."""
        return max(1, min(wanted, self.scratch // max(self.thread_scratch, 1)))


def declared_size(header: dict[str, Any]) -> tuple[int, int, int, str, str | None,
                                                   tuple[int, int] | None]:
    """(width, height, channel count, codec name, why a channel is refused or ``None``,
    tile size or ``None``) that a part's header declares. The fifth: the first
    subsampled channel's :func:`subsampled_reason`, or a deep part, or mip- or
    rip-mapped tiles: what both decoding paths raise before decoding. The last:
    (x, y) pixels of a tile of a tiled part, which the library allocates whole,
    however few of its pixels are in the image."""
    (x0, y0), (x1, y1) = (tuple(int(v) for v in c) for c in header["dataWindow"])
    codec = getattr(header.get("compression"), "name", "")
    refused = None
    for channel in header["channels"]:
        xs, ys = getattr(channel, "xSampling", 1), getattr(channel, "ySampling", 1)
        if xs != 1 or ys != 1:
            refused = subsampled_reason(channel.name, xs, ys)
            break
    tiles = header.get("tiles")
    tile = (int(tiles.xSize), int(tiles.ySize)) if hasattr(tiles, "xSize") else None
    # Deep and multi-resolution parts: refused from the header, before any pixel is
    # decoded (a deep file's sample counts would otherwise be decoded whole first).
    kind = getattr(header.get("type"), "name", "")
    levels = getattr(getattr(tiles, "mode", None), "name", "ONE_LEVEL")
    if kind.startswith("deep"):
        refused = (f"a deep EXR image ({kind}: several samples per pixel), which the "
                   "reader does not read")
    elif levels in ("MIPMAP_LEVELS", "RIPMAP_LEVELS"):
        refused = (f"unsupported ({levels.split('_')[0].lower()}ped tiles: several "
                   "resolution levels; the reader reads single-level files)")
    return x1 - x0 + 1, y1 - y0 + 1, len(header["channels"]), codec, refused, tile


def check_size(path: Path, parts: list[tuple[int, int, int, str]],
               max_bytes: int | None = None) -> Budget:
    """Refuse, from the header and before anything is allocated, a file that cannot be
    read safely; the :class:`Budget` of one that can.

    ``parts``: :func:`declared_size` of each part (its subsampled channel, if any,
    is refused when pixels are decoded: :attr:`Budget.refused`; its tiles count as
    its chunks). The bindings allocate every
    channel's full array before they read any pixel data, and so does the native
    decoder, so a damaged data window claiming 100000 x 100000 pixels would take tens
    of gigabytes. Refused, on both decoding paths alike:

    - a row wider than :data:`MAX_WIDTH` pixels (the decoder's int32 strides);
    - more pixels (4 bytes a sample) than the file can hold: its size times the
      codec's plausible expansion (``_MAX_EXPANSION``), above 64 MiB;
    - a read that needs more than ``max_bytes`` (else the ``GT_READER_MAX_BYTES``
      variable, else :data:`DEFAULT_MAX_BYTES`, 16 GiB): :attr:`Budget.need` bytes.
    """
    try:
        file_size = path.stat().st_size
    except OSError as exc:
        raise GroundTruthError(f"{path}: cannot be opened ({exc.strerror})") from None
    for index, (w, h, *_) in enumerate(parts):
        if (w, h) != tuple(parts[0][:2]):
            raise GroundTruthError(
                f"{path}: part {index} has {w}x{h} pixels, the first part "
                f"{parts[0][0]}x{parts[0][1]} (a frame's parts must have one size; "
                "refused before decoding)")
        if w > MAX_WIDTH:
            raise GroundTruthError(
                f"{path}: damaged EXR file (header: declares {w}x{h} pixels, rows wider "
                f"than the reader's limit of {MAX_WIDTH} pixels; refused before "
                "allocating them)")
    sizes = [max(w, 0) * max(h, 0) * n * _SAMPLE_BYTES for w, h, n, *_ in parts]
    least_file = sum(size / _MAX_EXPANSION.get(part[3], _MAX_EXPANSION_OTHER)
                     for size, part in zip(sizes, parts, strict=True))
    if sum(sizes) > _ALWAYS_READABLE and least_file > file_size:
        w, h, n, *_ = parts[sizes.index(max(sizes))]
        raise GroundTruthError(
            f"{path}: damaged EXR file (header: declares {w}x{h} pixels in {n} channels, "
            f"{sum(sizes) / 2**20:.0f} MiB of pixels, more than a {file_size}-byte file "
            "can hold; refused before allocating them)"
        )
    chunk = 0
    chunks = 1
    for w, h, n, codec, _, tile in parts:
        if tile is None:  # scanlines: a chunk is at most the image's height
            rows = min(_CHUNK_LINES.get(codec, _CHUNK_LINES_OTHER), max(h, 1))
            chunk = max(chunk, rows * max(w, 0) * n * _SAMPLE_BYTES)
            chunks = max(chunks, -(-max(h, 1) // rows))
        else:  # a tile's buffer has the tile's size, not the part of it in the image
            tw, th = max(tile[0], 1), max(tile[1], 1)
            chunk = max(chunk, tw * th * n * _SAMPLE_BYTES)
            chunks = max(chunks, -(-max(w, 1) // tw) * -(-max(h, 1) // th))
    refused = next((part[4] for part in parts if part[4]), None)
    budget = Budget(sum(sizes), _SCRATCH_CHUNKS * chunk, chunks,
                    f"{path}: {refused}" if refused else None)
    limit, source = memory_limit(max_bytes, path)
    budget.limit = limit
    if budget.need > limit:
        raise GroundTruthError(
            f"{path}: reading it needs up to {budget.need} bytes "
            f"({budget.need / 2**20:.0f} MiB: {parts[0][0]}x{parts[0][1]} pixels, decoded "
            f"in chunks or tiles of up to {chunk} bytes), more than "
            f"the limit of {limit} bytes ({source}; raise it with max_bytes or "
            f"{MAX_BYTES_VARIABLE}); refused before allocating them")
    return budget


def subsampled_reason(name: str, x_sampling: int, y_sampling: int) -> str:
    """Why a file with a subsampled channel is refused (the C decoder says the same)."""
    return (f"channel {name} is sampled every {x_sampling} x {y_sampling} pixels "
            "(subsampled channels are not supported)")


def _import_openexr(path: Path) -> Any:
    try:
        import OpenEXR
    except ImportError as exc:  # pragma: no cover - a packaging error, not a user's
        raise GroundTruthError(
            f"{path}: reading EXR files needs the 'openexr' package (pip install openexr)"
        ) from exc
    return OpenEXR


# The process whose OpenEXR thread pool the reader may use, and the process that
# imported this module (a process forked from it has another id).
_pool_pid: int | None = None
_IMPORT_PID = os.getpid()


def _decode_threads(OpenEXR: Any, start_pool: bool) -> dict[str, int]:
    """``num_threads`` for ``OpenEXR.File``: -1 (OpenEXR's thread pool) or 0 (none).

    Returned as keyword arguments, empty with openexr < 3.5, whose Python bindings
    neither size the pool nor take ``num_threads`` (they decode on one thread).
    OpenEXR's pool starts with no threads. With ``start_pool`` (before the first
    decode of pixels in a process), an empty pool gets a thread per core; a program
    that sized the pool itself (``OpenEXR.set_global_thread_count(n)``) keeps it.
    A process forked from one with a pool (a DataLoader worker) inherits the pool
    but not its threads: a decode through it would wait for them forever, and
    resizing it would tear down threads that are not there, so there files are
    decoded without it, in the calling thread.
    """
    global _pool_pid
    if not hasattr(OpenEXR, "set_global_thread_count"):
        return {}
    pid = os.getpid()
    if _pool_pid == pid:
        return {"num_threads": -1}
    if OpenEXR.global_thread_count() == 0:
        if not start_pool:
            return {"num_threads": 0}
        OpenEXR.set_global_thread_count(usable_cores())
    elif pid != _IMPORT_PID:
        return {"num_threads": 0}
    _pool_pid = pid
    return {"num_threads": -1}


def conversion_threads() -> int:
    """Threads the reader may convert decoded pixels on in this process: a thread per
    core in the process whose OpenEXR pool the reader uses, else 1. Also 1 in a worker
    of a process pool (``multiprocessing``: a PyTorch DataLoader worker, the export's
    workers, however started), which gets its parallelism from being one of several
    processes and must not start threads it cannot use (see :func:`_decode_threads`)."""
    if _pool_pid != os.getpid() or multiprocessing.parent_process() is not None:
        return 1
    return usable_cores()


def interleavable(headers: list[dict[str, Any]]) -> bool:
    """Whether the parts of these headers may be decoded with their R, G, B (A)
    channels interleaved (``separate_channels=False``): flat images (not deep) whose
    channels all have one sample per pixel. Other files are decoded a channel an
    array, and refused or read as before."""
    for header in headers:
        if getattr(header.get("type"), "name", "").startswith("deep"):
            return False
        for channel in header.get("channels", ()):
            if getattr(channel, "xSampling", 1) != 1 or getattr(channel, "ySampling", 1) != 1:
                return False
    return True


def open_exr(path: Path, header_only: bool, separate_channels: bool = True) -> Any:
    """``OpenEXR.File`` of ``path``, header only or with every channel decoded
    (``separate_channels``: one array a channel, else R, G, B (A) interleaved).

    Raises:
        GroundTruthError: missing file, a folder, an empty or non-EXR file, or one
            the bindings cannot open.
    """
    OpenEXR = _import_openexr(path)
    threads = _decode_threads(OpenEXR, start_pool=not header_only)
    try:
        with open(path, "rb") as f:
            magic = f.read(4)
    except FileNotFoundError:
        raise GroundTruthError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise GroundTruthError(f"{path}: is a folder, not an EXR file") from None
    except OSError as exc:
        raise GroundTruthError(f"{path}: cannot be opened ({exc.strerror})") from None
    if magic != _EXR_MAGIC:
        what = "an empty file" if not magic else "not an OpenEXR file"
        raise GroundTruthError(f"{path}: {what}")
    # The bindings do not raise when an array of pixels cannot be allocated: they print
    # a warning and drop the part, which reads as a damaged file. Their words are not
    # captured (a redirect of sys.stdout is process-wide: other threads' output was
    # lost, issue 24): decode_pixels tells "not enough memory" from "damaged" by
    # the budget (:func:`.limits.fits`) instead.
    try:
        with decoding():
            exr = OpenEXR.File(str(path), separate_channels=separate_channels,
                               header_only=header_only, **threads)
    except MemoryError:
        raise out_of_memory(path, None) from None
    except Exception as exc:  # the bindings raise RuntimeError/ValueError/TypeError
        stage = "header" if header_only else "pixels"
        raise GroundTruthError(f"{path}: damaged EXR file ({stage}: {exc})") from None
    return exr


def _channel_names(name: str, count: int, declared: set[str]) -> list[str] | None:
    """The channels the bindings interleaved into the array ``name`` with ``count``
    channels (``image`` -> image.R, image.G, ...; ``RGBA`` -> R, G, B, A), or ``None``
    if that is not certain from the ``declared`` channel names."""
    letters = "RGBA"[:count]
    dotted = [f"{name}.{c}" for c in letters]
    has_dotted = all(n in declared for n in dotted)
    if name in ("RGB", "RGBA"):
        has_bare = all(c in declared for c in letters)
        if has_bare != has_dotted:
            return list(letters) if has_bare else dotted
        return None
    return dotted if has_dotted else None


def _decode(path: Path, declared: set[str], interleave: bool) -> tuple[Any, dict[str, np.ndarray]]:
    """The decoded file and channel name -> (H, W) array (views of interleaved arrays)."""
    try:
        exr = open_exr(path, header_only=False, separate_channels=not interleave)
    except GroundTruthError as exc:
        if interleave and "coalesce" in str(exc):  # R, G, B of mixed pixel types
            return _decode(path, declared, False)
        raise
    pixels: dict[str, np.ndarray] = {}
    for part in exr.parts:
        for name, channel in part.channels.items():
            array = channel.pixels
            if interleave and getattr(array, "ndim", 0) == 3 and array.dtype.kind != "O":
                names = _channel_names(name, array.shape[2], declared)
                if names is None:
                    return _decode(path, declared, False)
                for i, each in enumerate(names):
                    pixels[each] = array[..., i]
            else:
                pixels[name] = array
    return exr, pixels


def decode_pixels(path: Path, channels: tuple[str, ...], part_count: int,
                  interleave: bool = False, budget: Budget | None = None
                  ) -> dict[str, np.ndarray]:
    """Every channel of ``path`` decoded: channel name -> (H, W) array as stored.

    ``channels`` and ``part_count`` are what the header declared; a channel or part
    that does not decode is a damaged file. With ``interleave`` (only for files
    :func:`interleavable` allows), OpenEXR decodes each layer's R, G, B (A)
    channels into one (H, W, C) array and the planes given are views of it, which
    :mod:`.convert` turns into the reader's arrays in one pass (or none).

    Raises:
        GroundTruthError: damaged pixel data, a deep image, subsampled channels (any
            channel of the file, as the native decoder refuses them), or no memory.
    """
    # A channel sampled at a lower resolution (xSampling, ySampling > 1, never
    # written by Blender): refused from the header, whether asked for or not, as the
    # native path refuses it (native.py, and _exrread.c, which sees every channel).
    if budget is not None and budget.refused:
        raise GroundTruthError(budget.refused)
    reserve(path, budget)
    try:
        exr, pixels = _decode(path, set(channels), interleave)
    except GroundTruthError as exc:
        if "not enough memory" in str(exc) or not fits(budget):
            raise out_of_memory(path, budget) from None
        raise
    for part in exr.parts:
        for channel in part.header.get("channels", ()):
            xs, ys = getattr(channel, "xSampling", 1), getattr(channel, "ySampling", 1)
            if xs != 1 or ys != 1:
                raise GroundTruthError(f"{path}: {subsampled_reason(channel.name, xs, ys)}")
    # The bindings only warn when pixel data is cut short or corrupt and
    # then leave the part's channels out: that is a damaged file. Count the
    # parts too: two parts may hold channels of the same name.
    lost = [name for name in channels if pixels.get(name) is None]
    if (lost or len(exr.parts) != part_count) and not fits(budget):
        del exr, pixels
        raise out_of_memory(path, budget)
    if lost:
        raise GroundTruthError(
            f"{path}: damaged EXR file (pixels: {len(lost)} of "
            f"{len(channels)} channels could not be decoded, e.g. {lost[0]})"
        )
    if len(exr.parts) != part_count:
        raise GroundTruthError(
            f"{path}: damaged EXR file (pixels: {len(exr.parts)} of "
            f"{part_count} parts could be decoded)"
        )
    # A deep image (other tools) comes back as an array of per-pixel sample lists;
    # a channel of another size than the image is refused all the same.
    for part in exr.parts:
        width, height = declared_size(part.header)[:2]
        for name, channel in part.channels.items():
            if getattr(getattr(channel.pixels, "dtype", None), "kind", "") == "O":
                raise GroundTruthError(
                    f"{path}: a deep EXR image (several samples per pixel, "
                    f"channel {name}), which the reader does not read"
                )
            shape = getattr(channel.pixels, "shape", (height, width))
            if tuple(shape[:2]) != (height, width):
                raise GroundTruthError(
                    f"{path}: channel {name} has {shape[1]}x{shape[0]} pixels, "
                    f"not the image's {width}x{height} (subsampled channels are "
                    "not supported)"
                )
    return pixels
