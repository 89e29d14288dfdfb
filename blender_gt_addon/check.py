# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Check rendered optical flow against geometry (``blender-gt check``). No ``bpy``.

For each frame t whose successor t + 1 is in the folder, forward flow is computed
again from what the files say about the scene, and compared with the rendered
``flow_forward`` (:func:`blender_gt_addon.conventions.forward_flow`):

1. the surface point of pixel (col, row) at frame t, in world coordinates:
   ``X = camera_t.points_from_depth(depth_t)`` (planar depth at the pixel centre);
2. where it is at t + 1: on an object o with a recorded pose in both frames,
   ``X' = T_o(t+1) @ inverse(T_o(t)) @ X`` (``object_to_world`` matrices, objects
   matched by name, pixels by ``instance_id``); a surface of no object (instance id 0
   with a finite depth, or every surface when the file has no instance ids) stays,
   ``X' = X``;
3. predicted flow = ``camera_{t+1}.project(X') - (col, row)``, pixels, x right, y down;
4. error = Euclidean length of (predicted - rendered flow), pixels.

Pixels that cannot be judged, each with the first reason that applies (:data:`REASONS`):

- ``background``: nothing was hit (depth ``inf``): Blender writes 0 flow there;
- ``edge``: the 3x3 neighbourhood (``edge_radius`` 1; 5x5 with 2) holds another
  instance id, a pixel where nothing was hit, or a depth jump (a second difference
  of inverse depth, along a row, a column or a diagonal through a pixel, above
  ``depth_jump`` times that pixel's own inverse depth; of depth for an orthographic
  camera). Flow is averaged over the pixel's samples, depth is the first sample's:
  where two surfaces meet they differ. Cycles' default pixel filter (Blackman-Harris,
  width 1.5 px) takes samples up to 1.5 px from the pixel centre, so a few pixels two
  away from an edge can hold blended flow: ``edge_radius=2`` leaves them out too;
- ``no pose``: on an object whose pose is not recorded in both frames (files without
  poses, objects appearing or disappearing);
- ``deforms``: on an object whose evaluated mesh changed between t and t + 1 (an
  armature, shape keys, animated modifiers): its pose says where its origin goes, not
  where its surface goes, so the poses cannot predict its flow. Told from the frame
  record's mesh hashes (``Pose.geometry``); in files without them (older versions of
  the add-on) every object is taken as rigid, and the result's notes say so;
- ``leaves view``: the point is behind camera t + 1 or projects outside its image.

A frame passes when at least ``min_share`` of its judged pixels are within
``tolerance`` pixels (defaults 0.5 px and 99 %) and some pixel was judged.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import reader
from .camera import Camera
from .reader.motion import motions, move_points

__all__ = ["REASONS", "CheckResult", "FrameCheck", "between", "check_folder", "check_pair",
           "edge_mask", "error_picture", "motions", "move_points", "predicted_flow", "report",
           "save_error_png", "summary", "tally"]

DEFAULT_TOLERANCE = 0.5   # pixels
DEFAULT_MIN_SHARE = 0.99  # of the judged pixels of a frame
DEFAULT_DEPTH_JUMP = 0.02  # relative second difference of inverse depth
# Why a pixel is not judged; its code in FrameCheck.reason is the position here + 1.
REASONS = ("background", "edge", "no pose", "deforms", "leaves view")
_BACKGROUND, _EDGE, _NO_POSE, _DEFORMS, _LEAVES = 1, 2, 3, 4, 5
# What each reason means, for people (report()).
_WHY = {"background": "nothing hit: Blender writes 0 flow there",
        "edge": "another instance id, nothing hit or a depth jump in the 3x3 neighbourhood: "
                "flow is averaged over the pixel, depth is one sample",
        "no pose": "on an object whose pose is not recorded in both frames",
        "deforms": "on an object whose mesh deforms between the two frames (armature, "
                   "shape keys, modifiers): its pose cannot predict its flow",
        "leaves view": "behind the next camera or outside its image"}
# The error picture: judged pixels on the depth colours reversed (0 px dark purple,
# 2 x tolerance and more yellow); unjudged pixels black, nothing hit light grey.
_UNJUDGED_RGB = (0, 0, 0)


