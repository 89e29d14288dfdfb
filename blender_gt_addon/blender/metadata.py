# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finish each frame's file: one channel layout on every version, and the frame's camera.

After Blender writes a frame (``render_post``), :func:`finish_frame` rewrites the
file's header (``exr.header``): the channel and manifest fix-ups of ``compat``, and
the frame's camera at full precision in the ``blender-gt/frame`` attribute
(:mod:`blender_gt_addon.frame_record`). The user's stamp Note is not touched.

The camera of the frame just rendered is exact whoever started the render:
- On the main thread (scripts, the command line, ``blender-gt render``) the frame
  is evaluated on the spot.
- An F12 / Ctrl+F12 render in Blender's window runs its handlers on the render
  thread, where no frame may be evaluated and the scene's objects keep the values
  of the frame shown in the window. There a camera is recorded at once only when
  nothing animates it; other frames wait in a list, and a step on the main thread
  after the render (:func:`finish_pending`, run by a timer that ``render_complete``
  and ``render_cancel`` register) evaluates each of them and writes its camera.
:func:`on_render_thread` tells the two apart; tests replace it to reproduce the
window's constraint in a background process and then call :func:`finish_pending`
as the timer would.
"""

from __future__ import annotations

import sys
import threading

import bpy

from .. import camera as cammod
from .. import frame_record
from ..exr import header
from . import checks, compositor

# Per scene name: the frames whose camera could not be known on the render thread,
# as (frame, file path), waiting for finish_pending on the main thread.
_pending: dict[str, list[tuple[int, str]]] = {}


def on_render_thread() -> bool:
    """Whether the handlers run on a render thread (an F12 render in the window)."""
    return threading.current_thread() is not threading.main_thread()


def wants_camera(scene) -> bool:
    """Record the camera: some output is on and the scene has a camera."""
    return scene.camera is not None and compositor.has_outputs(scene)


def _is_animated(obj) -> bool:
    while obj is not None:
        anim = obj.animation_data
        if anim is not None and (anim.action is not None or len(anim.drivers)):
            return True
        data_anim = getattr(obj.data, "animation_data", None)
        if data_anim is not None and (data_anim.action is not None or len(data_anim.drivers)):
            return True
        if len(obj.constraints):
            return True
        obj = obj.parent
    return False


def _camera_now(scene) -> cammod.Camera:
    """The scene camera as the scene's objects hold it now."""
    cam = scene.camera
    data = cam.data
    render = scene.render
    K, width, height = cammod.intrinsics(
        lens=data.lens,
        sensor_width=data.sensor_width,
        sensor_height=data.sensor_height,
        sensor_fit=data.sensor_fit,
        shift_x=data.shift_x,
        shift_y=data.shift_y,
        resolution_x=render.resolution_x,
        resolution_y=render.resolution_y,
        resolution_percentage=render.resolution_percentage,
        pixel_aspect_x=render.pixel_aspect_x,
        pixel_aspect_y=render.pixel_aspect_y,
        camera_type=data.type,
        ortho_scale=data.ortho_scale,
    )
    return cammod.Camera(
        K=K,
        world_to_camera=cammod.world_to_camera_cv([list(row) for row in cam.matrix_world]),
        width=width,
        height=height,
        clip_start=data.clip_start,
        clip_end=data.clip_end,
        type=data.type,
    )


def _camera_of_current_frame(scene) -> cammod.Camera | None:
    """The camera of the frame being rendered, or ``None`` when this thread cannot know it."""
    if on_render_thread():
        return None if _is_animated(scene.camera) else _camera_now(scene)
    frame = scene.frame_current
    if _is_animated(scene.camera):
        scene.frame_set(frame)  # evaluate this frame: the render used its own copy
    return _camera_now(scene)


def _write(path: str, frame: int, camera: cammod.Camera | None) -> None:
    strings = {frame_record.KEY: frame_record.encode(frame, camera)}
    header.finish_file(path, _light_names(), strings)


def _light_names() -> frozenset:
    """Names of the lights that Cryptomatte manifests may list (never in its pixels)."""
    lights = {o.name for o in bpy.data.objects if o.type == "LIGHT"}
    others = {o.name for o in bpy.data.objects if o.type != "LIGHT"}
    return frozenset(lights - others)  # a linked object may share a light's name


def finish_frame(scene) -> None:
    """render_post / render_cancel: finish the file of the frame just rendered."""
    if not compositor.has_outputs(scene):
        return
    path, frame = checks.next_file(scene), scene.frame_current
    camera = _camera_of_current_frame(scene) if wants_camera(scene) else None
    _write(path, frame, camera)
    if camera is None and wants_camera(scene):
        _pending.setdefault(scene.name, []).append((frame, path))


def end(scene) -> None:
    """render_complete / render_cancel: write the cameras that had to wait."""
    if scene.name not in _pending:
        return
    if on_render_thread():
        # Timers run on the main thread once the render has let go of the scene.
        bpy.app.timers.register(finish_pending, first_interval=0.0)
    else:
        finish_pending()


def finish_pending() -> None:
    """On the main thread: evaluate each waiting frame and write its camera."""
    while _pending:
        name, frames = _pending.popitem()
        scene = bpy.data.scenes.get(name)
        if scene is None or scene.camera is None:
            continue
        current = scene.frame_current
        try:
            for frame, path in frames:
                scene.frame_set(frame)
                try:
                    _write(path, frame, _camera_now(scene))
                except OSError as exc:  # e.g. the file was moved away since
                    print(f"Ground truth error: could not record the camera in {path}: "
                          f"{exc}", file=sys.stderr, flush=True)
        finally:
            scene.frame_set(current)
