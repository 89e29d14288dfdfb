# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader's one exception type. No ``bpy``, no imports."""

from __future__ import annotations

__all__ = ["GroundTruthError", "file_of", "note_file"]

# The note added to an unexpected exception (a bug) raised while reading a file.
_NOTE = "while reading the file "


class GroundTruthError(ValueError):
    """A ground-truth file cannot be read, or lacks what was asked for.

    The message names the file and says why.
    """


def note_file(exc: BaseException, path: object) -> None:
    """Note on ``exc`` (not a GroundTruthError: a bug) the file it was raised for, so
    that the command line's "unexpected" error still names the file."""
    if hasattr(exc, "add_note") and file_of(exc) is None:
        exc.add_note(f"{_NOTE}{path}")


def file_of(exc: BaseException) -> str | None:
    """The file :func:`note_file` noted on ``exc``, or ``None``."""
    for note in getattr(exc, "__notes__", ()):
        if isinstance(note, str) and note.startswith(_NOTE):
            return note[len(_NOTE):]
    return None
