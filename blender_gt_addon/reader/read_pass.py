# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
""":func:`read_pass`: single-pass EXRs, as File Output nodes wired by hand write them.
No ``bpy``.
"""

from __future__ import annotations

import os

import numpy as np

from ..conventions import unit_normals
from .errors import GroundTruthError
from .frame import GroundTruthFrame
from .layouts import SINGLE_PASS_CHANNELS, SINGLE_PASS_LAYER, planes_to_array

__all__ = ["read_pass"]


def read_pass(path: str | os.PathLike[str], kind: str) -> np.ndarray:
    """Read a single-layer EXR holding one pass, as a File Output node wired by hand writes it.

    ``kind`` is ``"depth"``, ``"normal"``, ``"vector"``, ``"index"``, ``"emission"``
    or ``"image"``. The array follows the same conventions as :class:`GroundTruthFrame`:
    depth (H, W) float32 with ``inf`` where nothing was hit (Blender writes the value
    in R, G and B, or in V on 4.2); normal (H, W, 3) unit length; vector (H, W, 4) raw
    Vector pass (Blender 4.2 drops W from such files: it comes back as NaN); index
    (H, W) int32; emission (H, W, 3); image (H, W, 4).

    Raises:
        GroundTruthError: missing or damaged file, unknown kind, or no matching channels.
    """
    if kind not in SINGLE_PASS_CHANNELS:
        raise GroundTruthError(f"{path}: unknown pass kind {kind!r}; kinds: "
                               f"{', '.join(SINGLE_PASS_CHANNELS)}")
    frame = GroundTruthFrame(path)
    pixels = frame._decoded()
    for option in SINGLE_PASS_CHANNELS[kind]:
        if all(c in pixels for c in option):
            planes = [pixels[c] for c in option]
            break
    else:
        raise GroundTruthError(f"{frame.path}: no {kind} channels; it has: "
                               f"{', '.join(sorted(pixels))}")
    layer = SINGLE_PASS_LAYER[kind]
    if kind == "vector" and len(planes) == 3:
        planes.append(np.full_like(planes[0], np.nan, dtype=np.float32))
    if kind == "image" and len(planes) == 3:
        planes.append(np.ones_like(planes[0], dtype=np.float32))
    array = planes_to_array(layer, planes)
    return unit_normals(array) if kind == "normal" else array
