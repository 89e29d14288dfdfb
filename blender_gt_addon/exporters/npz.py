# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``npz``: one compressed ``.npz`` a frame. Exact.

Every array of :func:`.common.layers_of` (each layer as the reader returns it, forward
``flow`` (H, W, 2) float32 pixels x right y down, ``instance_id``, ``instance_names``,
``K``, ``world_to_camera``), ``frame`` (int64, -1 when the file does not say) and, when
the frame records keypoints, the ``keypoint_*`` arrays of
:func:`blender_gt_addon.reader.keypoints.keypoint_arrays`.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..reader import GroundTruthFrame
from ..reader.keypoints import keypoint_arrays
from .common import Options, frame_number, layers_of


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write ``frame`` to ``path`` (which ends in ``.npz``)."""
    np.savez_compressed(path, frame=np.int64(frame_number(frame)), **layers_of(frame),
                        **keypoint_arrays(frame))
    return {}
