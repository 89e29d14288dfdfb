# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The render job that runs inside Blender, in the child of ``blender-gt render``.

:func:`render_job` is started by :mod:`blender_gt_addon.render.child` through
:mod:`blender_gt_addon.bpyjob`. It opens the .blend, registers the add-on if needed,
points ``scene.groundtruth.directory`` at the output folder and renders one frame at a
time (``scene.frame_set(f)`` then ``bpy.ops.render.render()``), telling the parent
about each frame on a pipe of its own, one JSON line per event (the events are listed
in :mod:`blender_gt_addon.render.events`), so Blender's own output never mixes with it.

``bpy`` is imported when the job runs, not when this module is imported, so the
launcher side can name it (and ``blender_gt_addon.batch`` re-export it) without Blender.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

from .. import outputs
from ..render.frames import shard_frames

__all__ = ["render_job"]

Emit = Callable[..., None]


class _Refusal(Exception):
    """The .blend or the request cannot be rendered; the message is for the user."""


def render_job(blend: str, directory: str, frames: list[int] | None = None,
               shard: list[int] | None = None, resume: bool = False, beauty: bool = False,
               events_fd: int | None = None) -> dict:
    """Render in this process, which has ``bpy`` (run through bpyjob by the launcher).

    Parameters:
        blend: absolute path of the .blend to open.
        directory: the output folder, replacing the one saved in the .blend.
        frames: frame numbers to render (default the scene's range, with its step).
        shard: ``[i, n]``: only the frames with ``f % n == i``.
        resume: keep files that decode completely and hold the asked outputs and size.
        beauty: also save Blender's usual render output of each frame.
        events_fd: the write end of the events pipe (default: stdout).

    Returns:
        ``{"rendered": [...], "skipped": [...]}``, or ``{"error": message}`` when the
        job is refused (the message is also sent as an ``error`` event).
    """
    stream = os.fdopen(events_fd, "w", buffering=1) if events_fd is not None else sys.stdout

    def emit(**event) -> None:
        stream.write(json.dumps(event) + "\n")
        stream.flush()

    try:
        return _render_frames(emit, blend, directory, frames, shard, resume, beauty)
    except _Refusal as exc:
        emit(event="error", message=str(exc))
        return {"error": str(exc)}
    finally:
        if stream is not sys.stdout:
            stream.close()


def _frame_is_complete(path: str, layers: list[str], size: tuple[int, int] | None) -> bool:
    """Whether ``path`` decodes completely and holds ``layers`` at ``size`` (width, height)."""
    from .. import reader

    try:
        frame = reader.read(path)
        if set(layers) - set(frame.passes):
            return False
        if size is not None and (frame.width, frame.height) != size:
            return False
        for layer in frame.passes:
            frame.get(layer)
    except reader.GroundTruthError:
        return False
    return True


def _open_scene(blend: str):
    """Open ``blend`` (registering the add-on first if needed); its scene."""
    import bpy

    from .. import register

    if not hasattr(bpy.types.Scene, "groundtruth"):
        register()
    try:
        bpy.ops.wm.open_mainfile(filepath=blend)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unknown reason"
        raise _Refusal(f"{blend}: Blender cannot open it ({reason})") from None
    return bpy.context.scene


def _prepare(scene, name: str, directory: str, emit: Emit) -> list[str]:
    """Point the scene at ``directory`` and check it; the layers each file must hold.

    Raises:
        _Refusal: no camera, no output enabled, or settings that spoil the ground truth.
    """
    from . import checks, compositor

    if scene.camera is None:
        raise _Refusal(f"{name}: scene {scene.name!r} has no camera "
                       "(set one in Scene Properties > Camera)")
    settings = scene.groundtruth
    chosen = outputs.planned_outputs(compositor.enabled_map(settings))
    if not chosen:
        raise _Refusal(f"{name}: no ground-truth output is enabled in scene {scene.name!r} "
                       "(tick some in the 3D viewport's sidebar > Ground Truth, and save)")
    settings.directory = directory.rstrip("/\\") + "/"  # syncs the compositor
    if settings.last_error:
        raise _Refusal(f"{name}: {settings.last_error}")
    found = checks.problems(scene)
    errors = [p.message for p in found if p.level == "ERROR"]
    if errors:
        raise _Refusal(f"{name}: {'; '.join(errors)}")
    for problem in found:
        emit(event="warning", message=problem.message)
    return [o.layer for o in outputs.pass_outputs(chosen)]  # amodal masks: in the header


def _output_size(render) -> tuple[int, int] | None:
    """The files' (width, height) in pixels; ``None`` when cropped to a border."""
    if render.use_border and render.use_crop_to_border:
        return None
    return (render.resolution_x * render.resolution_percentage // 100,
            render.resolution_y * render.resolution_percentage // 100)


def _render_frames(emit: Emit, blend, directory, frames, shard, resume, beauty) -> dict:
    import bpy

    scene = _open_scene(blend)
    layers = _prepare(scene, Path(blend).name, directory, emit)
    if frames is None:
        frames = list(range(scene.frame_start, scene.frame_end + 1, max(1, scene.frame_step)))
    planned = shard_frames(frames, tuple(shard) if shard else None)
    prefix = scene.groundtruth.file_prefix
    emit(event="plan", frames=planned, blender=bpy.app.version_string, prefix=prefix)

    size = _output_size(scene.render)
    rendered, skipped = [], []
    for frame in planned:
        path = os.path.join(directory, outputs.file_name(prefix, frame))
        if resume and os.path.exists(path) and _frame_is_complete(path, layers, size):
            skipped.append(frame)
            emit(event="skip", frame=frame, file=path)
            continue
        seconds = _render_frame(scene, frame, path, beauty)
        rendered.append(frame)
        emit(event="frame", frame=frame, file=path, seconds=seconds)
    return {"rendered": rendered, "skipped": skipped}


def _render_frame(scene, frame: int, path: str, beauty: bool) -> float:
    """Render ``frame`` to ``path`` (and the beauty image if asked); seconds it took."""
    import bpy

    if os.path.lexists(path):
        os.remove(path)  # so that a file there afterwards is this render's
    start = time.perf_counter()
    scene.frame_set(frame)
    bpy.ops.render.render()
    if beauty:
        bpy.data.images["Render Result"].save_render(
            bpy.path.abspath(scene.render.frame_path(frame=frame)))
    if not os.path.exists(path):
        raise _Refusal(f"Blender did not write {path} for frame {frame}")
    return round(time.perf_counter() - start, 3)
