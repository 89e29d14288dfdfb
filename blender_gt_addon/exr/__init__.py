# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""OpenEXR files at the byte level, where Blender's writer needs a finishing touch.

No ``bpy`` and no ``openexr`` here: this runs inside Blender, whose Python has
neither the ``openexr`` package nor a need for it. See :mod:`.header`.
"""

from .header import finish_file, rewritten_header

__all__ = ["finish_file", "rewritten_header"]