@dataclass(frozen=True)
class FrameCheck:
    """The check of one frame's forward flow.

    Attributes:
        frame, next_frame: the frame numbers t and t + 1.
        judged: how many pixels were judged.
        median_error, max_error: over the judged pixels, pixels (``None`` if none).
        within: share of judged pixels within the tolerance (``None`` if none).
        unjudged: reason (one of :data:`REASONS`) -> pixel count, every reason listed.
        passed: ``within >= min_share`` and ``judged > 0``.
        error: (H, W) float32 error in pixels, NaN where not judged.
        reason: (H, W) uint8, 0 where judged, else the position in :data:`REASONS` + 1.
        deforming: the names of the objects left out because their mesh deforms
            between t and t + 1 (reason ``deforms``), sorted.
    """

    frame: int
    next_frame: int
    judged: int
    median_error: float | None
    max_error: float | None
    within: float | None
    unjudged: dict[str, int]
    passed: bool
    error: np.ndarray = field(repr=False)
    reason: np.ndarray = field(repr=False)
    deforming: tuple[str, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: every attribute but the two arrays."""
        return {"frame": self.frame, "next_frame": self.next_frame, "judged": self.judged,
                "median_error": self.median_error, "max_error": self.max_error,
                "within": self.within, "unjudged": dict(self.unjudged),
                "passed": self.passed, "deforming": list(self.deforming)}


@dataclass(frozen=True)
class CheckResult:
    """The check of a folder: one :class:`FrameCheck` per frame with a successor.

    ``without_successor`` lists the frames not checked (the last, or before a gap);
    ``notes`` says what the files lacked (poses, instance ids) and what was assumed.
    """

    folder: Path
    tolerance: float
    min_share: float
    frames: tuple[FrameCheck, ...]
    without_successor: tuple[int, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def passed(self) -> bool:
        """Whether some frame was checked and every checked frame passed."""
        return bool(self.frames) and all(f.passed for f in self.frames)

    def as_dict(self) -> dict[str, Any]:
        return {"folder": str(self.folder), "tolerance": self.tolerance,
                "min_share": self.min_share, "passed": self.passed,
                "frames": [f.as_dict() for f in self.frames],
                "without_successor": list(self.without_successor), "notes": list(self.notes)}


def predicted_flow(depth: np.ndarray, camera: Camera, next_camera: Camera,
                   ids: np.ndarray | None = None,
                   motions: dict[int, np.ndarray] | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Forward flow from geometry, and each point's depth in the next camera.

    Parameters:
        depth: (H, W) planar depth at frame t, scene units, ``inf`` where nothing was hit.
        camera, next_camera: the cameras of frames t and t + 1.
        ids: (H, W) int instance ids of frame t (``None``: every surface stays).
        motions: id -> (4, 4) world-to-world motion from t to t + 1 of that id's
            points (``T(t+1) @ inverse(T(t))``); ids not listed stay where they are.

    Returns:
        ``(flow, z)``: flow (H, W, 2) float64 ``(dx, dy)`` pixels, x right, y down,
        NaN where nothing was hit; z (H, W) float64, the moved point's z in the OpenCV
        axes of ``next_camera`` (<= 0: behind it), NaN where nothing was hit.
    """
    points = move_points(camera.points_from_depth(depth).reshape(-1, 3), ids, motions)
    w2c = next_camera.world_to_camera
    z = points @ w2c[2, :3] + w2c[2, 3]
    with np.errstate(divide="ignore", invalid="ignore"):  # points on the camera plane
        uv = next_camera.project(points)
    height, width = np.shape(depth)
    cols, rows = np.meshgrid(np.arange(width, dtype=np.float64),
                             np.arange(height, dtype=np.float64))
    flow = uv.reshape(height, width, 2) - np.stack([cols, rows], axis=-1)
    return flow, z.reshape(height, width)


def _neighbours(array: np.ndarray, dy: int, dx: int, outside=None) -> np.ndarray:
    """``array`` shifted so that each pixel sees its neighbour at (row + dy, col + dx);
    beyond the image's border the border repeats (or ``outside`` is seen)."""
    padded = (np.pad(array, 1, mode="edge") if outside is None
              else np.pad(array, 1, constant_values=outside))
    height, width = array.shape
    return padded[1 + dy:1 + dy + height, 1 + dx:1 + dx + width]


def edge_mask(depth: np.ndarray, ids: np.ndarray | None = None, *,
              depth_jump: float = DEFAULT_DEPTH_JUMP, orthographic: bool = False,
              radius: int = 1) -> np.ndarray:
    """(H, W) bool: pixels whose (2 radius + 1)^2 neighbourhood holds another id, a
    pixel where nothing was hit, or a depth jump (see the module docstring); False
    where nothing was hit (those are background).

    For a perspective camera inverse depth is affine in pixel coordinates on a plane,
    so its second difference is 0 on planes and small on smooth surfaces; for an
    orthographic camera depth itself is.
    """
    depth = np.asarray(depth, dtype=np.float64)
    finite = np.isfinite(depth)
    value = np.where(finite, depth if orthographic else 1.0 / np.where(finite, depth, 1.0), 0.0)
    edge = np.zeros(depth.shape, dtype=bool)
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            if dy == dx == 0:
                continue
            edge |= finite & ~_neighbours(finite, dy, dx)
            if ids is not None:
                edge |= _neighbours(ids, dy, dx) != ids
    limit = depth_jump * np.abs(value)
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        # NaN beyond the border: no second difference there, so no edge.
        second = (_neighbours(value, dy, dx, np.nan) - 2 * value
                  + _neighbours(value, -dy, -dx, np.nan))
        edge |= np.abs(np.nan_to_num(second, nan=0.0)) > limit
    for _ in range(radius - 1):  # a pixel beside an edge pixel of radius r has radius r + 1
        edge = np.any([_neighbours(edge, dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)],
                      axis=0)
    return edge & finite


def summary(errors: np.ndarray, tolerance: float) -> tuple[int, float | None, float | None]:
    """``(count, median, share within tolerance)`` of judged ``errors`` (``None``, ``None``
    when nothing was judged): what each part of the checks reports."""
    if not errors.size:
        return 0, None, None
    return int(errors.size), float(np.median(errors)), float(np.mean(errors <= tolerance))


def tally(label: str, checks, noun: str) -> str:
    """The closing line of a check's report: ``"stereo: 4 views checked, all passed"``."""
    failed = sum(not c.passed for c in checks)
    return (f"{label}: {len(checks)} {noun} checked, "
            + (f"{failed} failed" if failed else "all passed"))


def between(values: np.ndarray, x: np.ndarray, y: np.ndarray, edge: np.ndarray,
            index: np.ndarray | None = None, wanted=None) -> tuple[np.ndarray, np.ndarray]:
    """``values`` (H, W) or (H, W, C) at points (x, y) (pixels, any matching shapes),
    linear between the 2x2 pixel centres around each, and where that is judged: none
    of the four is an ``edge`` (and each shows ``wanted`` in ``index``, when given)."""
    height, width = edge.shape
    c0 = np.clip(np.floor(x), 0, width - 2).astype(np.intp)
    r0 = np.clip(np.floor(y), 0, height - 2).astype(np.intp)
    ok = np.ones(np.shape(x), dtype=bool)
    for rr, cc in ((r0, c0), (r0, c0 + 1), (r0 + 1, c0), (r0 + 1, c0 + 1)):
        ok &= ~edge[rr, cc]
        if index is not None:
            ok &= index[rr, cc] == wanted
    fx, fy = x - c0, y - r0
    if values.ndim == 3:
        fx, fy = fx[..., None], fy[..., None]
    seen = ((1 - fx) * (1 - fy) * values[r0, c0] + fx * (1 - fy) * values[r0, c0 + 1]
            + (1 - fx) * fy * values[r0 + 1, c0] + fx * fy * values[r0 + 1, c0 + 1])
    return seen, ok


def _without_mesh_hashes(frame) -> bool:
    """Whether some object of ``frame``'s record has no mesh hash (files of earlier
    versions of the add-on; objects that are no mesh)."""
    return any(p.geometry is None for p in frame.poses.values())


def check_pair(first, second, *, tolerance: float = DEFAULT_TOLERANCE,
               min_share: float = DEFAULT_MIN_SHARE, depth_jump: float = DEFAULT_DEPTH_JUMP,
               edge_radius: int = 1, assume_static: bool = False) -> FrameCheck:
    """Check the forward flow of ``first`` (frame t, a :class:`reader.GroundTruthFrame`)
    against its geometry and ``second`` (frame t + 1; only its header is read).

    Parameters:
        tolerance: the largest error, pixels, that counts as right.
        min_share: the share of judged pixels within ``tolerance`` a frame needs.
        depth_jump: edges: relative second difference of inverse depth (module docstring).
        edge_radius: edges: 1 looks at the 3x3 neighbourhood, 2 at the 5x5 one.
        assume_static: take objects without a pose as static instead of not judging them.

    Raises:
        GroundTruthError: a frame lacks depth, flow (``vector``) or a camera, or the
            camera's size is not the image's.
    """
    for frame in (first, second):
        if frame.camera is None:
            raise reader.GroundTruthError(f"{frame.path}: no camera in the header, which "
                                          "the check needs")
    for layer in ("depth", "vector"):
        if layer not in first.passes:
            raise reader.GroundTruthError(f"{first.path}: has no {layer!r} output, which "
                                          "the check needs")
    camera, next_camera = first.camera, second.camera
    if (camera.width, camera.height) != (first.width, first.height):
        raise reader.GroundTruthError(f"{first.path}: the camera is {camera.width}x"
                                      f"{camera.height}, the image {first.width}x{first.height}")
    depth = first.depth
    ids = first.instance_id if "cryptomatte_object" in first.passes else None
    present = np.unique(ids).tolist() if ids is not None else []
    moves, unposed, deforming = motions(first, second, present, assume_static)
    flow, z = predicted_flow(depth, camera, next_camera, ids, moves)
    error = np.hypot(*np.moveaxis(flow - first.flow_forward, -1, 0))

    reason = np.zeros(depth.shape, dtype=np.uint8)
    uv = flow + np.stack(np.meshgrid(np.arange(first.width), np.arange(first.height)), -1)
    outside = ~((z > 0) & (uv[..., 0] >= -0.5) & (uv[..., 0] <= next_camera.width - 0.5)
                & (uv[..., 1] >= -0.5) & (uv[..., 1] <= next_camera.height - 0.5))
    reason[outside] = _LEAVES
    if unposed:
        reason[np.isin(ids, sorted(unposed))] = _NO_POSE
    if deforming:
        reason[np.isin(ids, sorted(deforming))] = _DEFORMS
    reason[edge_mask(depth, ids, depth_jump=depth_jump, radius=edge_radius,
                     orthographic=camera.type == "ORTHO")] = _EDGE
    reason[~np.isfinite(depth)] = _BACKGROUND
    judged = reason == 0
    values = error[judged]
    count = int(values.size)
    within = float(np.mean(values <= tolerance)) if count else None
    return FrameCheck(
        frame=_number(first), next_frame=_number(second), judged=count,
        median_error=float(np.median(values)) if count else None,
        max_error=float(values.max()) if count else None, within=within,
        unjudged={name: int(np.count_nonzero(reason == code))
                  for code, name in enumerate(REASONS, start=1)},
        passed=within is not None and within >= min_share,
        error=np.where(judged, error, np.nan).astype(np.float32), reason=reason,
        deforming=tuple(sorted(first.poses[i].name for i in deforming)))


def _number(frame) -> int:
    return frame.frame if frame.frame is not None else -1


def check_folder(folder: str | os.PathLike[str], *, tolerance: float = DEFAULT_TOLERANCE,
                 min_share: float = DEFAULT_MIN_SHARE, assume_static: bool = False,
                 prefix: str | None = None, progress: bool = False,
                 **edges: Any) -> CheckResult:
    """Check every frame of ``folder`` that has a successor (:func:`check_pair`).

    Parameters:
        folder: a folder of ground-truth frames with depth, flow and cameras (instance
            ids and poses to judge moving objects).
        tolerance, min_share, assume_static, and ``depth_jump``, ``edge_radius`` in
            ``edges``: as :func:`check_pair` takes them.
        prefix: the file-name prefix when the folder holds several.
        progress: a progress bar on stderr.

    Raises:
        GroundTruthError: no frames, or a checked frame lacks what the check needs.
    """
    from .reader.parallel import progress_bar

    sequence = reader.open_sequence(folder, prefix=prefix)
    checked = [i for i in range(len(sequence)) if sequence.has_successor(i)]
    lonely = tuple(n for i, n in enumerate(sequence.frames) if not sequence.has_successor(i))
    frames: list[FrameCheck] = []
    poses = ids = True
    unhashed = False
    with progress_bar(len(checked), "checking flow", enabled=progress) as bar:
        for i in checked:
            first, second = sequence[i], sequence[i + 1]
            ids = ids and "cryptomatte_object" in first.passes
            poses = poses and bool(first.poses) and bool(second.poses)
            unhashed = unhashed or _without_mesh_hashes(first) or _without_mesh_hashes(second)
            frames.append(check_pair(first, second, tolerance=tolerance, min_share=min_share,
                                     assume_static=assume_static, **edges))
            bar.update(1)
    notes = []
    if checked and not ids:
        notes.append("no instance ids: every surface is taken as static (a moving object "
                     "shows as errors)")
    elif checked and not poses:
        notes.append("no object poses recorded in some frames: their objects are "
                     + ("taken as static" if assume_static else "not judged (no pose)"))
    if checked and poses and unhashed:
        notes.append("some objects have no mesh hash in the frame record (files of an earlier "
                     "blender-gt, or objects that are no mesh): they are taken as rigid, so "
                     "one that deforms would show as errors")
    return CheckResult(Path(folder), tolerance, min_share, tuple(frames), lonely, tuple(notes))


def report(result: CheckResult) -> str:
    """What ``blender-gt check`` prints: a line a frame, the reasons for pixels not
    judged, and a summary line."""
    lines = []
    for f in result.frames:
        head = f"frame {f.frame} -> {f.next_frame}: "
        if not f.judged:
            lines.append(head + "no pixel could be judged: FAILED")
        else:
            verdict = "ok" if f.passed else f"FAILED (below {result.min_share:.1%})"
            lines.append(head + f"median error {f.median_error:.3f} px, {f.within:.1%} of "
                         f"{f.judged} judged pixels within {result.tolerance:g} px, largest "
                         f"{f.max_error:.3g} px: {verdict}")
        counts = ", ".join(f"{name} {n}" for name, n in f.unjudged.items() if n)
        lines.append(f"  not judged: {counts or 'none'}")
        if f.deforming:
            lines.append(f"  deforming, left out: {', '.join(f.deforming)}")
    for n in result.without_successor:
        lines.append(f"frame {n}: no frame {n + 1} in the folder, not checked")
    seen = [name for name in REASONS if any(f.unjudged[name] for f in result.frames)]
    lines.extend(f"{name}: {_WHY[name]}" for name in seen)
    lines.extend(f"note: {note}" for note in result.notes)
    failed = sum(not f.passed for f in result.frames)
    rule = (f"tolerance {result.tolerance:g} px, at least {result.min_share:.1%} of judged "
            "pixels")
    if not result.frames:
        lines.append("no frame has its successor in the folder: nothing checked")
    elif failed:
        lines.append(f"{failed} of {len(result.frames)} frames failed ({rule})")
    else:
        lines.append(f"{len(result.frames)} frames checked, all passed ({rule})")
    return "\n".join(lines)


def error_picture(check: FrameCheck, tolerance: float = DEFAULT_TOLERANCE) -> np.ndarray:
    """(H, W, 3) uint8 picture of one frame's error: judged pixels on the depth colours
    reversed, from dark purple (0 px) to yellow (2 x ``tolerance`` and more), so a
    pixel beyond the tolerance is green to yellow; pixels not judged black, where
    nothing was hit :data:`blender_gt_addon.pictures.colour.NOTHING_HIT` (light grey)."""
    from .pictures import colour

    lut = colour.depth_lut()[::-1]
    scaled = np.clip(np.nan_to_num(check.error, nan=0.0) / (2 * tolerance), 0, 1)
    picture = lut[np.rint(scaled * (len(lut) - 1)).astype(np.intp)]
    picture[check.reason != 0] = _UNJUDGED_RGB
    picture[check.reason == _BACKGROUND] = colour.NOTHING_HIT
    return picture


def save_error_png(result: CheckResult, path: str | os.PathLike[str]) -> Path:
    """Write the error pictures of every checked frame into one PNG, top to bottom in
    frame order, 2 white rows between frames (:func:`error_picture`). Needs Pillow."""
    from PIL import Image

    from .exporters.common import atomic_path

    if not result.frames:
        raise reader.GroundTruthError(f"{result.folder}: no frame with a successor, so no "
                                      "error picture")
    rows = []
    for n, frame in enumerate(result.frames):
        picture = error_picture(frame, result.tolerance)
        if n:
            rows.append(np.full((2, picture.shape[1], 3), 255, dtype=np.uint8))
        rows.append(picture)
    width = max(r.shape[1] for r in rows)
    rows = [np.pad(r, ((0, 0), (0, width - r.shape[1]), (0, 0))) for r in rows]
    path = Path(path)
    with atomic_path(path) as temporary:
        Image.fromarray(np.concatenate(rows), "RGB").save(temporary, format="PNG")
    return path
