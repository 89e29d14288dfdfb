# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""How each object's surface points move between two frames, from the frame records'
poses (:attr:`GroundTruthFrame.poses`) and mesh hashes. No ``bpy``.

Shared by the flow check (:mod:`blender_gt_addon.check`), scene flow
(:mod:`.sceneflow`) and exposure motion (:mod:`.exposure`).
"""

from __future__ import annotations

import numpy as np

__all__ = ["motions", "move_points"]


def motions(first, second, ids_present, assume_static: bool = False
            ) -> tuple[dict[int, np.ndarray], set[int], set[int]]:
    """id -> motion (4, 4) from ``first`` (frame t) to ``second`` (t + 1, or any other
    frame) for the ids of frame t with a pose in both frames (matched by name), from
    :attr:`reader.GroundTruthFrame.poses`; the ids without (every one of them stays with
    ``assume_static``, else it is not judged); and the ids whose evaluated mesh
    differs between the frames (both mesh hashes recorded and unequal: not judged)."""
    poses = first.poses
    following = {p.name: p for p in second.poses.values()}
    names = first.names if "cryptomatte_object" in first.passes else {}
    found: dict[int, np.ndarray] = {}
    unposed: set[int] = set()
    deforming: set[int] = set()
    for value in ids_present:
        if value == 0:
            continue
        now, later = poses.get(value), following.get(names.get(value, ""))
        if (now is not None and later is not None and now.geometry is not None
                and later.geometry is not None and now.geometry != later.geometry):
            deforming.add(value)
            continue
        try:
            if now is None or later is None:
                raise np.linalg.LinAlgError("no pose")
            found[value] = later.object_to_world @ np.linalg.inv(now.object_to_world)
        except np.linalg.LinAlgError:  # no pose, or a singular one (scale 0)
            if assume_static:
                found[value] = np.eye(4)
            else:
                unposed.add(value)
    return found, unposed, deforming


def move_points(points: np.ndarray, ids: np.ndarray | None,
                motions: dict[int, np.ndarray] | None) -> np.ndarray:
    """``points`` (N, 3) float64 world coordinates, each moved by the motion of its id
    (``ids``, N values or any shape of N; ``motions``: id -> (4, 4) world-to-world);
    points of ids without a motion, or all when ``ids`` is ``None``, stay. In place."""
    if ids is None or not motions:
        return points
    flat = np.asarray(ids).ravel()
    present = np.unique(flat)
    order = np.argsort(flat, kind="stable")
    ends = np.searchsorted(flat[order], present, side="right")
    start = 0
    for value, end in zip(present.tolist(), ends.tolist(), strict=True):
        motion = motions.get(value)
        if motion is not None:
            rows = order[start:end]
            points[rows] = points[rows] @ motion[:3, :3].T + motion[:3, 3]
        start = end
    return points
