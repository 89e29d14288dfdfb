# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Folders of ground-truth frames: find them, open them as a lazy sequence, and use
them as a PyTorch-style map dataset. No ``bpy`` here, and no ``torch``.

>>> from blender_gt_addon.sequence import open_sequence
>>> seq = open_sequence("groundtruth/")              # doctest: +SKIP
>>> len(seq), seq.frames                             # doctest: +SKIP
(4, (1, 2, 3, 4))
>>> seq[0].depth.shape                               # doctest: +SKIP
(48, 64)
>>> first, second, flow = seq.pair(0)                # doctest: +SKIP

Files are found by name: ``<prefix><frame>.exr`` as the add-on writes them
(:func:`blender_gt_addon.outputs.file_name`). Frames are ordered by frame number,
not by name. Opening a sequence lists the folder only; each frame's header is read
when the frame is taken out of the sequence, its pixels when an array is used.

Forward flow pairs frame ``t`` with frame ``t + 1``: Blender's Vector pass of frame
``t`` says where each pixel's surface is in frame ``t + 1``. :meth:`pair` and
:meth:`GroundTruthSequence.pairs` give those pairs; frames whose successor is not in
the folder (the last one, or a gap) have no pair.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import reader
from .outputs import OUTPUTS
from .reader import GroundTruthError, GroundTruthFrame

__all__ = [
    "FlowPair",
    "GroundTruthDataset",
    "GroundTruthSequence",
    "forward_flow",
    "frame_array",
    "frame_files",
    "frame_layers",
    "imap",
    "open_sequence",
    "parallel_map",
    "progress_bar",
]

# <prefix><frame>.exr, where the frame is 4+ digits or '-' and 3+ digits (outputs.file_name).
_NAME = re.compile(r"^(?P<prefix>.*?)(?P<frame>-\d{3,}|\d{4,})\.exr$", re.IGNORECASE)


def frame_files(folder: str | os.PathLike[str],
                prefix: str | None = None) -> list[tuple[int, Path]]:
    """The ground-truth files in ``folder`` as ``[(frame, path), ...]`` in frame order.

    Parameters:
        folder: a folder of ``<prefix><frame>.exr`` files.
        prefix: the file-name prefix; by default the one prefix found in the folder.

    Raises:
        GroundTruthError: the folder is missing, holds no such files, or holds files
            with several prefixes and ``prefix`` is not given.
    """
    folder = Path(folder)
    if not folder.exists():
        raise GroundTruthError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise GroundTruthError(f"{folder}: is a file, not a folder of frames")
    found: dict[str, dict[int, Path]] = {}
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match is None or not entry.is_file():
            continue
        if prefix is not None and match["prefix"] != prefix:
            continue
        found.setdefault(match["prefix"], {})[int(match["frame"])] = entry
    if not found:
        which = f"named {prefix}NNNN.exr" if prefix is not None else "(*NNNN.exr)"
        raise GroundTruthError(f"{folder}: holds no ground-truth frames {which}")
    if len(found) > 1:
        names = ", ".join(repr(p) for p in sorted(found))
        raise GroundTruthError(
            f"{folder}: holds frames with several file prefixes ({names}); choose one")
    (files,) = found.values()
    return sorted(files.items())


@dataclass(frozen=True)
class FlowPair:
    """Frame ``t``, frame ``t + 1`` and the forward flow from the first to the second.

    ``flow`` is (H, W, 2) float32 in pixels, x right and y down: the surface seen at
    pixel (x, y) of ``first`` is at (x + flow[y, x, 0], y + flow[y, x, 1]) in ``second``.
    """

    first: GroundTruthFrame
    second: GroundTruthFrame
    flow: np.ndarray


def forward_flow(frame: GroundTruthFrame) -> np.ndarray:
    """Forward flow (H, W, 2) of ``frame`` in pixels, x right, y down (docs/conventions.md)."""
    vector = frame.vector
    return np.stack([-vector[..., 2], vector[..., 3]], axis=-1).astype(np.float32)


# Arrays made from the passes, besides the passes themselves.
DERIVED = {"flow": "vector", "instance_id": "cryptomatte_object"}


