# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a frame says about the instants it shows: the shutter of a motion-blurred
frame, the time and camera of each image row, the image motion over the exposure, and
what the rows of a rolling-shutter image saw. No ``bpy``.

:class:`TimeAnswers` is a part of :class:`.frame.GroundTruthFrame` (its base class),
kept apart so each file stays short: its members use the frame's ``get`` and what
:mod:`.exposure` reads (``path``, ``height``, ``_record``, ``depth``, ``instance_id``).
Conventions: docs/conventions.md (motion blur).
"""

from __future__ import annotations

import functools

import numpy as np

__all__ = ["TimeAnswers"]


class TimeAnswers:
    """The shutter and row answers of a :class:`.frame.GroundTruthFrame`."""

    @functools.cached_property
    def shutter(self):
        """The exposure of a motion-blurred frame (header only), a
        :class:`blender_gt_addon.exposure.Shutter`: position, length and times in
        frames, the shutter curve, the scene at its opening and closing; ``None`` for a
        frame rendered without motion blur. The data outputs are at ``shutter.time``.
        Parsed and checked once (row times, rolling depth, rolling flow and the checks
        all ask for it); a damaged record is refused on every access."""
        from .exposure import shutter_of

        return shutter_of(self)

    @property
    def row_times(self):
        """(H,) float64, frames: the middle of each image row's exposure, top row first
        (Cycles' rolling shutter: row r at ``(r + 1) / H`` of the shutter, see
        :func:`blender_gt_addon.exposure.row_times`; without one, every row the
        exposure's middle); ``None`` without motion blur. The camera at each row's
        time: ``shutter.row_world_to_camera``."""
        from .exposure import row_times_of

        return row_times_of(self)

    @property
    def exposure_motion(self):
        """Per pixel, the image motion over the exposure: an
        :class:`blender_gt_addon.reader.exposure.ExposureMotion` (``open``, ``close``:
        (H, W, 2) pixels, x right, y down, relative to the pixel). Needs the shutter
        record, depth and instance ids."""
        from .exposure import exposure_motion_of

        return exposure_motion_of(self)

    @property
    def rolling_depth(self) -> np.ndarray:
        """(H, W) float32 like ``depth``: what each row saw at its own time."""
        return self.get("rolling_depth")

    @property
    def rolling_position(self) -> np.ndarray:
        """(H, W, 3) float32 like ``position``: what each row saw at its own time."""
        return self.get("rolling_position")

    @property
    def rolling_object_index(self) -> np.ndarray:
        """(H, W) int32 like ``object_index``: what each row saw at its own time."""
        return self.get("rolling_object_index")
