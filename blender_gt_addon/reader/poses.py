# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Object poses of a frame, from its header record (``blender_gt_addon.frame_record``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..frame_record import FrameRecord

__all__ = ["Pose", "poses_of"]


@dataclass(frozen=True)
class Pose:
    """One rendered object in one frame.

    Attributes:
        id: its instance id (the value of ``instance_id`` on its pixels; a key of ``names``).
        name: its name.
        pass_index: its pass index (the user's class for it; 0 if unset).
        object_to_world: (4, 4) float64, object coordinates to world coordinates,
            Blender's evaluated ``matrix_world`` for the frame (scale included, world
            axes as in Blender: z up), full float64 as recorded.
        object_to_camera: (4, 4) float64, object coordinates to the frame's OpenCV
            camera axes (x right, y down, z forward): ``camera.world_to_camera @
            object_to_world``; ``None`` when the frame has no camera.
        geometry: hash of its evaluated mesh in object coordinates (16 hex digits,
            see :mod:`blender_gt_addon.frame_record`): equal in two frames when the
            mesh did not deform between them; ``None`` when not recorded.
    """

    id: int
    name: str
    pass_index: int
    object_to_world: np.ndarray
    object_to_camera: np.ndarray | None
    geometry: str | None = None


def poses_of(record: FrameRecord, names: dict[int, str]) -> dict[int, Pose]:
    """``{id: Pose}`` for the objects of ``record``, numbered like ``names`` (the
    Cryptomatte manifest); objects the manifest lacks (or every object, when the file
    has no instance ids) are numbered after them, in name order."""
    ids = {name: i for i, name in names.items()}
    extra = sorted({o.name for o in record.objects} - set(ids))
    start = max(ids.values(), default=0) + 1
    ids.update({name: start + n for n, name in enumerate(extra)})
    w2c = record.camera.world_to_camera if record.camera is not None else None
    found = {}
    for obj in record.objects:
        matrix = np.asarray(obj.object_to_world, dtype=np.float64)
        found[ids[obj.name]] = Pose(
            id=ids[obj.name], name=obj.name, pass_index=obj.pass_index,
            object_to_world=matrix,
            object_to_camera=None if w2c is None else w2c @ matrix, geometry=obj.geometry)
    return dict(sorted(found.items()))
