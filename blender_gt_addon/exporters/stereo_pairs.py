# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the stereo formats (``middlebury``, ``kitti-stereo``) share: the pairs of a
folder, each view's disparity and occlusion mask, and PFM files. No ``bpy``.

Conventions of every view here (:mod:`blender_gt_addon.stereo`): disparity
``d = fx * B / Z`` in pixels, positive in both views; non-occluded: the other view
sees the same surface point at the matching pixel (x - d from the left view, x + d
from the right), same instance id, same depth within 1e-3 relative.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..reader import GroundTruthFrame
from ..reader.stereo import non_occluded_of
from .common import ExportError
from .images import frame_names, perspective_cameras

__all__ = ["Pair", "neighbours", "pairs", "view_arrays", "view_path", "write_pfm"]


@dataclass(frozen=True)
class Pair:
    """One frame's stereo pair: its two files and the name its output takes."""

    name: str
    left: Path
    right: Path


def pairs(frames: Sequence[GroundTruthFrame], fmt: str) -> list[Pair]:
    """The stereo pairs of ``frames`` (either view of each, headers only), in order,
    one per frame number.

    Raises:
        ExportError: a frame is no stereo pair, has no perspective camera, or lacks
            depth (which disparity needs).
    """
    perspective_cameras(frames, fmt)
    found: dict[Path, GroundTruthFrame] = {}
    for frame in frames:
        rig = frame.stereo
        if rig is None:
            raise ExportError(f"{frame.path}: holds one view, not a stereo pair, which {fmt} "
                              "needs (tick Stereo pair in the Ground Truth panel)")
        if "depth" not in frame.passes:
            raise ExportError(f"{frame.path}: has no depth, which {fmt}'s disparity needs")
        left = frame.path.with_name(rig.files["left"])
        found.setdefault(left, frame)
    firsts = list(found.values())
    return [Pair(name, left, left.with_name(f.stereo.files["right"]))
            for name, left, f in zip(frame_names(firsts), found, firsts, strict=True)]


def view_arrays(frame: GroundTruthFrame, other: GroundTruthFrame
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(disparity, hit, non_occluded)`` of one view, ``other`` being the other view's
    frame: (H, W) float32 disparity (0 where nothing was hit), bool where something was
    hit, bool non-occluded."""
    return (frame.disparity, np.isfinite(frame.depth),
            non_occluded_of(frame, other=other))


def write_pfm(path: Path, array: np.ndarray) -> None:
    """A PFM file of float32 ``array``, (H, W) grey (``Pf``) or (H, W, 3) colour
    (``PF``): the header, ``W H``, scale ``-1`` (little-endian), then the rows from
    the bottom one up, as the format says."""
    array = np.asarray(array, dtype="<f4")
    if array.ndim == 2:
        tag = "Pf"
    elif array.ndim == 3 and array.shape[2] == 3:
        tag = "PF"
    else:
        raise ValueError(f"a PFM needs (H, W) or (H, W, 3), not {array.shape}")
    height, width = array.shape[:2]
    with open(path, "wb") as out:
        out.write(f"{tag}\n{width} {height}\n-1\n".encode("ascii"))
        out.write(np.ascontiguousarray(array[::-1]).tobytes())


def neighbours(found: Sequence[Pair]) -> list[tuple[Pair, Pair | None, Pair | None]]:
    """Each pair with the pairs of the frames just before and after it (``None`` where
    that frame is not among them), by frame number (the pairs' names)."""
    by_number = {int(p.name): p for p in found if p.name.lstrip("-").isdigit()}
    result = []
    for pair in found:
        number = int(pair.name) if pair.name.lstrip("-").isdigit() else None
        before = by_number.get(number - 1) if number is not None else None
        after = by_number.get(number + 1) if number is not None else None
        result.append((pair, before, after))
    return result


def view_path(pair: Pair, view: str) -> Path:
    """The file of ``view`` (``"left"`` or ``"right"``) of ``pair``."""
    return pair.left if view == "left" else pair.right
