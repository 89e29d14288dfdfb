# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render handler: say what is wrong with the ground truth when a render starts.

The panel shows the same problems before the render; this is for renders started
without looking at it (scripts, farms, Ctrl+F12 from another workspace).
"""

from __future__ import annotations

import sys

import bpy
from bpy.app.handlers import persistent

from .. import outputs
from . import checks, compositor


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
    # Read-only: an F12 render calls this from the render thread, where changing
    # data or running operators is unsafe.
    settings = getattr(scene, "groundtruth", None)
    if settings is None or not any(compositor.enabled_map(settings).values()):
        return
    try:
        found = checks.problems(scene)
    except Exception as exc:  # a handler must never raise into Blender's render
        found = [outputs.Problem("ERROR", f"could not check the settings: {exc}")]
    for problem in found:
        print(f"Ground truth {problem.level.lower()}: {problem.message}", file=sys.stderr,
              flush=True)
    if found and not bpy.app.background:
        # Timers run on the main thread, where the report reaches the status bar.
        bpy.app.timers.register(_report_in_ui(found), first_interval=0.0)


def register() -> None:
    if on_render_init not in bpy.app.handlers.render_init:
        bpy.app.handlers.render_init.append(on_render_init)


def unregister() -> None:
    if on_render_init in bpy.app.handlers.render_init:
        bpy.app.handlers.render_init.remove(on_render_init)
