# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pictures of ground truth for people: one PNG with a tile per output. No ``bpy`` here.

>>> from blender_gt_addon import reader
>>> from blender_gt_addon.pictures import preview
>>> preview.save_preview(reader.read("groundtruth/0003.exr"), "preview.png")  # doctest: +SKIP

How each output is drawn (every tile says it in its title or beside it; the colours
are those of :mod:`.colour`):

- image: the linear beauty render, clipped to [0, 1] and raised to 1/2.2 for the
  screen (not Blender's view transform, so colours differ a little from its PNGs);
- depth: colour-mapped (viridis, near = yellow, far = purple) with a colour bar in
  scene units; pixels where no surface was hit (``inf``) are light grey;
- normal: world-space normals as RGB = (n + 1) / 2, so +x is red, +y green, +z blue;
  background (zero normal) is black;
- flow: Blender's Vector pass turned into forward flow
  (:func:`~blender_gt_addon.conventions.forward_flow`), drawn with the Middlebury
  colour wheel (:func:`~.colour.flow_to_color`), normalised by
  the largest motion in the frame, which the title gives in pixels;
- emission: clipped to [0, 1] and raised to 1/2.2, like the image;
- object index, material index: one colour per id, 0 (nothing) black, and a
  legend of the ids present.

Small renders (e.g. 64x48) are enlarged with nearest-neighbour interpolation so
single pixels stay visible. matplotlib is imported only when drawing, so
importing this module needs numpy only.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..conventions import forward_flow
from . import colour
from .colour import COLORWHEEL, flow_to_color, id_colors

__all__ = ["COLORWHEEL", "flow_to_color", "forward_flow", "id_colors", "preview_layers",
           "save_preview"]


def _describe_ids(names: Mapping[int, str] | None, i: int) -> str:
    if i == 0:
        return "0  nothing"
    name = (names or {}).get(i)
    if not name:
        return f"{i}"
    return f"{i}  {name if len(name) <= 14 else name[:13] + '…'}"


_TILE_TITLES = {
    "image": "Image (beauty)",
    "crisp_image": "Crisp image (the data's instant)",
    "depth": "Depth",
    "rolling_depth": "Depth each row saw",
    "normal": "Normal (world space)",
    "vector": "Flow to the next frame",
    "emission": "Emission",
    "object_index": "Object index",
    "material_index": "Material index",
}


def preview_layers(frame: Any) -> list[str]:
    """The layers :func:`save_preview` draws, in order: those of :data:`_TILE_TITLES`
    the frame holds, the crisp image only for a motion-blurred frame and the rows'
    depth only under a rolling shutter (else they are the image and depth again)."""
    shutter = frame.shutter if "crisp_image" in frame.passes or \
        "rolling_depth" in frame.passes else None
    wanted = {"crisp_image": shutter is not None,
              "rolling_depth": shutter is not None and shutter.rolling != "NONE"}
    return [layer for layer in _TILE_TITLES
            if layer in frame.passes and wanted.get(layer, True)]


def save_preview(
    frame: Any,
    out_png: str | os.PathLike[str],
    title: str | None = None,
    *,
    object_names: Mapping[int, str] | None = None,
    material_names: Mapping[int, str] | None = None,
    dpi: int = 100,
) -> Path:
    """Write one PNG showing every output of ``frame``, one titled tile each.

    Parameters:
        frame: a :class:`reader.GroundTruthFrame` (anything with ``passes``,
            ``get(layer)``, ``width``, ``height`` and ``path``).
        out_png: the PNG to write; its folder is created if needed.
        title: the figure's title; default the file name, frame number and size.
        object_names, material_names: optional ``{pass_index: name}`` for the
            legends of the index tiles.
        dpi: pixels per inch of the PNG; tiles are about 3 inches wide.

    Returns:
        The path of the PNG.

    Raises:
        ValueError: the frame holds no outputs.
        reader.GroundTruthError: the file cannot be decoded.
    """
    from matplotlib.figure import Figure

    layers = preview_layers(frame)
    if not layers:
        raise ValueError(f"{frame.path}: holds no ground-truth outputs to preview")
    width, height = int(frame.width), int(frame.height)

    ncols = min(len(layers), 4)
    nrows = math.ceil(len(layers) / ncols)
    # Image width in inches: about one inch per 100 px, within 2.4..3.6 inches;
    # the side column holds colour bars, legends and notes.
    tile_w = min(max(width / 100, 2.4), 3.6)
    tile_h = tile_w * height / width
    side_w = 1.25
    fig = Figure(
        figsize=(ncols * (tile_w + side_w) + 0.3, nrows * (tile_h + 0.55) + 0.55),
        dpi=dpi,
        layout="constrained",
    )
    grid = fig.add_gridspec(nrows, 2 * ncols, width_ratios=[tile_w, side_w] * ncols)
    if title is None:
        number = "" if frame.frame is None else f"frame {frame.frame}, "
        title = f"{Path(frame.path).name}: {number}{width}x{height} px"
    fig.suptitle(title, fontsize=12, fontweight="bold")

    # Nearest when enlarging (every pixel a crisp square); smooth when shrinking.
    smooth = "nearest" if tile_w * dpi >= width else "antialiased"
    for n, layer in enumerate(layers):
        row, col = divmod(n, ncols)
        ax = fig.add_subplot(grid[row, 2 * col])
        side = fig.add_subplot(grid[row, 2 * col + 1])
        ax.set_xticks([])
        ax.set_yticks([])
        side.set_axis_off()
        heading = _TILE_TITLES[layer]
        data = frame.get(layer)
        if layer in ("image", "crisp_image"):
            ax.imshow(colour.display(data), interpolation=smooth)
            _note(side, "linear RGB,\nclipped to 0..1,\nγ 1/2.2")
        elif layer == "emission":
            ax.imshow(colour.display(data), interpolation=smooth)
            peak = float(np.nanmax(data)) if data.size else 0.0
            _note(side, f"clipped to 0..1,\nγ 1/2.2\n\nbrightest: {peak:.3g}")
        elif layer == "normal":
            _draw_normal(ax, side, data, smooth)
        elif layer in ("depth", "rolling_depth"):
            _draw_depth(fig, ax, side, data)
        elif layer == "vector":
            peak = _draw_flow(ax, side, data)
            heading = f"{heading} (max {peak:.3g} px)"
        else:
            names = object_names if layer == "object_index" else material_names
            _draw_ids(ax, side, data, names)
        ax.set_title(heading, fontsize=10)

    out = Path(out_png)
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=dpi, facecolor="white")
    return out


