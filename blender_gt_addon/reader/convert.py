# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Decoded channel planes into the reader's arrays, in bands of rows on every core.
No ``bpy``.

Each conversion is the formula of :mod:`blender_gt_addon.conventions` (or
:mod:`.ids`) applied to one band of rows at a time: the same values, bit for bit,
as applying it to the whole image, but each band's temporaries stay in the CPU's
cache, and the bands run on a thread per core (numpy releases the GIL while it
loops over pixels). Threads are used only in the process whose OpenEXR thread pool
the reader uses (:func:`.decode.conversion_threads`): a process forked from it (a
PyTorch ``DataLoader`` worker) converts in its calling thread, and gets its
parallelism from being one of several processes.

Every function takes (H, W) planes, each a channel as decoded (any dtype; often
views of one (H, W, C) array that OpenEXR decoded with the channels interleaved),
and returns a new C-contiguous array unless it says otherwise.

Where the package's C kernels are built (``_kernels.c``, compiled by ``pip install``
when a C compiler is there) and the planes are float16 or float32, each band is
converted by them in one pass, half floats by the CPU's F16C instruction: the same
values as the numpy formulas (tested bit for bit), in a fraction of the time.
Without them (no compiler, other dtypes) numpy does it.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .. import conventions
from . import decode, ids

try:
    from . import _kernels
except ImportError:  # built without a C compiler: numpy converts
    _kernels = None

__all__ = ["BAND_ROWS", "depth", "index", "instance_ids", "interleaved", "kernels",
           "run_bands", "stack", "unit_normals"]

# Rows per band: 64 rows of a 1920-pixel image are 0.5 MB a float32 plane, so a
# band's planes and temporaries fit in a core's L2 cache.
BAND_ROWS = 64
# Below this many pixels a conversion takes well under a millisecond: one thread.
_MIN_THREADED_PIXELS = 1 << 18

_executor: ThreadPoolExecutor | None = None
_executor_pid: int | None = None
_executor_lock = threading.Lock()


def _pool(workers: int) -> ThreadPoolExecutor:
    """The conversion threads of this process (created on first use, kept)."""
    global _executor, _executor_pid
    with _executor_lock:
        if _executor is None or _executor_pid != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=workers,
                                           thread_name_prefix="blender-gt-convert")
            _executor_pid = os.getpid()
        return _executor


