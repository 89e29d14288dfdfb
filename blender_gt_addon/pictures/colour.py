# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""How each output is coloured for people: the one definition used by the preview
figure, the contact sheet and the video. No ``bpy`` here.

- image, emission: :func:`display`: linear RGB clipped to [0, 1] and raised to 1/2.2
  (not Blender's view transform, so colours differ a little from its PNGs);
  :func:`srgb`: the exact sRGB encoding, for images written as data (NeRF, COLMAP);
- depth: :func:`depth_to_rgb`: ``viridis_r`` (near = yellow, far = purple) over a
  range, :data:`NOTHING_HIT` (light grey) where no surface was hit (``inf``, NaN);
- normal: :func:`normals_to_rgb`: RGB = (n + 1) / 2, so +x is red, +y green, +z blue;
  background (zero normal) black;
- flow: :func:`flow_to_color`: the Middlebury colour wheel (:data:`COLORWHEEL`);
- object index, material index, instance id: :func:`id_colors`: a colour per id,
  0 (nothing) black;
- occlusion boundaries: :func:`occlusion_to_rgb`: the ids' colours darkened, the
  occluding side of each boundary white, the occluded side :data:`OCCLUDED` (red).

matplotlib (for the colour maps) is imported only when a depth or id colour is first
asked for, so importing this module needs numpy only.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping

import numpy as np

__all__ = [
    "COLORWHEEL",
    "DEPTH_COLORMAP",
    "NOTHING_HIT",
    "NOTHING_HIT_HEX",
    "OCCLUDED",
    "UNKNOWN_FLOW",
    "depth_colormap",
    "depth_lut",
    "depth_range",
    "depth_to_rgb",
    "display",
    "flow_to_color",
    "flow_wheel",
    "id_colors",
    "id_palette",
    "id_picture",
    "ids_to_rgb",
    "known_flow",
    "longest_flow",
    "normals_to_rgb",
    "occlusion_to_rgb",
    "srgb",
    "to_uint8",
]

GAMMA = 2.2
NOTHING_HIT: tuple[int, int, int] = (200, 200, 200)  # depth where no surface was hit
NOTHING_HIT_HEX = "#{:02x}{:02x}{:02x}".format(*NOTHING_HIT)  # "#c8c8c8", for matplotlib
DEPTH_COLORMAP = "viridis_r"  # near = yellow, far = purple
_DEPTH_COLOURS = 256           # entries of the depth look-up table

# Middlebury marks unknown flow with components above 1e9; we also treat NaN/inf so.
UNKNOWN_FLOW = 1e9
OCCLUDED = (230, 40, 40)  # the far side of an occlusion boundary
OCCLUDER = (255, 255, 255)  # its near side

# The Middlebury colour wheel (Baker, Scharstein, Lewis, Roth, Black, Szeliski:
# "A Database and Evaluation Methodology for Optical Flow", IJCV 2011; colorcode.cpp /
# computeColor.m): 55 hues in six ramps, red-yellow, yellow-green, green-cyan,
# cyan-blue, blue-magenta, magenta-red, sized so that the hues look evenly spaced.
_RAMPS = (("RY", 15), ("YG", 6), ("GC", 4), ("CB", 11), ("BM", 13), ("MR", 6))


def to_uint8(rgb: np.ndarray) -> np.ndarray:
    """Colours in [0, 1] (any float dtype) -> uint8 0..255, rounded to nearest."""
    return (np.asarray(rgb) * 255 + 0.5).astype(np.uint8)


# ---------------------------------------------------------------- image, emission


def display(linear: np.ndarray) -> np.ndarray:
    """Linear RGB -> screen: (..., 3) float32 in [0, 1].

    The first three channels of ``linear`` (alpha is dropped), NaN -> 0, clipped to
    [0, 1], then raised to 1/2.2. For uint8 use ``to_uint8(display(x))``.
    """
    rgb = np.nan_to_num(np.asarray(linear, dtype=np.float32)[..., :3], nan=0.0)
    return np.clip(rgb, 0.0, 1.0) ** (1 / GAMMA)


# sRGB's encoding (IEC 61966-2-1): linear below this value, a 2.4 power above it.
SRGB_LINEAR_LIMIT = 0.0031308


def srgb(linear: np.ndarray) -> np.ndarray:
    """Linear RGB -> sRGB-encoded RGB: (..., 3) float64 in [0, 1].

    The first three channels of ``linear`` (alpha is dropped), NaN -> 0, clipped to
    [0, 1], then encoded by the sRGB standard (IEC 61966-2-1): ``12.92 * x`` up to
    0.0031308, ``1.055 * x ** (1 / 2.4) - 0.055`` above. This is Blender's *Standard*
    view transform on an sRGB display (no look, exposure 0, gamma 1), without its
    dither. For uint8 use ``to_uint8(srgb(x))``.
    """
    x = np.clip(np.nan_to_num(np.asarray(linear, dtype=np.float64)[..., :3], nan=0.0), 0.0, 1.0)
    return np.where(x <= SRGB_LINEAR_LIMIT, 12.92 * x,
                    1.055 * np.power(x, 1 / 2.4) - 0.055)


# ------------------------------------------------------------------------ normal


def normals_to_rgb(normal: np.ndarray) -> np.ndarray:
    """World-space normals (H, W, 3 or more) -> (H, W, 3) RGB in [0, 1], = (n + 1) / 2.

    +x is red, +y green, +z blue; NaN counts as 0, and pixels whose normal is shorter
    than 1e-6 (the background: nothing hit) are black. The dtype follows ``normal``.
    """
    n = np.nan_to_num(np.asarray(normal)[..., :3])
    rgb = np.clip((n + 1) / 2, 0, 1)
    rgb[np.linalg.norm(n, axis=-1) < 1e-6] = 0
    return rgb


# ------------------------------------------------------------------------- depth


def depth_colormap():
    """matplotlib's ``viridis_r`` with :data:`NOTHING_HIT` for bad (masked) values."""
    import matplotlib

    return matplotlib.colormaps[DEPTH_COLORMAP].with_extremes(bad=NOTHING_HIT_HEX)


@functools.lru_cache(maxsize=1)
def depth_lut() -> np.ndarray:
    """The depth colours: (256, 3) uint8, entry 0 = near (yellow), 255 = far (purple).

    The same 256 colours matplotlib's ``viridis_r`` holds.
    """
    import matplotlib

    colours = matplotlib.colormaps[DEPTH_COLORMAP](np.linspace(0, 1, _DEPTH_COLOURS))[:, :3]
    lut = to_uint8(colours)
    lut.flags.writeable = False
    return lut


def depth_range(depth: np.ndarray) -> tuple[float, float]:
    """One frame's depth range: the nearest and farthest finite depth, in scene units.

    ``(0.0, 1.0)`` when nothing was hit anywhere; ``far`` is ``near + 1e-3`` when all
    finite depths are equal, so the range is never empty.
    """
    depth = np.asarray(depth)
    finite = np.isfinite(depth)
    if finite.any():
        near, far = float(depth[finite].min()), float(depth[finite].max())
    else:
        near, far = 0.0, 1.0
    if far <= near:
        far = near + 1e-3
    return near, far


def depth_to_rgb(depth: np.ndarray, near_far: tuple[float, float] | None = None, *,
                 bins: str = "nearest") -> np.ndarray:
    """Depth (H, W) in scene units -> (H, W, 3) uint8 on ``viridis_r``.

    Parameters:
        depth: (H, W) float; ``inf`` or NaN where nothing was hit, drawn
            :data:`NOTHING_HIT`.
        near_far: the depths drawn yellow and purple (nearer / farther ones are
            clipped); default this frame's :func:`depth_range`.
        bins: which of the 256 colours a depth at ``t`` in [0, 1] of the range gets:
            ``"nearest"`` ``round(t * 255)`` (the video), ``"matplotlib"``
            ``min(floor(t * 256), 255)``, matplotlib's own mapping of floats (the
            contact sheet, like the preview figure drawn by matplotlib).
    """
    depth = np.asarray(depth)
    near, far = depth_range(depth) if near_far is None else near_far
    finite = np.isfinite(depth)
    t = np.clip((np.where(finite, depth, near) - near) / (far - near), 0.0, 1.0)
    if bins == "nearest":
        index = np.rint(t * (_DEPTH_COLOURS - 1)).astype(np.intp)
    elif bins == "matplotlib":
        index = np.minimum((t * _DEPTH_COLOURS).astype(np.intp), _DEPTH_COLOURS - 1)
    else:
        raise ValueError(f"bins must be 'nearest' or 'matplotlib', not {bins!r}")
    rgb = depth_lut()[index]
    rgb[~finite] = NOTHING_HIT
    return rgb


# -------------------------------------------------------------------------- flow


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


def known_flow(flow: np.ndarray) -> np.ndarray:
    """(H, W) bool: where ``flow`` (H, W, 2) is known: both components finite and at
    most :data:`UNKNOWN_FLOW` in size (Middlebury's mark for unknown)."""
    flow = np.asarray(flow)
    return np.isfinite(flow).all(axis=-1) & (np.abs(flow) <= UNKNOWN_FLOW).all(axis=-1)


def longest_flow(flow: np.ndarray) -> float:
    """The length of the longest known flow vector of ``flow`` (H, W, 2), in its units
    (pixels); 0.0 when none is known."""
    flow = np.asarray(flow)
    length = np.hypot(flow[..., 0], flow[..., 1])[known_flow(flow)]
    return float(length.max()) if length.size else 0.0


def flow_to_color(flow: np.ndarray, max_magnitude: float | None = None) -> np.ndarray:
    """Colour-code optical flow with the Middlebury colour wheel (Baker et al. 2011).

    Conventions (those of the Middlebury benchmark's ``flowToColor``): ``flow[..., 0]``
    is the motion to the right and ``flow[..., 1]`` the motion **down**, in pixels. The
    hue gives the direction: right is red, down yellow-orange, left cyan-blue, up
    blue-violet. The saturation gives the length: zero motion is white and motion of
    ``max_magnitude`` fully saturated; longer motion is drawn darkened (x 0.75).
    Unknown flow (NaN, inf or a component above 1e9) is black.

    Parameters:
        flow: (H, W, 2) array, e.g. from ``conventions.forward_flow``.
        max_magnitude: the length drawn fully saturated; default the longest known
            flow vector in ``flow`` (as Middlebury does). 0 or no motion: all white.

    Returns:
        (H, W, 3) uint8 RGB.
    """
    flow = np.asarray(flow, dtype=np.float64)
    if flow.ndim != 3 or flow.shape[-1] != 2:
        raise ValueError(f"expected flow of shape (H, W, 2), got {flow.shape}")
    u, v = flow[..., 0].copy(), flow[..., 1].copy()
    unknown = ~known_flow(flow)
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


@functools.lru_cache(maxsize=8)
def flow_wheel(size: int) -> np.ndarray:
    """The colour wheel as a legend: (size, size, 4) uint8 RGBA, transparent outside
    the rim. The rim stands for the flow drawn fully saturated; x right, y down."""
    x = np.linspace(-1, 1, size)
    grid = np.stack(np.meshgrid(x, x), axis=-1)
    rgb = flow_to_color(grid, max_magnitude=1.0)
    alpha = np.where(np.hypot(grid[..., 0], grid[..., 1]) <= 1.0, 255, 0).astype(np.uint8)
    rgba = np.dstack([rgb, alpha])
    rgba.flags.writeable = False
    return rgba


# --------------------------------------------------------------------------- ids


def id_colors(ids: Iterable) -> dict[int, tuple[float, float, float]]:
    """A distinct RGB colour (0..1) for each id; id 0 (nothing there) is black.

    The colours depend only on the sorted set of ids, so the same ids give the same
    picture every frame: up to 10 ids use matplotlib's ``tab10``, up to 20 ``tab20``,
    more are spread around the hue circle by the golden angle.
    """
    present = {int(i) for i in ids}
    ordered = sorted(present - {0})
    colors: dict[int, tuple[float, float, float]] = {0: (0.0, 0.0, 0.0)} if 0 in present else {}
    if len(ordered) <= 20:
        import matplotlib

        cmap = matplotlib.colormaps["tab10" if len(ordered) <= 10 else "tab20"]
        for n, i in enumerate(ordered):
            colors[i] = tuple(float(c) for c in cmap(n)[:3])
    else:
        import colorsys

        for n, i in enumerate(ordered):
            hue = (n * 0.6180339887) % 1.0
            colors[i] = colorsys.hsv_to_rgb(hue, 0.75, 0.95 if n % 2 else 0.75)
    return colors


@functools.lru_cache(maxsize=16)
def id_palette(ids: tuple[int, ...]) -> dict[int, tuple[int, int, int]]:
    """:func:`id_colors` of ``ids`` (a sorted tuple) as 0..255 integers."""
    return {i: tuple(int(c * 255 + 0.5) for c in rgb) for i, rgb in id_colors(ids).items()}


def id_picture(ids: np.ndarray, colours: Mapping[int, tuple], dtype=None) -> np.ndarray:
    """Paint each pixel of ``ids`` (H, W) with ``colours[id]``: (H, W, 3) of ``dtype``
    (default that of the colours). Every id in ``ids`` must have a colour."""
    keys = np.array(sorted(colours), dtype=np.int64)
    table = np.array([colours[int(i)] for i in keys], dtype=dtype)
    return table[np.searchsorted(keys, ids)]


def ids_to_rgb(ids: np.ndarray, known: Iterable[int] = ()) -> np.ndarray:
    """Ids (H, W) -> (H, W, 3) uint8, a colour per id (:func:`id_colors`), 0 black.

    The colours are those of the ids present together with ``known`` (e.g. every id
    of a sequence, so an id keeps its colour from frame to frame).
    """
    present = {int(i) for i in np.unique(ids)}
    palette = id_palette(tuple(sorted(set(known) | present)))
    return id_picture(ids, palette, dtype=np.uint8)


def occlusion_to_rgb(occluder: np.ndarray, occluded: np.ndarray, ids: np.ndarray,
                     known: Iterable[int] = ()) -> np.ndarray:
    """Occlusion boundaries (reader/occlusion.py) -> (H, W, 3) uint8: each id's colour
    (:func:`ids_to_rgb`) at 40 %, the occluded side of a boundary :data:`OCCLUDED`, the
    occluding side :data:`OCCLUDER` on top (both (H, W) bool)."""
    picture = (ids_to_rgb(ids, known).astype(np.uint16) * 2 // 5).astype(np.uint8)
    picture[occluded] = OCCLUDED
    picture[occluder] = OCCLUDER
    return picture
