# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tiles of a video frame (:mod:`.video`): what each tile shows, where it goes,
and drawing one video frame (pictures, boxes and names, label bars with scales).
No ``bpy`` here; Pillow is imported when drawing, the colours come from
:mod:`.colour`.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from . import colour

__all__ = [
    "MAX_TILE_WIDTH",
    "MIN_TILE_WIDTH",
    "TILES",
    "Geometry",
    "Scales",
    "draw_frame",
    "geometry",
    "id_source",
    "ids_of",
    "tile_keys",
]

TILES: dict[str, str] = {
    "image": "the beauty image (clipped to 0..1, gamma 1/2.2)",
    "image+boxes": "the image with each object's 2D box and name",
    "crisp_image": "the crisp image of a motion-blurred render: no blur, the data's "
                   "instant (clipped to 0..1, gamma 1/2.2)",
    "emission": "emitted light (clipped to 0..1, gamma 1/2.2)",
    "flow": "forward flow on the Middlebury colour wheel, one scale for the sequence",
    "depth": "depth, one colour range (1st-99th percentile) for the sequence",
    "disparity": "a stereo view's disparity (fx B / Z), 0 to the sequence's largest on "
                 "the depth colours (near yellow)",
    "normal": "world-space normals, RGB = (n + 1) / 2",
    "object_index": "the objects' pass index, a colour per id",
    "material_index": "the materials' pass index, a colour per id",
    "instance_id": "one id per object (Cryptomatte), a colour per id",
    "occlusion": "occlusion boundaries: near side white, far side red, over the ids",
    "keypoints": "keypoints and skeleton over the image (or ids): green visible, red "
                 "hidden by another object, magenta by its own body",
}
MIN_TILE_WIDTH = 320  # px: smaller renders are enlarged by a whole factor to this
MAX_TILE_WIDTH = 960  # px: larger renders are reduced to this

_TITLES = {"image": "image", "image+boxes": "image + boxes", "crisp_image": "crisp image",
           "emission": "emission",
           "flow": "flow (forward)", "depth": "depth", "disparity": "disparity",
           "normal": "normal (world)",
           "object_index": "object index", "material_index": "material index",
           "instance_id": "instance id", "occlusion": "occlusion boundaries",
           "keypoints": "keypoints"}

_BACKGROUND = (24, 24, 24)       # between tiles and behind the labels
_TEXT = (236, 236, 236)
_GAP = 2


def id_source(frame: GroundTruthFrame) -> str:
    """Where boxes take their ids from: instance ids (with names) when the file has them."""
    return "instance_id" if "cryptomatte_object" in frame.passes else "object_index"


def ids_of(frame: GroundTruthFrame, layer: str) -> np.ndarray:
    """The ids of ``layer`` of ``frame``, (H, W); ``instance_id`` from Cryptomatte."""
    return frame.instance_id if layer == "instance_id" else frame.get(layer)


@dataclass
class Scales:
    """The scales fixed for the whole sequence (first pass of :func:`.video.make_video`):
    depth drawn yellow..purple, flow drawn at the rim, and the ids of each id layer."""

    depth_range: tuple[float, float] | None = None
    flow_max: float | None = None
    disparity_max: float | None = None
    ids: dict[str, tuple[int, ...]] = field(default_factory=dict)  # id source -> ids


# --------------------------------------------------------------------- geometry


def _grid(n: int, columns: int | None) -> tuple[int, int]:
    if columns is None:
        columns = n if n <= 3 else math.ceil(math.sqrt(n))
    columns = max(1, min(columns, n))
    return columns, math.ceil(n / columns)


@dataclass(frozen=True)
class Geometry:
    """Where everything goes in a video frame."""

    width: int              # the render's size
    height: int
    tile_w: int             # a tile's picture
    tile_h: int
    label_h: int
    font_size: int
    columns: int
    rows: int
    canvas: tuple[int, int]  # the video frame, even

    def origin(self, n: int) -> tuple[int, int]:
        """Top-left corner of tile ``n``'s picture (below its label bar)."""
        row, col = divmod(n, self.columns)
        return (col * (self.tile_w + _GAP),
                row * (self.label_h + self.tile_h + _GAP) + self.label_h)


def geometry(width: int, height: int, n: int, columns: int | None,
             tile_width: int | None) -> Geometry:
    """The layout of ``n`` tiles of a ``width`` x ``height`` px render, ``columns`` a
    row (default about a square grid), pictures ``tile_width`` px wide (default the
    render's width enlarged by a whole factor to :data:`MIN_TILE_WIDTH`, or reduced
    to :data:`MAX_TILE_WIDTH`)."""
    if tile_width is None:
        if width < MIN_TILE_WIDTH:
            tile_width = width * math.ceil(MIN_TILE_WIDTH / width)  # whole factor: crisp
        else:
            tile_width = min(width, MAX_TILE_WIDTH)
    tile_w = max(1, int(tile_width))
    tile_h = max(1, round(height * tile_w / width))
    font_size = int(min(max(round(tile_w / 24), 12), 22))
    label_h = round(font_size * 1.6)
    cols, rows = _grid(n, columns)
    w = cols * tile_w + (cols - 1) * _GAP
    h = rows * (label_h + tile_h) + (rows - 1) * _GAP
    return Geometry(width, height, tile_w, tile_h, label_h, font_size, cols, rows,
                    (w + w % 2, h + h % 2))


