# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader's one exception type. No ``bpy``, no imports."""

from __future__ import annotations

__all__ = ["GroundTruthError"]


class GroundTruthError(ValueError):
    """A ground-truth file cannot be read, or lacks what was asked for.

    The message names the file and says why.
    """
