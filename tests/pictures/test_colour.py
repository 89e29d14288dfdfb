# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``pictures/colour.py``, the one definition of how outputs are coloured: display
transform, normals, depth, the flow wheel, id colours and the "nothing hit" grey.
Expected values come from the definitions (gamma 1/2.2, (n + 1) / 2, matplotlib's
``viridis_r``, the Middlebury wheel), not from earlier runs. No ``bpy``, fast."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pytest

from blender_gt_addon.pictures import colour

# --------------------------------------------------------------------- display


def test_display_clips_and_raises_to_one_over_2_2():
    linear = np.array([[[0.0, 0.5, 1.0, 0.25], [-1.0, 4.0, np.nan, 1.0]]], np.float32)
    rgb = colour.display(linear)
    assert rgb.shape == (1, 2, 3) and rgb.dtype == np.float32  # alpha dropped
    np.testing.assert_allclose(rgb[0, 0], [0.0, 0.5 ** (1 / 2.2), 1.0], rtol=1e-6)
    np.testing.assert_array_equal(rgb[0, 1], [0.0, 1.0, 0.0])  # clipped; NaN is black
    assert colour.display(np.full((1, 1, 3), 0.218))[0, 0, 0] == pytest.approx(0.5, abs=1e-3)


def test_to_uint8_rounds_to_nearest():
    values = np.array([0.0, 0.5 / 255 - 1e-6, 0.5 / 255 + 1e-6, 0.5, 1.0])
    np.testing.assert_array_equal(colour.to_uint8(values), [0, 0, 1, 128, 255])
    assert colour.to_uint8(colour.display(np.full((1, 1, 3), 0.5)))[0, 0, 0] == 186


# ---------------------------------------------------------------------- normal


def test_normals_are_rgb_n_plus_one_over_two_with_a_black_background():
    normal = np.array([[[1, 0, 0], [0, 1, 0], [0, 0, -1], [0, 0, 0], [np.nan] * 3]],
                      np.float32)
    rgb = colour.normals_to_rgb(normal)
    assert rgb.shape == (1, 5, 3) and rgb.dtype == np.float32
    np.testing.assert_array_equal(rgb[0, 0], [1.0, 0.5, 0.5])  # +x red
    np.testing.assert_array_equal(rgb[0, 1], [0.5, 1.0, 0.5])  # +y green
    np.testing.assert_array_equal(rgb[0, 2], [0.5, 0.5, 0.0])  # -z: no blue
    np.testing.assert_array_equal(rgb[0, 3:], 0.0)             # nothing hit, NaN: black
    # A fourth channel is ignored; the input is not changed.
    four = np.concatenate([normal, np.ones((1, 5, 1), np.float32)], axis=-1)
    np.testing.assert_array_equal(colour.normals_to_rgb(four), rgb)
    assert np.isnan(normal[0, 4]).all()


# ----------------------------------------------------------------------- depth


def test_the_nothing_hit_grey():
    assert colour.NOTHING_HIT == (200, 200, 200)
    assert colour.NOTHING_HIT_HEX == "#c8c8c8"
    pytest.importorskip("matplotlib")
    cmap = colour.depth_colormap()
    assert tuple(round(c * 255) for c in cmap(np.ma.masked_invalid([np.nan]))[0][:3]) == (
        200, 200, 200)


def test_depth_range_of_a_frame():
    depth = np.array([[np.inf, 2.0, 5.0], [np.nan, 3.0, 4.0]], np.float32)
    assert colour.depth_range(depth) == (2.0, 5.0)
    assert colour.depth_range(np.full((2, 2), np.inf)) == (0.0, 1.0)  # nothing hit at all
    near, far = colour.depth_range(np.full((2, 2), 7.0))
    assert near == 7.0 and far == pytest.approx(7.001)


