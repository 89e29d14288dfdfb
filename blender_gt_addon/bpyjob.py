# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run Blender work (``bpy``) in a child Python process, with a time limit.

A process that imported ``bpy`` and rendered can hang at interpreter exit, and a
render can get stuck; neither may take the caller down. So the caller (the demo,
the tests, command-line tools) stays free of ``bpy`` and runs each job as::

    python -m blender_gt_addon.bpyjob package.module:function ARGS.json RESULT.json

The child calls ``function(**args)``, writes its JSON-able return value to
RESULT.json and leaves with ``os._exit``, skipping the exit that can hang. The
child gets its own Blender user folder so runs never share preferences.

This module itself imports no ``bpy``.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


class BlenderJobError(RuntimeError):
    """A Blender job failed, timed out, or returned nothing. ``log`` holds its output."""

    def __init__(self, message: str, log: str = ""):
        super().__init__(message)
        self.log = log


@dataclass
class JobResult:
    value: Any
    log: str


def blender_env(user_dir: str | os.PathLike[str], extra_paths: list[str] | None = None) -> dict:
    """Environment for a child Blender with its own user folder under ``user_dir``."""
    env = dict(os.environ)
    user_dir = Path(user_dir)
    for var, sub in (
        ("BLENDER_USER_RESOURCES", "resources"),
        ("BLENDER_USER_CONFIG", "config"),
        ("BLENDER_USER_SCRIPTS", "scripts"),
        ("BLENDER_USER_DATAFILES", "datafiles"),
        ("BLENDER_USER_EXTENSIONS", "extensions"),
    ):
        (user_dir / sub).mkdir(parents=True, exist_ok=True)
        env[var] = str(user_dir / sub)
    paths = [_PACKAGE_PARENT, *(extra_paths or [])]
    if env.get("PYTHONPATH"):
        paths.append(env["PYTHONPATH"])
    env["PYTHONPATH"] = os.pathsep.join(paths)
    return env


def run(
    target: str,
    kwargs: dict | None = None,
    *,
    timeout: float = 300.0,
    python: str | None = None,
    user_dir: str | os.PathLike[str] | None = None,
    extra_paths: list[str] | None = None,
    log_path: str | os.PathLike[str] | None = None,
) -> JobResult:
    """Run ``target`` (``"module:function"``) with ``kwargs`` in a child Python that has ``bpy``.

    Parameters:
        target: the function to call in the child, which may import ``bpy``.
        kwargs: JSON-able keyword arguments.
        timeout: seconds before the child is killed and :class:`BlenderJobError` raised.
        python: the interpreter with ``bpy`` (default: this one).
        user_dir: Blender user folder for the child (default: a new temporary one).
        extra_paths: folders to put on the child's ``sys.path`` (e.g. the tests).
        log_path: where to keep the child's output (default: only in memory).

    Returns:
        The function's return value and the child's combined output.
    """
    with tempfile.TemporaryDirectory(prefix="blender-gt-job-") as tmp:
        tmp_path = Path(tmp)
        args_file, result_file = tmp_path / "args.json", tmp_path / "result.json"
        args_file.write_text(json.dumps(kwargs or {}))
        env = blender_env(user_dir or tmp_path / "user", extra_paths)
        cmd = [python or sys.executable, "-m", "blender_gt_addon.bpyjob", target,
               str(args_file), str(result_file)]
        try:
            proc = subprocess.run(cmd, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, timeout=timeout, text=True,
                                  errors="replace", stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout or ""
            log = out if isinstance(out, str) else out.decode(errors="replace")
            _keep(log_path, log)
            raise BlenderJobError(f"{target} did not finish within {timeout:.0f} s", log) from None
        _keep(log_path, proc.stdout)
        if proc.returncode != 0 or not result_file.exists():
            raise BlenderJobError(
                f"{target} failed (exit code {proc.returncode}):\n{_tail(proc.stdout)}",
                proc.stdout,
            )
        return JobResult(json.loads(result_file.read_text()), proc.stdout)


def _keep(log_path, text: str) -> None:
    if log_path is not None:
        Path(log_path).write_text(text)


def _tail(text: str, lines: int = 40) -> str:
    return "\n".join(text.splitlines()[-lines:])


def _child(argv: list[str]) -> int:
    target, args_file, result_file = argv
    module_name, _, function_name = target.partition(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        value = function(**json.loads(Path(args_file).read_text()))
        Path(result_file).write_text(json.dumps(value))
        return 0
    except BaseException:
        traceback.print_exc()
        return 1


if __name__ == "__main__":
    status = _child(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # A process that rendered with bpy can hang in its normal exit: skip it.
    os._exit(status)
