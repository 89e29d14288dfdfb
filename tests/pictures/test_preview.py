# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preview pictures (``pictures/preview.py``): the Middlebury flow colours and the
PNG. No ``bpy``, fast."""

from __future__ import annotations

import colorsys
import struct
from pathlib import Path

import numpy as np
import pytest

from blender_gt_addon import reader
from blender_gt_addon.pictures import preview

pytest.importorskip("matplotlib")
OpenEXR = pytest.importorskip("OpenEXR")

W, H = 64, 48


def _hue(rgb) -> float:
    """Hue in degrees (0 red, 60 yellow, 120 green, 180 cyan, 240 blue, 300 magenta)."""
    h, _, _ = colorsys.rgb_to_hsv(*(np.asarray(rgb, dtype=float) / 255))
    return h * 360


def _hue_distance(a: float, b: float) -> float:
    d = abs(a - b) % 360
    return min(d, 360 - d)


def _one(u: float, v: float, max_magnitude: float | None = None) -> np.ndarray:
    return preview.flow_to_color(np.array([[[u, v]]], np.float32), max_magnitude)[0, 0]


# ---------------------------------------------------------------- flow_to_color


def test_colorwheel_is_the_55_colour_middlebury_wheel():
    wheel = preview.COLORWHEEL
    assert wheel.shape == (55, 3)
    assert tuple(wheel[0]) == (255, 0, 0)       # RY starts at red
    assert tuple(wheel[15]) == (255, 255, 0)    # YG starts at yellow
    assert tuple(wheel[21]) == (0, 255, 0)      # GC starts at green
    assert tuple(wheel[25]) == (0, 255, 255)    # CB starts at cyan
    assert tuple(wheel[36]) == (0, 0, 255)      # BM starts at blue
    assert tuple(wheel[49]) == (255, 0, 255)    # MR starts at magenta


def test_flow_to_color_shape_and_dtype():
    flow = np.random.default_rng(0).normal(size=(7, 5, 2)).astype(np.float32)
    rgb = preview.flow_to_color(flow)
    assert rgb.shape == (7, 5, 3)
    assert rgb.dtype == np.uint8


def test_flow_to_color_rejects_wrong_shape():
    with pytest.raises(ValueError, match=r"\(H, W, 2\)"):
        preview.flow_to_color(np.zeros((4, 4, 3)))


def test_zero_flow_is_white():
    assert np.all(preview.flow_to_color(np.zeros((3, 4, 2))) == 255)
    # and a still pixel among moving ones is white too
    flow = np.zeros((1, 2, 2))
    flow[0, 1] = (3, 4)
    assert tuple(preview.flow_to_color(flow)[0, 0]) == (255, 255, 255)


@pytest.mark.parametrize(
    ("u", "v", "hue", "name"),
    [
        (1, 0, 0, "right is red"),
        (0, 1, 54, "down is yellow-orange"),
        (-1, 0, 191, "left is cyan-blue"),
        (0, -1, 261, "up is blue-violet"),
    ],
)
def test_directions_have_the_middlebury_hues(u, v, hue, name):
    rgb = _one(u, v)
    assert _hue_distance(_hue(rgb), hue) < 12, f"{name}: got {tuple(rgb)}"
    assert max(rgb) == 255  # at the largest magnitude: fully saturated, not darkened


def test_right_is_the_wheel_end_exactly():
    # atan2(-0.0, -1) = -pi, so +x lands on wheel entry 0, pure red, as in
    # Middlebury's colorcode.cpp; just above the x axis it blends towards magenta.
    assert tuple(_one(2.0, 0.0)) == (255, 0, 0)
    assert tuple(_one(2.0, -0.01))[2] > 30


def test_float_noise_on_still_pixels_stays_white():
    flow = np.array([[[2e-6, 0.0], [10.0, 0.0]]])  # Blender writes such noise on still pixels
    assert tuple(preview.flow_to_color(flow)[0, 0]) == (255, 255, 255)


def test_saturation_grows_with_magnitude():
    flow = np.array([[[1.0, 0.0], [2.0, 0.0], [4.0, 0.0]]])
    rgb = preview.flow_to_color(flow).astype(int)
    green = rgb[0, :, 1]
    assert green[0] > green[1] > green[2]  # whiter for shorter vectors


def test_max_magnitude_scales_and_longer_is_darkened():
    half = _one(1.0, 0.0, max_magnitude=2.0)
    assert 100 < half[1] < 160  # halfway between white and red
    beyond = _one(4.0, 0.0, max_magnitude=2.0)
    assert tuple(beyond) == (191, 0, 0)  # 0.75 x the rim colour


def test_unknown_flow_is_black():
    flow = np.array([[[np.nan, 0.0], [np.inf, 1.0], [1e10, 0.0], [1.0, 0.0]]])
    rgb = preview.flow_to_color(flow)
    assert np.all(rgb[0, :3] == 0)
    assert tuple(rgb[0, 3]) == (255, 0, 0)  # unknowns do not count for the maximum


def test_forward_flow_from_vector_pass():
    vector = np.zeros((2, 3, 4), np.float32)
    vector[..., 2] = -5.0  # now - next = -5: moves 5 px right
    vector[..., 3] = 3.0   # now - next = +3 with y up: moves 3 px down
    flow = preview.forward_flow(vector)
    assert flow.shape == (2, 3, 2)
    np.testing.assert_array_equal(flow[0, 0], (5.0, 3.0))


# ---------------------------------------------------------------- save_preview


def _write_exr(path: Path, with_background: bool = True) -> None:
    """A small synthetic frame with every output, channel names as the add-on writes them."""
    y, x = np.mgrid[0:H, 0:W].astype(np.float32)
    depth = 2.0 + x / W * 8.0
    if with_background:
        depth[:8] = 1e10  # nothing hit in the top rows
    obj = np.zeros((H, W), np.float32)
    obj[10:30, 5:25] = 1
    obj[20:40, 30:60] = 7
    mat = np.where(obj > 0, obj + 2, 0).astype(np.float32)
    vector = np.zeros((H, W, 4), np.float32)
    vector[obj == 7, 2] = -6.0  # object 7 moves 6 px right
    vector[obj == 7, 3] = 2.0   # and 2 px down
    normal = np.zeros((H, W, 3), np.float32)
    normal[obj > 0] = (0.0, 0.0, 1.0)
    image = np.stack([x / W, y / H, np.full_like(x, 0.3), np.ones_like(x)], axis=-1)
    emission = np.zeros((H, W, 4), np.float32)
    emission[20:25, 30:35] = (5.0, 0.0, 0.0, 1.0)

    channels = {"depth.V": depth, "object_index.V": obj, "material_index.V": mat}
    for name, array, suffixes in (
        ("image", image, "RGBA"), ("emission", emission, "RGBA"),
        ("normal", normal, "XYZ"), ("vector", vector, "XYZW"),
    ):
        for i, s in enumerate(suffixes):
            channels[f"{name}.{s}"] = np.ascontiguousarray(array[..., i], dtype=np.float32)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": "12"}
    with OpenEXR.File(header, channels) as exr:
        exr.write(str(path))


def _png_size(path: Path) -> tuple[int, int]:
    with open(path, "rb") as f:
        head = f.read(24)
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


def test_save_preview_writes_a_png_with_every_output(tmp_path):
    exr = tmp_path / "0012.exr"
    _write_exr(exr)
    frame = reader.read(exr)
    assert len(frame.passes) == 7
    out = preview.save_preview(frame, tmp_path / "sub" / "preview.png", title="synthetic",
                               object_names={1: "Box", 7: "Mover"})
    assert out == tmp_path / "sub" / "preview.png"
    assert out.stat().st_size > 20_000
    width, height = _png_size(out)
    assert 1000 <= width <= 2200 and 300 <= height <= 1000, (width, height)

    import matplotlib.image

    pixels = matplotlib.image.imread(out)[..., :3]
    assert pixels.std() > 0.1  # not blank
    # the flow tile is there: Middlebury red-orange for (6, 2) right and down
    red_orange = (pixels[..., 0] > 0.9) & (pixels[..., 1] > 0.1) & (pixels[..., 1] < 0.5) & (
        pixels[..., 2] < 0.2)
    assert red_orange.sum() > 500


def test_save_preview_with_a_few_outputs(tmp_path):
    exr = tmp_path / "f.exr"
    channels = {"depth.V": np.full((H, W), 1e10, np.float32),  # nothing hit at all
                "object_index.V": np.zeros((H, W), np.float32)}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, channels) as f:
        f.write(str(exr))
    out = preview.save_preview(reader.read(exr), tmp_path / "p.png")
    width, height = _png_size(out)
    assert width < 1000 and height < 600, (width, height)


def test_save_preview_of_a_file_without_outputs(tmp_path):
    exr = tmp_path / "empty.exr"
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    with OpenEXR.File(header, {"R": np.zeros((H, W), np.float32)}) as f:
        f.write(str(exr))
    with pytest.raises(ValueError, match="no ground-truth outputs"):
        preview.save_preview(reader.read(exr), tmp_path / "p.png")
    assert not (tmp_path / "p.png").exists()


@pytest.mark.parametrize("module", ["blender_gt_addon.preview", "blender_gt_addon.pictures.preview",
                                    "blender_gt_addon.pictures.sheet",
                                    "blender_gt_addon.video"])
def test_importing_preview_does_not_import_matplotlib(module):
    import subprocess
    import sys

    code = (f"import sys, {module}; "
            "sys.exit(1 if {'matplotlib', 'PIL'} & set(sys.modules) else 0)")
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


def test_the_old_module_names_the_same_functions():
    from blender_gt_addon import conventions
    from blender_gt_addon import preview as old

    for name in old.__all__:
        assert getattr(old, name) is getattr(preview, name), name
    assert old.COLORWHEEL is preview.COLORWHEEL
    assert old.forward_flow is conventions.forward_flow
