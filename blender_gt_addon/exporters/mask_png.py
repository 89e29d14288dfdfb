# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``mask-png``: one 16-bit grey PNG a frame of ids. Exact.

The object index (each pixel the pass index of the object seen, 0 = background), or
with ``ids="instance_id"`` the instance id (every object its own id, from the
Cryptomatte pass; 0 = background). Needs Pillow.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..reader import GroundTruthError, GroundTruthFrame
from ..sequence import frame_array
from .common import Options, write_png16


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write the ids of ``frame`` (``options.ids``) to ``path`` (a PNG).

    Raises:
        GroundTruthError: an id outside 0..65535.
    """
    ids = frame_array(frame, options.ids)
    if ids.min() < 0 or ids.max() > 65535:
        raise GroundTruthError(f"{frame.path}: {options.ids} outside 0..65535")
    write_png16(path, ids.astype(np.uint16))
    return {}