def tile_keys(layout: Sequence[str]) -> list[str]:
    """The layout's tile names, a repeated name numbered: ``depth``, ``depth#2``."""
    seen: dict[str, int] = {}
    keys = []
    for name in layout:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


# ---------------------------------------------------------------------- drawing


@functools.lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


def _picture(frame: GroundTruthFrame, tile: str, scales: Scales) -> np.ndarray:
    """(H, W, 3) uint8 of one tile at the render's size."""
    if tile in ("image", "image+boxes") or (tile == "keypoints" and "image" in frame.passes):
        return colour.to_uint8(colour.display(frame.image))
    if tile == "keypoints":
        tile = "instance_id"
    if tile in ("emission", "crisp_image"):
        return colour.to_uint8(colour.display(frame.get(tile)))
    if tile == "flow":
        return colour.flow_to_color(frame.flow_forward, max_magnitude=scales.flow_max or 0.0)
    if tile == "depth":
        return colour.depth_to_rgb(frame.depth, scales.depth_range or (0.0, 1.0))
    if tile == "disparity":  # large disparity is near: drawn like a near depth
        disparity = np.where(frame.disparity > 0, frame.disparity, np.nan)
        return colour.depth_to_rgb(disparity, (scales.disparity_max or 1.0, 0.0))
    if tile == "normal":
        return colour.to_uint8(colour.normals_to_rgb(frame.normal))
    if tile == "occlusion":
        source = id_source(frame)
        found = frame.occlusion_boundaries(source=source)
        return colour.occlusion_to_rgb(found.occluder, found.occluded, found.instance_id,
                                       scales.ids.get(source, ()))
    return colour.ids_to_rgb(ids_of(frame, tile), scales.ids.get(tile, ()))


def _resize(picture: np.ndarray, geo: Geometry, crisp: bool):
    from PIL import Image

    image = Image.fromarray(picture, "RGB")
    if image.size == (geo.tile_w, geo.tile_h):
        return image
    enlarge = geo.tile_w >= geo.width
    method = Image.Resampling.NEAREST if enlarge or crisp else Image.Resampling.BOX
    return image.resize((geo.tile_w, geo.tile_h), method)


def _ink(rgb: tuple[int, int, int]) -> tuple[int, int, int]:
    """Black or white text, whichever reads better on ``rgb``."""
    luma = 0.299 * rgb[0] + 0.587 * rgb[1] + 0.114 * rgb[2]
    return (0, 0, 0) if luma > 140 else (255, 255, 255)


def _draw_boxes(tile, frame: GroundTruthFrame, geo: Geometry, scales: Scales,
                objects: tuple[str, ...] | None) -> None:
    from PIL import ImageDraw

    source = id_source(frame)
    boxes = frame.boxes(source)
    if objects is not None:
        boxes = [b for b in boxes if b.name in objects or str(b.id) in objects]
    palette = colour.id_palette(tuple(sorted(set(scales.ids.get(source, ()))
                                             | {b.id for b in boxes} | {0})))
    sx, sy = geo.tile_w / geo.width, geo.tile_h / geo.height
    line = max(1, round(geo.tile_w / 160))
    font = _font(max(10, geo.font_size - 2))
    draw = ImageDraw.Draw(tile)
    # Large boxes first, so the labels of small ones stay on top.
    boxes = sorted(boxes, key=lambda b: -(b.x_max - b.x_min) * (b.y_max - b.y_min))
    for box in boxes:
        paint = palette[box.id]
        x0, y0 = round(box.x_min * sx), round(box.y_min * sy)
        x1, y1 = round(box.x_max * sx) - 1, round(box.y_max * sy) - 1
        draw.rectangle((x0, y0, x1, y1), outline=paint, width=line)
    placed: list[tuple[int, int, int, int]] = []
    for box in reversed(boxes):  # small boxes choose their label's place first
        paint = palette[box.id]
        x0, y0 = round(box.x_min * sx), round(box.y_min * sy)
        x1, y1 = round(box.x_max * sx) - 1, round(box.y_max * sy) - 1
        text = box.name if box.name else f"id {box.id}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        w, h = right - left + 4, bottom - top + 3
        lx, ly = _label_place((x0, y0, x1, y1), w, h, line, geo, placed)
        placed.append((lx, ly, lx + w, ly + h))
        draw.rectangle((lx, ly, lx + w - 1, ly + h - 1), fill=paint)
        draw.text((lx + 2 - left, ly + 1 - top), text, fill=_ink(paint), font=font)


