# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A frame's arrays by name, and :class:`GroundTruthDataset`, a PyTorch-style map
dataset of a folder's frames whose items are dicts of numpy arrays. No ``bpy``,
no ``torch``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import conventions
from ..outputs import OUTPUTS
from .errors import GroundTruthError
from .frame import GroundTruthFrame, read

__all__ = ["DERIVED", "GroundTruthDataset", "forward_flow", "frame_array", "frame_layers"]

# Arrays made from the passes, besides the passes themselves.
DERIVED = {"flow": "vector", "instance_id": "cryptomatte_object"}


def forward_flow(frame: GroundTruthFrame) -> np.ndarray:
    """Forward flow (H, W, 2) float32 of ``frame`` in pixels, x right, y down
    (:func:`blender_gt_addon.conventions.forward_flow` of its Vector pass;
    docs/conventions.md)."""
    return conventions.forward_flow(frame.vector)


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
        known = {o.layer for o in OUTPUTS if o.is_pass} | set(DERIVED)
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
        frame = read(path)
        item: dict[str, Any] = {"frame": number, "path": str(path), **self._arrays(frame)}
        if self.pairs:
            next_number, next_path = self._files[i + 1]
            nxt = read(next_path)
            item["next_frame"] = next_number
            for layer, array in self._arrays(nxt).items():
                if layer != "flow":
                    item[f"next_{layer}"] = array
        return item
