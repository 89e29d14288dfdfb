# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the motion blur of a frame was: its shutter and, per pixel, the image motion
over the exposure (:attr:`GroundTruthFrame.shutter`, :attr:`GroundTruthFrame.exposure_motion`).

The frame's data outputs are crisp, at the frame's time (see
:mod:`blender_gt_addon.exposure`); the record holds the camera and every object's
pose at the shutter's opening and closing. The surface point seen at each pixel
(from depth, at the frame's time) is carried rigidly with its object's pose to
those instants (instanced copies each with their own) and projected with the
camera then: exact for rigid objects and copies, whatever their path in between;
a mesh that deforms during the exposure (its mesh hash differs) is marked, not
guessed. Same machinery as scene flow (:mod:`blender_gt_addon.reader.sceneflow`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import exposure, frame_record
from . import poses, records, sceneflow
from .errors import GroundTruthError

__all__ = ["ExposureMotion", "exposure_motion_of", "row_times_of", "shutter_of"]


@dataclass(frozen=True)
class ExposureMotion:
    """The image motion over one frame's exposure.

    Attributes:
        open: (H, W, 2) float32, pixels, x right, y down: where the surface seen at
            each pixel (at the frame's time) was in the image when the shutter opened,
            minus the pixel's centre. NaN where unknown (see ``valid``).
        close: (H, W, 2) float32, the same when the shutter closed. For a point moving
            at constant image speed under a centred box shutter of ``s`` frames,
            ``close - open`` is ``s`` times its flow per frame.
        valid: (H, W) bool: a surface was hit and its motion is known.
        deforming: (H, W) bool: the surface's mesh deforms during the exposure (its
            evaluated mesh at an end of the exposure differs from the frame's): unknown.
        left_out: ``{object name: "no pose" or "deforms"}``, the objects left out.
        shutter: the frame's :class:`blender_gt_addon.exposure.Shutter`.
    """

    open: np.ndarray = field(repr=False)
    close: np.ndarray = field(repr=False)
    valid: np.ndarray = field(repr=False)
    deforming: np.ndarray = field(repr=False)
    left_out: dict
    shutter: exposure.Shutter


def shutter_of(frame) -> exposure.Shutter | None:
    """The shutter record of ``frame`` (a :class:`GroundTruthFrame`), or ``None`` when
    the frame was not rendered with motion blur (or by an add-on without the record)."""
    record = frame._record()
    if record is None or record.shutter is None:
        return None
    with records.reading(frame.path, "shutter"):
        shutter = exposure.parse(record.shutter)
        for instant in (shutter.at_open, shutter.at_close):
            if instant is not None:
                records.check_frame_record(frame_record.FrameRecord(
                    frame=record.frame, camera=instant.camera, objects=instant.objects))
        _check_rows(shutter, frame.height)
    return shutter


def _check_rows(shutter: exposure.Shutter, height: int) -> None:
    """A row camera and a pose of each moving object for every image row; the poses
    invertible (the rows' objects are carried through their inverses)."""
    rows = shutter.row_world_to_camera
    if rows is not None and len(rows) != height:
        raise ValueError(f"{len(rows)} row cameras for {height} rows")
    for name, matrices in shutter.row_object_to_world.items():
        if len(matrices) != height:
            raise ValueError(f"{len(matrices)} row matrices of {name!r:.60} for {height} rows")
        with np.errstate(all="ignore"):
            condition = np.linalg.cond(matrices) if len(matrices) else np.zeros(0)
        if not (condition <= records.MAX_CONDITION).all():  # NaN too
            row = int(np.argmin(condition <= records.MAX_CONDITION))
            raise ValueError(f"row {row} pose of {name!r:.60}: singular or nearly so")


def row_times_of(frame) -> np.ndarray | None:
    """(H,) float64, frames: when each row of ``frame``'s image was exposed (the middle
    of its exposure, top row first; :func:`blender_gt_addon.exposure.row_times`), or
    ``None`` for a frame without motion blur."""
    shutter = frame.shutter
    if shutter is None:
        return None
    return exposure.row_times(shutter, frame.height)


class _AtInstant:
    """An instant of the exposure, with what :func:`sceneflow.scene_flow` reads of the
    other frame: its camera, poses (by name), stereo view, path and number."""

    def __init__(self, frame, instant: exposure.Instant):
        self.path, self.frame, self.stereo = frame.path, frame.frame, frame.stereo
        self.camera = instant.camera
        record = frame_record.FrameRecord(frame=frame.frame or 0, camera=instant.camera,
                                          objects=instant.objects)
        self.poses = poses.poses_of(record, frame.names)


def exposure_motion_of(frame) -> ExposureMotion:
    """The image motion over ``frame``'s exposure (see :class:`ExposureMotion`).

    Raises:
        GroundTruthError: the frame has no shutter record with the scene at its
            opening and closing, no depth, no instance ids (which tell moving objects
            apart) or no camera, or it was rendered with a rolling shutter (each row
            has its own exposure).
    """

    shutter = frame.shutter
    if shutter is None or shutter.at_open is None or shutter.at_close is None:
        raise GroundTruthError(f"{frame.path}: no shutter record (the frame was not "
                               "rendered with motion blur), which exposure motion needs")
    if shutter.rolling != "NONE":
        # Each row has its own, shorter exposure: the whole shutter's motion is no row's
        # blur (with duration 0 the rows have none at all).
        raise GroundTruthError(
            f"{frame.path}: rendered with a rolling shutter, each row exposed for "
            f"{shutter.length * shutter.rolling_duration:g} frames around its own time "
            "(row_times), so exposure motion (a global shutter's) is no row's blur; what "
            "the rows saw: rolling_depth, rolling_position, rolling_object_index, "
            "reader.rolling.rolling_flow")
    for instant in (shutter.at_open, shutter.at_close):
        if instant.camera is None:
            raise GroundTruthError(f"{frame.path}: no camera at time {instant.time} in the "
                                   "shutter record, which exposure motion needs")
    if "cryptomatte_object" not in frame.passes:
        raise GroundTruthError(f"{frame.path}: has no instance ids, which exposure motion "
                               "needs (tick Instance id)")
    ends = [sceneflow.scene_flow(frame, _AtInstant(frame, i))
            for i in (shutter.at_open, shutter.at_close)]
    deforming = np.zeros(frame.depth.shape, dtype=bool)
    left_out: dict = {}
    for end in ends:
        deforming |= end.reason == sceneflow._DEFORMS
        left_out.update(end.left_out)
    return ExposureMotion(open=ends[0].flow, close=ends[1].flow,
                          valid=ends[0].valid & ends[1].valid, deforming=deforming,
                          left_out=left_out, shutter=shutter)

