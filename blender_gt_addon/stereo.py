# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stereo pairs: the rig, each view's camera, disparity and occlusion between the
views. No ``bpy``.

The rig is Blender's own multiview (Output Properties > Stereoscopy, *Stereo 3D*),
with the camera's stereo convergence mode *Parallel*: two cameras with the scene
camera's orientation and intrinsics, ``baseline`` scene units apart along the
camera's x axis (Blender's *Interocular Distance*). The pivot says which one is the
scene camera: ``LEFT`` (the add-on's default: the left view is the scene camera, the
right one is ``baseline`` to its right), ``RIGHT``, or ``CENTER`` (each view half
the baseline away). Off-axis and toe-in rigs are refused (:func:`rig_problem`).

Files: one per view and frame, Blender's names, ``<prefix><frame><suffix>.exr`` with
the views' file suffixes (``_L`` and ``_R`` by default), each with its own view's
camera in the frame record and the rig in the ``blender-gt/stereo`` attribute
(:func:`encode`).

Conventions (the datasets', KITTI, Middlebury, FlyingThings3D, Spring):
- disparity ``d = fx * B / Z`` in pixels, float32, **positive in both views**, from
  planar depth Z and the float64 ``fx`` and baseline ``B``; where nothing was hit
  (Z infinite) it is 0, the disparity of infinity;
- the matching pixel: of left pixel (x, y) in the right view is (x - d, y); of right
  pixel (x, y) in the left view (x + d, y).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .camera import Camera

__all__ = ["KEY", "PIVOTS", "VIEWS", "Rig", "decode", "disparity", "encode",
           "non_occluded", "rig_problem", "view_camera", "view_offset", "view_shift"]

KEY = "blender-gt/stereo"
VIEWS = ("left", "right")
PIVOTS = ("LEFT", "CENTER", "RIGHT")
_VERSION = 1
# The relative depth tolerance of non_occluded (see there).
DEPTH_TOLERANCE = 1e-3


@dataclass(frozen=True)
class Rig:
    """The stereo rig of a file.

    Attributes:
        view: ``"left"`` or ``"right"``: the view this file holds.
        baseline: B, scene units, > 0: the distance between the two cameras' centres.
        pivot: ``"LEFT"``, ``"CENTER"`` or ``"RIGHT"``: where the scene camera is.
        files: view -> the file name of that view of the same frame (no folder).
    """

    view: str
    baseline: float
    pivot: str
    files: dict[str, str]

    @property
    def other(self) -> str:
        """The other view's name."""
        return VIEWS[1 - VIEWS.index(self.view)]


def rig_problem(convergence_mode: str, pivot: str, baseline: float) -> str | None:
    """What keeps a Blender stereo camera from giving exact ground truth, or ``None``.

    Parameters:
        convergence_mode: Blender's ``CameraStereoData.convergence_mode``.
        pivot: Blender's ``CameraStereoData.pivot``.
        baseline: Blender's ``interocular_distance``, scene units.
    """
    if convergence_mode == "OFFAXIS":
        return ("stereo: the camera's convergence mode is Off-Axis, which shifts each view's "
                "principal point: set it to Parallel (Camera > Stereoscopy)")
    if convergence_mode == "TOE":
        return ("stereo: the camera's convergence mode is Toe-in, which turns the two "
                "cameras (their image rows are no longer parallel, so no disparity along "
                "rows): set it to Parallel (Camera > Stereoscopy)")
    if convergence_mode != "PARALLEL":
        return f"stereo: unknown convergence mode {convergence_mode!r}"
    if pivot not in PIVOTS:
        return f"stereo: unknown pivot {pivot!r}"
    if not baseline > 0:
        return "stereo: the interocular distance (the baseline) must be more than 0"
    return None


def view_offset(view: str, pivot: str, baseline: float) -> float:
    """Where ``view``'s camera centre is along the scene camera's x axis (to the
    right), scene units: left 0 and right ``baseline`` with pivot ``LEFT``; ``-B``
    and 0 with ``RIGHT``; ``-B/2`` and ``+B/2`` with ``CENTER``."""
    if view not in VIEWS or pivot not in PIVOTS:
        raise ValueError(f"view {view!r} / pivot {pivot!r}")
    start = {"LEFT": 0.0, "CENTER": -0.5, "RIGHT": -1.0}[pivot] * baseline
    return start + (baseline if view == "right" else 0.0)


def view_camera(camera: Camera, offset: float) -> Camera:
    """The scene ``camera`` moved ``offset`` scene units along its own x axis (to the
    right in its image): same orientation, intrinsics, size and clipping.

    In OpenCV camera axes a point seen by the moved camera is the point seen by the
    scene camera minus (offset, 0, 0), so ``world_to_camera`` gains that translation.
    """
    moved = view_shift(offset) @ np.asarray(camera.world_to_camera)
    return Camera(K=camera.K, world_to_camera=moved,
                  width=camera.width, height=camera.height, clip_start=camera.clip_start,
                  clip_end=camera.clip_end, type=camera.type)


def view_shift(offset: float) -> np.ndarray:
    """(4, 4) float64: what moves a world to OpenCV camera matrix of the scene camera to
    the view ``offset`` scene units along its x axis (left-multiplied)."""
    shift = np.eye(4)
    shift[0, 3] = -offset
    return shift


def encode(rig: Rig) -> str:
    """The ``blender-gt/stereo`` header text of ``rig`` (compact JSON)."""
    return json.dumps({"v": _VERSION, "view": rig.view, "baseline": float(rig.baseline),
                       "pivot": rig.pivot, "files": dict(rig.files)},
                      separators=(",", ":"), allow_nan=False)


def decode(text: str) -> Rig:
    """The rig in ``text`` as :func:`encode` wrote it.

    Raises:
        ValueError: not a stereo record this reader knows, or damaged.
    """
    if len(text) > 4096:
        raise ValueError(f"a stereo record of {len(text)} characters (at most 4096)")
    try:
        data = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise ValueError(f"not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("v") != _VERSION:
        raise ValueError(f"not a blender-gt stereo record of version {_VERSION}")
    view, baseline, pivot, files = (data.get(k) for k in ("view", "baseline", "pivot", "files"))
    if view not in VIEWS or pivot not in PIVOTS:
        raise ValueError(f"view {view!r}, pivot {pivot!r}")
    if isinstance(baseline, bool) or not isinstance(baseline, int | float) \
            or not np.isfinite(baseline) or baseline <= 0:
        raise ValueError(f"baseline {baseline!r} (a finite number > 0)")
    if not isinstance(files, dict) or set(files) != set(VIEWS) \
            or not all(isinstance(f, str) and f and "/" not in f and "\\" not in f
                       for f in files.values()):
        raise ValueError("files: a file name for each of left and right")
    return Rig(view=view, baseline=float(baseline), pivot=pivot, files=dict(files))


def disparity(depth: np.ndarray, fx: float, baseline: float) -> np.ndarray:
    """(H, W) float32 disparity ``fx * B / Z``, pixels, positive, 0 where ``depth`` is
    infinite (nothing hit: the disparity of infinity). Computed in float64.

    Parameters:
        depth: (H, W) planar depth Z, scene units (``inf`` where nothing was hit).
        fx: focal length in pixels (``K[0, 0]``); baseline: B, scene units.
    """
    depth = np.asarray(depth, dtype=np.float64)
    with np.errstate(divide="ignore"):
        d = (float(fx) * float(baseline)) / depth
    return np.where(np.isfinite(depth), d, 0.0).astype(np.float32)


def non_occluded(depth: np.ndarray, ids: np.ndarray | None, other_depth: np.ndarray,
                 other_ids: np.ndarray | None, fx: float, baseline: float, view: str,
                 tolerance: float = DEPTH_TOLERANCE) -> np.ndarray:
    """(H, W) bool: the pixels of ``view`` whose surface point the other view sees.

    A pixel (x, y) of the left view with disparity d matches u = x - d in the right
    view's row y (of the right view, u = x + d in the left's). For a parallel rig a
    point has the same planar depth Z in both views. The pixel is non-occluded when:

    - it hit something (finite depth) and u lies inside the other image,
      ``-0.5 <= u <= W - 0.5``;
    - the other view's pixel nearest u, ``floor(u + 0.5)``, has the same instance id
      (when both views have ids);
    - Z lies within the other view's depths at the two pixel centres around u
      (``floor(u)`` and ``floor(u) + 1``, where inside), widened by ``tolerance`` x Z.
      On a plane, depth between two pixel centres lies between theirs, so a point on a
      surface the other view sees passes; a point behind an occluder (the other view
      sees something nearer) does not. At an occluding edge the two centres may hold
      both surfaces: such a point passes, so the occluded band is exact to within the
      half pixel on each side that its edges fall in.

    Parameters:
        depth, ids: this view's planar depth (``inf`` where nothing hit) and instance
            ids (or ``None``); other_depth, other_ids: the other view's.
        fx: focal length in pixels; baseline: B, scene units; view: ``"left"`` or
            ``"right"``, the view of ``depth``.
        tolerance: the relative depth tolerance (default 1e-3).
    """
    depth = np.asarray(depth, dtype=np.float64)
    other = np.asarray(other_depth, dtype=np.float64)
    height, width = depth.shape
    finite = np.isfinite(depth)
    d = np.where(finite, fx * baseline / np.where(finite, depth, 1.0), 0.0)
    x = np.arange(width, dtype=np.float64)[None, :]
    u = x - d if view == "left" else x + d
    inside = finite & (u >= -0.5) & (u <= width - 0.5)
    rows = np.broadcast_to(np.arange(height)[:, None], depth.shape)
    lo = np.clip(np.floor(u), 0, width - 1).astype(np.intp)
    hi = np.clip(lo + 1, 0, width - 1)
    near = np.clip(np.floor(u + 0.5), 0, width - 1).astype(np.intp)
    z_lo, z_hi = other[rows, lo], other[rows, hi]
    low = np.fmin(z_lo, z_hi) * (1.0 - tolerance)
    high = np.fmax(z_lo, z_hi) * (1.0 + tolerance)
    with np.errstate(invalid="ignore"):
        seen = inside & (depth >= low) & (depth <= high)
    if ids is not None and other_ids is not None:
        seen &= np.asarray(other_ids)[rows, near] == np.asarray(ids)
    return seen