def run_bands(shape: tuple[int, ...], work: Callable[[slice], object],
              rows: int = BAND_ROWS) -> None:
    """Call ``work(rows)`` for bands of ``rows`` rows (slices) that together cover
    ``shape[0]``.

    Each call must touch only its own rows of its outputs. With several cores (and in
    the process whose OpenEXR pool the reader uses), the rows are split into one
    share per core, the calling thread taking one; each share goes band by band.
    The first exception of any share is raised here, after every share has ended.
    """
    height = shape[0]
    threads = decode.conversion_threads()
    if threads > 1 and int(np.prod(shape[:2])) >= _MIN_THREADED_PIXELS:
        threads = min(threads, -(-height // rows))
    else:
        threads = 1

    def share(start: int, stop: int) -> None:
        for y in range(start, stop, rows):
            work(slice(y, min(y + rows, stop)))

    if threads == 1:
        share(0, height)
        return
    bounds = [height * i // threads for i in range(threads + 1)]
    futures = [_pool(threads - 1).submit(share, bounds[i], bounds[i + 1])
               for i in range(1, threads)]
    try:
        share(bounds[0], bounds[1])
    finally:
        errors = [f.exception() for f in futures]
    for error in errors:
        if error is not None:
            raise error


def _data(array: np.ndarray) -> int:
    return array.__array_interface__["data"][0]


def interleaved(planes: list[np.ndarray]) -> np.ndarray | None:
    """The (H, W, C) array whose first channels ``planes`` are, in order, or ``None``.

    OpenEXR decodes a layer's R, G, B (and A) channels into one C-contiguous array
    with the channels interleaved; the reader hands them on as views of it
    (``array[..., i]``). This finds that array again, so a layer is converted with
    one contiguous pass (or none) instead of plane by plane.
    """
    base = planes[0].base
    if (not isinstance(base, np.ndarray) or base.ndim != 3 or base.shape[2] < len(planes)
            or not base.flags.c_contiguous or base.dtype != planes[0].dtype):
        return None
    for i, plane in enumerate(planes):
        if (plane.base is not base or plane.shape != base.shape[:2]
                or plane.strides != base.strides[:2]
                or _data(plane) != _data(base) + i * base.itemsize):
            return None
    return base


def kernels() -> str:
    """Which code converts: ``"C, F16C"``, ``"C"`` (half floats by bit arithmetic) or
    ``"numpy"`` (the kernels were not built)."""
    if _kernels is None:
        return "numpy"
    return "C, F16C" if _kernels.half_instruction() else "C"


def _sources(planes: list[np.ndarray]) -> list[tuple[np.ndarray, int, int]] | None:
    """The planes as the C kernels' sources ``(array, offset, stride)``, or ``None``
    when the kernels are not built or a plane is not float16/float32, C-contiguous on
    its own or a channel of a C-contiguous (H, W, C) array."""
    if _kernels is None or len(planes) > _kernels.MAX_CHANNELS:
        return None
    found = []
    for plane in planes:
        if plane.dtype not in (np.float16, np.float32) or plane.ndim != 2:
            return None
        if plane.flags.c_contiguous:
            found.append((plane, 0, 1))
            continue
        base = plane.base
        if (not isinstance(base, np.ndarray) or base.ndim != 3 or base.dtype != plane.dtype
                or not base.flags.c_contiguous or plane.shape != base.shape[:2]
                or plane.strides != base.strides[:2]):
            return None
        offset, rest = divmod(_data(plane) - _data(base), base.itemsize)
        if rest or not 0 <= offset < base.shape[2]:
            return None
        found.append((base, offset, base.shape[2]))
    return found


def stack(planes: list[np.ndarray], dtype: np.dtype | type = np.float32) -> np.ndarray:
    """(H, W, C) ``dtype``: the C planes as channels, each value cast as numpy casts.

    When the planes are the first C channels of one decoded array of that dtype and
    exactly C channels, that array itself is returned (no copy).
    """
    dtype = np.dtype(dtype)
    count = len(planes)
    base = interleaved(planes)
    if base is not None and base.dtype == dtype and base.shape[2] == count:
        return base
    out = np.empty((*planes[0].shape, count), dtype=dtype)
    sources = _sources(planes) if dtype == np.float32 else None
    if sources is not None:
        run_bands(out.shape, lambda rows: _kernels.pack(out, sources, rows.start,
                                                        rows.stop))
        return out
    if base is not None:
        source = base[..., :count]
        run_bands(out.shape, lambda rows: np.copyto(out[rows], source[rows],
                                                    casting="unsafe"))
        return out

    def band(rows: slice) -> None:
        for i, plane in enumerate(planes):
            np.copyto(out[rows, :, i], plane[rows], casting="unsafe")

    run_bands(out.shape, band)
    return out


def index(plane: np.ndarray) -> np.ndarray:
    """(H, W) int32 from a plane of exact small integers stored as floats (rounded)."""
    out = np.empty(plane.shape, dtype=np.int32)
    sources = _sources([plane])
    if sources is not None:
        run_bands(out.shape, lambda rows: _kernels.index(out, sources[0], rows.start,
                                                         rows.stop))
        return out
    run_bands(out.shape, lambda rows: np.copyto(out[rows], np.rint(plane[rows]),
                                                casting="unsafe"))
    return out


def depth(plane: np.ndarray) -> np.ndarray:
    """(H, W) float32 planar depth, ``inf`` where nothing was hit
    (:func:`blender_gt_addon.conventions.depth_from_pass`).

    A C-contiguous, writable float32 plane is changed in place and returned (the
    decoded plane serves nothing else: no copy of 8 MB at 1080p); any other plane is
    copied into a new float32 array first.
    """
    if not (plane.dtype == np.float32 and plane.flags.c_contiguous and plane.flags.writeable):
        plane = np.array(plane, dtype=np.float32, order="C")
    if _kernels is not None:
        background = conventions.BACKGROUND_DEPTH
        run_bands(plane.shape, lambda rows: _kernels.depth(plane, background, rows.start,
                                                           rows.stop))
        return plane
    run_bands(plane.shape, lambda rows: conventions.depth_from_pass(plane[rows]))
    return plane


def unit_normals(planes: list[np.ndarray]) -> np.ndarray:
    """(H, W, 3) float32 unit normals from the x, y, z planes
    (:func:`blender_gt_addon.conventions.unit_normals`); (0, 0, 0) stays (0, 0, 0)."""
    out = np.empty((*planes[0].shape, 3), dtype=np.float32)
    sources = _sources(planes)
    if sources is not None:
        run_bands(out.shape, lambda rows: _kernels.pack(out, sources, rows.start,
                                                        rows.stop, _kernels.UNIT))
        return out

    def band(rows: slice) -> None:
        out[rows] = conventions.unit_normals([p[rows] for p in planes])

    run_bands(out.shape, band)
    return out


def instance_ids(planes: list[np.ndarray | None],
                 manifest: list[tuple[str, int]]) -> np.ndarray:
    """(H, W) int32 instance ids from the four planes of the Cryptomatte object layer
    (:func:`.ids.instance_ids`, band by band); 0 on background.

    The third plane (the id of the second-largest coverage) may be ``None``: the ids
    do not use it.
    """
    out = np.empty(planes[0].shape, dtype=np.int32)
    used = [planes[0], planes[1], planes[3]]
    sources = _sources(used) if all(p is not None for p in used) else None
    if sources is not None:
        keys, numbers = ids.hash_table(manifest)
        run_bands(out.shape, lambda rows: _kernels.instance_ids(
            out, *sources, keys, numbers, rows.start, rows.stop))
        return out

    def band(rows: slice) -> None:
        crypto = np.zeros((*planes[0][rows].shape, len(planes)), dtype=np.float32)
        for i, plane in enumerate(planes):
            if plane is not None:
                np.copyto(crypto[..., i], plane[rows], casting="unsafe")
        out[rows] = ids.instance_ids(crypto, manifest)

    # Small bands: their temporaries (int64 lookups) stay a few MB while the four
    # planes are still held.
    run_bands(out.shape, band, rows=BAND_ROWS // 2)
    return out

