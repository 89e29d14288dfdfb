# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``kitti-depth``: one 16-bit grey PNG a frame in the KITTI convention.

``round(depth * 256)`` with depth planar in scene units; 0 = no data (nothing hit,
farther than 255.996 scene units, or nearer than 1/512). Within 1/512 scene units.
Needs Pillow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..reader import GroundTruthFrame
from .common import Options, write_png16
from .images import depth_png16

KITTI_SCALE = 256.0


def kitti_depth(depth: np.ndarray) -> tuple[np.ndarray, int]:
    """Depth -> KITTI uint16 (depth x 256, 0 = no data); and how many surface pixels
    could not be stored (too far or too near). :func:`.images.depth_png16` at 256
    steps per scene unit."""
    return depth_png16(depth, KITTI_SCALE)


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write the depth of ``frame`` to ``path`` (a PNG); notes the pixels lost."""
    stored, lost = kitti_depth(frame.depth)
    write_png16(path, stored)
    return {"depth pixels out of KITTI's range (written as 0)": lost} if lost else {}
