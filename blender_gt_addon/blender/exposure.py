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
    instants, rows, row_poses, depth_camera = [], None, {}, None
    rolls = rolling != "NONE" and scene.camera is not None
    # Only a rolling shutter needs the frame's poses (to find what moves): matrices read
    # now, on the frame, not a second walk with mesh hashes (the frame record has one).
    now = _poses(scene, [o.name for o in scene.objects]) if rolls else {}
    try:
        for time in (start, end):
            _go_to(scene, time)
            camera = camera_now(scene) if scene.camera is not None else None
            instants.append(exposure.Instant(time=time, camera=camera,
                                             objects=tuple(objects_now(scene))))
        if rolls:
            # The camera, and each object that moves during the exposure, at each row's
            # time (one evaluation per distinct time).
            moving = _moving(now, instants)
            times = exposure.row_times(shutter, instants[0].camera.height)
            seen: dict[float, tuple] = {}
            for time in times.tolist():
                if time not in seen:
                    _go_to(scene, time)
                    seen[time] = (camera_now(scene).world_to_camera, _poses(scene, moving))
            rows = np.array([seen[t][0] for t in times.tolist()], dtype=np.float64)
            # The camera Cycles measures the blurred layer's depth from: the middle's.
            _go_to(scene, (start + end) / 2)
            depth_camera = np.asarray(camera_now(scene).world_to_camera, dtype=np.float64)
            row_poses = {name: np.array([seen[t][1][name] for t in times.tolist()],
                                        dtype=np.float64) for name in moving}
    finally:
        scene.frame_set(frame)
    return dataclasses.replace(shutter, at_open=instants[0], at_close=instants[1],
                               row_world_to_camera=rows, row_object_to_world=row_poses,
                               depth_world_to_camera=depth_camera)


def _moving(now: dict, instants: list) -> list[str]:
    """Names of the rendered objects (not instanced copies) whose pose at the frame
    (``now``: name -> matrix of every scene object), the opening or the closing differ."""
    ends = [{o.name: o.object_to_world for o in i.objects if o.instance_of is None}
            for i in instants]
    rendered = set(ends[0]) | set(ends[1])
    return sorted(name for name, pose in now.items() if name in rendered
                  and any(name not in end or not np.array_equal(np.asarray(end[name]),
                                                                np.asarray(pose))
                          for end in ends))


def _poses(scene, names: list[str]) -> dict[str, list]:
    """The evaluated ``matrix_world`` of the objects ``names`` now."""
    if not names:
        return {}
    import bpy

    depsgraph = bpy.context.evaluated_depsgraph_get()
    return {name: [list(row) for row in
                   scene.objects[name].evaluated_get(depsgraph).matrix_world]
            for name in names}


def _go_to(scene, time: float) -> None:
    """Evaluate the scene at ``time`` (frames, with a sub-frame)."""
    whole = math.floor(time)
    scene.frame_set(int(whole), subframe=time - whole)
