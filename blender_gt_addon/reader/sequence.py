# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Folders of ground-truth frames: find them and open them as a lazy sequence,
paired for flow. No ``bpy`` here, and no ``torch``.

>>> from blender_gt_addon.reader import open_sequence
>>> seq = open_sequence("groundtruth/")              # doctest: +SKIP
>>> len(seq), seq.frames                             # doctest: +SKIP
(4, (1, 2, 3, 4))
>>> seq[0].depth.shape                               # doctest: +SKIP
(48, 64)
>>> first, second, flow = seq.pair(0)                # doctest: +SKIP

Files are found by name: ``<prefix><frame>.exr`` as the add-on writes them
(:func:`blender_gt_addon.outputs.file_name`); of a stereo pair,
``<prefix><frame>_L.exr`` and ``_R.exr``, one view at a time (the left one unless
``view="right"``). Frames are ordered by frame number,
not by name. Opening a sequence lists the folder only; each frame's header is read
when the frame is taken out of the sequence, its pixels when an array is used.

Forward flow pairs frame ``t`` with frame ``t + 1``: Blender's Vector pass of frame
``t`` says where each pixel's surface is in frame ``t + 1``. :meth:`pair` and
:meth:`GroundTruthSequence.pairs` give those pairs; frames whose successor is not in
the folder (the last one, or a gap) have no pair.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .dataset import GroundTruthDataset, forward_flow
from .errors import GroundTruthError
from .frame import GroundTruthFrame, read

__all__ = ["FlowPair", "GroundTruthSequence", "frame_files", "open_sequence"]

# <prefix><frame>.exr, where the frame is 4+ digits or '-' and 3+ digits (outputs.file_name);
# a stereo pair's views end in Blender's suffixes, <prefix><frame>_L.exr and _R.exr.
_NAME = re.compile(r"^(?P<prefix>.*?)(?P<frame>-\d{3,}|\d{4,})(?P<view>_L|_R)?\.exr$",
                   re.IGNORECASE)
_VIEWS = {"left": "_L", "right": "_R"}


def frame_files(folder: str | os.PathLike[str], prefix: str | None = None,
                view: str | None = None) -> list[tuple[int, Path]]:
    """The ground-truth files in ``folder`` as ``[(frame, path), ...]`` in frame order.

    Parameters:
        folder: a folder of ``<prefix><frame>.exr`` files.
        prefix: the file-name prefix; by default the one prefix found in the folder.
        view: of a stereo pair (``<prefix><frame>_L.exr``, ``_R.exr``), ``"left"`` or
            ``"right"``; by default the single-view files, or the left view of a
            folder that holds only stereo pairs.

    Raises:
        GroundTruthError: the folder is missing, holds no such files, or holds files
            with several prefixes and ``prefix`` is not given.
    """
    folder = Path(folder)
    if not folder.exists():
        raise GroundTruthError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise GroundTruthError(f"{folder}: is a file, not a folder of frames")
    if view is not None and view not in _VIEWS:
        raise GroundTruthError(f"{folder}: view {view!r}: choose 'left' or 'right'")
    found: dict[str, dict[int, Path]] = {}
    views: dict[str | None, dict[str, dict[int, Path]]] = {}
    for entry in folder.iterdir():
        match = _NAME.match(entry.name)
        if match is None or not entry.is_file():
            continue
        if prefix is not None and match["prefix"] != prefix:
            continue
        suffix = match["view"].upper() if match["view"] else None
        views.setdefault(suffix, {}).setdefault(match["prefix"], {})[
            int(match["frame"])] = entry
    if view is not None:
        found = views.get(_VIEWS[view], {})
    else:
        found = views.get(None) or views.get(_VIEWS["left"], {})
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
        frame = read(self._files[i][1])
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
        return read(self._files[self.index_of(frame_number)][1])

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
        first, second = read(self._files[i][1]), read(self._files[i + 1][1])
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


def open_sequence(folder: str | os.PathLike[str], *, prefix: str | None = None,
                  transform: Callable[[GroundTruthFrame], Any] | None = None,
                  view: str | None = None) -> GroundTruthSequence:
    """The frames in ``folder`` as a lazy, indexable, iterable :class:`GroundTruthSequence`.

    Parameters:
        folder: a folder of ``<prefix><frame>.exr`` files written by the add-on.
        prefix: the file-name prefix, needed only when the folder holds several.
        transform: applied to each :class:`reader.GroundTruthFrame` taken out of the
            sequence (e.g. to pick arrays for a training pipeline).
        view: of a folder of stereo pairs, ``"left"`` (the default) or ``"right"``.

    Raises:
        GroundTruthError: the folder is missing or holds no frames (see :func:`frame_files`).
    """
    return GroundTruthSequence(frame_files(folder, prefix, view), transform)
