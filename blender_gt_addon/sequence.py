# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Folders of ground-truth frames (a thin re-export; the code is in
:mod:`blender_gt_addon.reader`). No ``bpy`` here, and no ``torch``.

>>> from blender_gt_addon.sequence import open_sequence
>>> seq = open_sequence("groundtruth/")              # doctest: +SKIP
>>> first, second, flow = seq.pair(0)                # doctest: +SKIP

- :func:`open_sequence`, :class:`GroundTruthSequence`, :func:`frame_files`,
  :class:`FlowPair`: ``reader/sequence.py``.
- :class:`GroundTruthDataset`, :func:`frame_array`, :func:`frame_layers`,
  :func:`forward_flow` (of a frame), ``DERIVED``: ``reader/dataset.py``.
- :func:`imap`, :func:`parallel_map`, :func:`progress_bar`,
  :func:`quiet_native_stderr`, :func:`default_jobs`: ``reader/parallel.py``.
"""

from __future__ import annotations

from .reader.dataset import DERIVED, GroundTruthDataset, forward_flow, frame_array, frame_layers
from .reader.parallel import (
    default_jobs,
    imap,
    parallel_map,
    progress_bar,
    quiet_native_stderr,
)
from .reader.sequence import FlowPair, GroundTruthSequence, frame_files, open_sequence

__all__ = [
    "DERIVED",
    "FlowPair",
    "GroundTruthDataset",
    "GroundTruthSequence",
    "default_jobs",
    "forward_flow",
    "frame_array",
    "frame_files",
    "frame_layers",
    "imap",
    "open_sequence",
    "parallel_map",
    "progress_bar",
    "quiet_native_stderr",
]
