# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``flo``: one Middlebury ``.flo`` a frame holding forward flow. Exact (float32).

Forward flow as :func:`blender_gt_addon.conventions.forward_flow` defines it:
``(dx, dy)`` pixels, x right, image y down. The file: the float32 ``202021.25``
('PIEH'), int32 width and height, then the (H, W, 2) rows, all little-endian.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ..conventions import forward_flow
from ..reader import GroundTruthError, GroundTruthFrame
from .common import Options

FLO_MAGIC = 202021.25  # 'PIEH' as a little-endian float32


def write_flo(path: str | os.PathLike[str], flow: np.ndarray) -> None:
    """Write (H, W, 2) flow as a Middlebury ``.flo`` file (little-endian float32)."""
    flow = np.asarray(flow, dtype="<f4")
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"expected flow of shape (H, W, 2), got {flow.shape}")
    height, width = flow.shape[:2]
    with open(path, "wb") as f:
        f.write(np.array([FLO_MAGIC], "<f4").tobytes())
        f.write(np.array([width, height], "<i4").tobytes())
        f.write(np.ascontiguousarray(flow).tobytes())


def read_flo(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a Middlebury ``.flo`` file into (H, W, 2) float32.

    Raises:
        GroundTruthError: not a ``.flo`` file, or fewer values than it says.
    """
    data = Path(path).read_bytes()
    if len(data) < 12 or np.frombuffer(data[:4], "<f4")[0] != np.float32(FLO_MAGIC):
        raise GroundTruthError(f"{path}: not a Middlebury .flo file")
    width, height = (int(v) for v in np.frombuffer(data[4:12], "<i4"))
    flow = np.frombuffer(data[12:], "<f4")
    if flow.size != width * height * 2:
        raise GroundTruthError(f"{path}: damaged .flo file ({flow.size} values for "
                               f"{width}x{height})")
    return flow.reshape(height, width, 2).astype(np.float32)


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write the forward flow of ``frame`` to ``path``."""
    write_flo(path, forward_flow(frame.vector))
    return {}
