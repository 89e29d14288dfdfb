# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless batch rendering of a .blend's ground truth (``blender-gt render``).

:func:`render` runs in the caller's process and never imports ``bpy``: it starts a
child Python (this interpreter, which must have ``bpy``) through the job runner of
:mod:`blender_gt_addon.bpyjob`, and follows it frame by frame. :func:`render_job` is
what runs in the child: it opens the .blend, registers the add-on if needed, points
``scene.groundtruth.directory`` at the output folder and renders one frame at a time
(``scene.frame_set(f)`` then ``bpy.ops.render.render()``), telling the parent about
each frame on a pipe of its own, one JSON line per event, so Blender's own output
(kept in a log file) never mixes with it.

Scaling out: ``shard=(i, n)`` renders the frames ``f`` with ``f % n == i``, so ``n``
machines (or processes) sharing a folder render every frame exactly once. Blender's
File Output node writes each file in place, so a crash can leave a truncated file;
``resume=True`` decodes every existing file completely with the reader and renders
again only the missing or damaged ones (and those holding other outputs or another
size than the .blend now asks for).
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import bpyjob, outputs
from .sequence import progress_bar

__all__ = ["RenderError", "RenderResult", "parse_frames", "parse_shard", "render",
           "render_job"]

DEFAULT_FRAME_TIMEOUT = 3600.0


class RenderError(RuntimeError):
    """Rendering cannot start or did not finish. The message is one line for the user."""

    def __init__(self, message: str, log: Path | None = None):
        super().__init__(message)
        self.log = log


@dataclass
class RenderResult:
    """What :func:`render` did."""

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


# ------------------------------------------------------------------ arguments

_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|\.\.)\s*(-?\d+)\s*)?$")


def parse_frames(text: str) -> list[int]:
    """Frame numbers from ``"1-240"``, ``"7"``, ``"1-10,20,30-40"`` (ends included).

    Raises:
        ValueError: not such a list, or a range that holds no frame (e.g. ``"10-5"``).
    """
    frames: list[int] = []
    parts = [p for p in text.split(",")]
    for part in parts:
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"frames {text!r}: expected FIRST-LAST, a number, or a "
                             "comma-separated list of those, e.g. 1-240")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if last < first:
            raise ValueError(f"frames {part.strip()!r} is an empty frame range "
                             f"(last frame {last} before first frame {first})")
        frames.extend(range(first, last + 1))
    return sorted(set(frames))


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise ValueError(f"shard {text!r}: expected I/N, e.g. 0/4 (the first of 4 shards)")
    index, count = int(match[1]), int(match[2])
    if count < 1 or index >= count:
        raise ValueError(f"shard {text!r}: I must be 0..N-1 and N at least 1, "
                         f"e.g. 0/{max(count, 2)}")
    return index, count


def shard_frames(frames: Sequence[int], shard: tuple[int, int] | None) -> list[int]:
    """The frames of shard ``(i, n)``: those with ``f % n == i``."""
    if shard is None:
        return list(frames)
    index, count = shard
    return [f for f in frames if f % count == index]


# ------------------------------------------------------------- parent process


