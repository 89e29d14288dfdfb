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
from .check import DEFAULT_MIN_SHARE, DEFAULT_TOLERANCE, edge_mask
from .reader.rolling import rolling_flow, row_objects

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


def _project(world_to_camera: np.ndarray, K: np.ndarray, points: np.ndarray):
    """Pixel coordinates (N, 2) and depth (N,) of world ``points`` (N, 3);
    ``world_to_camera`` (N, 4, 4) or (4, 4)."""
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    if world_to_camera.ndim == 3:
        camera = np.einsum("nij,nj->ni", world_to_camera, homogeneous)[:, :3]
    else:
        camera = homogeneous @ world_to_camera[:3].T
    z = camera[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = camera[:, :2] / z[:, None] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z


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
    height, width = depth.shape
    judged = (np.isfinite(depth) & np.isfinite(position).all(axis=-1)
              & ~edge_mask(depth, index, orthographic=camera.type == "ORTHO"))
    r, c = np.nonzero(judged)
    points = position[r, c]
    # 1. Each row's point with each row's camera.
    uv, z = _project(shutter.row_world_to_camera[r], camera.K, points)
    errors = np.hypot(uv[:, 0] - c, uv[:, 1] - r)
    depth_errors = np.abs(z - depth[r, c]) / depth[r, c]
    right = (errors <= tolerance) & (depth_errors <= depth_tolerance)
    count = int(len(r))
    # 2. Carried to the frame's time, against the crisp render.
    frame_errors = _against_frame(frame, r, c, points, index[r, c], height, width)
    frame_count = int(frame_errors.size)
    within = float(right.mean()) if count else None
    frame_within = float(np.mean(frame_errors <= depth_tolerance)) if frame_count else None
    passed = (within is not None and within >= min_share
              and frame_within is not None and frame_within >= min_share)
    found: dict[str, Any] = {}
    if next_frame is not None:
        # 3. Where the rolling flow says frame t + 1 sees each point.
        next_errors = _against_next(frame, next_frame, judged, flow)
        n = int(next_errors.size)
        found = {"next_judged": n,
                 "next_median_error": float(np.median(next_errors)) if n else None,
                 "next_within": float(np.mean(next_errors <= tolerance)) if n else None}
        passed = passed and n > 0 and found["next_within"] >= min_share
    return RowsCheck(
        frame=frame.frame if frame.frame is not None else -1, judged=count,
        median_error=float(np.median(errors)) if count else None,
        median_depth_error=float(np.median(depth_errors)) if count else None,
        within=within, frame_judged=frame_count,
        frame_median_error=float(np.median(frame_errors)) if frame_count else None,
        frame_within=frame_within, passed=passed, **found)


def _between(values: np.ndarray, x: np.ndarray, y: np.ndarray, index: np.ndarray,
             wanted, edge: np.ndarray):
    """``values`` (H, W) or (H, W, C) linear between the 2x2 pixel centres around each
    (x, y), and where all four show ``wanted`` in ``index`` and are no ``edge``."""
    height, width = index.shape
    c0 = np.clip(np.floor(x), 0, width - 2).astype(np.intp)
    r0 = np.clip(np.floor(y), 0, height - 2).astype(np.intp)
    ok = np.ones(len(x), dtype=bool)
    for rr, cc in ((r0, c0), (r0, c0 + 1), (r0 + 1, c0), (r0 + 1, c0 + 1)):
        ok &= (index[rr, cc] == wanted) & ~edge[rr, cc]
    fx, fy = x - c0, y - r0
    if values.ndim == 3:
        fx, fy = fx[:, None], fy[:, None]
    seen = ((1 - fx) * (1 - fy) * values[r0, c0] + fx * (1 - fy) * values[r0, c0 + 1]
            + (1 - fx) * fy * values[r0 + 1, c0] + fx * fy * values[r0 + 1, c0 + 1])
    return seen, ok


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
    there, ok = _between(np.asarray(next_frame.rolling_position, dtype=np.float64), x, y,
                         later_index, index[r, c], later_edge)
    depth, _ = _between(later_depth, x, y, later_index, index[r, c], later_edge)
    carried = found.world[r, c].astype(np.float64)
    focal = next_frame.camera.K[0, 0]
    errors = np.linalg.norm(carried - there, axis=1) * focal / depth
    return errors[ok]


def _against_frame(frame, r, c, points, index, height: int, width: int) -> np.ndarray:
    """Relative depth errors of the rows' points carried to the frame's time (part 2)."""
    camera = frame.camera
    crisp_depth = np.asarray(frame.depth, dtype=np.float64)
    crisp_index = frame.object_index
    crisp_edge = edge_mask(crisp_depth, crisp_index, orthographic=camera.type == "ORTHO")
    errors = []
    poses = {p.name: p.object_to_world for p in frame.poses.values()}
    for pass_index, obj in row_objects(frame).items():
        on = index == pass_index
        if not on.any() or not obj.rigid:
            continue
        rows, now = obj.rows, poses[obj.name]
        # Object coordinates at the row's time, then world at the frame's time.
        homogeneous = np.concatenate([points[on], np.ones((int(on.sum()), 1))], axis=1)
        local = np.einsum("nij,nj->ni", np.linalg.inv(rows[r[on]]), homogeneous)
        carried = (local @ np.asarray(now).T)[:, :3]
        uv, z = _project(np.asarray(camera.world_to_camera), camera.K, carried)
        x, y = uv[:, 0], uv[:, 1]
        inside = (z > 0) & (x >= 0) & (x <= width - 1) & (y >= 0) & (y <= height - 1)
        x, y, z = x[inside], y[inside], z[inside]
        seen, ok = _between(crisp_depth, x, y, crisp_index, pass_index, crisp_edge)
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
    failed = sum(not k.passed for k in checks)
    lines.append(f"rows: {len(checks)} frames checked, "
                 + (f"{failed} failed" if failed else "all passed"))
    return "\n".join(lines)
