# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless batch rendering (``blender-gt render``): the names of its first home.

The launcher (frames, shards, the child process, its events) lives in
:mod:`blender_gt_addon.render`, and the job that runs inside Blender in
:mod:`blender_gt_addon.blender.render_job`. This module keeps ``batch.render``,
``batch.RenderError``, ``batch.parse_frames`` and the rest importable from here, as
the README shows; importing it imports no ``bpy``.
"""

from __future__ import annotations

from .blender.render_job import render_job
from .render import (
    DEFAULT_FRAME_TIMEOUT,
    RenderError,
    RenderResult,
    parse_frames,
    parse_shard,
    render,
    shard_frames,
)

__all__ = ["DEFAULT_FRAME_TIMEOUT", "RenderError", "RenderResult", "parse_frames",
           "parse_shard", "render", "render_job", "shard_frames"]
