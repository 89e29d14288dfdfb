# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shard of a render run taken from a job system's environment variables.

An array job starts the same command line once per task and tells each task its
index in the environment; :func:`choose_shard` turns that into the shard ``(i, n)``
of :mod:`.frames`, so that one ``blender-gt render`` line renders every frame
exactly once across the tasks. Where the shard comes from, first match wins:

1. an explicit shard (``--shard I/N``, or ``render(shard=...)``);
2. ``BLENDER_GT_SHARD=I/N``: for render-farm managers and anything else that can set
   a variable but not change the command line;
3. a Slurm array task: ``SLURM_ARRAY_TASK_ID``. The count is ``BLENDER_GT_SHARD_COUNT``
   when set (the index is then the task id itself: use it to resubmit some tasks of
   a larger array, ``sbatch --array=2 --export=ALL,BLENDER_GT_SHARD_COUNT=3``);
   otherwise ``i = (ID - MIN) / STEP`` and ``n = (MAX - MIN) / STEP + 1`` from
   ``SLURM_ARRAY_TASK_MIN/MAX/STEP`` (so ``--array=1-3`` and ``--array=0-8:4`` work),
   checked against ``SLURM_ARRAY_TASK_COUNT``; with ``SLURM_ARRAY_TASK_COUNT`` alone,
   ``i = ID``, ``n = COUNT``. Unevenly spaced ids (``--array=1,5,6``) are refused;
4. a Kubernetes Indexed Job: ``JOB_COMPLETION_INDEX`` (0 to completions - 1) with the
   count in ``BLENDER_GT_SHARD_COUNT`` (Kubernetes does not give pods the Job's
   ``completions``; the manifest sets the variable to the same number). An index
   without a count is refused: every pod would render every frame.

Otherwise no shard: every frame. Nothing here imports ``bpy``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from .frames import normalise_shard, parse_shard

__all__ = ["COUNT_VAR", "SHARD_VAR", "ShardChoice", "choose_shard", "shard_from_environment"]

SHARD_VAR = "BLENDER_GT_SHARD"  # "I/N"
COUNT_VAR = "BLENDER_GT_SHARD_COUNT"  # N, with a task index from Slurm or Kubernetes


@dataclass(frozen=True)
class ShardChoice:
    """A shard and where it came from.

    ``shard`` is ``(i, n)`` or ``None`` (every frame); ``source`` says where it came
    from in a few words with the variables read, e.g. ``"Slurm array task
    (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MIN=0, ...)"``, ``"--shard"`` or
    ``"none"``; ``from_environment`` is true when a variable decided it.
    """

    shard: tuple[int, int] | None
    source: str
    from_environment: bool = False

    def describe(self) -> str:
        """``"shard 1/3 from Slurm array task (...)"`` or ``"no shard (...)"``."""
        if self.shard is None:
            return f"no shard: every frame ({self.source})"
        return f"shard {self.shard[0]}/{self.shard[1]} from {self.source}"


def _int(env: Mapping[str, str], name: str) -> int | None:
    text = env.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise ValueError(f"{name}={text!r} is not a whole number") from None


def _read(env: Mapping[str, str], names: tuple[str, ...]) -> str:
    return ", ".join(f"{n}={env[n].strip()}" for n in names if env.get(n, "").strip())


def _checked(index: int, count: int, source: str) -> tuple[int, int]:
    if count < 1 or not 0 <= index < count:
        raise ValueError(f"the shard from {source} is {index}/{count}: the index must be "
                         f"0 to {count - 1}; pass --shard I/N to choose")
    return index, count


def _slurm(env: Mapping[str, str]) -> ShardChoice | None:
    task = _int(env, "SLURM_ARRAY_TASK_ID")
    if task is None:
        return None
    names = ("SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
             "SLURM_ARRAY_TASK_STEP", "SLURM_ARRAY_TASK_COUNT", COUNT_VAR)
    source = f"Slurm array task ({_read(env, names)})"
    given = _int(env, COUNT_VAR)
    if given is not None:
        return ShardChoice(_checked(task, given, source), source, True)
    low, high = _int(env, "SLURM_ARRAY_TASK_MIN"), _int(env, "SLURM_ARRAY_TASK_MAX")
    step, count = _int(env, "SLURM_ARRAY_TASK_STEP") or 1, _int(env, "SLURM_ARRAY_TASK_COUNT")
    if low is None or high is None:
        if count is None:
            raise ValueError(f"{source}: no SLURM_ARRAY_TASK_COUNT or _MIN/_MAX to tell the "
                             f"number of tasks; set {COUNT_VAR} or pass --shard I/N")
        return ShardChoice(_checked(task, count, source), source, True)
    span = high - low
    if step < 1 or span % step or (count is not None and span // step + 1 != count):
        raise ValueError(f"{source}: the array's task ids are not evenly spaced, so the "
                         f"share of each task is unknown; set {COUNT_VAR} (the index is then "
                         "the task id) or pass --shard I/N")
    if (task - low) % step:
        raise ValueError(f"{source}: task id {task} is not on the array's step")
    return ShardChoice(_checked((task - low) // step, span // step + 1, source), source, True)


def _kubernetes(env: Mapping[str, str]) -> ShardChoice | None:
    index = _int(env, "JOB_COMPLETION_INDEX")
    if index is None:
        return None
    source = f"Kubernetes Indexed Job ({_read(env, ('JOB_COMPLETION_INDEX', COUNT_VAR))})"
    count = _int(env, COUNT_VAR)
    if count is None:
        raise ValueError(f"{source}: no shard count; set {COUNT_VAR} to the Job's "
                         "completions in the manifest (Kubernetes does not tell pods), or "
                         "pass --shard I/N")
    return ShardChoice(_checked(index, count, source), source, True)


def shard_from_environment(env: Mapping[str, str] | None = None) -> ShardChoice:
    """The shard the environment asks for (module docstring: the order), or none.

    Parameters:
        env: the variables to read (default ``os.environ``).

    Raises:
        ValueError: a variable that is set but cannot give a shard (not a number, an
            index out of range, unevenly spaced Slurm ids, a Kubernetes index without
            a count); the message is one line naming the variables.
    """
    env = os.environ if env is None else env
    text = env.get(SHARD_VAR, "").strip()
    if text:
        source = f"{SHARD_VAR}={text}"
        try:
            return ShardChoice(parse_shard(text), source, True)
        except ValueError as exc:
            raise ValueError(f"{source}: {exc}") from None
    for reader in (_slurm, _kubernetes):
        choice = reader(env)
        if choice is not None:
            return choice
    if env.get(COUNT_VAR, "").strip():
        return ShardChoice(None, f"none: {COUNT_VAR} is set but no task index is "
                           "(SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX)")
    return ShardChoice(None, "none: not an array task")


def choose_shard(explicit: tuple[int, int] | str | None,
                 env: Mapping[str, str] | None = None) -> ShardChoice:
    """``explicit`` when given (it wins), else :func:`shard_from_environment`.

    Raises:
        ValueError: a bad explicit shard, or a bad one in the environment.
    """
    if explicit is not None:
        return ShardChoice(normalise_shard(explicit), "--shard")
    return shard_from_environment(env)
