# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every output of a frame decoded straight into its array, in one decode. No ``bpy``.

The openexr package decodes each channel into an array of its own, in the type the
file stores; turning those into the reader's arrays (interleaved, float32,
renormalised) is a second pass over every pixel and, while it runs, a second copy of
the frame. Here OpenEXR's Core library, the same one the package uses (looked up in
its module), decodes each chunk of scanlines into the reader's arrays: every channel
at its place, converted to float32 (or float16) as it is unpacked, the conventions of
:mod:`blender_gt_addon.conventions` applied to the chunk's rows while they are in the
cache (the C kernels of ``_kernels.c`` and ``_exrread.c``), on a thread per core.
The arrays are the same, bit for bit, as those built from the package's planes
(but for the payload bits of NaNs, which are unspecified: see docs/reader-safety.md).

:func:`read_arrays` returns ``None`` whenever it cannot do that (the kernels not built,
an openexr whose Core is not version 3.5, a multi-part, tiled or deep file, a UINT
channel, an output without a row in :data:`.layouts.NATIVE_LAYOUT`, any error while
decoding); the frame then decodes through the package, which also gives the errors
of damaged files their messages. It raises the reader's GroundTruthError, in the
words of the planes path, for what both paths refuse: a subsampled channel, a row
too long for the decoder, no memory for the arrays (their sizes were checked against
the read's budget, :func:`.decode.check_size`, before).
"""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import numpy as np

from .. import conventions
from . import convert, decode, ids, limits
from .errors import GroundTruthError
from .layouts import Sources, native_layout
from .parallel import usable_cores

__all__ = ["ENABLED", "available", "read_arrays", "threads"]

# Off: every frame decodes through the openexr package (tests, benchmarks).
ENABLED = True

_UNBOUND = object()
_core: object = _UNBOUND  # the Core's version string once bound, or None


def available() -> str | None:
    """The version of OpenEXR's Core the arrays are decoded with, or ``None`` when
    frames decode through the openexr package."""
    global _core
    if not ENABLED or convert._kernels is None:
        return None
    if _core is _UNBOUND:
        try:
            import OpenEXR
            _core = convert._kernels.bind_openexr(OpenEXR.__file__)
        except (ImportError, AttributeError, TypeError):
            _core = None
    return _core  # type: ignore[return-value]


def threads() -> int:
    """Decoding threads: one a core, but one in a worker of a process pool (a PyTorch
    DataLoader worker, the export's workers), whose parallelism is the pool's."""
    return 1 if multiprocessing.parent_process() is not None else usable_cores()


def read_arrays(path: Path, sources: Sources, passes: tuple[str, ...], height: int,
                width: int, dtype: np.dtype, manifest: list[tuple[str, int]],
                budget: decode.Budget | None = None) -> dict[str, np.ndarray] | None:
    """Every output of ``passes`` as the reader documents it, decoded in one pass:
    ``{layer: array}``, with ``normal`` unit length and ``cryptomatte_object`` the raw
    instance ids (:func:`.ids.instance_ids`); ``None`` when this cannot be done here
    (see the module). ``budget``: the file's (:func:`.decode.check_size`), which
    bounds the decoding threads' scratch.

    Raises:
        GroundTruthError: a file both paths refuse (see the module).
    """
    if budget is not None and budget.refused:  # both paths refuse it, in these words
        raise GroundTruthError(budget.refused)
    if available() is None:
        return None
    limits.reserve(path, budget)  # the planes path asks the same, in the same words
    k = convert._kernels
    ops = {"plain": k.PLAIN, "unit": k.UNIT, "depth": k.DEPTH, "position": k.POSITION}
    outputs, arrays = [], {}
    for layer in passes:
        layout = native_layout(layer, sources[layer], dtype)
        if layout is None:
            return None
        op, names, kind = layout
        one = len(names) == 1 or op == "ids"
        try:
            array = np.empty((height, width) if one else (height, width, len(names)),
                             dtype=kind)
        except MemoryError:  # within the budget, but the machine has not got it
            raise decode.out_of_memory(path, budget) from None
        if op == "index":
            outputs.append((k.KIND_INDEX, array, names, 0, 0.0))
        elif op == "ids":
            outputs.append((k.KIND_IDS, array, names, 0, 0.0, *ids.hash_table(manifest)))
        else:
            outputs.append((k.KIND_PACK, array, names, ops[op], conventions.BACKGROUND_DEPTH))
        arrays[layer] = array
    wanted = threads()
    try:
        with limits.decoding():  # the interpreter's exit waits for it
            k.read_into(str(path), outputs, budget.threads(wanted) if budget else wanted)
    except k.Refused as exc:  # before ValueError, its base: refused, not declined
        raise GroundTruthError(f"{path}: {exc}") from None
    except MemoryError:
        raise decode.out_of_memory(path, budget) from None
    except (RuntimeError, ValueError, TypeError, OSError, UnicodeError):
        return None
    return arrays