def _events(fd: int, sink: queue.Queue) -> None:
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for line in stream:
            line = line.strip()
            if not line:
                continue
            try:
                sink.put(json.loads(line))
            except json.JSONDecodeError:
                sink.put({"event": "junk", "text": line})
    sink.put(None)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def _log_tail(log: Path, lines: int = 1) -> str:
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(t.strip() for t in text[-lines:])


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
        shard: ``(i, n)`` or ``"i/n"``: render only frames with ``f % n == i``.
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
            no camera, no ground-truth output enabled, empty frame range, an unwritable
            folder, bad settings (e.g. motion blur with flow), or Blender failing.
    """
    started = time.perf_counter()
    blend = Path(blend).expanduser()
    if not blend.exists():
        raise RenderError(f"{blend}: no such .blend file")
    if not blend.is_file():
        raise RenderError(f"{blend}: is a folder, not a .blend file")
    if importlib.util.find_spec("bpy") is None:
        raise RenderError(
            f"rendering needs Blender as a Python module (bpy), which this Python "
            f"({sys.executable}) does not have: pip install bpy (4.2 or newer, for "
            "Python 3.11), or run blender-gt from the Python that has it")
    if isinstance(frames, str):
        try:
            frames = parse_frames(frames)
        except ValueError as exc:
            raise RenderError(str(exc)) from None
    elif frames is not None:
        frames = sorted({int(f) for f in frames})
        if not frames:
            raise RenderError("empty frame range: no frames to render")
    if isinstance(shard, str):
        try:
            shard = parse_shard(shard)
        except ValueError as exc:
            raise RenderError(str(exc)) from None
    elif shard is not None:
        shard = (int(shard[0]), int(shard[1]))
        if shard[1] < 1 or not 0 <= shard[0] < shard[1]:
            raise RenderError(f"shard {shard[0]}/{shard[1]}: I must be 0..N-1")
    folder = Path(out).expanduser().resolve()
    problem = outputs.folder_problem(str(folder))
    if problem:
        raise RenderError(problem)
    folder.mkdir(parents=True, exist_ok=True)
    suffix = f"-shard-{shard[0]}-of-{shard[1]}" if shard else ""
    log = Path(log_path) if log_path else folder / f"blender-gt-render{suffix}.log"

    result = RenderResult(folder=folder, log=log)
    read_fd, write_fd = os.pipe()
    events: queue.Queue = queue.Queue()
    with tempfile.TemporaryDirectory(prefix="blender-gt-render-") as tmp:
        tmp_path = Path(tmp)
        args_file, result_file = tmp_path / "args.json", tmp_path / "result.json"
        args_file.write_text(json.dumps({
            "blend": str(blend.resolve()), "directory": str(folder), "frames": frames,
            "shard": list(shard) if shard else None, "resume": resume, "beauty": beauty,
            "events_fd": write_fd,
        }))
        cmd = [sys.executable, "-m", "blender_gt_addon.bpyjob",
               "blender_gt_addon.batch:render_job", str(args_file), str(result_file)]
        with open(log, "a") as log_file:
            log_file.write(f"=== blender-gt render {blend} -> {folder}, "
                           f"{time.strftime('%Y-%m-%d %H:%M:%S')} ===\n")
            log_file.flush()
            try:
                proc = subprocess.Popen(
                    cmd, env=bpyjob.blender_env(tmp_path / "user"), stdout=log_file,
                    stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, pass_fds=(write_fd,),
                    start_new_session=True)
            finally:
                os.close(write_fd)
        reader_thread = threading.Thread(target=_events, args=(read_fd, events), daemon=True)
        reader_thread.start()
        bar = None
        error: str | None = None
        current = "the start"
        try:
            while True:
                try:
                    event = events.get(timeout=frame_timeout)
                except queue.Empty:
                    _kill(proc)
                    raise RenderError(
                        f"Blender gave no news for {frame_timeout:.0f} s while rendering "
                        f"{current}; stopped it (Blender's output: {log})", log) from None
                if event is None:
                    break
                kind = event.get("event")
                if on_event is not None and kind != "junk":
                    on_event(event)  # first, so that its lines come before the bar
                if kind == "plan":
                    result.planned = list(event["frames"])
                    result.blender = event.get("blender", "")
                    bar = progress_bar(len(result.planned), "render", progress)
                    if result.planned:
                        current = f"frame {result.planned[0]}"
                elif kind in ("frame", "skip"):
                    (result.rendered if kind == "frame" else result.skipped).append(
                        event["frame"])
                    result.files.append(Path(event["file"]))
                    if kind == "frame":
                        result.render_seconds += event.get("seconds", 0.0)
                    if bar is not None:
                        bar.update()
                        bar.set_postfix_str(f"frame {event['frame']}"
                                            + (" (kept)" if kind == "skip" else ""))
                    done = len(result.rendered) + len(result.skipped)
                    if done < len(result.planned):
                        current = f"frame {result.planned[done]}"
                elif kind == "warning":
                    result.warnings.append(event["message"])
                elif kind == "error":
                    error = event["message"]
        except BaseException:
            _kill(proc)
            raise
        finally:
            if bar is not None:
                bar.close()
        try:
            code = proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            _kill(proc)
            code = proc.returncode
        if error is not None:
            raise RenderError(error, log)
        if code != 0 or not result_file.exists():
            last = _log_tail(log)
            raise RenderError(
                f"Blender failed while rendering {current} (exit code {code}): {last} "
                f"(Blender's output: {log})", log)
    result.seconds = time.perf_counter() - started
    return result


# -------------------------------------------------------------- child process


class _Refusal(Exception):
    """The .blend or the request cannot be rendered; the message is for the user."""


def _frame_is_complete(path: str, layers: list[str], size: tuple[int, int] | None) -> bool:
    """Whether ``path`` decodes completely and holds ``layers`` at ``size``."""
    from . import reader

    try:
        frame = reader.read(path)
        if set(layers) - set(frame.passes):
            return False
        if size is not None and (frame.width, frame.height) != size:
            return False
        for layer in frame.passes:
            frame.get(layer)
    except reader.GroundTruthError:
        return False
    return True


def render_job(blend: str, directory: str, frames: list[int] | None = None,
               shard: list[int] | None = None, resume: bool = False, beauty: bool = False,
               events_fd: int | None = None) -> dict:
    """Render in this process, which has ``bpy`` (run through bpyjob by :func:`render`)."""
    stream = os.fdopen(events_fd, "w", buffering=1) if events_fd is not None else sys.stdout

    def emit(**event) -> None:
        stream.write(json.dumps(event) + "\n")
        stream.flush()

    try:
        return _render_frames(emit, blend, directory, frames, shard, resume, beauty)
    except _Refusal as exc:
        emit(event="error", message=str(exc))
        return {"error": str(exc)}
    finally:
        if stream is not sys.stdout:
            stream.close()


def _render_frames(emit, blend, directory, frames, shard, resume, beauty) -> dict:
    import bpy

    import blender_gt_addon

    from .blender import checks, compositor

    if not hasattr(bpy.types.Scene, "groundtruth"):
        blender_gt_addon.register()
    try:
        bpy.ops.wm.open_mainfile(filepath=blend)
    except RuntimeError as exc:
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else "unknown reason"
        raise _Refusal(f"{blend}: Blender cannot open it ({reason})") from None
    scene = bpy.context.scene
    name = Path(blend).name
    if scene.camera is None:
        raise _Refusal(f"{name}: scene {scene.name!r} has no camera "
                       "(set one in Scene Properties > Camera)")
    settings = scene.groundtruth
    enabled = compositor.enabled_map(settings)
    chosen = outputs.planned_outputs(enabled)
    if not chosen:
        raise _Refusal(f"{name}: no ground-truth output is enabled in scene {scene.name!r} "
                       "(tick some in the 3D viewport's sidebar > Ground Truth, and save)")
    settings.directory = directory.rstrip("/\\") + "/"  # syncs the compositor
    if settings.last_error:
        raise _Refusal(f"{name}: {settings.last_error}")
    found = checks.problems(scene)
    errors = [p.message for p in found if p.level == "ERROR"]
    if errors:
        raise _Refusal(f"{name}: {'; '.join(errors)}")
    for problem in found:
        emit(event="warning", message=problem.message)

    if frames is None:
        frames = list(range(scene.frame_start, scene.frame_end + 1, max(1, scene.frame_step)))
    planned = shard_frames(frames, tuple(shard) if shard else None)
    emit(event="plan", frames=planned, blender=bpy.app.version_string,
         prefix=settings.file_prefix)

    render = scene.render
    size = None if render.use_border and render.use_crop_to_border else (
        render.resolution_x * render.resolution_percentage // 100,
        render.resolution_y * render.resolution_percentage // 100)
    layers = [o.layer for o in chosen]
    rendered, skipped = [], []
    for frame in planned:
        path = os.path.join(directory, outputs.file_name(settings.file_prefix, frame))
        if resume and os.path.exists(path) and _frame_is_complete(path, layers, size):
            skipped.append(frame)
            emit(event="skip", frame=frame, file=path)
            continue
        if os.path.lexists(path):
            os.remove(path)  # so that a file there afterwards is this render's
        start = time.perf_counter()
        scene.frame_set(frame)
        bpy.ops.render.render()
        if beauty:
            bpy.data.images["Render Result"].save_render(
                bpy.path.abspath(render.frame_path(frame=frame)))
        if not os.path.exists(path):
            raise _Refusal(f"Blender did not write {path} for frame {frame}")
        rendered.append(frame)
        emit(event="frame", frame=frame, file=path,
             seconds=round(time.perf_counter() - start, 3))
    return {"rendered": rendered, "skipped": skipped}
