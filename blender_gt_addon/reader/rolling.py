# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rolling-shutter frames: each row's objects and poses, and where the surface point a
row saw appears in the next rolling-shutter frame (:func:`rolling_flow`). No ``bpy``.

A rolling-shutter frame (:mod:`blender_gt_addon.exposure`) records the camera at each
row's time (``shutter.row_world_to_camera``) and the pose of each object that moves
during the exposure at each row's time (``shutter.row_object_to_world``); an object
not there holds its frame pose over the whole exposure. Its ``rolling_*`` outputs
name a pixel's object by pass index only (the image's layer has no instance ids), so
an object is known from a pixel where its pass index is its alone among the recorded
objects (and not 0).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import GroundTruthError

__all__ = ["REASONS", "RollingFlow", "RowObject", "project", "row_depth_in_place",
           "row_objects", "rolling_flow"]

# Why a pixel has no rolling flow; its code in RollingFlow.reason is the position + 1.
REASONS = ("unknown object", "no pose", "deforms", "leaves view")
_UNKNOWN, _NO_POSE, _DEFORMS, _LEAVES = 1, 2, 3, 4


def row_depth_in_place(frame, depth: np.ndarray) -> None:
    """Turn the ``rolling_depth`` pass into each row's own planar depth, in place.

    Cycles writes a motion-blurred layer's depth along the axis of the camera at the
    exposure's middle (``shutter.depth_world_to_camera``), whichever row the ray came
    from. The surface point of pixel (c, r) lies on that pixel's ray of row r's camera,
    ``o + λ d`` in its OpenCV axes (perspective: ``o = 0``, ``d = K^-1 (c, r, 1)``;
    orthographic: ``o = (x, y, 0)``, ``d = (0, 0, 1)``), so its depth there, ``λ``,
    follows from the middle camera's depth of it exactly. Infinite depth stays.
    Files without that camera (no rolling shutter, or an earlier add-on) keep the
    pass as written.
    """
    shutter = frame.shutter
    camera = frame.camera
    if (shutter is None or shutter.depth_world_to_camera is None or camera is None
            or shutter.row_world_to_camera is None):
        return
    height, width = depth.shape
    rows = shutter.row_world_to_camera
    rotation, shift = rows[:, :3, :3], rows[:, :3, 3]
    centre = -np.einsum("hji,hj->hi", rotation, shift)  # -R^T t, world
    middle = np.asarray(shutter.depth_world_to_camera, dtype=np.float64)
    axis, offset = middle[2, :3], middle[2, 3]
    g = rotation @ axis  # (H, 3): the middle's axis in each row camera's axes
    fx, fy, cx, cy = camera.K[0, 0], camera.K[1, 1], camera.K[0, 2], camera.K[1, 2]
    x = ((np.arange(width, dtype=np.float64) - cx) / fx)[None, :]
    y = ((np.arange(height, dtype=np.float64) - cy) / fy)[:, None]
    base = (offset + centre @ axis)[:, None]  # (H, 1)
    gx, gy, gz = (g[:, i][:, None] for i in range(3))
    if camera.type == "ORTHO":
        numerator, denominator = -(base + gx * x + gy * y), np.broadcast_to(gz, depth.shape)
    else:
        numerator, denominator = -base, gx * x + gy * y + gz
    finite = np.isfinite(depth)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = (depth.astype(np.float64) + numerator) / denominator
    depth[finite] = own[finite].astype(depth.dtype)


@dataclass(frozen=True)
class RowObject:
    """One object of a rolling-shutter frame.

    Attributes:
        name, pass_index: as the frame record has them.
        object_to_world: (4, 4) float64, its pose at the frame's time.
        rows: (H, 4, 4) float64, its ``object_to_world`` at each row's time.
        rigid: its mesh is the same at the exposure's opening, the frame and the closing
            (equal mesh hashes; ``False`` where a hash is missing at an end).
        geometry: its mesh hash at the frame (``None`` when not recorded).
    """

    name: str
    pass_index: int
    object_to_world: np.ndarray
    rows: np.ndarray
    rigid: bool
    geometry: str | None


def _shutter(frame, what: str):
    shutter = frame.shutter
    if shutter is None or shutter.rolling == "NONE" or shutter.row_world_to_camera is None:
        raise GroundTruthError(f"{frame.path}: no rolling shutter record (row cameras), "
                               f"which {what} needs")
    return shutter


