# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a render run reports: :class:`RenderResult`, or :class:`RenderError` on failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["RenderError", "RenderResult"]


class RenderError(RuntimeError):
    """Rendering cannot start or did not finish. The message is one line for the user.

    ``log`` is the file holding Blender's output, when Blender was started.
    """

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


@dataclass
class RenderResult:
    """What :func:`blender_gt_addon.render.render` did.

    ``planned`` holds the frames this run (or shard) was to render, ``rendered`` those
    Blender rendered and ``skipped`` those kept by ``resume``; ``files`` the EXR path
    of each, in the order they came. ``seconds`` is the wall time of the whole run,
    ``render_seconds`` the sum of Blender's per-frame times. ``blender`` is Blender's
    version string. ``shard`` is the shard rendered, ``(i, n)`` or ``None`` (every
    frame), and ``shard_source`` where it came from (``"--shard"``, a job system's
    variables, or why there is none; :mod:`.environment`).
    """

    folder: Path
    planned: list[int] = field(default_factory=list)
    rendered: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    seconds: float = 0.0
    render_seconds: float = 0.0
    warnings: list[str] = field(default_factory=list)
    log: Path | None = None
    blender: str = ""
    shard: tuple[int, int] | None = None
    shard_source: str = ""
