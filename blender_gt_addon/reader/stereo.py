# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stereo pairs on the reader's side: which file holds a view, the rig of a file,
disparity and the non-occluded mask (conventions in :mod:`blender_gt_addon.stereo`).

A stereo render writes one file per view and frame, ``<prefix><frame>_L.exr`` and
``<prefix><frame>_R.exr`` (Blender's view suffixes); each holds its own view's camera
in the frame record and the rig in the ``blender-gt/stereo`` attribute.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import stereo
from . import records
from .errors import GroundTruthError

__all__ = ["SUFFIXES", "StereoAnswers", "disparity_of", "non_occluded_of", "other_view_of",
           "resolve", "rig_of"]

# Blender's default file suffixes of the two views (RenderView.file_suffix).
SUFFIXES = {"left": "_L", "right": "_R"}


def resolve(path: str | os.PathLike[str], view: str | None) -> Path:
    """The file of ``view`` for ``path``: ``path`` itself when ``view`` is ``None``;
    else, for ``s_0001.exr``, ``s_0001_L.exr`` or ``s_0001_R.exr`` (either named),
    the file of that view beside it.

    Raises:
        GroundTruthError: ``view`` is not ``"left"`` or ``"right"``.
    """
    path = Path(path)
    if view is None:
        return path
    if view not in stereo.VIEWS:
        raise GroundTruthError(f"{path}: view {view!r}: choose 'left' or 'right'")
    stem = path.name[:-4] if path.name.lower().endswith(".exr") else path.name
    for suffix in SUFFIXES.values():
        if stem.endswith(suffix):
            stem = stem[:-len(suffix)]
            break
    return path.with_name(f"{stem}{SUFFIXES[view]}.exr")


def rig_of(frame) -> stereo.Rig | None:
    """The rig recorded in ``frame``'s header, or ``None`` (a single view)."""
    text = frame.header.get(stereo.KEY)
    if text is None:
        return None
    with records.reading(frame.path, "stereo record"):
        if not isinstance(text, str):
            raise records.RecordError(f"not text but {type(text).__name__}")
        return stereo.decode(text)


def _need_rig(frame, what: str) -> stereo.Rig:
    rig = frame.stereo
    if rig is None:
        raise GroundTruthError(f"{frame.path}: {what} needs a stereo pair; this file holds "
                               "one view (no blender-gt/stereo record)")
    return rig


def disparity_of(frame) -> np.ndarray:
    """(H, W) float32 disparity of ``frame``'s view, pixels, positive, 0 where nothing
    was hit (:func:`blender_gt_addon.stereo.disparity`)."""
    rig = _need_rig(frame, "disparity")
    camera = frame._need_camera("disparity")
    if camera.type != "PERSP":
        raise GroundTruthError(f"{frame.path}: disparity needs a perspective camera")
    return stereo.disparity(frame.depth, camera.K[0, 0], rig.baseline)


def other_view_of(frame):
    """The :class:`GroundTruthFrame` of the other view of ``frame``'s stereo pair.

    Raises:
        GroundTruthError: a single view, or the other view's file is missing, or its
            rig or size disagrees with this one's.
    """
    rig = _need_rig(frame, "the other view")
    # The frame's own class (GroundTruthFrame), so this module need not import it.
    other = type(frame)(Path(frame.path).with_name(rig.files[rig.other]))
    theirs = other.stereo
    if theirs is None or theirs.view != rig.other or theirs.baseline != rig.baseline:
        raise GroundTruthError(f"{other.path}: not the {rig.other} view of {frame.path}'s "
                               "stereo pair (its stereo record disagrees)")
    if (other.width, other.height) != (frame.width, frame.height):
        raise GroundTruthError(f"{other.path}: {other.width}x{other.height}, but its other "
                               f"view is {frame.width}x{frame.height}")
    return other


def non_occluded_of(frame, tolerance: float = stereo.DEPTH_TOLERANCE,
                    other=None) -> np.ndarray:
    """(H, W) bool: the pixels of ``frame``'s view that the other view sees
    (:func:`blender_gt_addon.stereo.non_occluded`; instance ids compared where both
    files have them). ``other``: the other view's frame when the caller has it open
    already (:func:`other_view_of`), else it is opened here."""
    rig = _need_rig(frame, "the occlusion mask")
    other = other_view_of(frame) if other is None else other
    camera = frame._need_camera("the occlusion mask")
    ids = other_ids = None
    if "cryptomatte_object" in frame.passes and "cryptomatte_object" in other.passes:
        # Both views share one manifest's names, so the raw ids compare by name.
        ids = _named_ids(frame)
        other_ids = _named_ids(other, ids[1])
        ids, other_ids = ids[0], other_ids[0]
    return stereo.non_occluded(frame.depth, ids, other.depth, other_ids, camera.K[0, 0],
                               rig.baseline, rig.view, tolerance)


def _named_ids(frame, numbering: dict[str, int] | None = None):
    """``frame``'s instance ids renumbered by name (``numbering``: name -> number, made
    from this frame's names when not given); unknown names get -1."""
    names = frame.names
    if numbering is None:
        numbering = {name: i + 1 for i, name in enumerate(sorted(set(names.values())))}
    lut_keys = np.array(sorted(names), dtype=np.int64)
    lut_values = np.array([numbering.get(names[k], -1) for k in sorted(names)], np.int64)
    ids = np.asarray(frame.instance_id, dtype=np.int64)
    out = np.zeros(ids.shape, np.int64)
    if lut_keys.size:
        where = np.searchsorted(lut_keys, ids)
        where = np.clip(where, 0, lut_keys.size - 1)
        found = lut_keys[where] == ids
        out[found] = lut_values[where[found]]
    return out, numbering


class StereoAnswers:
    """The stereo attributes of :class:`GroundTruthFrame` (a base class of it)."""

    @property
    def stereo(self) -> stereo.Rig | None:
        """The stereo rig of this file (its view, baseline in scene units, pivot, the
        two views' file names), or ``None`` for a single view. Header only."""
        return rig_of(self)

    @property
    def disparity(self) -> np.ndarray:
        """(H, W) float32 disparity ``fx * B / Z`` of this view, pixels, positive in both
        views; 0 where nothing was hit (the disparity of infinity). Its match in the
        other view is (x - d, y) from the left view, (x + d, y) from the right.

        Raises:
            GroundTruthError: a single view (no stereo record), or no depth or camera.
        """
        return disparity_of(self)

    @property
    def non_occluded(self) -> np.ndarray:
        """(H, W) bool: the pixels whose surface point the other view sees at its
        matching pixel (same instance id, same depth within 1e-3 relative, inside the
        other image; :func:`blender_gt_addon.stereo.non_occluded`). Reads the other
        view's file (depth, and instance ids where both have them)."""
        return non_occluded_of(self)

    def other_view(self):
        """The :class:`GroundTruthFrame` of the other view of this stereo pair."""
        return other_view_of(self)
