# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender child of a render run: start it, hear its events, stop it.

The child is this interpreter (which must have ``bpy``) running
:func:`blender_gt_addon.blender.render_job.render_job` through the job runner of
:mod:`blender_gt_addon.bpyjob`, in a session of its own so that it can be killed
with everything it started. It tells the parent about each frame on a pipe of its
own, one JSON object a line; Blender's own output goes to a log file and never
mixes with it. Nothing here imports ``bpy``.
"""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import bpyjob

__all__ = ["JOB_TARGET", "Child", "kill", "log_tail", "read_events", "start"]

# What bpyjob runs in the child ("module:function").
JOB_TARGET = "blender_gt_addon.blender.render_job:render_job"


@dataclass
class Child:
    """A running render job: its process, its events, and where its result lands.

    ``events`` receives each event as a dict, ``{"event": "junk", "text": line}`` for
    a line that is not JSON, and ``None`` once the child closed its end of the pipe.
    """

    proc: subprocess.Popen
    events: queue.Queue
    result_file: Path

    def wait(self, timeout: float = 60.0) -> int | None:
        """The child's exit code, killing it if it does not end within ``timeout`` s."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill(self.proc)
            return self.proc.returncode


def read_events(fd: int, sink: queue.Queue) -> None:
    """Put each JSON line read from ``fd`` into ``sink``, then ``None`` at its end."""
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


def start(job: dict[str, Any], tmp: Path, log: Path, banner: str) -> Child:
    """Start the child rendering ``job`` (the keyword arguments of ``render_job``).

    ``tmp`` is a scratch folder that must outlive the child (arguments, result, and
    a fresh Blender user folder); ``banner`` is written to ``log`` first, then the
    child's output is appended.
    """
    read_fd, write_fd = os.pipe()
    args_file, result_file = tmp / "args.json", tmp / "result.json"
    try:
        args_file.write_text(json.dumps({**job, "events_fd": write_fd}))
        cmd = [sys.executable, "-m", "blender_gt_addon.bpyjob", JOB_TARGET, str(args_file),
               str(result_file)]
        proc = _spawn(cmd, tmp / "user", log, banner, write_fd)
    except BaseException:
        os.close(read_fd)
        raise
    finally:
        os.close(write_fd)  # the child has its own copy
    events: queue.Queue = queue.Queue()
    threading.Thread(target=read_events, args=(read_fd, events), daemon=True).start()
    return Child(proc, events, result_file)


def _spawn(cmd: list[str], user_dir: Path, log: Path, banner: str,
           events_fd: int) -> subprocess.Popen:
    with open(log, "a") as log_file:
        log_file.write(f"=== {banner}, {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n")
        log_file.flush()
        return subprocess.Popen(
            cmd, env=bpyjob.blender_env(user_dir), stdout=log_file, stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL, pass_fds=(events_fd,), start_new_session=True)


def kill(proc: subprocess.Popen) -> None:
    """Kill ``proc`` and everything in its session, and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:  # pragma: no cover
        pass


def log_tail(log: Path, lines: int = 1) -> str:
    """The last ``lines`` lines of ``log``, joined by ``" | "`` ("" if unreadable)."""
    try:
        text = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return " | ".join(t.strip() for t in text[-lines:])
