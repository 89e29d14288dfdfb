# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The amodal masks' rasteriser, clipping and header record (``blender_gt_addon.amodal``),
without Blender; expected values from geometry: an independent per-pixel test of
pixel centres (kept here as the reference, :func:`reference_silhouette`), rays cast
through pixel centres, exact squares."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import amodal, outputs
from blender_gt_addon.camera import Camera
from blender_gt_addon.exporters.raster import silhouette

W, H = 64, 48
K = np.array([[60.0, 0.0, 31.5], [0.0, 60.0, 23.5], [0.0, 0.0, 1.0]])


def _on_canvas(box, crop, margin=(W, H)) -> np.ndarray:
    mx, my = margin
    out = np.zeros((H + 2 * my, W + 2 * mx), dtype=bool)
    if crop.size:
        x0, y0, x1, y1 = box
        out[y0 + my:y1 + my, x0 + mx:x1 + mx] = crop
    return out


def reference_silhouette(uv: np.ndarray, faces: np.ndarray, width: int, height: int,
                         margin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """The reference: every pixel centre in each triangle's bounding box tested with
    three edge functions (the package's rasteriser before it kept only the scanline
    of ``amodal.rasterise``). (height + 2 my, width + 2 mx) bool on the canvas."""
    mx, my = margin
    canvas_w, canvas_h = width + 2 * mx, height + 2 * my
    mask = np.zeros((canvas_h, canvas_w), dtype=bool)
    tri = np.asarray(uv, dtype=np.float64)[np.asarray(faces, dtype=np.int64)]
    tri = tri + np.array([mx, my], dtype=np.float64)
    tri = tri[np.isfinite(tri).all(axis=(1, 2))]
    for (ax, ay), (bx, by), (cx, cy) in tri:
        if (bx - ax) * (cy - ay) - (by - ay) * (cx - ax) == 0:
            continue
        c0 = int(np.clip(np.ceil(min(ax, bx, cx)), 0, canvas_w))
        c1 = int(np.clip(np.floor(max(ax, bx, cx)), -1, canvas_w - 1))
        r0 = int(np.clip(np.ceil(min(ay, by, cy)), 0, canvas_h))
        r1 = int(np.clip(np.floor(max(ay, by, cy)), -1, canvas_h - 1))
        if c1 < c0 or r1 < r0:
            continue
        u, v = np.meshgrid(np.arange(c0, c1 + 1, dtype=float),
                           np.arange(r0, r1 + 1, dtype=float))
        e0 = (bx - ax) * (v - ay) - (by - ay) * (u - ax)
        e1 = (cx - bx) * (v - by) - (cy - by) * (u - bx)
        e2 = (ax - cx) * (v - cy) - (ay - cy) * (u - cx)
        inside = ((e0 >= 0) & (e1 >= 0) & (e2 >= 0)) | ((e0 <= 0) & (e1 <= 0) & (e2 <= 0))
        mask[r0:r1 + 1, c0:c1 + 1] |= inside
    return mask


@pytest.mark.parametrize("seed", range(3))
def test_scanline_equals_a_test_of_every_pixel_centre(seed):
    """Random triangles, half of them with integer corners (pixel centres exactly on
    edges and corners): the same pixels as the edge-function test of every pixel centre
    in each triangle's box (:func:`reference_silhouette`, another algorithm); and
    ``exporters.raster.silhouette`` (the bop export's, on ``amodal.rasterise``) the
    same canvas."""
    rng = np.random.default_rng(seed)
    for trial in range(30):
        n = int(rng.integers(1, 25))
        uv = rng.uniform(-90, 150, size=(n * 3, 2))
        if trial % 2:
            uv = np.round(uv)
        faces = np.arange(n * 3).reshape(-1, 3)
        expected = reference_silhouette(uv, faces, W, H, margin=(W, H))
        box, crop = amodal.rasterise(uv[faces], W, H, (W, H))
        np.testing.assert_array_equal(_on_canvas(box, crop), expected)
        np.testing.assert_array_equal(silhouette(uv, faces, W, H, margin=(W, H)), expected)
        np.testing.assert_array_equal(silhouette(uv, faces, W, H),
                                      reference_silhouette(uv, faces, W, H))


def test_a_fan_of_thin_triangles_leaves_no_crack():
    """2000 triangles sharing edges: every pixel centre inside the polygon is covered
    (an edge shared by two triangles is computed once, the same for both)."""
    k = 2000
    angle = np.linspace(0, 2 * np.pi, k, endpoint=False)
    rim = np.c_[np.cos(angle), np.sin(angle)] * 20.0 + [31.5, 23.5]
    centre = np.array([31.3, 23.9])
    tri = np.stack([np.repeat(centre[None], k, 0), rim, np.roll(rim, -1, 0)], axis=1)
    box, crop = amodal.rasterise(tri, W, H)
    mask = _on_canvas(box, crop, (0, 0))
    u, v = np.meshgrid(np.arange(W), np.arange(H))
    # The polygon's inscribed circle holds only covered centres, nothing outside it.
    inner = np.hypot(u - 31.5, v - 23.5) < 20.0 * np.cos(np.pi / k) - 1e-9
    assert mask[inner].all()
    assert not mask[np.hypot(u - 31.5, v - 23.5) > 20.0].any()


def _ray_cast(tri_cam: np.ndarray, near: float, far: float) -> np.ndarray:
    """(3 H, 3 W) bool on the canvas of margin (W, H): pixel centres whose ray (pinhole
    K) meets a triangle at a depth z in [near, far]; rays through each centre
    intersected with each triangle's plane."""
    u, v = np.meshgrid(np.arange(-W, 2 * W, dtype=float), np.arange(-H, 2 * H, dtype=float))
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    hit = np.zeros(u.shape, dtype=bool)
    for a, b, c in tri_cam:
        n = np.cross(b - a, c - a)
        denom = rays @ n
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (a @ n) / denom  # ray point t * ray, whose z is t
        p = rays * t[..., None]
        inside = np.ones(u.shape, dtype=bool)
        for p0, p1 in ((a, b), (b, c), (c, a)):
            inside &= (np.cross(p1 - p0, p - p0) @ n) >= 0
        hit |= inside & (t >= near) & (t <= far)
    return hit


def test_clipped_to_the_camera_clip_range_like_rays():
    """A triangle reaching behind the camera, one crossing the far plane and one
    beyond it: the mask is the pixel centres whose ray meets them within the clip
    range (a projection without clipping would fold the part behind the camera)."""
    tri_cam = np.array([
        [[-0.5, 0.3, -1.0], [0.6, 0.2, 2.0], [-0.4, -0.5, 3.0]],   # a corner behind
        [[0.5, -0.4, 4.0], [0.9, 0.1, 12.0], [0.2, 0.3, 6.0]],     # past the far plane
        [[0.0, 0.0, 20.0], [1.0, 0.0, 20.0], [0.0, 1.0, 20.0]],    # wholly beyond it
    ])
    camera = Camera(K=K, world_to_camera=np.eye(4), width=W, height=H, clip_start=0.5,
                    clip_end=8.0)
    mask = amodal.mask_of_triangles("t", tri_cam, camera)
    expected = _ray_cast(tri_cam, 0.5, 8.0)
    got = _on_canvas(mask.box, mask.crop)
    # Pixel centres within 1e-9 of an edge may go either way in the two computations.
    assert (got != expected).sum() <= 2 and expected.sum() > 1000
    np.testing.assert_array_equal(mask.in_image(W, H), got[H:2 * H, W:2 * W])
    assert mask.box[0] < 0  # the part behind-left reaches out of the image


def test_orthographic_square_and_parts_outside_the_image():
    """An orthographic camera (fx = 10 px per unit): a square 2 units wide centred
    4.05 units right of the axis covers 20 x 20 centres, 3 columns of which lie on the
    canvas right of the image; the box is unclipped."""
    Ko = np.array([[10.0, 0.0, 31.5], [0.0, 10.0, 23.5], [0.0, 0.0, 1.0]])
    camera = Camera(K=Ko, world_to_camera=np.eye(4), width=W, height=H, clip_start=0.1,
                    clip_end=100.0, type="ORTHO")
    x0, x1, y0, y1 = 3.05 - 0.0001, 5.05 - 0.0001, -1.0 + 0.001, 1.0 + 0.001
    quad = np.array([[x0, y0, 5.0], [x1, y0, 5.0], [x1, y1, 5.0], [x0, y1, 5.0]])
    tri = quad[[[0, 1, 2], [0, 2, 3]]]
    mask = amodal.mask_of_triangles("sq", tri, camera)
    # u = 10 x + 31.5: centres 62 .. 81 (x from 3.05 to 5.05), v = 10 y + 23.5: 14 .. 33.
    assert mask.box == (62, 14, 82, 34)
    assert mask.pixels == 400 and mask.in_image(W, H).sum() == 2 * 20


def test_record_round_trip_and_damage():
    rng = np.random.default_rng(3)
    crop = rng.random((7, 13)) > 0.4
    crop[0, 0] = crop[-1, -1] = True
    masks = [amodal.Mask("Cube", (-5, 2, 8, 9), crop),
             amodal.Mask("Holder/Box#3", (0, 0, 0, 0), np.zeros((0, 0), dtype=bool))]
    text = amodal.encode(7, (W, H), masks)
    back = amodal.decode(text)
    assert back.frame == 7 and back.size == (W, H) and back.margin == (W, H)
    assert back.masks["Cube"].box == (-5, 2, 8, 9)
    np.testing.assert_array_equal(back.masks["Cube"].crop, crop)
    assert back.masks["Holder/Box#3"].pixels == 0
    assert not back.masks["Holder/Box#3"].in_image(W, H).any()
    image = back.masks["Cube"].in_image(W, H)
    np.testing.assert_array_equal(image[2:9, 0:8], crop[:, 5:])
    assert image.sum() == crop[:, 5:].sum()
    for bad in (text.replace('"v":1', '"v":9'), text[:-20], "[]"):
        with pytest.raises(ValueError, match="amodal record"):
            amodal.decode(bad)


def test_the_output_row_is_kept_in_the_header():
    row = outputs.OUTPUTS_BY_KEY["amodal"]
    assert row.header_key == amodal.KEY and not row.is_pass
    assert row.channels == () and row.view_layer_pass is None
    assert outputs.pass_outputs(outputs.planned_outputs({"amodal": True, "depth": True})) == [
        outputs.OUTPUTS_BY_KEY["depth"]]
    problems = outputs.check_settings(
        enabled={"amodal": True}, prefix="", engine="CYCLES", use_motion_blur=False,
        use_compositing=True, directory_abs=None, blend_saved=True,
        directory_is_relative=False)
    assert [p.level for p in problems] == ["ERROR"] and "Amodal masks" in problems[0].message