def _note(side, text: str) -> None:
    side.text(0.04, 0.97, text, transform=side.transAxes, fontsize=8, va="top", ha="left",
              linespacing=1.3)


def _draw_normal(ax, side, normal: np.ndarray, interpolation: str) -> None:
    ax.imshow(colour.normals_to_rgb(normal), interpolation=interpolation)
    _note(side, "RGB = (n + 1) / 2\nred: +x\ngreen: +y\nblue: +z\n\nblack: nothing hit")


def _draw_depth(fig, ax, side, depth: np.ndarray) -> None:
    import matplotlib

    finite = np.isfinite(depth)
    masked = np.ma.masked_array(depth, mask=~finite)
    near, far = colour.depth_range(depth)
    im = ax.imshow(masked, cmap=colour.depth_colormap(), vmin=near, vmax=far,
                   interpolation="nearest")
    cax = side.inset_axes((0.04, 0.3, 0.14, 0.68))
    bar = fig.colorbar(im, cax=cax)
    bar.set_label("depth [m]", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    if not finite.all():
        side.add_patch(matplotlib.patches.Rectangle(
            (0.04, 0.06), 0.14, 0.12, transform=side.transAxes, facecolor=colour.NOTHING_HIT_HEX,
            edgecolor="black", linewidth=0.5, clip_on=False))
        side.text(0.24, 0.12, "nothing hit", transform=side.transAxes, fontsize=8,
                  va="center", ha="left")


def _draw_flow(ax, side, vector: np.ndarray) -> float:
    flow = forward_flow(vector)
    peak = colour.longest_flow(flow)
    ax.imshow(flow_to_color(flow), interpolation="nearest")

    # Legend: the wheel itself, rim = the largest motion in the frame.
    wax = side.inset_axes((0.0, 0.36, 0.75, 0.62))
    wax.imshow(colour.flow_wheel(101), extent=(-1, 1, 1, -1), interpolation="bilinear")
    wax.set_xlim(-1.05, 1.05)
    wax.set_ylim(1.05, -1.05)
    wax.set_axis_off()
    wax.set_aspect("equal")
    wax.annotate("", xy=(0.95, 0), xytext=(0, 0),
                 arrowprops=dict(arrowstyle="->", lw=0.8, color="black"))
    wax.annotate("", xy=(0, 0.95), xytext=(0, 0),
                 arrowprops=dict(arrowstyle="->", lw=0.8, color="black"))
    _note_at(side, 0.04, 0.33, f"rim: {peak:.3g} px\narrows: +x right,\n+y down\nwhite: still")
    return peak


def _note_at(side, x: float, y: float, text: str) -> None:
    side.text(x, y, text, transform=side.transAxes, fontsize=8, va="top", ha="left",
              linespacing=1.3)


def _draw_ids(ax, side, index: np.ndarray, names: Mapping[int, str] | None) -> None:
    from matplotlib.patches import Patch

    ids = np.unique(index)
    colors = id_colors(ids)
    ax.imshow(colour.id_picture(index, colors, dtype=np.float32), interpolation="nearest")
    shown = [int(i) for i in ids]
    limit = 12
    extra = len(shown) - limit
    if extra > 0:
        shown = shown[:limit - 1]
    handles = [Patch(facecolor=colors[i], edgecolor="0.3", linewidth=0.5) for i in shown]
    labels = [_describe_ids(names, i) for i in shown]
    if extra > 0:
        handles.append(Patch(facecolor="white", edgecolor="white"))
        labels.append(f"… {extra + 1} more")
    side.legend(handles, labels, loc="upper left", fontsize=7.5, frameon=False,
                borderaxespad=0.0, handlelength=1.2, handleheight=1.0, labelspacing=0.3,
                title="id", title_fontsize=8, alignment="left")
