# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview picture, kept importable here: the code is in
:mod:`blender_gt_addon.pictures.preview` (the figure) and
:mod:`blender_gt_addon.pictures.colour` (the colours). No ``bpy`` here.

>>> from blender_gt_addon import reader, preview
>>> preview.save_preview(reader.read("groundtruth/0003.exr"), "preview.png")  # doctest: +SKIP
"""

from __future__ import annotations

from .pictures.preview import (
    COLORWHEEL,
    flow_to_color,
    forward_flow,
    id_colors,
    save_preview,
)

__all__ = ["COLORWHEEL", "flow_to_color", "forward_flow", "id_colors", "save_preview"]
