# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shutter of a motion-blurred frame and the scene at its opening and closing
(:mod:`blender_gt_addon.exposure`), read from Blender after the frame.

Runs only on the main thread (the header step of ``metadata.py``): it evaluates the
scene at the sub-frame times of the exposure, then puts it back on the frame.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .. import exposure


def shutter_now(scene, frame: int, camera_now, objects_now) -> exposure.Shutter | None:
    """The shutter of ``frame`` with the camera (``camera_now(scene)``) and the rendered
    objects (``objects_now(scene)``) at its opening and closing; ``None`` when the
    render is not motion-blurred. Leaves the scene on ``frame``."""
    render = scene.render
    if not render.use_motion_blur:
        return None
    position, length = render.motion_blur_position, float(render.motion_blur_shutter)
    start, end = exposure.times(position, length, frame)
    points = render.motion_blur_shutter_curve.curves[0].points
    curve = tuple((float(p.location[0]), float(p.location[1])) for p in points)
    cycles = getattr(scene, "cycles", None)
    rolling = str(getattr(cycles, "rolling_shutter_type", "NONE"))
    shutter = exposure.Shutter(
        position=position, length=length, time=float(frame), open=start, close=end,
        curve=curve, rolling=rolling,
        rolling_duration=float(getattr(cycles, "rolling_shutter_duration", 0.0)))
    instants, rows = [], None
    try:
        for time in (start, end):
            _go_to(scene, time)
            camera = camera_now(scene) if scene.camera is not None else None
            instants.append(exposure.Instant(time=time, camera=camera,
                                             objects=tuple(objects_now(scene))))
        if rolling != "NONE" and scene.camera is not None:
            # The camera at each row's time (one evaluation per distinct time).
            times = exposure.row_times(shutter, instants[0].camera.height)
            seen: dict[float, list] = {}
            for time in times.tolist():
                if time not in seen:
                    _go_to(scene, time)
                    seen[time] = camera_now(scene).world_to_camera
            rows = np.array([seen[t] for t in times.tolist()], dtype=np.float64)
    finally:
        scene.frame_set(frame)
    return dataclasses.replace(shutter, at_open=instants[0], at_close=instants[1],
                               row_world_to_camera=rows)


def _go_to(scene, time: float) -> None:
    """Evaluate the scene at ``time`` (frames, with a sub-frame)."""
    whole = math.floor(time)
    scene.frame_set(int(whole), subframe=time - whole)
