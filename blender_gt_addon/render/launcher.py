# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless batch rendering of a .blend's ground truth (``blender-gt render``).

:func:`render` runs in the caller's process and never imports ``bpy``: it checks the
request, starts a child Python (this interpreter, which must have ``bpy``; see
:mod:`.child`) and follows it frame by frame (:mod:`.events`). What runs in the child
is :func:`blender_gt_addon.blender.render_job.render_job`: it opens the .blend, points
``scene.groundtruth.directory`` at the output folder and renders one frame at a time.

Scaling out: ``shard=(i, n)`` renders the frames ``f`` with ``f % n == i``, so ``n``
machines (or processes) sharing a folder render every frame exactly once;
``shard="auto"`` takes it from a job system's environment (a Slurm array task, a
Kubernetes Indexed Job, ``BLENDER_GT_SHARD``: :mod:`.environment`), as
``blender-gt render`` does without ``--shard``. Blender's
File Output node writes each file in place, so a crash can leave a truncated file;
``resume=True`` decodes every existing file completely with the reader and renders
again only the missing or damaged ones (and those holding other outputs or another
size than the .blend now asks for).
"""

from __future__ import annotations

import importlib.util
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from .. import outputs
from . import child
from .environment import ShardChoice, choose_shard
from .events import Follower, follow
from .frames import normalise_frames
from .result import RenderError, RenderResult

__all__ = ["AUTO", "DEFAULT_FRAME_TIMEOUT", "render"]

AUTO = "auto"  # render(shard=AUTO): the shard from the job system's environment
DEFAULT_FRAME_TIMEOUT = 3600.0  # seconds without news from Blender before giving up


def render(
    blend: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    frames: Sequence[int] | str | None = None,
    shard: tuple[int, int] | str | None = None,
    resume: bool = False,
    beauty: bool = False,
    progress: bool = False,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    frame_timeout: float = DEFAULT_FRAME_TIMEOUT,
    log_path: str | os.PathLike[str] | None = None,
) -> RenderResult:
    """Render the ground truth of ``blend`` into folder ``out``, frame by frame.

    Parameters:
        blend: a .blend file whose scene has the add-on's settings (the outputs to write).
        out: the output folder (created if needed); it replaces the folder saved in
            the .blend. Files are named ``<prefix><frame:04d>.exr`` as usual.
        frames: frame numbers, or text such as ``"1-240"``; default the scene's range.
        shard: ``(i, n)`` or ``"i/n"``: render only frames with ``f % n == i``;
            ``"auto"``: the shard a job system's environment gives (Slurm array task,
            Kubernetes Indexed Job, ``BLENDER_GT_SHARD``; :mod:`.environment`), none
            outside one. ``result.shard`` and ``result.shard_source`` say what was used.
        resume: keep existing files that decode completely and hold what the .blend
            asks for; render the rest.
        beauty: also save Blender's usual render output of each frame (the path and
            format set in the .blend's Output Properties).
        progress: show a progress bar on stderr (when it is a terminal).
        on_event: called with each event from Blender: ``{"event": "plan", "frames": [...]}``,
            ``{"event": "frame", "frame": f, "seconds": s, "file": path}``,
            ``{"event": "skip", "frame": f, "file": path}``, ``{"event": "warning", ...}``.
        frame_timeout: seconds without news from Blender (one frame) before giving up.
        log_path: where to keep Blender's output (default:
            ``<out>/blender-gt-render[-shard-I-of-N].log``).

    Raises:
        RenderError: with a one-line message: missing .blend, no ``bpy`` in this Python,
            no camera, no ground-truth output enabled, empty frame range, a bad shard
            (or shard variables), an unwritable folder, bad settings (e.g. an engine
            other than Cycles), or Blender failing.
    """
    started = time.perf_counter()
    blend = _blend_file(blend)
    _require_bpy()
    try:
        frames, choice = normalise_frames(frames), _choose_shard(shard)
    except ValueError as exc:
        raise RenderError(str(exc)) from None
    shard = choice.shard
    folder = _output_folder(out)
    log = Path(log_path) if log_path else folder / _log_name(shard)
    result = RenderResult(folder=folder, log=log, shard=shard, shard_source=choice.source)
    job = {"blend": str(blend.resolve()), "directory": str(folder), "frames": frames,
           "shard": list(shard) if shard else None, "resume": resume, "beauty": beauty}
    banner = f"blender-gt render {blend} -> {folder}, {choice.describe()}"
    with tempfile.TemporaryDirectory(prefix="blender-gt-render-") as tmp:
        running = child.start(job, Path(tmp), log, banner)
        follower = Follower(result, on_event, progress)
        follow(running, follower, frame_timeout, log)
        _check_finished(running, follower, log)
    result.seconds = time.perf_counter() - started
    return result


def _choose_shard(shard: tuple[int, int] | str | None) -> ShardChoice:
    """The shard asked for; ``"auto"`` reads the environment, ``None`` is no shard."""
    if isinstance(shard, str) and shard.strip() == AUTO:
        return choose_shard(None)
    if shard is None:
        return ShardChoice(None, "none: no shard asked for")
    return choose_shard(shard)


def _blend_file(blend: str | os.PathLike[str]) -> Path:
    path = Path(blend).expanduser()
    if not path.exists():
        raise RenderError(f"{path}: no such .blend file")
    if not path.is_file():
        raise RenderError(f"{path}: is a folder, not a .blend file")
    return path


def _require_bpy() -> None:
    if importlib.util.find_spec("bpy") is None:
        raise RenderError(
            f"rendering needs Blender as a Python module (bpy), which this Python "
            f"({sys.executable}) does not have: pip install bpy (4.2 or newer, for "
            "Python 3.11), or run blender-gt from the Python that has it")


def _output_folder(out: str | os.PathLike[str]) -> Path:
    """``out`` made absolute and created, or :class:`RenderError` if it cannot be."""
    folder = Path(out).expanduser().resolve()
    problem = outputs.folder_problem(str(folder))
    if problem:
        raise RenderError(problem)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _log_name(shard: tuple[int, int] | None) -> str:
    suffix = f"-shard-{shard[0]}-of-{shard[1]}" if shard else ""
    return f"blender-gt-render{suffix}.log"


def _check_finished(running: child.Child, follower: Follower, log: Path) -> None:
    """Wait for the child to exit; :class:`RenderError` if it refused or failed."""
    code = running.wait()
    if follower.error is not None:
        raise RenderError(follower.error, log)
    if code != 0 or not running.result_file.exists():
        raise RenderError(
            f"Blender failed while rendering {follower.current} (exit code {code}): "
            f"{child.log_tail(log)} (Blender's output: {log})", log)
