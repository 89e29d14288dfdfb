# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shutter of a motion-blurred frame and the scene at its opening and closing
(:mod:`blender_gt_addon.exposure`), read from Blender after the frame.

Runs only on the main thread (the header step of ``metadata.py``): it evaluates the
scene at the sub-frame times of the exposure, then puts it back on the frame.
"""

from __future__ import annotations

import math

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
    instants = []
    try:
        for time in (start, end):
            whole = math.floor(time)
            scene.frame_set(int(whole), subframe=time - whole)
            camera = camera_now(scene) if scene.camera is not None else None
            instants.append(exposure.Instant(time=time, camera=camera,
                                             objects=tuple(objects_now(scene))))
    finally:
        scene.frame_set(frame)
    return exposure.Shutter(position=position, length=length, time=float(frame), open=start,
                            close=end, curve=curve, at_open=instants[0], at_close=instants[1])