def row_objects(frame) -> dict[int, RowObject]:
    """``{pass index: RowObject}`` of the recorded objects (not instanced copies) whose
    pass index no other recorded object has, 0 left out.

    Raises:
        GroundTruthError: the frame has no rolling shutter record.
    """
    shutter = _shutter(frame, "the rows' objects")
    height = len(shutter.row_world_to_camera)
    poses = list(frame.poses.values())
    counts: dict[int, int] = {}
    for pose in poses:
        counts[pose.pass_index] = counts.get(pose.pass_index, 0) + 1
    ends = [{o.name: o.geometry for o in i.objects} if i is not None else {}
            for i in (shutter.at_open, shutter.at_close)]
    found = {}
    for pose in poses:
        if pose.pass_index == 0 or counts[pose.pass_index] != 1:
            continue
        now = np.asarray(pose.object_to_world, np.float64)
        rows = shutter.row_object_to_world.get(pose.name)
        if rows is None:
            rows = np.broadcast_to(now, (height, 4, 4))
        rigid = pose.geometry is not None and all(end.get(pose.name) == pose.geometry
                                                  for end in ends)
        found[pose.pass_index] = RowObject(pose.name, pose.pass_index, now, rows, rigid,
                                           pose.geometry)
    return found


@dataclass(frozen=True)
class RollingFlow:
    """Where the surface point each row of frame t saw appears in frame t + 1's
    rolling-shutter image.

    Attributes:
        flow: (H, W, 2) float32 (dx, dy) pixels, x right, y down: the point seen at
            pixel (x, y) of frame t (at its row's time) is seen at (x + dx, y + dy) in
            frame t + 1, in the row of t + 1 whose own time puts it there; NaN where
            not known.
        valid: (H, W) bool, where ``flow`` is known.
        reason: (H, W) uint8, why not (0: known or nothing hit; else the position in
            :data:`REASONS` + 1).
        world: (H, W, 3) float32, the point where frame t + 1 sees it (world
            coordinates at the time of the row it appears in: the rolling shutter's
            scene flow end), NaN where ``flow`` is.
    """

    flow: np.ndarray
    valid: np.ndarray
    reason: np.ndarray
    world: np.ndarray


def rolling_flow(frame, next_frame, iterations: int = 8) -> RollingFlow:
    """The rolling-shutter correspondence of ``frame`` (t) in ``next_frame`` (t + 1).

    Pixel (c, r) of frame t saw the surface point ``X = rolling_position[r, c]`` at its
    row's time; on its object o (by pass index, :func:`row_objects`), its object
    coordinates are ``T_o(row r of t)^-1 X``. Row ρ of frame t + 1 sees the point at
    ``P(ρ)``: carried with o's pose at that row's time and projected with that row's
    camera. The point appears in the row ρ where ``P(ρ)`` lies on it: found by
    iterating ``ρ <- P_y(round(ρ))`` from ρ = r, then linearly between the two rows
    around the root of ``P_y(ρ) - ρ``; the flow is ``P(ρ) - (c, r)``. Exact for rigid
    objects with the recorded row poses, up to the linear step between two adjacent
    rows. Perspective cameras.

    Raises:
        GroundTruthError: either frame lacks a rolling shutter record, frame t lacks
            ``rolling_position`` or ``rolling_object_index``, or the sizes differ.
    """
    for f, what in ((frame, "rolling flow"), (next_frame, "rolling flow (next frame)")):
        _shutter(f, what)
    for layer in ("rolling_position", "rolling_object_index"):
        if layer not in frame.passes:
            raise GroundTruthError(f"{frame.path}: has no {layer!r} output, which rolling "
                                   "flow needs")
    if (frame.width, frame.height) != (next_frame.width, next_frame.height):
        raise GroundTruthError(f"{next_frame.path}: {next_frame.width}x{next_frame.height}, "
                               f"not {frame.width}x{frame.height} like {frame.path}")
    if next_frame._need_camera("rolling flow").type != "PERSP":
        raise GroundTruthError(f"{next_frame.path}: rolling flow is for perspective cameras, "
                               f"not {next_frame.camera.type}")
    height, width = frame.height, frame.width
    position = np.asarray(frame.rolling_position, dtype=np.float64)
    index = frame.rolling_object_index
    hit = np.isfinite(position).all(axis=-1)
    flow = np.full((height, width, 2), np.nan, dtype=np.float32)
    world = np.full((height, width, 3), np.nan, dtype=np.float32)
    reason = np.where(hit, _UNKNOWN, 0).astype(np.uint8)
    now, later = row_objects(frame), row_objects(next_frame)
    later_by_name = {o.name: o for o in later.values()}
    cameras = next_frame.shutter.row_world_to_camera
    K = next_frame._need_camera("rolling flow").K
    for pass_index, obj in now.items():
        on = hit & (index == pass_index)
        if not on.any():
            continue
        other = later_by_name.get(obj.name)
        if other is None:
            reason[on] = _NO_POSE
            continue
        if not (obj.rigid and other.rigid and obj.geometry == other.geometry):
            reason[on] = _DEFORMS
            continue
        r, c = np.nonzero(on)
        points = np.concatenate([position[r, c], np.ones((len(r), 1))], axis=1)
        local = np.einsum("nij,nj->ni", np.linalg.inv(obj.rows[r]), points)
        uv, ok, carried = _landing(local, other.rows, cameras, K, r.astype(np.float64),
                                   iterations)
        ok &= ((uv[:, 0] >= -0.5) & (uv[:, 0] <= width - 0.5)
               & (uv[:, 1] >= -0.5) & (uv[:, 1] <= height - 0.5))
        reason[r, c] = np.where(ok, 0, _LEAVES)
        flow[r[ok], c[ok]] = (uv[ok] - np.stack([c[ok], r[ok]], axis=1)).astype(np.float32)
        world[r[ok], c[ok]] = carried[ok].astype(np.float32)
    return RollingFlow(flow=flow, valid=np.isfinite(flow[..., 0]), reason=reason, world=world)


