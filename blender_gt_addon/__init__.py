# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""blender-gt: pixel-exact ground truth from Blender scenes.

As a Blender add-on, ``register()``/``unregister()`` add the "Ground Truth" tab to
the 3D viewport sidebar. As a plain Python package, ``blender_gt_addon.reader``
reads the files without Blender. Nothing here imports ``bpy`` at import time.
"""

bl_info = {
    "name": "Ground Truth (blender-gt)",
    "author": "blender-gt authors",
    "version": (0, 1, 0),
    "blender": (4, 2, 0),
    "location": "3D Viewport > Sidebar (N) > Ground Truth",
    "description": "Writes depth, normals, flow, emission and index passes to one multilayer "
    "EXR per frame",
    "category": "Render",
}

__version__ = "0.1.0"


def register() -> None:
    """Register the add-on's classes and handlers with Blender (needs ``bpy``)."""
    from .blender import registration

    registration.register()


def unregister() -> None:
    """Undo :func:`register`; the scenes' settings and nodes stay in the .blend."""
    from .blender import registration

    registration.unregister()
