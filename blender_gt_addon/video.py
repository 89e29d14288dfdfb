# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The video of a folder of frames (``blender-gt video``), kept importable here: the
code is in :mod:`blender_gt_addon.pictures.video` (the driver), ``pictures.tiles``
(drawing), ``pictures.writers`` (MP4, GIF) and ``pictures.colour``. No ``bpy`` here.

>>> from blender_gt_addon import video
>>> video.make_video("groundtruth", "gt.mp4", layout="image+boxes,emission,flow,depth",
...                  fps=24)                                   # doctest: +SKIP
<VideoResult gt.mp4: 4 frames 642x524 24 fps>
"""

from __future__ import annotations

from .pictures.video import (
    DEFAULT_LAYOUT,
    DEPTH_PERCENTILES,
    FORMATS,
    MAX_TILE_WIDTH,
    MIN_TILE_WIDTH,
    TILES,
    VideoError,
    VideoResult,
    make_video,
    parse_layout,
)

__all__ = [
    "DEFAULT_LAYOUT",
    "DEPTH_PERCENTILES",
    "FORMATS",
    "MAX_TILE_WIDTH",
    "MIN_TILE_WIDTH",
    "TILES",
    "VideoError",
    "VideoResult",
    "make_video",
    "parse_layout",
]
