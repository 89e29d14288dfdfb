# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender side of the add-on: properties, panel, operators, nodes, handlers.

Everything in this sub-package imports ``bpy``; nothing outside it does.
"""
