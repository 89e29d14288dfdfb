# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Follow the events of a render child into a :class:`RenderResult`.

The child (:mod:`blender_gt_addon.blender.render_job`) sends, one JSON object a line:

- ``{"event": "plan", "frames": [...], "blender": version, "prefix": p}`` once, first;
- ``{"event": "frame", "frame": f, "file": path, "seconds": s}`` for a rendered frame;
- ``{"event": "skip", "frame": f, "file": path}`` for a frame kept by ``resume``;
- ``{"event": "warning", "message": m}``, and ``{"event": "error", "message": m}``
  when it refuses the job (the message is one line for the user).

Before it reaches ``on_event``, the plan gains ``"shard"`` (``[i, n]`` or ``None``) and
``"shard_source"`` (where the shard came from), from the result.
Lines that are not JSON arrive as ``{"event": "junk", "text": line}`` and are ignored.
Nothing here imports ``bpy``.
"""

from __future__ import annotations

import queue
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..reader.parallel import progress_bar
from .child import Child, kill
from .result import RenderError, RenderResult

__all__ = ["Follower", "follow"]


class Follower:
    """Takes each event into ``result``, calls ``on_event``, moves the progress bar.

    ``current`` names what Blender is busy with (``"frame 7"``, or ``"the start"``)
    for error messages; ``error`` holds the child's refusal, if it sent one.
    """

    def __init__(self, result: RenderResult,
                 on_event: Callable[[dict[str, Any]], None] | None = None,
                 progress: bool = False):
        self.result = result
        self.on_event = on_event
        self.progress = progress
        self.bar = None
        self.error: str | None = None
        self.current = "the start"

    def handle(self, event: dict[str, Any]) -> None:
        kind = event.get("event")
        if kind == "plan":
            shard = self.result.shard
            event = {**event, "shard": list(shard) if shard else None,
                     "shard_source": self.result.shard_source}
        if self.on_event is not None and kind != "junk":
            self.on_event(event)  # first, so that its lines come before the bar
        if kind == "plan":
            self._plan(event)
        elif kind in ("frame", "skip"):
            self._frame(event, kept=kind == "skip")
        elif kind == "warning":
            self.result.warnings.append(event["message"])
        elif kind == "error":
            self.error = event["message"]

    def _plan(self, event: dict[str, Any]) -> None:
        result = self.result
        result.planned = list(event["frames"])
        result.blender = event.get("blender", "")
        self.bar = progress_bar(len(result.planned), "render", self.progress)
        if result.planned:
            self.current = f"frame {result.planned[0]}"

    def _frame(self, event: dict[str, Any], kept: bool) -> None:
        result = self.result
        (result.skipped if kept else result.rendered).append(event["frame"])
        result.files.append(Path(event["file"]))
        if not kept:
            result.render_seconds += event.get("seconds", 0.0)
        if self.bar is not None:
            self.bar.update()
            self.bar.set_postfix_str(f"frame {event['frame']}" + (" (kept)" if kept else ""))
        done = len(result.rendered) + len(result.skipped)
        if done < len(result.planned):
            self.current = f"frame {result.planned[done]}"

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def follow(child: Child, follower: Follower, frame_timeout: float, log: Path) -> None:
    """Hand each event of ``child`` to ``follower`` until the child closes its pipe.

    Raises:
        RenderError: no event for ``frame_timeout`` seconds; the child is killed (as
            it is on any other exception, e.g. from ``on_event`` or Ctrl+C).
    """
    try:
        while True:
            try:
                event = child.events.get(timeout=frame_timeout)
            except queue.Empty:
                raise RenderError(
                    f"Blender gave no news for {frame_timeout:.0f} s while rendering "
                    f"{follower.current}; stopped it (Blender's output: {log})", log) from None
            if event is None:
                return
            follower.handle(event)
    except BaseException:
        kill(child.proc)
        raise
    finally:
        follower.close()
