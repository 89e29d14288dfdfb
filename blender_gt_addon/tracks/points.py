# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Point tracks as arrays: :class:`Tracks`, what :func:`~blender_gt_addon.tracks.track`
returns and every track format writes from. No ``bpy``.

Axes: ``T`` frames (in frame order, ``frames``), ``N`` points (in query order). Every
per-frame array is ``(T, N, ...)``, as TAPVid-3D and PointOdyssey store them (TAP-Vid
stores ``(N, T, ...)``; its writer transposes).

Pixels: OpenCV, integer coordinates at pixel centres: pixel (col, row) covers
[col - 0.5, col + 0.5) x [row - 0.5, row + 0.5), x right, y down; the pixel a point
falls in is ``floor(uv + 0.5)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["REASONS", "Tracks"]

# Why a point's entry in a frame is not valid; code = position here + 1 (0 = valid).
REASONS = ("deforms", "no pose", "no geometry record")
DEFORMS, NO_POSE, NO_RECORD = 1, 2, 3
# What each reason means, for people.
WHY = {
    "deforms": "its object's mesh differs from the query frame's (armature, shape keys or "
               "a modifier moved its vertices): a rigid track would be wrong",
    "no pose": "its object has no recorded pose in that frame (not rendered there)",
    "no geometry record": "the frame records no mesh hash for its object (a file from an "
                          "earlier version, or no mesh): deformation cannot be ruled out "
                          "(assume_rigid=True, --assume-rigid, tracks it as rigid)",
}


@dataclass(frozen=True)
class Tracks:
    """Point tracks of a folder of frames.

    Attributes:
        frames: (T,) the frame numbers, in order.
        width, height: image size in pixels.
        query_frame: (N,) int, the frame number each point was chosen in.
        query_index: (N,) int, its position in ``frames``.
        query_pixel: (N, 2) int, the (col, row) of the pixel it was chosen on.
        object_name: (N,) str, the object (or instanced copy) the point lies on.
        object_point: (N, 3) float64, the point in that object's coordinates (Blender's
            object axes, scale included), from the query frame's position pass.
        uv: (T, N, 2) float32, pixels (x right, y down, OpenCV centres); NaN where not
            valid.
        world: (T, N, 3) float64, world coordinates (Blender's axes, z up), scene units;
            NaN where not valid.
        camera: (T, N, 3) float64, the same point in that frame's OpenCV camera axes
            (x right, y down, z forward); ``camera[..., 2]`` is its planar depth.
        in_view: (T, N) bool, in front of the camera and inside the image (its pixel
            ``floor(uv + 0.5)`` is one of the image's).
        visible: (T, N) bool, in view and seen: the rendered instance id at its pixel
            is its object's and the rendered depth there matches its depth within
            ``depth_tolerance`` (see :func:`~blender_gt_addon.tracks.track`).
        valid: (T, N) bool, the entry can be trusted (see ``reason``).
        reason: (T, N) uint8, 0 where valid, else the position in :data:`REASONS` + 1.
        K: (T, 3, 3) float64, each frame's intrinsics (OpenCV, pixel centres at integers).
        world_to_camera: (T, 4, 4) float64, each frame's world to OpenCV camera.
        camera_type: ``"PERSP"`` or ``"ORTHO"`` (of the first frame).
        depth_tolerance: the relative depth tolerance the visibility used.
        notes: what the tracker had to assume or leave out, for people.
    """

    frames: np.ndarray
    width: int
    height: int
    query_frame: np.ndarray
    query_index: np.ndarray
    query_pixel: np.ndarray
    object_name: np.ndarray
    object_point: np.ndarray
    uv: np.ndarray
    world: np.ndarray
    camera: np.ndarray
    in_view: np.ndarray
    visible: np.ndarray
    valid: np.ndarray
    reason: np.ndarray
    K: np.ndarray
    world_to_camera: np.ndarray
    camera_type: str = "PERSP"
    depth_tolerance: float = 0.0
    notes: tuple[str, ...] = field(default=())

    @property
    def occluded(self) -> np.ndarray:
        """(T, N) bool: in view but not visible (hidden by another surface or itself)."""
        return self.in_view & ~self.visible & self.valid

    def __len__(self) -> int:
        return int(self.query_frame.shape[0])

    def invalid_counts(self) -> dict[str, int]:
        """reason -> how many (frame, point) entries are not valid for it."""
        return {name: int(np.count_nonzero(self.reason == code))
                for code, name in enumerate(REASONS, start=1)}

    def summary(self) -> str:
        """A few lines for people: points, frames, visible share, invalid entries and why."""
        entries = self.valid.size
        lines = [f"{len(self)} points over {len(self.frames)} frames "
                 f"({self.frames[0]}..{self.frames[-1]}): "
                 f"{np.count_nonzero(self.visible)} of {entries} entries visible, "
                 f"{np.count_nonzero(self.occluded)} occluded, "
                 f"{np.count_nonzero(self.valid & ~self.in_view)} out of view"]
        for name, count in self.invalid_counts().items():
            if count:
                objects = sorted(set(self.object_name[np.any(self.reason == REASONS.index(
                    name) + 1, axis=0)].tolist()))
                shown = ", ".join(objects[:5]) + (", ..." if len(objects) > 5 else "")
                lines.append(f"invalid, {name}: {count} entries on {shown}: {WHY[name]}")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)
