# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A video of a folder of ground-truth frames: a grid of labelled tiles a frame
(``blender-gt video``). No ``bpy`` here. This module is the driver; the tiles are
drawn by :mod:`.tiles` in the colours of :mod:`.colour` and encoded by :mod:`.writers`.

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
  (:func:`.colour.flow_to_color`), the rim = the longest motion in the **whole
  sequence**, so a colour means the same motion in every frame;
- ``depth``: ``viridis_r`` (near = yellow, far = purple) over one range for the
  whole sequence, the 1st to 99th percentile of the finite depths of all frames;
  light grey where nothing was hit;
- ``normal``: world-space normals as RGB = (n + 1) / 2, black background;
- ``object_index``, ``material_index``, ``instance_id``: a colour per id
  (:func:`.colour.id_colors` over the ids of the whole sequence), 0 black.

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

import math
import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import reader
from ..exporters.common import atomic_path, human_bytes, make_folder
from ..reader import GroundTruthError, GroundTruthFrame
from ..sequence import frame_files, imap, progress_bar, quiet_native_stderr
from . import colour, writers
from .tiles import (
    MAX_TILE_WIDTH,
    MIN_TILE_WIDTH,
    TILES,
    Scales,
    draw_frame,
    geometry,
    id_source,
    ids_of,
    tile_keys,
)

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

DEFAULT_LAYOUT = "image+boxes,emission,flow,depth"
FORMATS = tuple(writers.WRITERS)  # the video suffixes
DEPTH_PERCENTILES = (1.0, 99.0)
_SKETCH = 1001  # depth quantiles kept per frame for the sequence's range


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
        text = (f"wrote {self.path}: {self.frames} frame{'s' if self.frames != 1 else ''}, "
                f"{self.width}x{self.height}, {self.fps:g} fps, {human_bytes(self.bytes)} "
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


def _needs(tile: str, frame: GroundTruthFrame) -> list[str]:
    """The passes of ``frame`` that ``tile`` needs (the first missing one decides)."""
    if tile == "image+boxes":
        return ["image", "cryptomatte_object" if id_source(frame) == "instance_id"
                else "object_index"]
    if tile == "occlusion":
        return ["depth", "cryptomatte_object" if id_source(frame) == "instance_id"
                else "object_index"]
    if tile == "keypoints":
        return ["depth", "cryptomatte_object"]
    return [{"flow": "vector", "instance_id": "cryptomatte_object",
             "disparity": "depth"}.get(tile, tile)]


def _check_passes(frames: Sequence[GroundTruthFrame], layout: Sequence[str]) -> None:
    size = (frames[0].width, frames[0].height)
    for frame in frames:
        for tile in layout:
            for need in _needs(tile, frame):
                if need not in frame.passes:
                    has = ", ".join(frame.passes) or "no ground-truth outputs"
                    extra = " or object_index" if tile in ("image+boxes", "occlusion") else ""
                    raise VideoError(f"{frame.path}: the {tile!r} tile needs the {need!r} "
                                     f"output{extra}, which the file lacks (it has: {has})")
            if tile == "disparity" and frame.stereo is None:
                raise VideoError(f"{frame.path}: the 'disparity' tile needs a stereo pair "
                                 "(tick Stereo pair); this file holds one view")
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
        if id_source(frame) == "instance_id":
            known.update(dict.fromkeys(frame.names.values()))
    for name in wanted:
        if name not in known and not (name.isdigit() and int(name) > 0):
            listed = ", ".join(sorted(known)) or "none (no instance_id output; give ids)"
            raise VideoError(f"no object named {name!r} in the files; objects: {listed}")
    return tuple(wanted)


# ---------------------------------------------------------------- first pass: scales


def _id_layers(layout: Sequence[str], frame: GroundTruthFrame) -> set[str]:
    layers = {t for t in layout if t in ("object_index", "material_index", "instance_id")}
    if "image+boxes" in layout or "occlusion" in layout:
        layers.add(id_source(frame))
    return layers


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
        found["flow"] = colour.longest_flow(frame.flow_forward)
    if "disparity" in layout:
        found["disparity"] = float(np.max(frame.disparity, initial=0.0))
    for layer in _id_layers(layout, frame):
        found["ids"][layer] = [int(i) for i in np.unique(ids_of(frame, layer))]
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


def _scales(found: list[dict], layout: Sequence[str]) -> Scales:
    scales = Scales()
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
    disparities = [f["disparity"] for f in found if "disparity" in f]
    if disparities:
        scales.disparity_max = max(max(disparities), 1e-6)
    for f in found:
        for layer, ids in f["ids"].items():
            scales.ids[layer] = tuple(sorted(set(scales.ids.get(layer, ())) | set(ids)))
    return scales


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
    make_folder(out.parent if str(out.parent) else Path("."))
    writer_class = writers.WRITERS[suffix]
    writers.require(suffix)  # the encoder, before any work: a missing package says so now
    geo = geometry(frames[0].width, frames[0].height, len(layout), columns, tile_width)
    paths = [str(p) for _, p in files]

    found = []
    if any(t in layout for t in ("depth", "flow", "disparity", "image+boxes", "object_index",
                                 "material_index", "instance_id")):
        with progress_bar(len(paths), "video: scales", progress) as bar:
            for item in imap(_scan_frame, [(p, layout) for p in paths], jobs):
                found.append(item)
                bar.update()
    scales = _scales(found, layout)

    result = VideoResult(out, len(paths), geo.canvas[0], geo.canvas[1], float(fps), layout,
                         depth_range=scales.depth_range, flow_max=scales.flow_max)
    result.tiles = {key: (*geo.origin(n), geo.tile_w, geo.tile_h)
                    for n, key in enumerate(tile_keys(layout))}
    draw_jobs = [(p, layout, scales, geo, chosen,
                  f"frame {f.frame if f.frame is not None else n}")
                 for (n, _), p, f in zip(files, paths, frames, strict=True)]
    # A temporary name beside the video, renamed when complete, removed on failure.
    with atomic_path(out) as temporary:
        writer = writer_class(temporary, float(fps), geo.canvas)
        try:
            with progress_bar(len(paths), "video", progress) as bar:
                for i, picture in enumerate(imap(draw_frame, draw_jobs, jobs)):
                    if on_frame is not None:
                        on_frame(i, picture)
                    writer.append(picture)
                    bar.update()
            writer.close()
        except BaseException:
            writer.abort()
            raise
    result.bytes = out.stat().st_size
    result.seconds = time.perf_counter() - started
    return result