def test_depth_lut_is_matplotlibs_viridis_r():
    matplotlib = pytest.importorskip("matplotlib")
    lut = colour.depth_lut()
    assert lut.shape == (256, 3) and lut.dtype == np.uint8
    want = matplotlib.colormaps["viridis_r"](np.arange(256))[:, :3] * 255
    assert np.abs(lut - want).max() <= 0.5
    assert tuple(lut[0]) == (253, 231, 37) and tuple(lut[-1]) == (68, 1, 84)  # yellow, purple


def test_depth_colours_near_yellow_far_purple_grey_where_nothing_was_hit():
    pytest.importorskip("matplotlib")
    lut = colour.depth_lut()
    depth = np.array([[1.0, 3.0, np.inf, np.nan, 0.0, 9.0]], np.float32)
    rgb = colour.depth_to_rgb(depth, (1.0, 3.0))
    assert rgb.shape == (1, 6, 3) and rgb.dtype == np.uint8
    assert tuple(rgb[0, 0]) == tuple(lut[0]) and tuple(rgb[0, 1]) == tuple(lut[255])
    assert tuple(rgb[0, 2]) == tuple(rgb[0, 3]) == colour.NOTHING_HIT
    assert tuple(rgb[0, 4]) == tuple(lut[0]) and tuple(rgb[0, 5]) == tuple(lut[255])  # clipped
    # Default range: the frame's own nearest and farthest depth.
    np.testing.assert_array_equal(colour.depth_to_rgb(depth), colour.depth_to_rgb(depth, (0, 9)))
    assert (colour.depth_to_rgb(np.full((2, 3), np.inf)) == 200).all()


def test_depth_bins_nearest_and_matplotlib():
    matplotlib = pytest.importorskip("matplotlib")
    # 1.5 / 255 of the range: the nearest colour is entry 2, matplotlib's bin entry 1.
    depth = np.array([[0.0, 1.5 / 255, 1.0]])
    lut = colour.depth_lut()
    nearest = colour.depth_to_rgb(depth, (0.0, 1.0))
    binned = colour.depth_to_rgb(depth, (0.0, 1.0), bins="matplotlib")
    assert tuple(nearest[0, 1]) == tuple(lut[2]) and tuple(binned[0, 1]) == tuple(lut[1])
    # matplotlib's bins are those of matplotlib's own colour map, everywhere.
    t = np.random.default_rng(0).random((40, 50)).astype(np.float32)
    t[0, :2] = (0.0, 1.0)
    want = colour.to_uint8(matplotlib.colormaps["viridis_r"](t)[..., :3])
    np.testing.assert_array_equal(colour.depth_to_rgb(t, bins="matplotlib"), want)
    with pytest.raises(ValueError, match="bins"):
        colour.depth_to_rgb(t, bins="linear")


# ------------------------------------------------------------------------ flow


def test_the_wheel_at_its_own_angles_gives_its_colours():
    # Entry k of the 55 is at angle pi * (2k / 54 - 1) of (-u, -v) (Middlebury's
    # computeColor); at full length a vector there is drawn in exactly that colour.
    wheel = colour.COLORWHEEL
    theta = np.pi * (2 * np.arange(len(wheel)) / (len(wheel) - 1) - 1)
    flow = np.stack([-np.cos(theta), -np.sin(theta)], axis=-1)[None]
    rgb = colour.flow_to_color(flow, max_magnitude=1.0)[0].astype(int)
    assert np.abs(rgb - wheel).max() <= 1


@pytest.mark.parametrize(("u", "v", "want"), [
    (1.0, 0.0, (255, 0, 0)),      # right: red, wheel entry 0
    (-1.0, 0.0, (0, 209, 255)),   # left: entry 27, cyan-blue (255 - floor(255 * 2 / 11))
    (0.0, 0.0, (255, 255, 255)),  # still: white
])
def test_wheel_colours_at_known_angles(u, v, want):
    assert tuple(colour.flow_to_color(np.array([[[u, v]]]), max_magnitude=1.0)[0, 0]) == want


