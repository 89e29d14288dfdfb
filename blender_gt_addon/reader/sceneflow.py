# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scene flow: where each pixel's surface point is in another frame (the next one,
or the previous), in 3D, and for a stereo pair its disparity there. No ``bpy``.

For frame t and another frame s of the same view (s = t + 1 forward, t - 1 backward):

1. the surface point of pixel (col, row) at t: ``X = camera_t.points_from_depth``
   (planar depth at the pixel centre), world coordinates;
2. on an object o with a recorded pose in both frames: ``X' = T_o(s) T_o(t)^-1 X``
   (:func:`.motion.motions`, instanced copies each their own); a
   surface of no object (instance id 0 with a finite depth) stays, ``X' = X``;
3. ``X'`` in the OpenCV axes of camera s, its projection (the 2D flow), and for a
   stereo pair its disparity there, ``disp2 = fx B / Z'`` (KITTI's ``disp_occ_1``,
   Spring's ``disp2``, both stored at the pixel of frame t), and FlyingThings3D's
   ``disparity_change = disp2 - disp1``.

Exact for rigid objects and instanced copies, from the float64 poses of the frame
records. Not known, and so invalid (NaN) with a reason (:data:`REASONS`), where the
pixel lies on:

- ``no pose``: an object whose pose is not recorded in both frames;
- ``deforms``: an object whose evaluated mesh differs between the frames (the
  frame records' mesh hashes: armatures, shape keys, modifiers);
- ``behind``: a point that is behind camera s (``Z' <= 0``): no projection, no
  disparity.

Where nothing was hit (depth ``inf``) the point is at infinity: disparity 0 in both
frames, change 0, flow and 3D positions NaN; ``valid`` is False there but the reason
is 0 (``hit`` tells it apart).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import stereo
from .errors import GroundTruthError
from .motion import motions, move_points

__all__ = ["REASONS", "SceneFlow", "scene_flow", "seen_in"]

# The relative depth tolerance of seen_in (as stereo.non_occluded's).
DEPTH_TOLERANCE = stereo.DEPTH_TOLERANCE

REASONS = ("no pose", "deforms", "behind")
_NO_POSE, _DEFORMS, _BEHIND = 1, 2, 3


@dataclass(frozen=True)
class SceneFlow:
    """The scene flow of one frame to another of the same view.

    Attributes:
        frame, other: the frame numbers t and s.
        world: (H, W, 3) float32, each pixel's surface point at s, world coordinates
            (Blender's axes, z up), scene units; NaN where not valid.
        camera: (H, W, 3) float32, the same point in the OpenCV axes of camera s
            (x right, y down, z forward); NaN where not valid.
        motion: (H, W, 3) float32, ``world`` minus the point at t: the 3D scene flow,
            world axes, scene units; NaN where not valid.
        flow: (H, W, 2) float32, the point's image motion from t to s, pixels, x right,
            y down (what Blender's Vector pass says for s = t + 1); NaN where not valid.
        hit: (H, W) bool, something was hit at t.
        valid: (H, W) bool, hit and the point's place at s known.
        reason: (H, W) uint8, 0 or the position in :data:`REASONS` + 1.
        disparity, disparity_other, disparity_change: for a stereo pair, (H, W)
            float32 ``fx B / Z`` at t, at s (``disp2``, at the pixel of t), and their
            difference, pixels; 0 where nothing was hit, NaN where not valid; ``None``
            for a single view.
        left_out: the names of the objects whose pixels are not valid, with why,
            ``{name: reason}``.
    """

    frame: int
    other: int
    world: np.ndarray = field(repr=False)
    camera: np.ndarray = field(repr=False)
    motion: np.ndarray = field(repr=False)
    flow: np.ndarray = field(repr=False)
    hit: np.ndarray = field(repr=False)
    valid: np.ndarray = field(repr=False)
    reason: np.ndarray = field(repr=False)
    disparity: np.ndarray | None = field(default=None, repr=False)
    disparity_other: np.ndarray | None = field(default=None, repr=False)
    disparity_change: np.ndarray | None = field(default=None, repr=False)
    left_out: dict[str, str] = field(default_factory=dict)


def scene_flow(first, second) -> SceneFlow:
    """The scene flow from ``first`` (frame t, a :class:`reader.GroundTruthFrame`) to
    ``second`` (frame s of the same view; only its header is read).

    Raises:
        GroundTruthError: a frame lacks depth or a camera, the two are of different
            views or sizes, or the camera is not a perspective one.
    """
    for frame in (first, second):
        if frame.camera is None:
            raise GroundTruthError(f"{frame.path}: no camera in the header, which scene "
                                   "flow needs")
    if "depth" not in first.passes:
        raise GroundTruthError(f"{first.path}: has no depth, which scene flow needs")
    camera, later = first.camera, second.camera
    if (camera.width, camera.height) != (later.width, later.height):
        raise GroundTruthError(f"{second.path}: {later.width}x{later.height}, but "
                               f"{first.path} is {camera.width}x{camera.height}")
    rig, other_rig = first.stereo, second.stereo
    if (rig is None) != (other_rig is None) or (rig is not None and rig.view != other_rig.view):
        raise GroundTruthError(f"{second.path}: not the same view as {first.path}")
    depth = first.depth
    ids = first.instance_id if "cryptomatte_object" in first.passes else None
    present = np.unique(ids).tolist() if ids is not None else []
    moves, unposed, deforming = motions(first, second, present)
    height, width = depth.shape
    hit = np.isfinite(depth)
    before = camera.points_from_depth(depth).reshape(-1, 3)
    after = move_points(before.copy(), ids, moves)
    w2c = later.world_to_camera
    in_camera = after @ w2c[:3, :3].T + w2c[:3, 3]
    reason = np.zeros((height, width), np.uint8)
    if ids is not None:
        reason[np.isin(ids, sorted(unposed))] = _NO_POSE
        reason[np.isin(ids, sorted(deforming))] = _DEFORMS
    z = in_camera[:, 2].reshape(height, width)
    reason[hit & (reason == 0) & ~(z > 0)] = _BEHIND
    reason[~hit] = 0
    valid = hit & (reason == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = later.project(after)
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float64),
                             np.arange(height, dtype=np.float64))
    flow = uv.reshape(height, width, 2) - np.stack([cols, rows], axis=-1)

    def keep(values: np.ndarray) -> np.ndarray:
        values = values.reshape(height, width, -1)
        return np.where(valid[..., None], values, np.nan).astype(np.float32)

    names = first.names if ids is not None else {}
    left_out = {names.get(i, str(i)): "no pose" for i in sorted(unposed)}
    left_out.update({names.get(i, str(i)): "deforms" for i in sorted(deforming)})
    result = dict(frame=_number(first), other=_number(second), world=keep(after),
                  camera=keep(in_camera), motion=keep(after - before), flow=keep(flow),
                  hit=hit, valid=valid, reason=reason, left_out=left_out)
    if rig is not None:
        fx_b = float(camera.K[0, 0]) * rig.baseline
        now = stereo.disparity(depth, camera.K[0, 0], rig.baseline)
        with np.errstate(divide="ignore", invalid="ignore"):
            there = np.where(valid, fx_b / z, np.where(hit, np.nan, 0.0))
            change = np.where(hit, there - fx_b / np.asarray(depth, np.float64), 0.0)
        result.update(disparity=now, disparity_other=there.astype(np.float32),
                      disparity_change=change.astype(np.float32))
    return SceneFlow(**result)


def _number(frame) -> int:
    return frame.frame if frame.frame is not None else -1


def seen_in(flows: SceneFlow, other, tolerance: float = DEPTH_TOLERANCE) -> np.ndarray:
    """(H, W) bool: the pixels of frame t whose point frame s (``other``, the frame
    ``flows`` goes to) sees: valid, projecting inside its image, and its depth there
    ``Z'`` within the depths of the 2x2 pixel centres around the projection, widened
    by ``tolerance`` x Z' (the rule of :func:`blender_gt_addon.stereo.non_occluded`,
    in both image directions: a point behind something that frame s sees nearer is
    not seen)."""
    depth = np.asarray(other.depth, dtype=np.float64)
    height, width = depth.shape
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float64),
                             np.arange(height, dtype=np.float64))
    u = cols + np.nan_to_num(flows.flow[..., 0].astype(np.float64), nan=-1e9)
    v = rows + np.nan_to_num(flows.flow[..., 1].astype(np.float64), nan=-1e9)
    inside = (flows.valid & (u >= -0.5) & (u <= width - 0.5) & (v >= -0.5)
              & (v <= height - 0.5))
    c0 = np.clip(np.floor(u), 0, width - 1).astype(np.intp)
    r0 = np.clip(np.floor(v), 0, height - 1).astype(np.intp)
    c1, r1 = np.minimum(c0 + 1, width - 1), np.minimum(r0 + 1, height - 1)
    around = np.stack([depth[r0, c0], depth[r0, c1], depth[r1, c0], depth[r1, c1]])
    z = np.nan_to_num(flows.camera[..., 2].astype(np.float64), nan=-1.0)
    with np.errstate(invalid="ignore"):
        return (inside & (z >= np.min(around, axis=0) * (1 - tolerance))
                & (z <= np.max(around, axis=0) * (1 + tolerance)))
