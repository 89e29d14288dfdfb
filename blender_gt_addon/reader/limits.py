# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The memory a read may take, and the decodes in flight. No ``bpy``.

The read's limit (``max_bytes`` or ``GT_READER_MAX_BYTES``: finite numbers only),
"not enough memory" decided from a read's budget (:class:`.decode.Budget`) the same way
on both decoding paths, and the count of decodes in flight that the interpreter's
exit waits for (issue 24). Used by :mod:`.decode` and :mod:`.native`.
"""

from __future__ import annotations

import atexit
import contextlib
import math
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .errors import GroundTruthError

__all__ = ["DEFAULT_MAX_BYTES", "MAX_BYTES_VARIABLE", "decoding", "fits", "memory_limit",
           "out_of_memory", "reserve"]

# What one read may allocate (bytes) unless ``max_bytes`` or this variable says otherwise.
MAX_BYTES_VARIABLE = "GT_READER_MAX_BYTES"
DEFAULT_MAX_BYTES = 16 << 30


def memory_limit(max_bytes: int | float | None, path: Path) -> tuple[int, str]:
    """(the byte limit of a read, where it comes from: ``max_bytes``, else the
    :data:`MAX_BYTES_VARIABLE` variable, else :data:`DEFAULT_MAX_BYTES`). Only a finite number of at
    least one byte is a limit: anything else is refused, naming where it came from
    (a typo must neither lift the limit nor pass unnoticed)."""
    if max_bytes is not None:
        value, source = max_bytes, "max_bytes"
    else:
        text = os.environ.get(MAX_BYTES_VARIABLE, "").strip()
        if not text:
            return DEFAULT_MAX_BYTES, "the default"
        value, source = text, MAX_BYTES_VARIABLE
    try:
        if isinstance(value, bool):
            raise TypeError
        number = float(value)  # "1e9" too; int() of inf or 1e400 would overflow
    except (TypeError, ValueError, OverflowError):
        number = math.nan
    if not (math.isfinite(number) and number >= 1):
        raise GroundTruthError(
            f"{path}: the memory limit {source}={value!r:.40} is not a finite number of "
            "bytes of at least 1")
    return int(min(number, 2.0**62)), source


def out_of_memory(path: Path, budget: Any) -> GroundTruthError:
    """The error of a read within its budget for which the machine had no memory:
    the same words on both decoding paths."""
    need = f"up to {budget.need} bytes" if budget is not None else "its pixels"
    return GroundTruthError(
        f"{path}: not enough memory to read it (it needs {need}; a lower max_bytes or "
        f"{MAX_BYTES_VARIABLE} refuses such files before allocating)")


def reserve(path: Path, budget: Any) -> None:
    """Before decoding pixels, on both paths: "not enough memory" unless the machine
    can give the read its :attr:`Budget.need` now (:func:`fits`). Deciding from the
    budget, not from how far each path got, gives both paths the same outcome under
    memory pressure (the native path needs less than the planes path: without this,
    a process short of memory read a file on one path and not on the other)."""
    if not fits(budget):
        raise out_of_memory(path, budget)


def fits(budget: Any) -> bool:
    """Whether the machine can give a read of ``budget`` its memory now: an address
    range of :attr:`Budget.need` bytes is reserved and let go (not touched: no page is
    used). Asked when the bindings failed or dropped a part, whose warnings do not
    say why: a read the machine had no memory for is then "not enough memory" on the
    planes path as on the native one, a damaged file "damaged" (issue 24)."""
    if budget is None:
        return True
    try:
        probe = np.empty(budget.need, dtype=np.uint8)
    except MemoryError:
        return False
    del probe
    return True


# Decodes in flight, so that the interpreter's exit waits for them (issue 24): it
# destroys OpenEXR's thread pool, and a daemon thread still decoding through it
# then ended the process with "terminate called without an active exception".
# The lock is held only to count, never while decoding, and is made anew in a
# forked child (a thread of the parent may have held it at the fork).
_EXIT_WAIT_SECONDS = 60.0
_flight = {"count": 0, "closing": False, "cond": threading.Condition()}


@contextlib.contextmanager
def decoding():
    """Around a call into OpenEXR or the native decoder: counted while it runs; once
    the interpreter exits, a new one in another thread than the main one waits
    (forever: its thread is a daemon)."""
    cond = _flight["cond"]
    with cond:
        # Not the main thread: an exit handler that reads a file after this module's
        # one must not wait for itself (the pool is still there until the exit ends).
        while _flight["closing"] and threading.current_thread() is not threading.main_thread():
            cond.wait()
        _flight["count"] += 1
    try:
        yield
    finally:
        with cond:
            _flight["count"] -= 1
            cond.notify_all()


def _wait_for_decodes() -> None:
    cond = _flight["cond"]
    with cond:
        _flight["closing"] = True
        cond.wait_for(lambda: _flight["count"] == 0, timeout=_EXIT_WAIT_SECONDS)


def _after_fork() -> None:
    _flight.update(count=0, closing=False, cond=threading.Condition())


atexit.register(_wait_for_decodes)
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork)
