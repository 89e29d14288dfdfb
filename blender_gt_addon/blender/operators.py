# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Operators of the Ground Truth panel."""

from __future__ import annotations

import os

import bpy

from . import checks, compositor


class GROUNDTRUTH_OT_sync(bpy.types.Operator):
    """Rebuild the ground-truth compositor nodes from the panel's settings"""

    bl_idname = "groundtruth.sync"
    bl_label = "Rebuild Ground-Truth Nodes"
    bl_options = {"REGISTER", "UNDO"}

    @classmethod
    def poll(cls, context):
        return context.scene is not None

    def execute(self, context):
        try:
            compositor.sync(context.scene)
        except Exception as exc:
            self.report({"ERROR"}, f"Ground truth: could not update the compositor: {exc}")
            return {"CANCELLED"}
        return {"FINISHED"}


class GROUNDTRUTH_OT_open_folder(bpy.types.Operator):
    """Open the ground-truth output folder in the file browser of the system"""

    bl_idname = "groundtruth.open_folder"
    bl_label = "Open Output Folder"

    @classmethod
    def poll(cls, context):
        return context.scene is not None

    def execute(self, context):
        folder = checks.output_folder(context.scene)
        if not os.path.isdir(folder):
            self.report({"WARNING"}, f"Ground truth: {folder} does not exist yet (render first)")
            return {"CANCELLED"}
        bpy.ops.wm.path_open(filepath=folder)
        return {"FINISHED"}


class GROUNDTRUTH_OT_report(bpy.types.Operator):
    """Show a ground-truth message in Blender's report area"""

    bl_idname = "groundtruth.report"
    bl_label = "Ground Truth Report"
    bl_options = {"INTERNAL"}

    level: bpy.props.EnumProperty(
        items=(("ERROR", "Error", ""), ("WARNING", "Warning", ""), ("INFO", "Info", ""))
    )
    message: bpy.props.StringProperty()

    def execute(self, context):
        self.report({self.level}, f"Ground truth: {self.message}")
        return {"FINISHED"}
