# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pictures of ground truth for people: one PNG with a tile per output. No ``bpy`` here.

>>> from blender_gt_addon import reader, preview
>>> preview.save_preview(reader.read("groundtruth/0003.exr"), "preview.png")  # doctest: +SKIP

How each output is drawn (every tile says it in its title or beside it):

- image: the linear beauty render, clipped to [0, 1] and raised to 1/2.2 for the
  screen (not Blender's view transform, so colours differ a little from its PNGs);
- depth: colour-mapped (viridis, near = yellow, far = purple) with a colour bar in
  scene units; pixels where no surface was hit (``inf``) are light grey;
- normal: world-space normals as RGB = (n + 1) / 2, so +x is red, +y green, +z blue;
  background (zero normal) is black;
- flow: Blender's Vector pass turned into forward flow (see :func:`forward_flow`),
  drawn with the Middlebury colour wheel (see :func:`flow_to_color`), normalised by
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

__all__ = ["flow_to_color", "forward_flow", "id_colors", "save_preview"]

# The Middlebury colour wheel (Baker, Scharstein, Lewis, Roth, Black, Szeliski:
# "A Database and Evaluation Methodology for Optical Flow", IJCV 2011; colorcode.cpp /
# computeColor.m): 55 hues in six ramps, red-yellow, yellow-green, green-cyan,
# cyan-blue, blue-magenta, magenta-red, sized so that the hues look evenly spaced.
_RAMPS = (("RY", 15), ("YG", 6), ("GC", 4), ("CB", 11), ("BM", 13), ("MR", 6))

# Middlebury marks unknown flow with components above 1e9; we also treat NaN/inf so.
_UNKNOWN_FLOW = 1e9

_BACKGROUND_GREY = "#c8c8c8"  # depth where no surface was hit


def _colorwheel() -> np.ndarray:
    """The 55 x 3 Middlebury colour wheel, values 0..255 (float), red first."""
    ry, yg, gc, cb, bm, mr = (n for _, n in _RAMPS)
    wheel = np.zeros((ry + yg + gc + cb + bm + mr, 3))
    col = 0
    wheel[col:col + ry, 0] = 255
    wheel[col:col + ry, 1] = np.floor(255 * np.arange(ry) / ry)
    col += ry
    wheel[col:col + yg, 0] = 255 - np.floor(255 * np.arange(yg) / yg)
    wheel[col:col + yg, 1] = 255
    col += yg
    wheel[col:col + gc, 1] = 255
    wheel[col:col + gc, 2] = np.floor(255 * np.arange(gc) / gc)
    col += gc
    wheel[col:col + cb, 1] = 255 - np.floor(255 * np.arange(cb) / cb)
    wheel[col:col + cb, 2] = 255
    col += cb
    wheel[col:col + bm, 2] = 255
    wheel[col:col + bm, 0] = np.floor(255 * np.arange(bm) / bm)
    col += bm
    wheel[col:col + mr, 2] = 255 - np.floor(255 * np.arange(mr) / mr)
    wheel[col:col + mr, 0] = 255
    return wheel


COLORWHEEL = _colorwheel()


def forward_flow(vector: np.ndarray) -> np.ndarray:
    """Forward optical flow in image coordinates from Blender's raw Vector pass.

    Parameters:
        vector: (H, W, 4) as :attr:`reader.GroundTruthFrame.vector` returns it:
            pixels, raster y pointing up, channels 2 and 3 = position now minus
            position in the next frame.

    Returns:
        (H, W, 2) float32 ``(dx, dy)`` in pixels: where the surface seen at a pixel
        is in the next frame, minus where it is now; x to the right, y **down**
        (row 0 is the top), i.e. ``dx = -vector[..., 2]``, ``dy = +vector[..., 3]``.
    """
    vector = np.asarray(vector)
    if vector.ndim != 3 or vector.shape[-1] < 4:
        raise ValueError(f"expected a (H, W, 4) Vector pass, got shape {vector.shape}")
    return np.stack([-vector[..., 2], vector[..., 3]], axis=-1).astype(np.float32)


def flow_to_color(flow: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code optical flow with the Middlebury colour wheel (Baker et al. 2011).

    Conventions (those of the Middlebury benchmark's ``flowToColor``): ``flow[..., 0]``
    is the motion to the right and ``flow[..., 1]`` the motion **down**, in pixels. The
    hue gives the direction: right is red, down yellow-orange, left cyan-blue, up
    blue-violet. The saturation gives the length: zero motion is white and motion of
    ``max_magnitude`` fully saturated; longer motion is drawn darkened (x 0.75).
    Unknown flow (NaN, inf or a component above 1e9) is black.

    Parameters:
        flow: (H, W, 2) array, e.g. from :func:`forward_flow`.
        max_magnitude: the length drawn fully saturated; default the longest known
            flow vector in ``flow`` (as Middlebury does). 0 or no motion: all white.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[-1] != 2:
        raise ValueError(f"expected flow of shape (H, W, 2), got {flow.shape}")
    u, v = flow[..., 0].copy(), flow[..., 1].copy()
    unknown = ~np.isfinite(u) | ~np.isfinite(v) | (np.abs(u) > _UNKNOWN_FLOW) | (
        np.abs(v) > _UNKNOWN_FLOW)
    u[unknown] = 0.0
    v[unknown] = 0.0
    rad = np.hypot(u, v)
    if max_magnitude is None:
        max_magnitude = float(rad.max()) if rad.size else 0.0
    if max_magnitude > 0:
        u, v, rad = u / max_magnitude, v / max_magnitude, rad / max_magnitude

    ncols = len(COLORWHEEL)
    angle = np.arctan2(-v, -u) / np.pi                 # in [-1, 1]
    fk = (angle + 1) / 2 * (ncols - 1)                 # in [0, ncols - 1]
    k0 = np.floor(fk).astype(np.int64)
    k1 = k0 + 1
    k1[k1 == ncols] = 0
    f = (fk - k0)[..., None]
    col = ((1 - f) * COLORWHEEL[k0] + f * COLORWHEEL[k1]) / 255
    inside = (rad <= 1)[..., None]
    col = np.where(inside, 1 - rad[..., None] * (1 - col), col * 0.75)
    # Middlebury floors; the 1e-3 keeps float noise on still pixels (1e-6 px) white.
    rgb = np.floor(255 * col + 1e-3).clip(0, 255).astype(np.uint8)
    rgb[unknown] = 0
    return rgb


def id_colors(ids) -> dict[int, tuple[float, float, float]]:
    """A distinct RGB colour (0..1) for each id; id 0 (nothing there) is black.

    The colours depend only on the sorted set of ids, so the same ids give the same
    picture every frame: up to 10 ids use matplotlib's ``tab10``, up to 20 ``tab20``,
    more are spread around the hue circle by the golden angle.
    """
    import matplotlib

    present = {int(i) for i in ids}
    ordered = sorted(present - {0})
    colors: dict[int, tuple[float, float, float]] = {0: (0.0, 0.0, 0.0)} if 0 in present else {}
    if len(ordered) <= 20:
        cmap = matplotlib.colormaps["tab10" if len(ordered) <= 10 else "tab20"]
        for n, i in enumerate(ordered):
            colors[i] = tuple(float(c) for c in cmap(n)[:3])
    else:
        import colorsys

        for n, i in enumerate(ordered):
            hue = (n * 0.6180339887) % 1.0
            colors[i] = colorsys.hsv_to_rgb(hue, 0.75, 0.95 if n % 2 else 0.75)
    return colors


def _display(linear: np.ndarray) -> np.ndarray:
    """Linear RGB -> screen: clip to [0, 1], then ^(1/2.2)."""
    rgb = np.nan_to_num(np.asarray(linear, dtype=np.float32)[..., :3], nan=0.0)
    return np.clip(rgb, 0.0, 1.0) ** (1 / 2.2)


def _describe_ids(names: Mapping[int, str] | None, i: int) -> str:
    if i == 0:
        return "0  nothing"
    name = (names or {}).get(i)
    if not name:
        return f"{i}"
    return f"{i}  {name if len(name) <= 14 else name[:13] + '…'}"


_TILE_TITLES = {
    "image": "Image (beauty)",
    "depth": "Depth",
    "normal": "Normal (world space)",
    "vector": "Flow to the next frame",
    "emission": "Emission",
    "object_index": "Object index",
    "material_index": "Material index",
}


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

    layers = [layer for layer in _TILE_TITLES if layer in frame.passes]
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
        if layer == "image":
            ax.imshow(_display(data), interpolation=smooth)
            _note(side, "linear RGB,\nclipped to 0..1,\nγ 1/2.2")
        elif layer == "emission":
            ax.imshow(_display(data), interpolation=smooth)
            peak = float(np.nanmax(data)) if data.size else 0.0
            _note(side, f"clipped to 0..1,\nγ 1/2.2\n\nbrightest: {peak:.3g}")
        elif layer == "normal":
            _draw_normal(ax, side, data, smooth)
        elif layer == "depth":
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
    rgb = np.clip((np.nan_to_num(normal[..., :3]) + 1) / 2, 0, 1)
    rgb[np.linalg.norm(np.nan_to_num(normal[..., :3]), axis=-1) < 1e-6] = 0
    ax.imshow(rgb, interpolation=interpolation)
    _note(side, "RGB = (n + 1) / 2\nred: +x\ngreen: +y\nblue: +z\n\nblack: nothing hit")


def _draw_depth(fig, ax, side, depth: np.ndarray) -> None:
    import matplotlib

    cmap = matplotlib.colormaps["viridis_r"].with_extremes(bad=_BACKGROUND_GREY)
    finite = np.isfinite(depth)
    masked = np.ma.masked_array(depth, mask=~finite)
    if finite.any():
        near, far = float(depth[finite].min()), float(depth[finite].max())
    else:
        near, far = 0.0, 1.0
    if far <= near:
        far = near + 1e-3
    im = ax.imshow(masked, cmap=cmap, vmin=near, vmax=far, interpolation="nearest")
    cax = side.inset_axes((0.04, 0.3, 0.14, 0.68))
    bar = fig.colorbar(im, cax=cax)
    bar.set_label("depth [m]", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    if not finite.all():
        side.add_patch(matplotlib.patches.Rectangle(
            (0.04, 0.06), 0.14, 0.12, transform=side.transAxes, facecolor=_BACKGROUND_GREY,
            edgecolor="black", linewidth=0.5, clip_on=False))
        side.text(0.24, 0.12, "nothing hit", transform=side.transAxes, fontsize=8,
                  va="center", ha="left")


def _draw_flow(ax, side, vector: np.ndarray) -> float:
    flow = forward_flow(vector)
    rgb = flow_to_color(flow)
    known = np.isfinite(flow).all(axis=-1) & (np.abs(flow) <= _UNKNOWN_FLOW).all(axis=-1)
    mag = np.hypot(flow[..., 0], flow[..., 1])[known]
    peak = float(mag.max()) if mag.size else 0.0
    ax.imshow(rgb, interpolation="nearest")

    # Legend: the wheel itself, rim = the largest motion in the frame.
    n = 101
    x = np.linspace(-1, 1, n)
    wheel = flow_to_color(np.stack(np.meshgrid(x, x), axis=-1), max_magnitude=1.0)
    rgba = np.concatenate([wheel, np.full((n, n, 1), 255, np.uint8)], axis=-1)
    rgba[np.hypot(*np.meshgrid(x, x)) > 1, 3] = 0
    wax = side.inset_axes((0.0, 0.36, 0.75, 0.62))
    wax.imshow(rgba, extent=(-1, 1, 1, -1), interpolation="bilinear")
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

    ids, inverse = np.unique(index, return_inverse=True)
    colors = id_colors(ids)
    palette = np.array([colors[int(i)] for i in ids], dtype=np.float32)
    ax.imshow(palette[inverse.reshape(index.shape)], interpolation="nearest")
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