def frame_layers(frame: GroundTruthFrame) -> tuple[str, ...]:
    """The names :func:`frame_array` gives for ``frame``: its passes, then ``flow``
    (with a Vector pass) and ``instance_id`` (with a Cryptomatte pass)."""
    return (*frame.passes, *(name for name, needs in DERIVED.items() if needs in frame.passes))


def frame_array(frame: GroundTruthFrame, name: str) -> np.ndarray:
    """One array of ``frame`` by name, as the reader's attribute of that name gives it.

    A pass name gives the reader's attribute (so ``normal`` is unit length), or
    ``frame.get(name)`` for passes without one (``cryptomatte_object``); ``flow`` is
    the forward flow (:func:`forward_flow`) and ``instance_id`` the reader's.
    """
    if name == "flow":
        return forward_flow(frame)
    attribute = getattr(type(frame), name, None)
    if isinstance(attribute, property):
        return getattr(frame, name)
    return frame.get(name)


class GroundTruthSequence(Sequence):
    """The frames of a folder, in frame order, opened lazily.

    ``len(seq)``, ``seq[i]`` (a :class:`reader.GroundTruthFrame`, or ``transform(frame)``
    when a transform is given), ``seq[a:b]`` (another sequence), iteration, and
    ``seq.frames`` (the frame numbers). It is a map-style dataset (``__len__`` and
    ``__getitem__`` with ``IndexError`` past the end) and pickles, so a PyTorch
    ``DataLoader`` can use it with workers; :meth:`dataset` gives one whose items are
    dicts of numpy arrays, which the default collate function batches.
    """

    def __init__(self, files: Sequence[tuple[int, Path]],
                 transform: Callable[[GroundTruthFrame], Any] | None = None):
        self._files = tuple((int(n), Path(p)) for n, p in files)
        self.transform = transform

    @property
    def frames(self) -> tuple[int, ...]:
        """The frame numbers, in order."""
        return tuple(n for n, _ in self._files)

    @property
    def paths(self) -> tuple[Path, ...]:
        """The files, in frame order."""
        return tuple(p for _, p in self._files)

    def __len__(self) -> int:
        return len(self._files)

    def __repr__(self) -> str:
        if not self._files:
            return "<GroundTruthSequence empty>"
        folder = self._files[0][1].parent
        return (f"<GroundTruthSequence {str(folder)!r} {len(self)} frames "
                f"{self._files[0][0]}..{self._files[-1][0]}>")

    def __getitem__(self, index):
        if isinstance(index, slice):
            return GroundTruthSequence(self._files[index], self.transform)
        try:
            i = range(len(self._files))[index]
        except TypeError:
            raise TypeError(f"sequence indices must be integers or slices, not "
                            f"{type(index).__name__}") from None
        # IndexError past the end, which ends iteration and DataLoader's sampling.
        frame = reader.read(self._files[i][1])
        return self.transform(frame) if self.transform is not None else frame

    def __iter__(self) -> Iterator:
        for i in range(len(self)):
            yield self[i]

    def index_of(self, frame_number: int) -> int:
        """The position of frame ``frame_number``; GroundTruthError if it is not there."""
        for i, (n, _) in enumerate(self._files):
            if n == frame_number:
                return i
        raise GroundTruthError(f"frame {frame_number} is not in this sequence "
                               f"(frames {self._describe_frames()})")

    def frame(self, frame_number: int) -> GroundTruthFrame:
        """The frame whose number is ``frame_number`` (not position)."""
        return reader.read(self._files[self.index_of(frame_number)][1])

    def has_successor(self, i: int) -> bool:
        """Whether frame number ``frames[i] + 1`` follows position ``i`` in the sequence."""
        i = range(len(self._files))[i]
        return i + 1 < len(self._files) and self._files[i + 1][0] == self._files[i][0] + 1

    def pair(self, i: int) -> FlowPair:
        """Frame at position ``i``, the frame after it (number + 1) and the forward flow."""
        i = range(len(self._files))[i]
        if not self.has_successor(i):
            number = self._files[i][0]
            raise GroundTruthError(
                f"frame {number} has no next frame {number + 1} in this sequence, so its "
                "forward flow pairs with nothing")
        first, second = reader.read(self._files[i][1]), reader.read(self._files[i + 1][1])
        return FlowPair(first, second, forward_flow(first))

    def pairs(self) -> Iterator[FlowPair]:
        """Every (frame t, frame t + 1, forward flow) in order, skipping frames without t + 1."""
        for i in range(len(self._files)):
            if self.has_successor(i):
                yield self.pair(i)

    def dataset(self, layers: Iterable[str] | None = None, *, pairs: bool = False
                ) -> GroundTruthDataset:
        """A map-style dataset over these frames whose items are dicts of numpy arrays.

        See :class:`GroundTruthDataset`.
        """
        return GroundTruthDataset(self._files, layers, pairs=pairs)

    def _describe_frames(self) -> str:
        if not self._files:
            return "none"
        return f"{self._files[0][0]}..{self._files[-1][0]}"


