# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt check --rows``: prove a rolling-shutter frame's rows against geometry.
No ``bpy``.

For each frame with the rolling-shutter outputs (``rolling_depth``, ``rolling_position``,
``rolling_object_index``) and a rolling shutter record (row cameras, row poses:
:mod:`blender_gt_addon.exposure`), on pixels away from edges (:func:`.check.edge_mask`
of the rolling depth and object index: position is averaged over a pixel's samples,
depth is its first sample):

1. **rows**: the point a row saw (``rolling_position``, world) projected with *that
   row's* camera (``shutter.row_world_to_camera[r]``) lands on the pixel's centre, at
   the pixel's rolling depth. Error: its distance from the centre, pixels; the depth
   must agree within ``depth_tolerance`` (relative). Data of another instant than the
   row camera's (e.g. the frame's) miss by the camera's motion in between.
2. **frame**: the same point carried from the row's time to the frame's time with its
   object's poses (``shutter.row_object_to_world`` for an object that moves during the
   exposure, one pose for one that does not), then projected with the frame's camera,
   lies on the surface the crisp render (``depth``, ``object_index``, the frame's
   instant) sees there: its depth equals the crisp depth at that point (linear between
   the 2x2 pixel centres around it, all on the same object and away from the crisp
   edges) within ``depth_tolerance``, relative. Judged only where the object is known
   from the pixel's object index (a pass index no other recorded object has) and
   rigid over the exposure (equal mesh hashes at the opening, the frame and the
   closing; :func:`.reader.rolling.row_objects`), and the point is in view at the frame.

3. **rolling flow** (where the folder has frame t + 1): the point carried to where
   :func:`.reader.rolling.rolling_flow` says frame t + 1 sees it lies on the surface
   frame t + 1's own render sees there: its distance from ``rolling_position`` of t + 1
   at that point (linear between the 2x2 pixel centres around it, all on the same
   object and away from edges), over its depth, times the focal length. Error in
   pixels; a flow off by e pixels shows as about e.

A frame passes when at least ``min_share`` of the pixels judged by each part are right
(rows: within ``tolerance`` px and the depth; frame: the depth; flow: ``tolerance``)
and some were judged.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import reader
from .check import DEFAULT_MIN_SHARE, DEFAULT_TOLERANCE, between, edge_mask, summary, tally
from .reader.rolling import project, rolling_flow, row_objects

__all__ = ["DEFAULT_DEPTH_TOLERANCE", "RowsCheck", "check_frame", "check_rows_folder",
           "report"]

DEFAULT_DEPTH_TOLERANCE = 1e-3  # relative


@dataclass(frozen=True)
class RowsCheck:
    """One frame: how many pixels each part judged, their median errors (rows: pixels,
    frame: relative depth, next: pixels) and the share that is right; the next frame's
    part ``None`` where it was not in the folder."""

    frame: int
    judged: int
    median_error: float | None
    median_depth_error: float | None
    within: float | None
    frame_judged: int
    frame_median_error: float | None
    frame_within: float | None
    passed: bool
    next_judged: int | None = None
    next_median_error: float | None = None
    next_within: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _needs(frame) -> None:
    missing = [layer for layer in ("rolling_depth", "rolling_position", "rolling_object_index",
                                   "depth", "object_index") if layer not in frame.passes]
    if missing:
        raise reader.GroundTruthError(f"{frame.path}: has no {', '.join(missing)} output; "
                                      "check --rows needs them")
    shutter = frame.shutter
    if shutter is None or shutter.rolling == "NONE" or shutter.row_world_to_camera is None:
        raise reader.GroundTruthError(f"{frame.path}: no rolling shutter record (row "
                                      "cameras); check --rows needs a rolling-shutter render")
    if frame.camera is None:
        raise reader.GroundTruthError(f"{frame.path}: no camera in the header")
    if frame.camera.type != "PERSP":
        raise reader.GroundTruthError(f"{frame.path}: check --rows is for perspective "
                                      f"cameras, not {frame.camera.type}")


def check_frame(frame, next_frame=None, *, tolerance: float = DEFAULT_TOLERANCE,
                depth_tolerance: float = DEFAULT_DEPTH_TOLERANCE,
                min_share: float = DEFAULT_MIN_SHARE,
                position: np.ndarray | None = None,
                flow: np.ndarray | None = None) -> RowsCheck:
    """Check one rolling-shutter frame (a :class:`reader.GroundTruthFrame`), and its
    rolling flow to ``next_frame`` (t + 1) when given; see the module. ``position``
    replaces the frame's rolling position and ``flow`` the rolling flow (to see what
    the check says of a wrong one).

    Raises:
        GroundTruthError: the file lacks what the check needs.
    """
    _needs(frame)
    shutter, camera = frame.shutter, frame.camera
    depth = np.asarray(frame.rolling_depth, dtype=np.float64)
    position = np.asarray(frame.rolling_position if position is None else position,
                          dtype=np.float64)
    index = frame.rolling_object_index
    judged = (np.isfinite(depth) & np.isfinite(position).all(axis=-1)
              & ~edge_mask(depth, index))
    r, c = np.nonzero(judged)
    points = position[r, c]
    # 1. Each row's point with each row's camera: right when both the pixel and the
    # depth agree.
    uv, z = project(shutter.row_world_to_camera[r], camera.K, points)
    errors = np.hypot(uv[:, 0] - c, uv[:, 1] - r)
    depth_errors = np.abs(z - depth[r, c]) / depth[r, c]
    count, median, _ = summary(errors, tolerance)
    within = (float(np.mean((errors <= tolerance) & (depth_errors <= depth_tolerance)))
              if count else None)
    # 2. Carried to the frame's time, against the crisp render.
    frame_count, frame_median, frame_within = summary(
        _against_frame(frame, r, points, index[r, c]), depth_tolerance)
    passed = (within is not None and within >= min_share
              and frame_within is not None and frame_within >= min_share)
    found: dict[str, Any] = {}
    if next_frame is not None:
        # 3. Where the rolling flow says frame t + 1 sees each point.
        n, next_median, next_within = summary(
            _against_next(frame, next_frame, judged, flow), tolerance)
        found = {"next_judged": n, "next_median_error": next_median,
                 "next_within": next_within}
        passed = passed and next_within is not None and next_within >= min_share
    return RowsCheck(
        frame=frame.frame if frame.frame is not None else -1, judged=count,
        median_error=median,
        median_depth_error=float(np.median(depth_errors)) if count else None,
        within=within, frame_judged=frame_count, frame_median_error=frame_median,
        frame_within=frame_within, passed=passed, **found)