def _label_place(box: tuple[int, int, int, int], w: int, h: int, line: int, geo: Geometry,
                 placed: list[tuple[int, int, int, int]]) -> tuple[int, int]:
    """Where a box's name goes: above its top-left corner, else the first of a few other
    corners that overlaps no label placed so far (else the one that overlaps least)."""
    x0, y0, x1, y1 = box
    candidates = [(x0, y0 - h), (x0 + line, y0 + line), (x0, y1 + 1), (x1 + 1 - w, y0 - h),
                  (x1 + 1 - w, y1 + 1), (x0 + line, y1 - line - h + 1)]
    best, best_overlap = None, None
    for cx, cy in candidates:
        cx = min(max(cx, 0), max(geo.tile_w - w, 0))
        if cy < 0 or cy + h > geo.tile_h:
            continue
        overlap = sum(max(0, min(cx + w, r[2]) - max(cx, r[0]))
                      * max(0, min(cy + h, r[3]) - max(cy, r[1])) for r in placed)
        if overlap == 0:
            return cx, cy
        if best_overlap is None or overlap < best_overlap:
            best, best_overlap = (cx, cy), overlap
    if best is None:  # a box as tall as the tile: inside, at the top
        return min(max(x0 + line, 0), max(geo.tile_w - w, 0)), min(max(y0 + line, 0),
                                                                  max(geo.tile_h - h, 0))
    return best


@functools.lru_cache(maxsize=4)
def _wheel(size: int):
    """The flow colour wheel as a small RGBA picture, rim = the sequence's longest flow."""
    from PIL import Image

    return Image.fromarray(np.array(colour.flow_wheel(size)), "RGBA")


def _draw_label(canvas, n: int, tile: str, geo: Geometry, scales: Scales, frame_text: str,
                objects: tuple[str, ...] | None, note: str = "") -> None:
    from PIL import Image, ImageDraw

    draw = ImageDraw.Draw(canvas)
    font = _font(geo.font_size)
    x, y = geo.origin(n)
    top = y - geo.label_h
    right = x + geo.tile_w - 4
    mid = top + geo.label_h / 2

    def text_at(xx: float, text: str, anchor: str) -> float:
        """Draw ``text`` with its left ("lm") or right ("rm") end at xx; return its width."""
        draw.text((xx, mid), text, fill=_TEXT, font=font, anchor=anchor)
        return draw.textlength(text, font=font)

    title = _TITLES[tile]
    if tile == "image+boxes" and objects:
        title = "image + box" + ("es" if len(objects) > 1 else "") + ": " + ", ".join(objects)
    if n == 0 and frame_text:
        right -= text_at(right, frame_text, "rm") + 10
    if note:
        right -= text_at(right, note, "rm") + 10
    if tile == "flow" and scales.flow_max is not None:
        size = geo.label_h - 4
        canvas.paste(_wheel(size), (right - size, top + 2), _wheel(size))
        right -= size + 4
        right -= text_at(right, f"rim {scales.flow_max:.3g} px", "rm") + 10
    if tile == "disparity" and scales.disparity_max is not None:
        right -= text_at(right, f"0..{scales.disparity_max:.3g} px", "rm") + 10
    if tile == "depth" and scales.depth_range is not None:
        near, far = scales.depth_range
        right -= text_at(right, f"{far:.3g} m", "rm") + 4
        bar_w = max(24, geo.tile_w // 6)
        bar_h = max(6, geo.label_h // 2)
        bar = np.repeat(colour.depth_lut()[None, :, :], bar_h, axis=0)
        bar_image = Image.fromarray(bar, "RGB").resize((bar_w, bar_h), Image.Resampling.BILINEAR)
        canvas.paste(bar_image, (int(right - bar_w), int(mid - bar_h / 2)))
        right -= bar_w + 4
        right -= text_at(right, f"{near:.3g}", "rm") + 10
    # The title, cut to the room left.
    room = right - (x + 4)
    while title and draw.textlength(title, font=font) > room:
        title = title[:-2] + "…" if len(title) > 2 else ""
    if title:
        text_at(x + 4, title, "lm")


def draw_frame(job: tuple) -> np.ndarray:
    """One video frame as (H, W, 3) uint8 (runs in a worker).

    ``job`` is ``(path, layout, scales, geometry, objects, frame_text)``: the frame's
    file, the tile names, the sequence's :class:`Scales`, the :class:`Geometry`, the
    objects whose boxes to draw (``None``: all) and the text at the right of the first
    label bar.
    """
    from PIL import Image

    path, layout, scales, geo, objects, frame_text = job
    frame = reader.read(path)
    canvas = Image.new("RGB", geo.canvas, _BACKGROUND)
    for n, tile in enumerate(layout):
        picture = _picture(frame, tile, scales)
        crisp = tile in ("object_index", "material_index", "instance_id")
        image = _resize(picture, geo, crisp)
        if tile == "image+boxes":
            _draw_boxes(image, frame, geo, scales, objects)
        if tile == "keypoints":
            from .keypoints import draw_keypoints

            draw_keypoints(image, frame.keypoints, geo.tile_w / geo.width,
                           geo.tile_h / geo.height)
        canvas.paste(image, geo.origin(n))
        note = ""
        if tile == "emission":  # how bright, since 0..1 is all the tile shows
            note = f"max {float(np.nanmax(frame.emission, initial=0.0)):.3g}"
        _draw_label(canvas, n, tile, geo, scales, frame_text, objects, note)
    return np.asarray(canvas)

