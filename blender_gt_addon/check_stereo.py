# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt check --stereo``: prove a folder's stereo pairs against geometry. No
``bpy``.

For each frame and view (:mod:`blender_gt_addon.stereo`):

1. **disparity**: on the pixels both views see (:attr:`GroundTruthFrame.non_occluded`)
   away from edges, the other view's rendered world position at the matching pixel
   (x - d from the left view, x + d from the right; linear between the two pixel
   centres around it) is projected into this view's camera; the error is its distance
   from the pixel's centre, in pixels. A disparity off by e pixels shows as an error
   of e.
2. **disp2** (where the next frame of the view is in the folder): on the pixels whose
   point the next frame sees (:func:`blender_gt_addon.reader.sceneflow.seen_in`) away from
   edges, the scene flow's disparity at t + 1 against the next frame's own disparity
   at the point's pixel there (linear between the 2x2 pixel centres around it: on a
   plane disparity is affine in the pixel), pixels.

A view passes when at least ``min_share`` of its judged pixels are within
``tolerance`` (defaults 0.5 px, 99 %) and some were judged. Positions come from the
position pass where the files have it, else from depth and the file's camera.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import reader
from .check import DEFAULT_MIN_SHARE, DEFAULT_TOLERANCE, between, edge_mask, summary, tally
from .reader.sceneflow import scene_flow, seen_in
from .reader.stereo import non_occluded_of

__all__ = ["StereoCheck", "check_stereo_folder", "check_view", "report"]


@dataclass(frozen=True)
class StereoCheck:
    """One view of one frame: what was judged and how far off, for disparity and, where
    the next frame is there, disp2 (``None`` otherwise)."""

    frame: int
    view: str
    judged: int
    median_error: float | None
    within: float | None
    next_judged: int | None = None
    next_median_error: float | None = None
    next_within: float | None = None
    passed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _positions(frame) -> np.ndarray:
    if "position" in frame.passes:
        return np.asarray(frame.position, dtype=np.float64)
    return frame._need_camera("the stereo check").points_from_depth(frame.depth)


def check_view(frame, next_frame=None, *, disparity: np.ndarray | None = None,
               tolerance: float = DEFAULT_TOLERANCE,
               min_share: float = DEFAULT_MIN_SHARE) -> StereoCheck:
    """Check one view of one frame (a stereo :class:`reader.GroundTruthFrame`), and its
    scene flow to ``next_frame`` (the same view at t + 1) when given. ``disparity``
    replaces the frame's own (to see what the check says of a wrong one)."""
    rig = frame.stereo
    if rig is None:
        raise reader.GroundTruthError(f"{frame.path}: holds one view; check --stereo needs "
                                      "stereo pairs")
    other = frame.other_view()
    d = np.asarray(frame.disparity if disparity is None else disparity, dtype=np.float64)
    ids = frame.instance_id if "cryptomatte_object" in frame.passes else None
    other_ids = other.instance_id if "cryptomatte_object" in other.passes else None
    judged = non_occluded_of(frame, other=other) & ~edge_mask(frame.depth, ids)
    height, width = d.shape
    cols = np.arange(width, dtype=np.float64)[None, :]
    u = cols - d if rig.view == "left" else cols + d
    inside = (u >= 0) & (u <= width - 1)
    lo = np.clip(np.floor(u), 0, width - 1).astype(np.intp)
    hi = np.minimum(lo + 1, width - 1)
    rows = np.broadcast_to(np.arange(height)[:, None], d.shape)
    other_edge = edge_mask(other.depth, other_ids)
    judged &= inside & ~other_edge[rows, lo] & ~other_edge[rows, hi]
    positions = _positions(other)
    t = (u - lo)[..., None]
    seen = (1 - t) * positions[rows, lo] + t * positions[rows, hi]
    uv = frame.camera.project(seen[judged])
    r, c = np.nonzero(judged)
    errors = np.hypot(uv[:, 0] - c, uv[:, 1] - r)
    count, median, within = summary(errors, tolerance)
    passed = within is not None and within >= min_share
    found: dict[str, Any] = {}
    if next_frame is not None:
        flows = scene_flow(frame, next_frame)
        later = np.asarray(next_frame.disparity, dtype=np.float64)
        ok = seen_in(flows, next_frame) & ~edge_mask(frame.depth, ids)
        next_ids = (next_frame.instance_id if "cryptomatte_object" in next_frame.passes
                    else None)
        next_edge = edge_mask(next_frame.depth, next_ids)
        x = np.arange(width)[None, :] + np.nan_to_num(flows.flow[..., 0], nan=-1e9)
        y = np.arange(height)[:, None] + np.nan_to_num(flows.flow[..., 1], nan=-1e9)
        ok &= (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        there, away_from_edges = between(later, x, y, next_edge)
        ok &= away_from_edges
        errors2 = np.abs(there[ok] - flows.disparity_other[ok])
        n2, median2, within2 = summary(errors2, tolerance)
        found = dict(next_judged=n2, next_median_error=median2, next_within=within2)
        passed = passed and within2 is not None and within2 >= min_share
    return StereoCheck(frame=frame.frame if frame.frame is not None else -1, view=rig.view,
                       judged=count, median_error=median, within=within, passed=passed,
                       **found)


def check_stereo_folder(folder, *, tolerance: float = DEFAULT_TOLERANCE,
                        min_share: float = DEFAULT_MIN_SHARE) -> list[StereoCheck]:
    """:func:`check_view` of every frame and view of a folder of stereo pairs, with the
    next frame where it is there.

    Raises:
        GroundTruthError: no stereo pairs in the folder, or a file lacks what the
            check needs (depth, a camera).
    """
    checks = []
    for view in ("left", "right"):
        sequence = reader.open_sequence(folder, view=view)
        for i in range(len(sequence)):
            following = sequence[i + 1] if sequence.has_successor(i) else None
            checks.append(check_view(sequence[i], following, tolerance=tolerance,
                                     min_share=min_share))
    return sorted(checks, key=lambda c: (c.frame, c.view))


def report(checks: list[StereoCheck], tolerance: float = DEFAULT_TOLERANCE) -> str:
    """What ``check --stereo`` prints: a line a frame and view, then a summary."""
    lines = []
    for c in checks:
        head = f"stereo frame {c.frame} {c.view}: "
        if not c.judged:
            lines.append(head + "no pixel both views see could be judged: FAILED")
            continue
        text = (f"disparity median error {c.median_error:.3g} px, {c.within:.1%} of "
                f"{c.judged} pixels within {tolerance:g} px")
        if c.next_judged is not None:
            text += (f"; disp2 median error {c.next_median_error:.3g} px, "
                     f"{c.next_within:.1%} of {c.next_judged} within" if c.next_judged
                     else "; disp2: no pixel seen in the next frame could be judged")
        lines.append(head + text + (": ok" if c.passed else ": FAILED"))
    lines.append(tally("stereo", checks, "views"))
    return "\n".join(lines)
