# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A video of a folder of ground-truth frames: a grid of labelled tiles a frame
(``blender-gt video``). No ``bpy`` here.

>>> from blender_gt_addon import video
>>> video.make_video("groundtruth", "gt.mp4", layout="image+boxes,emission,flow,depth",
...                  fps=24)                                   # doctest: +SKIP
<VideoResult gt.mp4: 4 frames 642x524 24 fps>

Tiles (:data:`TILES`), each under a label bar:

- ``image``: the beauty image, linear RGB clipped to 0..1 and raised to 1/2.2;
- ``image+boxes``: the same with each object's visible 2D box
  (:meth:`reader.GroundTruthFrame.boxes`) and its name; ``objects`` picks which;
- ``emission``: like the image;
- ``flow``: forward flow on the Middlebury colour wheel
  (:func:`preview.flow_to_color`), the rim = the longest motion in the **whole
  sequence**, so a colour means the same motion in every frame;
- ``depth``: ``viridis_r`` (near = yellow, far = purple) over one range for the
  whole sequence, the 1st to 99th percentile of the finite depths of all frames;
  light grey where nothing was hit;
- ``normal``: world-space normals as RGB = (n + 1) / 2, black background;
- ``object_index``, ``material_index``, ``instance_id``: a colour per id
  (:func:`preview.id_colors` over the ids of the whole sequence), 0 black.

Fixed scales need a first pass over the frames (depth range, longest flow, ids); it
keeps a small summary per frame (1001 depth quantiles), never the frames. The second
pass draws each frame and hands it to the encoder at once. Both passes run in a
process pool. Small renders are enlarged by a whole factor with nearest-neighbour
sampling, so tiles are at least :data:`MIN_TILE_WIDTH` pixels wide and the labels
stay readable; larger ones than :data:`MAX_TILE_WIDTH` are reduced. The video's width
and height are even (H.264 with 4:2:0 colour needs that).

