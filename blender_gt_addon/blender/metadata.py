# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Put each frame's camera into the EXR header, through Blender's stamp Note.

Blender copies the render settings, the Note among them, for a frame *before*
that frame's ``render_pre`` handler runs. So the camera of the first frame is set
at ``render_init`` and the camera of frame N + step at ``render_post`` of frame N.
The user's own Note (and whether it was on) is kept in front of ours and restored
when the render ends, whether it completes or is cancelled.

The camera of a frame other than the one Blender has evaluated is found with
``scene.frame_set``, which is safe only on the main thread: renders from scripts,
the command line and ``blender-gt render``. An F12 render in the window runs its
handlers on a render thread, where only the evaluated current frame is known; a
frame whose camera cannot be known gets no camera rather than a wrong one.
"""

from __future__ import annotations

import threading

import bpy

from .. import camera as cammod
from . import compositor

# Per scene name, while it renders: the user's (use_stamp_note, stamp_note_text)
# and the frame they were on.
_saved: dict[str, tuple[bool, str, int]] = {}
# Scenes whose frame this module changed, to be set back when the render ends.
_moved: set[str] = set()


def wants_camera(scene) -> bool:
    """Record the camera: some output is on, there is a camera, and stamps are not
    burned into the image (the Note would be drawn on the user's beauty render)."""
    return (scene.camera is not None and not scene.render.use_stamp
            and compositor.has_outputs(scene))


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


def camera_of(scene, frame: int) -> cammod.Camera | None:
    """The camera of ``frame``, or ``None`` when it cannot be known on this thread."""
    current = scene.frame_current
    if threading.current_thread() is threading.main_thread():
        if current != frame or _is_animated(scene.camera):
            scene.frame_set(frame)
            _moved.add(scene.name)
        else:
            bpy.context.view_layer.update()
    elif frame != current and _is_animated(scene.camera):
        return None
    try:
        return _camera_now(scene)
    finally:
        if scene.frame_current != current:
            # An animation render counts frames in frame_current: give it back
            # unevaluated, or Blender skips the next frame.
            scene.frame_current = current


def _camera_now(scene) -> cammod.Camera:
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


# Bytes of the Note that reach the EXR header (measured: Blender cuts the rest).
NOTE_LIMIT = 511


def _write_note(scene, frames: list[int]) -> None:
    """Frames in order of preference: a camera that does not fit is left out whole."""
    user_on, user_text, _ = _saved[scene.name]
    lines = []
    for frame in dict.fromkeys(frames):
        cam = camera_of(scene, frame)
        if cam is not None:
            line = cammod.encode(cam, frame)
            if len("\n".join([*lines, line]).encode()) <= NOTE_LIMIT:
                lines.append(line)
    ours = "\n".join(lines)
    text = "\n".join(t for t in ((user_text if user_on else ""), ours) if t)
    if len(text.encode()) > NOTE_LIMIT:  # keep ours whole, leave theirs out of the file
        text = ours
    render = scene.render
    render.use_stamp_note = bool(text)
    render.stamp_note_text = text


def begin(scene) -> None:
    """render_init: remember the user's Note; write the camera of the first frame.

    A handler cannot tell a still render (the current frame) from an animation
    (the first frame of the range), so both go in, the current frame's first, as
    far as they fit; the reader takes the one whose frame matches the file's.
    """
    if not wants_camera(scene):
        return
    render = scene.render
    current = scene.frame_current
    if scene.name not in _saved:
        _saved[scene.name] = (render.use_stamp_note, render.stamp_note_text, current)
    _write_note(scene, [current, scene.frame_start])


def after_frame(scene) -> None:
    """render_post: write the camera of the next frame of an animation."""
    if scene.name in _saved and wants_camera(scene):
        _write_note(scene, [scene.frame_current + scene.frame_step])


def end(scene) -> None:
    """render_complete / render_cancel: give the user's Note and frame back."""
    saved = _saved.pop(scene.name, None)
    if saved is None:
        return
    render = scene.render
    render.use_stamp_note, render.stamp_note_text, frame = saved
    if scene.name in _moved:
        _moved.discard(scene.name)
        scene.frame_set(frame)