def project(world_to_camera: np.ndarray, K: np.ndarray, points: np.ndarray):
    """Pixels (N, 2) and depth (N,) of world ``points`` (N, 3) through perspective
    cameras: ``world_to_camera`` one (4, 4) for all, or (N, 4, 4), one a point (each
    row's camera); pixel centres at integers, x right, y down."""
    homogeneous = np.concatenate([points, np.ones((len(points), 1))], axis=1)
    if world_to_camera.ndim == 3:
        camera = np.einsum("nij,nj->ni", world_to_camera, homogeneous)[:, :3]
    else:
        camera = homogeneous @ world_to_camera[:3].T
    z = camera[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = camera[:, :2] / z[:, None] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    return uv, z


def _project_at(local, poses, cameras, K, rows):
    """(N, 2) pixels, (N,) depth and (N, 3) world positions of object points ``local``
    (N, 4) with the pose and camera of integer ``rows`` (N,)."""
    world = np.einsum("nij,nj->ni", poses[rows], local)[:, :3]
    uv, z = project(cameras[rows], K, world)
    return uv, z, world


def _landing(local, poses, cameras, K, start, iterations: int):
    """Pixels where points ``local`` appear in a rolling-shutter frame (see
    :func:`rolling_flow`), whether each is in front of its camera and found, and its
    world position then."""
    last = len(cameras) - 1
    rho = start
    for _ in range(iterations):
        rows = np.clip(np.rint(np.nan_to_num(rho, nan=0.0)), 0, last).astype(np.intp)
        uv, z, _ = _project_at(local, poses, cameras, K, rows)
        rho = uv[:, 1]
    low = np.clip(np.floor(np.nan_to_num(rho, nan=0.0)), 0, max(last - 1, 0)).astype(np.intp)
    high = np.minimum(low + 1, last)
    a, za, world_a = _project_at(local, poses, cameras, K, low)
    b, zb, world_b = _project_at(local, poses, cameras, K, high)
    h_low, h_high = a[:, 1] - low, b[:, 1] - high
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(h_low != h_high, h_low / (h_low - h_high), 0.0)
    # The root lies between the two rows; beyond the first or last row only by the
    # half row that still belongs to the image. Elsewhere: not found.
    reach_low = np.where(low == 0, -0.5, 0.0) - 1e-6
    reach_high = np.where(high == last, 1.5, 1.0) + 1e-6
    uv = a + t[:, None] * (b - a)
    world = world_a + t[:, None] * (world_b - world_a)
    ok = ((za > 0) & (zb > 0) & np.isfinite(uv).all(axis=1)
          & (t >= reach_low) & (t <= reach_high))
    return uv, ok, world
