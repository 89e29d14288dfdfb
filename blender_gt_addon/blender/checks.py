# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Gather a scene's facts for :func:`outputs.check_settings` and resolve paths."""

from __future__ import annotations

import os

import bpy

from .. import outputs
from . import compat, compositor


def output_folder(scene: bpy.types.Scene) -> str:
    """The output folder as an absolute path ('//' resolved against the .blend)."""
    return os.path.normpath(bpy.path.abspath(scene.groundtruth.directory))


def next_file(scene: bpy.types.Scene) -> str:
    """Absolute path of the file that rendering the current frame writes."""
    name = outputs.file_name(scene.groundtruth.file_prefix, scene.frame_current)
    return os.path.join(output_folder(scene), name)


def problems(scene: bpy.types.Scene) -> list[outputs.Problem]:
    """What is wrong with the scene's ground-truth settings, worst first."""
    settings = scene.groundtruth
    found = outputs.check_settings(
        enabled=compositor.enabled_map(settings),
        prefix=settings.file_prefix,
        engine=scene.render.engine,
        use_motion_blur=scene.render.use_motion_blur,
        use_compositing=scene.render.use_compositing,
        directory_abs=output_folder(scene),
        blend_saved=bool(bpy.data.filepath),
        directory_is_relative=settings.directory.startswith("//"),
        has_camera=scene.camera is not None,
        compositing_switched=any(s and s != compat.MADE_TREE
                                 for s in settings.owned_compositing.split(",")),
        view_layers=compositor.rendered_view_layers(scene),
        crisp_layer_stale=compositor.data_layer_is_stale(scene),
        rolling_shutter=getattr(getattr(scene, "cycles", None), "rolling_shutter_type",
                                "NONE") != "NONE",
        rolling_duration=float(getattr(getattr(scene, "cycles", None),
                                       "rolling_shutter_duration", 0.0)),
        clean_edges=settings.clean_edges,
    )
    if settings.last_error:
        found.insert(0, outputs.Problem("ERROR", settings.last_error))
    from . import stereo

    stereo_problem = stereo.problem(scene)
    if stereo_problem:  # both views are written, but without cameras: no disparity
        found.insert(0, outputs.Problem("ERROR", stereo_problem))
    for name in compat.effects_stopping_the_stack(scene):
        # 5.3 skips every effect after it, the add-on's File Output included: no file.
        found.insert(0, outputs.Problem(
            "ERROR", f"Compositor effect {name!r} has no Group Output and comes before "
            "the Ground Truth effect: Blender runs no effect after it, so no ground truth "
            "would be written (give it a Group Output, or move Ground Truth to the top of "
            "the compositor effects)"))
    return sorted(found, key=lambda p: p.level != "ERROR")
