# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rendering a saved .blend headless: the launcher side, which never imports ``bpy``.

- :mod:`.frames`: frame lists (``"1-240"``), shards (``"0/4"``) and their normaliser.
- :mod:`.environment`: the shard of a Slurm array task or Kubernetes Indexed Job.
- :mod:`.launcher`: :func:`render`, the one call (``blender-gt render``).
- :mod:`.child`: the Blender child process, its event pipe, killing it, its log.
- :mod:`.events`: the child's events followed into a :class:`RenderResult`.
- :mod:`.result`: :class:`RenderResult` and :class:`RenderError`.

What runs inside Blender is :mod:`blender_gt_addon.blender.render_job`.
"""

from __future__ import annotations

from .environment import ShardChoice, choose_shard, shard_from_environment
from .frames import parse_frames, parse_shard, shard_frames
from .launcher import DEFAULT_FRAME_TIMEOUT, render
from .result import RenderError, RenderResult

__all__ = ["DEFAULT_FRAME_TIMEOUT", "RenderError", "RenderResult", "ShardChoice",
           "choose_shard", "parse_frames", "parse_shard", "render", "shard_frames",
           "shard_from_environment"]
