# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Handlers: say what is wrong with the ground truth when a render starts, and
bring the compositor up to date when a .blend is loaded.

The panel shows the same problems before the render; this is for renders started
without looking at it (scripts, farms, Ctrl+F12 from another workspace).
"""

from __future__ import annotations

import sys

import bpy
from bpy.app.handlers import persistent

from .. import outputs
from . import checks, compat, compositor, metadata


def _report_in_ui(problems: list[outputs.Problem]):
    def report():
        for problem in problems:
            try:
                bpy.ops.groundtruth.report(level=problem.level, message=problem.message)
            except Exception:  # no window to report in
                pass
        return None  # run once

    return report


@persistent
def on_render_init(scene, *_args) -> None:
    # An F12 render calls this from the render thread, where running operators or
    # changing the scene is unsafe: only say what is wrong there.
    if not compositor.has_outputs(scene):
        return
    try:
        if not metadata.on_render_thread() and compositor.data_layer_is_stale(scene):
            # Motion blur switched on (or off) since the settings last changed: a
            # render from a script (main thread) gets its crisp layer in time.
            compositor.sync(scene)
        if not metadata.on_render_thread() and compat.effects_stopping_the_stack(scene):
            # 5.3, the add-on's effect moved below one that stops the stack since the
            # settings last changed: a render from a script (main thread) can still
            # put it first, in time for this render (measured on 5.3.0).
            compat.put_own_effect_first(scene)
        found = checks.problems(scene)
    except Exception as exc:  # a handler must never raise into Blender's render
        found = [outputs.Problem("ERROR", f"could not check the settings: {exc}")]
    for problem in found:
        print(f"Ground truth {problem.level.lower()}: {problem.message}", file=sys.stderr,
              flush=True)
    if found and not bpy.app.background:
        # Timers run on the main thread, where the report reaches the status bar.
        bpy.app.timers.register(_report_in_ui(found), first_interval=0.0)


@persistent
def on_render_post(scene, *_args) -> None:
    _guarded(metadata.finish_frame, scene)


@persistent
def on_render_complete(scene, *_args) -> None:
    # Every written frame was finished in render_post already.
    _guarded(metadata.end, scene)


@persistent
def on_render_cancel(scene, *_args) -> None:
    _guarded(metadata.finish_frame, scene)  # a cancelled frame may have been written
    _guarded(metadata.end, scene)


def _guarded(function, scene) -> None:
    try:
        function(scene)
    except Exception as exc:  # a handler must never raise into Blender's render
        print(f"Ground truth error: could not finish the frame's file: {exc}",
              file=sys.stderr, flush=True)


@persistent
def on_load_post(*_args) -> None:
    # A .blend saved by another Blender version holds the nodes as that version
    # built them (e.g. 5.0 converts a 4.x File Output to one that drops the flow's
    # W): rebuild them for this version before anything renders.
    for scene in bpy.data.scenes:
        if not compositor.has_outputs(scene):
            continue
        try:
            compositor.sync(scene)
        except Exception as exc:  # a handler must never raise into Blender
            scene.groundtruth.last_error = f"Could not update the compositor: {exc}"
            print(f"blender-gt: {scene.groundtruth.last_error}", file=sys.stderr, flush=True)


_HANDLERS = (
    ("render_init", on_render_init),
    ("render_post", on_render_post),
    ("render_complete", on_render_complete),
    ("render_cancel", on_render_cancel),
    ("load_post", on_load_post),
)


def register() -> None:
    for name, function in _HANDLERS:
        handlers = getattr(bpy.app.handlers, name)
        if function not in handlers:
            handlers.append(function)
    if not bpy.app.background and not bpy.app.timers.is_registered(metadata.poll_pending):
        # Renders from the window end on the render thread: this writes their frames'
        # records on the main thread (a headless Blender runs no timers).
        bpy.app.timers.register(metadata.poll_pending, first_interval=metadata.POLL_SECONDS,
                                persistent=True)


def unregister() -> None:
    if bpy.app.timers.is_registered(metadata.poll_pending):
        bpy.app.timers.unregister(metadata.poll_pending)
    for name, function in reversed(_HANDLERS):
        handlers = getattr(bpy.app.handlers, name)
        if function in handlers:
            handlers.remove(function)