class GroundTruthDataset:
    """A PyTorch-style map dataset of ground-truth frames; no ``torch`` needed.

    Item ``i`` is a dict: ``"frame"`` (int), ``"path"`` (str) and one numpy array per
    layer (default: every one the file has, see :func:`frame_layers`), named and valued
    as the reader's attributes (``image``, ``depth``, ``normal`` of unit length, ...),
    with ``"flow"`` the forward flow (H, W, 2) and ``"instance_id"`` the reader's.
    With ``pairs=True`` the items are the frames that have a next frame (``t + 1``)
    in the folder, and each item also holds that frame's layers as ``"next_<layer>"``
    and its number as ``"next_frame"``, so ``flow`` maps ``image`` onto ``next_image``.

    Frames are read afresh for each item (nothing is cached), so the dataset is
    small to pickle and safe to share with worker processes.
    """

    def __init__(self, files: Sequence[tuple[int, Path]], layers: Iterable[str] | None = None,
                 *, pairs: bool = False):
        self._files = tuple((int(n), Path(p)) for n, p in files)
        self.layers = tuple(layers) if layers is not None else None
        known = {o.layer for o in OUTPUTS} | set(DERIVED)
        for layer in self.layers or ():
            if layer not in known:
                raise GroundTruthError(f"{layer!r} is not a ground-truth layer; known: "
                                       f"{', '.join(sorted(known))}")
        self.pairs = pairs
        if pairs:
            self._items = [i for i in range(len(self._files) - 1)
                           if self._files[i + 1][0] == self._files[i][0] + 1]
        else:
            self._items = list(range(len(self._files)))

    def __len__(self) -> int:
        return len(self._items)

    def _arrays(self, frame: GroundTruthFrame) -> dict[str, np.ndarray]:
        layers = self.layers if self.layers is not None else frame_layers(frame)
        return {layer: frame_array(frame, layer) for layer in layers}

    def __getitem__(self, index: int) -> dict[str, Any]:
        i = self._items[index]  # IndexError past the end
        number, path = self._files[i]
        frame = reader.read(path)
        item: dict[str, Any] = {"frame": number, "path": str(path), **self._arrays(frame)}
        if self.pairs:
            next_number, next_path = self._files[i + 1]
            nxt = reader.read(next_path)
            item["next_frame"] = next_number
            for layer, array in self._arrays(nxt).items():
                if layer != "flow":
                    item[f"next_{layer}"] = array
        return item


def open_sequence(folder: str | os.PathLike[str], *, prefix: str | None = None,
                  transform: Callable[[GroundTruthFrame], Any] | None = None
                  ) -> GroundTruthSequence:
    """The frames in ``folder`` as a lazy, indexable, iterable :class:`GroundTruthSequence`.

    Parameters:
        folder: a folder of ``<prefix><frame>.exr`` files written by the add-on.
        prefix: the file-name prefix, needed only when the folder holds several.
        transform: applied to each :class:`reader.GroundTruthFrame` taken out of the
            sequence (e.g. to pick arrays for a training pipeline).

    Raises:
        GroundTruthError: the folder is missing or holds no frames (see :func:`frame_files`).
    """
    return GroundTruthSequence(frame_files(folder, prefix), transform)


# ------------------------------------------------------------ progress and processes


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
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


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
