# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Register the Blender classes in order and unregister them in reverse."""

from __future__ import annotations

import bpy

from . import handlers, operators, panel, properties

classes = (
    properties.GroundTruthSettings,
    operators.GROUNDTRUTH_OT_sync,
    operators.GROUNDTRUTH_OT_open_folder,
    operators.GROUNDTRUTH_OT_report,
    panel.VIEW3D_PT_groundtruth,
)


def register() -> None:
    for cls in classes:
        bpy.utils.register_class(cls)
    properties.register()
    handlers.register()


def unregister() -> None:
    handlers.unregister()
    properties.unregister()
    for cls in reversed(classes):
        bpy.utils.unregister_class(cls)
