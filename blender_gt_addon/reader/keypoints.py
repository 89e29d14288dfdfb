# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A frame's keypoints (``gt.keypoints``): the recorded sets of the frame record, their
positions and exact visibility (:mod:`blender_gt_addon.keypoints`). No ``bpy``."""

from __future__ import annotations

from .. import keypoints as core
from . import records
from .errors import GroundTruthError

__all__ = ["keypoints_of"]


def keypoints_of(frame, *, depth_tolerance: float = core.DEFAULT_DEPTH_TOLERANCE,
                 filter_reach: float = core.DEFAULT_FILTER_REACH) -> dict[str, core.Located]:
    """``{object name: Located}`` for every keypoint set the frame records (empty when
    it records none). Positions come from the header alone; the visibility layers
    decode ``depth`` and ``instance_id``.

    Raises:
        GroundTruthError: a damaged keypoint record; keypoints without a camera (or with
            a panoramic one); or without the ``depth`` and ``instance_id`` outputs that
            visibility needs.
    """
    record = frame._record()
    if record is None or not record.keypoints:
        return {}
    with records.reading(frame.path, "keypoints record"):
        sets = core.parse(list(record.keypoints))
    camera = frame.camera
    if camera is None or camera.type not in ("PERSP", "ORTHO"):
        raise GroundTruthError(f"{frame.path}: keypoints need a pinhole or orthographic "
                               "camera in the header")
    missing = [name for name, layer in (("depth", "depth"),
                                        ("instance_id", "cryptomatte_object"))
               if layer not in frame.passes]
    if missing:
        raise GroundTruthError(f"{frame.path}: has no {' or '.join(missing)} output, which "
                               "keypoint visibility needs")
    ids = frame.instance_id
    name_to_id = {pose.name: key for key, pose in frame.poses.items()}
    depth = frame.depth
    return {item.object: core.locate(item, camera, name_to_id, depth, ids,
                                     depth_tolerance=depth_tolerance,
                                     filter_reach=filter_reach)
            for item in sets}
