# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A picture of a frame's keypoints: the skeleton and each keypoint's flag, over the
image (or the instance ids when there is no image). No ``bpy``; Pillow draws.

Each keypoint is a dot at its ``uv`` (pixel centres at integer coordinates, so pixel
(col, row) of the render covers ``[col, col + 1) * scale`` of the picture and ``uv``
lands at ``(uv + 0.5) * scale``), coloured by its flag (:data:`FLAG_COLOURS`: green, red,
magenta): filled for visible, a ring edged in black for occluded by another object or
by its own body; keypoints out of view are not drawn. The skeleton is drawn as
light grey lines between keypoints both in the image.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from . import colour

__all__ = ["FLAG_COLOURS", "draw_keypoints", "keypoint_picture", "save_keypoint_preview"]

FLAG_COLOURS = {"visible": (0, 255, 0), "occluded_other": (255, 40, 40),
                "occluded_self": (255, 0, 255)}
_SKELETON = (245, 245, 245)
MIN_WIDTH = 320  # px: small renders are enlarged by a whole factor to at least this


def _flag(located, k: int) -> str | None:
    if not located.in_image[k]:
        return None
    if located.occluded_other[k]:
        return "occluded_other"
    if located.occluded_self[k]:
        return "occluded_self"
    return "visible"


def draw_keypoints(picture, found: dict, scale_x: float, scale_y: float) -> None:
    """Draw the keypoint sets ``found`` (``gt.keypoints``) on the PIL ``picture``, the
    render enlarged ``scale_x`` x ``scale_y`` times."""
    from PIL import ImageDraw

    draw = ImageDraw.Draw(picture)
    radius = max(3.0, min(scale_x, scale_y) * 0.6, picture.width / 100)
    line = max(1, round(radius / 2))

    def at(uv) -> tuple[float, float]:
        return ((uv[0] + 0.5) * scale_x, (uv[1] + 0.5) * scale_y)

    for located in found.values():
        for a, b in located.skeleton.tolist():
            if located.in_image[a] and located.in_image[b]:
                draw.line((*at(located.uv[a]), *at(located.uv[b])), fill=_SKELETON,
                          width=line)
    for located in found.values():
        for k in range(len(located.names)):
            flag = _flag(located, k)
            if flag is None or not np.isfinite(located.uv[k]).all():
                continue
            x, y = at(located.uv[k])
            box = (x - radius, y - radius, x + radius, y + radius)
            paint = FLAG_COLOURS[flag]
            if flag == "visible":
                draw.ellipse(box, fill=paint, outline=(0, 0, 0))
            else:  # a ring, edged in black so it reads on any colour
                width = max(1, math.ceil(radius / 2.5))
                outer = (box[0] - 1, box[1] - 1, box[2] + 1, box[3] + 1)
                draw.ellipse(outer, outline=(0, 0, 0), width=width + 2)
                draw.ellipse(box, outline=paint, width=width)


def keypoint_picture(frame, min_width: int = MIN_WIDTH) -> np.ndarray:
    """(H * s, W * s, 3) uint8: ``frame``'s image (else its instance ids, else grey)
    enlarged by the whole factor ``s`` that makes it at least ``min_width`` wide, with
    its keypoints drawn."""
    from PIL import Image

    if "image" in frame.passes:
        base = colour.to_uint8(colour.display(frame.image))
    elif "cryptomatte_object" in frame.passes:
        ids = frame.instance_id
        base = colour.ids_to_rgb(ids, tuple(np.unique(ids).tolist()))
    else:
        base = np.full((frame.height, frame.width, 3), 96, np.uint8)
    factor = max(1, math.ceil(min_width / frame.width))
    picture = Image.fromarray(np.ascontiguousarray(base), "RGB")
    picture = picture.resize((frame.width * factor, frame.height * factor),
                             Image.Resampling.NEAREST)
    draw_keypoints(picture, frame.keypoints, factor, factor)
    return np.asarray(picture)


def save_keypoint_preview(frame, path: str | Path, min_width: int = MIN_WIDTH) -> Path:
    """Write :func:`keypoint_picture` of ``frame`` as a PNG at ``path``; returns it."""
    from PIL import Image

    path = Path(path)
    Image.fromarray(keypoint_picture(frame, min_width), "RGB").save(path)
    return path
