# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the track formats' writers share (:mod:`.tapvid`, :mod:`.tapvid3d`,
:mod:`.pointodyssey`): which points a format without a validity flag keeps, and the
video of the sequence. No ``bpy``. Its own module so that the writers and the table
in :mod:`.formats` import in one direction only.
"""

from __future__ import annotations

import io

import numpy as np

from ..exporters.images import image_8bit
from .points import Tracks

__all__ = ["JPEG_QUALITY", "complete", "jpeg", "picture", "video"]

JPEG_QUALITY = 95


def complete(tracks: Tracks) -> np.ndarray:
    """(N,) bool: the points valid in every frame (formats without a validity flag keep
    only these)."""
    return tracks.valid.all(axis=0)


def picture(frame) -> np.ndarray:
    """(H, W, 3) uint8 sRGB of one frame's image (premultiplied: over black)."""
    return image_8bit(np.asarray(frame.image)[..., :3])


def video(frames, count: int) -> np.ndarray:
    """(T, H, W, 3) uint8 sRGB of the sequence's first ``count`` images
    (premultiplied: over black)."""
    return np.stack([picture(frames[t]) for t in range(count)])


def jpeg(picture: np.ndarray, quality: int = JPEG_QUALITY) -> bytes:
    """The JPEG file (baseline, 4:2:0, Pillow's encoder; needs Pillow) of an
    (H, W, 3) uint8 picture."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(picture)).save(buffer, format="JPEG",
                                                        quality=quality)
    return buffer.getvalue()