MP4 is H.264 through imageio with imageio-ffmpeg, which ships its own ffmpeg
binary (``pip install blender-gt[export]``). GIF is written with Pillow, one 256-colour
palette for all frames (so colours do not flicker), without dithering; a GIF's frames
are kept in memory (three bytes a pixel) until it is written, so use MP4 for long
sequences. GIF times frames in hundredths of a second, 2 at least: its fps is rounded
to that and at most 50.
"""

from __future__ import annotations

import functools
import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import reader
from .reader import GroundTruthError, GroundTruthFrame
from .sequence import frame_files, imap, progress_bar, quiet_native_stderr

__all__ = [
    "DEFAULT_LAYOUT",
    "MAX_TILE_WIDTH",
    "MIN_TILE_WIDTH",
    "TILES",
    "VideoError",
    "VideoResult",
    "make_video",
    "parse_layout",
]

TILES: dict[str, str] = {
    "image": "the beauty image (clipped to 0..1, gamma 1/2.2)",
    "image+boxes": "the image with each object's 2D box and name",
    "emission": "emitted light (clipped to 0..1, gamma 1/2.2)",
    "flow": "forward flow on the Middlebury colour wheel, one scale for the sequence",
    "depth": "depth, one colour range (1st-99th percentile) for the sequence",
    "normal": "world-space normals, RGB = (n + 1) / 2",
    "object_index": "the objects' pass index, a colour per id",
    "material_index": "the materials' pass index, a colour per id",
    "instance_id": "one id per object (Cryptomatte), a colour per id",
}
DEFAULT_LAYOUT = "image+boxes,emission,flow,depth"
FORMATS = (".mp4", ".gif")

MIN_TILE_WIDTH = 320
MAX_TILE_WIDTH = 960
DEPTH_PERCENTILES = (1.0, 99.0)
_SKETCH = 1001  # depth quantiles kept per frame for the sequence's range

_TITLES = {"image": "image", "image+boxes": "image + boxes", "emission": "emission",
           "flow": "flow (forward)", "depth": "depth", "normal": "normal (world)",
           "object_index": "object index", "material_index": "material index",
           "instance_id": "instance id"}

_BACKGROUND = (24, 24, 24)       # between tiles and behind the labels
_TEXT = (236, 236, 236)
_NOTHING_HIT = (200, 200, 200)   # depth where nothing was hit, as in preview
_GAP = 2


class VideoError(GroundTruthError):
    """The video cannot be made as asked (bad layout, output or input)."""


@dataclass
class VideoResult:
    """What :func:`make_video` wrote.

    ``tiles`` maps each tile of the layout (in order; a repeated name gets ``#2``)
    to the ``(x, y, width, height)`` of its picture in every video frame, below its
    label bar. ``depth_range`` and ``flow_max`` are the fixed scales used (``None``
    when no tile needed them).
    """

    path: Path
    frames: int
    width: int
    height: int
    fps: float
    layout: tuple[str, ...]
    tiles: dict[str, tuple[int, int, int, int]] = field(default_factory=dict)
    depth_range: tuple[float, float] | None = None
    flow_max: float | None = None
    bytes: int = 0
    seconds: float = 0.0

    def __repr__(self) -> str:
        return (f"<VideoResult {self.path}: {self.frames} frames {self.width}x{self.height} "
                f"{self.fps:g} fps>")

    def summary(self) -> str:
        from .export import _human_bytes

        text = (f"wrote {self.path}: {self.frames} frame{'s' if self.frames != 1 else ''}, "
                f"{self.width}x{self.height}, {self.fps:g} fps, {_human_bytes(self.bytes)} "
                f"({self.seconds:.1f} s)")
        scales = []
        if self.depth_range is not None:
            scales.append(f"depth {self.depth_range[0]:.3g}..{self.depth_range[1]:.3g}")
        if self.flow_max is not None:
            scales.append(f"flow rim {self.flow_max:.3g} px")
        return text + (f"; {', '.join(scales)}" if scales else "")


# ------------------------------------------------------------------------ layout


def parse_layout(layout: str | Iterable[str]) -> tuple[str, ...]:
    """The tile names of ``layout`` (``"image+boxes,flow"`` or a list), checked."""
    names = layout.split(",") if isinstance(layout, str) else list(layout)
    names = [str(n).strip() for n in names]
    if not names or any(not n for n in names):
        raise VideoError(f"empty tile name in the layout {','.join(names)!r}; tiles: "
                         f"{', '.join(TILES)}")
    for name in names:
        if name not in TILES:
            raise VideoError(f"unknown tile {name!r} in the layout; tiles: {', '.join(TILES)}")
    return tuple(names)


def _id_source(frame: GroundTruthFrame) -> str:
    """Where boxes take their ids from: instance ids (with names) when the file has them."""
    return "instance_id" if "cryptomatte_object" in frame.passes else "object_index"


def _needs(tile: str, frame: GroundTruthFrame) -> list[str]:
    """The passes of ``frame`` that ``tile`` needs (the first missing one decides)."""
    if tile == "image+boxes":
        return ["image", "cryptomatte_object" if _id_source(frame) == "instance_id"
                else "object_index"]
    return [{"flow": "vector", "instance_id": "cryptomatte_object"}.get(tile, tile)]


def _check_passes(frames: Sequence[GroundTruthFrame], layout: Sequence[str]) -> None:
    size = (frames[0].width, frames[0].height)
    for frame in frames:
        for tile in layout:
            for need in _needs(tile, frame):
                if need not in frame.passes:
                    has = ", ".join(frame.passes) or "no ground-truth outputs"
                    extra = " or object_index" if tile == "image+boxes" else ""
                    raise VideoError(f"{frame.path}: the {tile!r} tile needs the {need!r} "
                                     f"output{extra}, which the file lacks (it has: {has})")
        if (frame.width, frame.height) != size:
            raise VideoError(f"{frame.path}: {frame.width}x{frame.height} pixels, but "
                             f"{frames[0].path.name} has {size[0]}x{size[1]}; a video needs "
                             "one size")


def _pick_objects(frames: Sequence[GroundTruthFrame], objects) -> tuple[str, ...] | None:
    """The objects whose boxes to draw, checked against the files' names."""
    if objects is None:
        return None
    wanted = [objects] if isinstance(objects, str) else list(objects)
    wanted = [w.strip() for item in wanted for w in str(item).split(",") if w.strip()]
    if not wanted:
        return None
    known: dict[str, None] = {}
    for frame in frames:
        if _id_source(frame) == "instance_id":
            known.update(dict.fromkeys(frame.names.values()))
    for name in wanted:
        if name not in known and not (name.isdigit() and int(name) > 0):
            listed = ", ".join(sorted(known)) or "none (no instance_id output; give ids)"
            raise VideoError(f"no object named {name!r} in the files; objects: {listed}")
    return tuple(wanted)


def _grid(n: int, columns: int | None) -> tuple[int, int]:
    if columns is None:
        columns = n if n <= 3 else math.ceil(math.sqrt(n))
    columns = max(1, min(columns, n))
    return columns, math.ceil(n / columns)


@dataclass(frozen=True)
class _Geometry:
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


def _geometry(width: int, height: int, n: int, columns: int | None,
              tile_width: int | None) -> _Geometry:
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
    return _Geometry(width, height, tile_w, tile_h, label_h, font_size, cols, rows,
                     (w + w % 2, h + h % 2))


def _tile_keys(layout: Sequence[str]) -> list[str]:
    seen: dict[str, int] = {}
    keys = []
    for name in layout:
        seen[name] = seen.get(name, 0) + 1
        keys.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return keys


# ---------------------------------------------------------------- first pass: scales


@dataclass
class _Scales:
    depth_range: tuple[float, float] | None = None
    flow_max: float | None = None
    ids: dict[str, tuple[int, ...]] = field(default_factory=dict)  # id source -> ids


def _id_layers(layout: Sequence[str], frame: GroundTruthFrame) -> set[str]:
    layers = {t for t in layout if t in ("object_index", "material_index", "instance_id")}
    if "image+boxes" in layout:
        layers.add(_id_source(frame))
    return layers


def _ids_of(frame: GroundTruthFrame, layer: str) -> np.ndarray:
    return frame.instance_id if layer == "instance_id" else frame.get(layer)


def _scan_frame(job: tuple[str, tuple[str, ...]]) -> dict:
    """What one frame adds to the sequence's scales (runs in a worker)."""
    path, layout = job
    frame = reader.read(path)
    found: dict = {"ids": {}}
    if "depth" in layout:
        depth = frame.depth
        finite = depth[np.isfinite(depth)]
        if finite.size:
            found["depth"] = (np.quantile(finite, np.linspace(0, 1, _SKETCH)).astype(
                np.float64), int(finite.size))
    if "flow" in layout:
        flow = frame.flow_forward
        known = np.isfinite(flow).all(axis=-1) & (np.abs(flow) <= 1e9).all(axis=-1)
        length = np.hypot(flow[..., 0], flow[..., 1])[known]
        found["flow"] = float(length.max()) if length.size else 0.0
    for layer in _id_layers(layout, frame):
        found["ids"][layer] = [int(i) for i in np.unique(_ids_of(frame, layer))]
    return found


def _weighted_percentiles(sketches: list[tuple[np.ndarray, int]],
                          percents: Sequence[float]) -> list[float]:
    """Percentiles of all the frames' finite depths from their quantile sketches."""
    values = np.concatenate([q for q, _ in sketches])
    weights = np.concatenate([np.full(len(q), n / len(q)) for q, n in sketches])
    order = np.argsort(values, kind="stable")
    values, weights = values[order], weights[order]
    cumulative = np.cumsum(weights) - weights / 2
    cumulative /= weights.sum()
    return [float(np.interp(p / 100.0, cumulative, values)) for p in percents]


def _scales(found: list[dict], layout: Sequence[str]) -> _Scales:
    scales = _Scales()
    sketches = [f["depth"] for f in found if "depth" in f]
    if "depth" in layout:
        if sketches:
            near, far = _weighted_percentiles(sketches, DEPTH_PERCENTILES)
        else:
            near, far = 0.0, 1.0
        if not far > near:
            far = near + max(abs(near) * 1e-3, 1e-3)
        scales.depth_range = (near, far)
    flows = [f["flow"] for f in found if "flow" in f]
    if flows:
        scales.flow_max = max(flows)
    for f in found:
        for layer, ids in f["ids"].items():
            scales.ids[layer] = tuple(sorted(set(scales.ids.get(layer, ())) | set(ids)))
    return scales


# ------------------------------------------------------------- second pass: drawing


@functools.lru_cache(maxsize=8)
def _font(size: int):
    from PIL import ImageFont

    try:
        return ImageFont.load_default(size=size)
    except (TypeError, OSError, ImportError):  # Pillow without FreeType: the bitmap font
        return ImageFont.load_default()


@functools.lru_cache(maxsize=1)
def _depth_lut() -> np.ndarray:
    import matplotlib

    colours = matplotlib.colormaps["viridis_r"](np.linspace(0, 1, 256))[:, :3]
    return (colours * 255 + 0.5).astype(np.uint8)


@functools.lru_cache(maxsize=16)
def _palette(ids: tuple[int, ...]) -> dict[int, tuple[int, int, int]]:
    from .preview import id_colors

    return {i: tuple(int(c * 255 + 0.5) for c in rgb) for i, rgb in id_colors(ids).items()}


def _display(linear: np.ndarray) -> np.ndarray:
    rgb = np.nan_to_num(np.asarray(linear, dtype=np.float32)[..., :3], nan=0.0)
    return (np.clip(rgb, 0.0, 1.0) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)


def _depth_picture(depth: np.ndarray, depth_range: tuple[float, float]) -> np.ndarray:
    near, far = depth_range
    finite = np.isfinite(depth)
    scaled = np.clip((np.where(finite, depth, near) - near) / (far - near), 0.0, 1.0)
    rgb = _depth_lut()[np.rint(scaled * 255).astype(np.intp)]
    rgb[~finite] = _NOTHING_HIT
    return rgb


def _ids_picture(ids: np.ndarray, known: tuple[int, ...]) -> np.ndarray:
    present = np.unique(ids)
    palette = _palette(tuple(sorted(set(known) | {int(i) for i in present})))
    lut_ids = np.array(sorted(palette), dtype=np.int64)
    lut = np.array([palette[int(i)] for i in lut_ids], dtype=np.uint8)
    return lut[np.searchsorted(lut_ids, ids)]


def _picture(frame: GroundTruthFrame, tile: str, scales: _Scales) -> np.ndarray:
    """(H, W, 3) uint8 of one tile at the render's size."""
    from .preview import flow_to_color

    if tile in ("image", "image+boxes"):
        return _display(frame.image)
    if tile == "emission":
        return _display(frame.emission)
    if tile == "flow":
        return flow_to_color(frame.flow_forward, max_magnitude=scales.flow_max or 0.0)
    if tile == "depth":
        return _depth_picture(frame.depth, scales.depth_range or (0.0, 1.0))
    if tile == "normal":
        n = np.nan_to_num(frame.normal[..., :3])
        rgb = (np.clip((n + 1) / 2, 0, 1) * 255 + 0.5).astype(np.uint8)
        rgb[np.linalg.norm(n, axis=-1) < 1e-6] = 0
        return rgb
    return _ids_picture(_ids_of(frame, tile), scales.ids.get(tile, ()))


def _resize(picture: np.ndarray, geo: _Geometry, crisp: bool):
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


def _draw_boxes(tile, frame: GroundTruthFrame, geo: _Geometry, scales: _Scales,
                objects: tuple[str, ...] | None) -> None:
    from PIL import ImageDraw

    source = _id_source(frame)
    boxes = frame.boxes(source)
    if objects is not None:
        boxes = [b for b in boxes if b.name in objects or str(b.id) in objects]
    palette = _palette(tuple(sorted(set(scales.ids.get(source, ())) | {b.id for b in boxes}
                                    | {0})))
    sx, sy = geo.tile_w / geo.width, geo.tile_h / geo.height
    line = max(1, round(geo.tile_w / 160))
    font = _font(max(10, geo.font_size - 2))
    draw = ImageDraw.Draw(tile)
    # Large boxes first, so the labels of small ones stay on top.
    boxes = sorted(boxes, key=lambda b: -(b.x_max - b.x_min) * (b.y_max - b.y_min))
    for box in boxes:
        colour = palette[box.id]
        x0, y0 = round(box.x_min * sx), round(box.y_min * sy)
        x1, y1 = round(box.x_max * sx) - 1, round(box.y_max * sy) - 1
        draw.rectangle((x0, y0, x1, y1), outline=colour, width=line)
    placed: list[tuple[int, int, int, int]] = []
    for box in reversed(boxes):  # small boxes choose their label's place first
        colour = palette[box.id]
        x0, y0 = round(box.x_min * sx), round(box.y_min * sy)
        x1, y1 = round(box.x_max * sx) - 1, round(box.y_max * sy) - 1
        text = box.name if box.name else f"id {box.id}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        w, h = right - left + 4, bottom - top + 3
        lx, ly = _label_place((x0, y0, x1, y1), w, h, line, geo, placed)
        placed.append((lx, ly, lx + w, ly + h))
        draw.rectangle((lx, ly, lx + w - 1, ly + h - 1), fill=colour)
        draw.text((lx + 2 - left, ly + 1 - top), text, fill=_ink(colour), font=font)


def _label_place(box: tuple[int, int, int, int], w: int, h: int, line: int, geo: _Geometry,
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

    from .preview import flow_to_color

    x = np.linspace(-1, 1, size)
    grid = np.stack(np.meshgrid(x, x), axis=-1)
    rgb = flow_to_color(grid, max_magnitude=1.0)
    alpha = np.where(np.hypot(grid[..., 0], grid[..., 1]) <= 1.0, 255, 0).astype(np.uint8)
    return Image.fromarray(np.dstack([rgb, alpha]), "RGBA")


def _draw_label(canvas, n: int, tile: str, geo: _Geometry, scales: _Scales, frame_text: str,
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
    if tile == "depth" and scales.depth_range is not None:
        near, far = scales.depth_range
        right -= text_at(right, f"{far:.3g} m", "rm") + 4
        bar_w = max(24, geo.tile_w // 6)
        bar_h = max(6, geo.label_h // 2)
        bar = np.repeat(_depth_lut()[None, :, :], bar_h, axis=0)
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


def _draw_frame(job: tuple) -> np.ndarray:
    """One video frame as (H, W, 3) uint8 (runs in a worker)."""
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
        canvas.paste(image, geo.origin(n))
        note = ""
        if tile == "emission":  # how bright, since 0..1 is all the tile shows
            note = f"max {float(np.nanmax(frame.emission, initial=0.0)):.3g}"
        _draw_label(canvas, n, tile, geo, scales, frame_text, objects, note)
    return np.asarray(canvas)


# ------------------------------------------------------------------------ writers


class _Mp4Writer:
    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (the encoder; a clear error when it is missing)

        self._writer = imageio.get_writer(
            str(path), format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=None,
            pixelformat="yuv420p", macro_block_size=2, ffmpeg_log_level="error",
            output_params=["-crf", "18", "-movflags", "+faststart"])

    def append(self, frame: np.ndarray) -> None:
        self._writer.append_data(frame)

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # already failing: the first error is the one to report
            pass


class _GifWriter:
    """Frames kept as RGB, then one shared palette (no dithering) and Pillow's GIF writer."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        from PIL import Image  # noqa: F401  (fail before any work when Pillow is missing)

        self.path, self.fps = path, fps
        self._frames: list[np.ndarray] = []

    def append(self, frame: np.ndarray) -> None:
        self._frames.append(frame)

    def abort(self) -> None:
        self._frames.clear()

    def close(self) -> None:
        from PIL import Image

        frames = self._frames
        # The palette of evenly spread frames, side by side (at most 8).
        pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 8)).round()
                         .astype(int))
        sample = Image.fromarray(np.concatenate([frames[i] for i in pick], axis=0), "RGB")
        palette = sample.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                  dither=Image.Dither.NONE)
        images = []
        while frames:
            images.append(Image.fromarray(frames.pop(0), "RGB").quantize(
                palette=palette, dither=Image.Dither.NONE))
        duration = max(20, round(1000 / self.fps / 10) * 10)  # GIF counts centiseconds
        images[0].save(self.path, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, optimize=False, disposal=1)


# -------------------------------------------------------------------------- main


def make_video(folder: str | os.PathLike[str], out: str | os.PathLike[str], *,
               layout: str | Iterable[str] = DEFAULT_LAYOUT, fps: float = 24.0,
               objects: str | Iterable[str] | None = None, columns: int | None = None,
               tile_width: int | None = None, prefix: str | None = None,
               jobs: int | None = None, progress: bool = False,
               on_frame: Callable[[int, np.ndarray], None] | None = None) -> VideoResult:
    """Write a video of the frames in ``folder``: a grid of labelled tiles a frame.

    Parameters:
        folder: a folder of ground-truth frames (``<prefix><frame>.exr``).
        out: the video, ``.mp4`` (H.264, imageio + imageio-ffmpeg) or ``.gif`` (Pillow);
            its folder is created if needed. Written to a temporary name first, so a
            failed run leaves no half file.
        layout: tile names (:data:`TILES`), a comma-separated string or a list, drawn
            left to right, top to bottom.
        fps: frames a second.
        objects: for ``image+boxes``: the object names (or ids) whose boxes to draw,
            a name, a comma-separated string or a list; default every object.
        columns: tiles a row; default 2 for 4 tiles, else about a square grid (1 row
            up to 3 tiles).
        tile_width: width of a tile's picture in pixels; default the render's width,
            enlarged by a whole factor to at least :data:`MIN_TILE_WIDTH` or reduced
            to :data:`MAX_TILE_WIDTH`.
        prefix: the file-name prefix when the folder holds several.
        jobs: worker processes (default: every core).
        progress: progress bars on stderr (when it is a terminal).
        on_frame: called with (index, frame as (H, W, 3) uint8) for each video frame,
            before it is encoded (e.g. to check or save frames).

    Returns:
        A :class:`VideoResult`.

    Raises:
        GroundTruthError: a bad layout, output or input (a tile needs an output the
            files lack, frames of different sizes, an unknown object); the message
            says which.
    """
    started = time.perf_counter()
    layout = parse_layout(layout)
    out = Path(out)
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise VideoError(f"{out}: the video must end in {' or '.join(FORMATS)}")
    if not fps > 0 or not math.isfinite(fps):
        raise VideoError(f"fps must be more than 0, not {fps}")
    if tile_width is not None and tile_width < 1:
        raise VideoError(f"tile width must be at least 1 pixel, not {tile_width}")
    files = frame_files(folder, prefix)
    with quiet_native_stderr():
        frames = [reader.read(p) for _, p in files]  # headers only: fail early
    _check_passes(frames, layout)
    chosen = _pick_objects(frames, objects)
    if out.is_dir():
        raise VideoError(f"{out}: is a folder; give the video's file name")
    from .export import _make_folder

    _make_folder(out.parent if str(out.parent) else Path("."))
    writer_class = _Mp4Writer if suffix == ".mp4" else _GifWriter
    if suffix == ".mp4":  # the encoder, before any work: a missing package says so now
        import imageio.v2  # noqa: F401
        import imageio_ffmpeg  # noqa: F401
    geo = _geometry(frames[0].width, frames[0].height, len(layout), columns, tile_width)
    paths = [str(p) for _, p in files]

    found = []
    if any(t in layout for t in ("depth", "flow", "image+boxes", "object_index",
                                 "material_index", "instance_id")):
        with progress_bar(len(paths), "video: scales", progress) as bar:
            for item in imap(_scan_frame, [(p, layout) for p in paths], jobs):
                found.append(item)
                bar.update()
    scales = _scales(found, layout)

    result = VideoResult(out, len(paths), geo.canvas[0], geo.canvas[1], float(fps), layout,
                         depth_range=scales.depth_range, flow_max=scales.flow_max)
    result.tiles = {key: (*geo.origin(n), geo.tile_w, geo.tile_h)
                    for n, key in enumerate(_tile_keys(layout))}
    temporary = out.with_name(f".{out.stem}.partial-{os.getpid()}{suffix}")
    writer = writer_class(temporary, float(fps), geo.canvas)
    try:
        draw_jobs = [(p, layout, scales, geo, chosen,
                      f"frame {f.frame if f.frame is not None else n}")
                     for (n, _), p, f in zip(files, paths, frames, strict=True)]
        with progress_bar(len(paths), "video", progress) as bar:
            for i, picture in enumerate(imap(_draw_frame, draw_jobs, jobs)):
                if on_frame is not None:
                    on_frame(i, picture)
                writer.append(picture)
                bar.update()
        writer.close()
        os.replace(temporary, out)
    except BaseException:
        writer.abort()
        raise
    finally:
        if temporary.exists():
            temporary.unlink()
    result.bytes = out.stat().st_size
    result.seconds = time.perf_counter() - started
    return result
