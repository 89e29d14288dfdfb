# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Progress bars, worker processes and the machine's core count, for commands that
go over many frames. No ``bpy``; tqdm only if installed.

This module imports nothing else of the package, so any module may use it.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

__all__ = [
    "default_jobs",
    "imap",
    "parallel_map",
    "progress_bar",
    "quiet_native_stderr",
    "usable_cores",
]


def usable_cores() -> int:
    """The number of cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


class _NoBar:
    def __init__(self, total=None, **_kwargs):
        self.total = total
        self.n = 0

    def update(self, n: int = 1) -> None:
        self.n += n

    def set_postfix_str(self, *_args, **_kwargs) -> None:
        pass

    def write(self, text: str) -> None:
        print(text, file=sys.stderr)

    def close(self) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def progress_bar(total: int, desc: str, enabled: bool = True, unit: str = "frame"):
    """A tqdm progress bar on stderr, or a silent stand-in.

    Silent when ``enabled`` is false, when stderr is not a terminal, or when tqdm is
    not installed (``pip install blender-gt[export]``).
    """
    if enabled and sys.stderr.isatty():
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            return tqdm(total=total, desc=desc, unit=unit, file=sys.stderr, dynamic_ncols=True,
                        leave=True)
    return _NoBar(total=total)


def default_jobs() -> int:
    """Worker processes to use by default: every core this process may run on."""
    return usable_cores()


@contextlib.contextmanager
def quiet_native_stderr():
    """Silence what C libraries write straight to file descriptor 2 meanwhile.

    OpenEXR's C core prints its own complaint about a damaged file (e.g.
    ``EXR_ERR_BAD_CHUNK_LEADER ...``) before the reader raises GroundTruthError with
    a message of its own; a command keeps its one line of error output this way.
    """
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError, AttributeError):  # no real stderr
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def _quietly(function: Callable, item):
    with quiet_native_stderr():
        return function(item)


def imap(function: Callable, items: Sequence, jobs: int | None = None) -> Iterator:
    """``function(item)`` for each item, computed in ``jobs`` processes, yielded in order.

    ``function`` must be a module-level function (it is pickled). The first exception
    a worker raises is raised here, after the pending work is cancelled.
    """
    jobs = default_jobs() if jobs is None else jobs
    if jobs < 1:
        raise ValueError(f"jobs must be at least 1, not {jobs}")
    if jobs == 1 or len(items) <= 1:
        for item in items:
            yield _quietly(function, item)
        return
    pool = ProcessPoolExecutor(max_workers=min(jobs, len(items)))
    try:
        yield from pool.map(functools.partial(_quietly, function), items)
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def parallel_map(function: Callable, items: Sequence, *, jobs: int | None = None,
                 progress: bool = False, desc: str = "", unit: str = "frame") -> list:
    """``[function(item) for item in items]`` in ``jobs`` processes, with a progress bar."""
    results = []
    with progress_bar(len(items), desc, progress, unit) as bar:
        for result in imap(function, items, jobs):
            results.append(result)
            bar.update()
    return results