def _against_next(frame, next_frame, judged: np.ndarray, flow: np.ndarray | None) -> np.ndarray:
    """Errors, pixels, of the rolling flow (part 3): the distance between the point
    carried to where frame t + 1 sees it and frame t + 1's own rolling position there,
    over the point's depth, times the focal length."""
    _needs(next_frame)
    found = rolling_flow(frame, next_frame)
    moved = found.flow if flow is None else flow
    index = frame.rolling_object_index
    height, width = index.shape
    r, c = np.nonzero(judged & found.valid)
    x = c + moved[r, c, 0].astype(np.float64)
    y = r + moved[r, c, 1].astype(np.float64)
    inside = (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
    r, c, x, y = r[inside], c[inside], x[inside], y[inside]
    later_depth = np.asarray(next_frame.rolling_depth, dtype=np.float64)
    later_index = next_frame.rolling_object_index
    later_edge = edge_mask(later_depth, later_index)
    there, ok = between(np.asarray(next_frame.rolling_position, dtype=np.float64), x, y,
                        later_edge, later_index, index[r, c])
    depth, _ = between(later_depth, x, y, later_edge, later_index, index[r, c])
    carried = found.world[r, c].astype(np.float64)
    focal = next_frame.camera.K[0, 0]
    errors = np.linalg.norm(carried - there, axis=1) * focal / depth
    return errors[ok]


def _against_frame(frame, r, points, index) -> np.ndarray:
    """Relative depth errors of the rows' points carried to the frame's time (part 2):
    ``points`` (N, 3) seen in rows ``r`` on objects of pass ``index`` (N,)."""
    camera = frame.camera
    crisp_depth = np.asarray(frame.depth, dtype=np.float64)
    crisp_index = frame.object_index
    crisp_edge = edge_mask(crisp_depth, crisp_index)
    height, width = crisp_depth.shape
    errors = []
    for pass_index, obj in row_objects(frame).items():
        on = index == pass_index
        if not on.any() or not obj.rigid:
            continue
        # Object coordinates at the row's time, then world at the frame's time.
        homogeneous = np.concatenate([points[on], np.ones((int(on.sum()), 1))], axis=1)
        local = np.einsum("nij,nj->ni", np.linalg.inv(obj.rows[r[on]]), homogeneous)
        carried = (local @ obj.object_to_world.T)[:, :3]
        uv, z = project(np.asarray(camera.world_to_camera), camera.K, carried)
        x, y = uv[:, 0], uv[:, 1]
        inside = (z > 0) & (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        x, y, z = x[inside], y[inside], z[inside]
        seen, ok = between(crisp_depth, x, y, crisp_edge, crisp_index, pass_index)
        errors.append((np.abs(z - seen) / seen)[ok])
    return np.concatenate(errors) if errors else np.zeros(0)


def check_rows_folder(folder, *, tolerance: float = DEFAULT_TOLERANCE,
                      depth_tolerance: float = DEFAULT_DEPTH_TOLERANCE,
                      min_share: float = DEFAULT_MIN_SHARE) -> list[RowsCheck]:
    """:func:`check_frame` of every frame of a folder.

    Raises:
        GroundTruthError: no frames, or a frame lacks what the check needs.
    """
    sequence = reader.open_sequence(folder)
    return [check_frame(sequence[i], sequence[i + 1] if sequence.has_successor(i) else None,
                        tolerance=tolerance, depth_tolerance=depth_tolerance,
                        min_share=min_share) for i in range(len(sequence))]


def report(checks: list[RowsCheck], tolerance: float = DEFAULT_TOLERANCE,
           depth_tolerance: float = DEFAULT_DEPTH_TOLERANCE) -> str:
    """What ``check --rows`` prints: a line a frame, then a summary."""
    lines = []
    for k in checks:
        head = f"rows frame {k.frame}: "
        if not k.judged:
            lines.append(head + "no pixel could be judged: FAILED")
            continue
        text = (f"row cameras median error {k.median_error:.3g} px (depth "
                f"{k.median_depth_error:.2g}), {k.within:.1%} of {k.judged} pixels within "
                f"{tolerance:g} px and {depth_tolerance:g} of depth")
        text += (f"; carried to the frame: median depth error {k.frame_median_error:.2g}, "
                 f"{k.frame_within:.1%} of {k.frame_judged} within" if k.frame_judged
                 else "; carried to the frame: no pixel could be judged")
        if k.next_judged is not None:
            text += (f"; rolling flow median error {k.next_median_error:.3g} px, "
                     f"{k.next_within:.1%} of {k.next_judged} within {tolerance:g} px"
                     if k.next_judged else "; rolling flow: no pixel could be judged")
        lines.append(head + text + (": ok" if k.passed else ": FAILED"))
    lines.append(tally("rows", checks, "frames"))
    return "\n".join(lines)