def test_down_is_between_red_and_yellow_and_up_between_blue_and_magenta():
    down, up = colour.flow_to_color(np.array([[[0.0, 1.0], [0.0, -1.0]]]), 1.0)[0]
    assert down[0] == 255 and 200 < down[1] < 255 and down[2] == 0
    assert 0 < up[0] < 255 and up[1] == 0 and up[2] == 255


def test_known_and_longest_flow():
    flow = np.array([[[3.0, 4.0], [np.nan, 0.0], [np.inf, 1.0], [2e9, 0.0], [1.0, 1.0]]])
    np.testing.assert_array_equal(colour.known_flow(flow), [[True, False, False, False, True]])
    assert colour.longest_flow(flow) == 5.0
    assert colour.longest_flow(np.full((2, 2, 2), np.nan)) == 0.0
    rgb = colour.flow_to_color(flow)
    assert (rgb[0, 1:4] == 0).all()              # unknown: black
    assert tuple(rgb[0, 0]) != (0, 0, 0)


def test_flow_wheel_legend():
    rgba = colour.flow_wheel(21)
    assert rgba.shape == (21, 21, 4) and rgba.dtype == np.uint8
    assert tuple(rgba[10, 10]) == (255, 255, 255, 255)  # centre: still, white
    assert rgba[0, 0, 3] == 0 and rgba[10, 20, 3] == 255  # corner outside, rim inside
    assert tuple(rgba[10, 20, :3]) == (255, 0, 0)  # rim at +x: red
    assert rgba[20, 10, 0] == 255 and rgba[20, 10, 2] == 0  # bottom (+y, down): yellowish


# ------------------------------------------------------------------------- ids


@pytest.mark.parametrize("n", [5, 15, 40])
def test_id_colours_distinct_deterministic_zero_black(n):
    pytest.importorskip("matplotlib")
    ids = list(range(n + 1))
    colours = colour.id_colors(ids)
    assert set(colours) == set(ids)
    assert colours[0] == (0.0, 0.0, 0.0)
    assert len({tuple(round(c, 4) for c in rgb) for rgb in colours.values()}) == n + 1
    # Only the set of ids matters: order and repeats do not.
    assert colour.id_colors(list(reversed(ids)) + ids) == colours
    assert all(0.0 <= c <= 1.0 for rgb in colours.values() for c in rgb)


def test_id_colours_without_zero_have_no_black():
    pytest.importorskip("matplotlib")
    colours = colour.id_colors([3, 9])
    assert set(colours) == {3, 9} and (0.0, 0.0, 0.0) not in colours.values()


def test_id_palette_and_pictures():
    pytest.importorskip("matplotlib")
    floats = colour.id_colors((0, 2, 7))
    palette = colour.id_palette((0, 2, 7))
    assert palette == {i: tuple(math.floor(c * 255 + 0.5) for c in rgb)
                       for i, rgb in floats.items()}
    ids = np.array([[0, 2], [7, 7]])
    rgb = colour.ids_to_rgb(ids)
    assert rgb.dtype == np.uint8 and rgb.shape == (2, 2, 3)
    assert tuple(rgb[0, 0]) == (0, 0, 0) and tuple(rgb[1, 0]) == palette[7]
    # With the ids of a whole sequence, an id keeps its colour in a frame without the rest.
    alone = colour.ids_to_rgb(np.array([[7]]), known=(0, 2, 7))
    assert tuple(alone[0, 0]) == palette[7]
    as_float = colour.id_picture(ids, floats, dtype=np.float32)
    assert as_float.dtype == np.float32
    np.testing.assert_allclose(as_float[1, 1], floats[7], rtol=1e-6)


# ---------------------------------------------------------------------- import


def test_importing_colour_imports_no_matplotlib_or_pillow():
    code = ("import sys, blender_gt_addon.pictures.colour; "
            "sys.exit(1 if {'matplotlib', 'PIL'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0
