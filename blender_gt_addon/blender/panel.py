# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The "Ground Truth" tab of the 3D viewport sidebar (N)."""

from __future__ import annotations

import bpy

from .. import outputs
from . import checks, compositor


def draw_outputs_layout(layout, settings) -> None:
    column = layout.column(heading="Write", align=True)
    blurred = compositor.blurred(settings.id_data)
    rolling = [k for k in outputs.ROLLING_KEYS if getattr(settings, f"use_{k}")]
    for o in outputs.OUTPUTS:
        # The rolling-shutter rows only where they can differ (or are ticked).
        if o.key not in outputs.ROLLING_KEYS or blurred or rolling:
            column.prop(settings, f"use_{o.key}")
    if settings.use_crisp_image and not blurred:
        # Not a problem, a fact: without motion blur the image is already crisp.
        layout.label(text="Motion blur is off: the crisp image is the image", icon="INFO")
    if rolling and not blurred:
        layout.label(text="Motion blur is off: rolling-shutter outputs equal the plain ones",
                     icon="INFO")
    layout.prop(settings, "clean_edges")
    if blurred and not settings.clean_edges:
        layout.prop(settings, "crisp_samples")
    layout.prop(settings, "keypoints")
    if "GROUPS" in settings.keypoints:
        layout.prop(settings, "keypoint_groups")
    if settings.keypoints:
        layout.prop(settings, "keypoint_names")


def draw_stereo_layout(layout, scene, settings) -> None:
    layout.prop(settings, "use_stereo")
    camera = scene.camera
    if not settings.use_stereo or camera is None or camera.type != "CAMERA":
        return
    column = layout.column(align=True)
    column.prop(camera.data.stereo, "interocular_distance", text="Baseline")
    column.prop(camera.data.stereo, "pivot", text="Scene Camera Is")
    column.prop(camera.data.stereo, "convergence_mode", text="Rig")


def draw_file_layout(layout, scene, settings) -> None:
    column = layout.column()
    column.prop(settings, "directory")
    column.prop(settings, "file_prefix")
    row = column.row(align=True)
    row.prop(settings, "precision", text="")
    row.prop(settings, "codec", text="")
    box = column.box()
    box.label(text=checks.output_folder(scene), icon="FILE_FOLDER")
    box.label(text=f"Next: {bpy.path.basename(checks.next_file(scene))}", icon="FILE_IMAGE")
    column.operator("groundtruth.open_folder", icon="FILEBROWSER")


def draw_problems_layout(layout, scene) -> None:
    for problem in checks.problems(scene):
        row = layout.row()
        row.alert = problem.level == "ERROR"
        # Long messages: one label per chunk, so the sidebar does not cut them off.
        words, line, icon = problem.message.split(), "", "ERROR"
        for word in words:
            if len(line) + len(word) > 38 and line:
                row.label(text=line, icon=icon)
                row = layout.row()
                row.alert = problem.level == "ERROR"
                line, icon = "", "BLANK1"
            line = f"{line} {word}".strip()
        row.label(text=line, icon=icon)


class VIEW3D_PT_groundtruth(bpy.types.Panel):
    bl_label = "Ground Truth"
    bl_space_type = "VIEW_3D"
    bl_region_type = "UI"
    bl_category = "Ground Truth"

    def draw(self, context):
        scene = context.scene
        settings = scene.groundtruth
        layout = self.layout
        layout.use_property_split = True
        layout.use_property_decorate = False
        draw_outputs_layout(layout, settings)
        draw_stereo_layout(layout, scene, settings)
        if compositor.has_outputs(scene):
            draw_problems_layout(layout, scene)
        draw_file_layout(layout, scene, settings)
