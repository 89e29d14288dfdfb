# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``nerf``: transforms.json read back in nerfstudio's own conventions (OpenGL camera
axes, the ray of pixel (col, row) through (col + 0.5, row + 0.5), z-depth in mm), on
synthetic frames with exact geometry and on the marker scene's renders."""

from __future__ import annotations

import json

import numpy as np
import pytest
from exports import png_header, run_export
from geometry import GROUND_INDEX, MARKERS
from scenes_nerf import (
    SRGB_CODES,
    look_at_camera,
    marker_pixels,
    marker_renders,
    synthetic_frames,
    write_frame,
)

from blender_gt_addon import reader
from blender_gt_addon.camera import Camera
from blender_gt_addon.exporters import ExportError, export
from blender_gt_addon.exporters.images import depth_png16, image_8bit
from blender_gt_addon.pictures.colour import srgb, to_uint8

PIL = pytest.importorskip("PIL.Image")


# ------------------------------------------------ nerfstudio's conventions, in numpy
# nerfstudio/cameras/cameras.py (commit 50e0e3c): get_image_coords(pixel_offset=0.5)
# gives (row + 0.5, col + 0.5); _generate_rays_from_coords takes (x - cx) / fx,
# (y - cy) / fy, flips y ("Switch from OpenCV to OpenGL") and looks down -z; the
# direction is rotated by camera_to_worlds[:3, :3], the origin is its last column.


def nerfstudio_rays(entry: dict, pixel_offset: float = 0.5):
    """Origin (3,) and unnormalised directions (H, W, 3) (camera z = -1) of every
    pixel, from one ``frames`` entry of transforms.json."""
    c2w = np.array(entry["transform_matrix"])
    rows, cols = np.mgrid[0:entry["h"], 0:entry["w"]] + pixel_offset
    x = (cols - entry["cx"]) / entry["fl_x"]
    y = -(rows - entry["cy"]) / entry["fl_y"]
    directions = np.stack([x, y, -np.ones_like(x)], axis=-1) @ c2w[:3, :3].T
    return c2w[:3, 3], directions


def nerfstudio_project(entry: dict, points: np.ndarray) -> np.ndarray:
    """(N, 2) image coordinates (x, y) of world points through a ``frames`` entry,
    pixel-corner convention: the inverse of :func:`nerfstudio_rays`."""
    c2w = np.array(entry["transform_matrix"])
    cam = (np.asarray(points, float) - c2w[:3, 3]) @ c2w[:3, :3]  # OpenGL camera axes
    depth = -cam[:, 2]
    return np.stack([entry["fl_x"] * cam[:, 0] / depth + entry["cx"],
                     -entry["fl_y"] * cam[:, 1] / depth + entry["cy"]], axis=-1)


def storable(depth: np.ndarray) -> np.ndarray:
    """Where a 16-bit PNG in mm holds the depth: a surface from 0.5 mm to 65.535 m."""
    with np.errstate(invalid="ignore"):
        return np.isfinite(depth) & (depth >= 0.0005) & (depth < 65.5355)


def read_png(path) -> np.ndarray:
    with PIL.open(path) as image:
        return np.asarray(image)


def exported(folder, out, **kwargs) -> dict:
    result = export(folder, "nerf", out, jobs=1, **kwargs)
    assert result.files[0] == out / "transforms.json"
    # Every file written counted: the json, then each frame's image (and depth map).
    written = sorted(p for p in out.rglob("*") if p.is_file())
    assert sorted(result.files) == written
    assert result.bytes == sum(p.stat().st_size for p in written)
    return json.loads((out / "transforms.json").read_text())


# ------------------------------------------------------------------ no Blender


@pytest.fixture
def synthetic(tmp_path):
    made = synthetic_frames(tmp_path / "gt")
    return made, exported(tmp_path / "gt", tmp_path / "nerf"), tmp_path / "nerf"


def test_intrinsics_are_K_with_the_principal_point_half_a_pixel_further(synthetic):
    made, doc, _ = synthetic
    assert doc["camera_model"] == "OPENCV"
    assert doc["depth_unit_scale_factor"] == doc["integer_depth_scale"] == 0.001
    assert [f["file_path"] for f in doc["frames"]] == ["images/0003.png", "images/0004.png"]
    assert [f["depth_file_path"] for f in doc["frames"]] == ["depth/0003.png",
                                                            "depth/0004.png"]
    assert [f["depth_path"] for f in doc["frames"]] == ["depth/0003.png", "depth/0004.png"]
    for entry, (cam, _, _) in zip(doc["frames"], made.values(), strict=True):
        assert (entry["w"], entry["h"]) == (40, 30)
        assert entry["fl_x"] == cam.K[0, 0] and entry["fl_y"] == cam.K[1, 1]
        assert entry["fl_x"] != entry["fl_y"]  # non-square pixels
        assert entry["cx"] == cam.K[0, 2] + 0.5 and entry["cy"] == cam.K[1, 2] + 0.5
        assert entry["cx"] != 20.0 and entry["cy"] != 15.0  # lens shift
        c2w = np.array(entry["transform_matrix"])
        np.testing.assert_array_equal(c2w, cam.camera_to_world_opengl)
        # OpenGL axes: the camera looks down its -z, towards the target; +y is up.
        location, target = {3: ((0.3, -5.0, 2.2), (0.0, 0.5, 0.0)),
                            4: ((-0.8, -4.2, 1.4), (0.4, 1.0, 0.3))}[int(entry["file_path"][-8:-4])]
        np.testing.assert_allclose(c2w[:3, 3], location, atol=1e-12)
        aim = np.subtract(target, location)
        np.testing.assert_allclose(-c2w[:3, 2], aim / np.linalg.norm(aim), atol=1e-12)
        assert c2w[2, 1] > 0  # camera up has a positive world z


def test_nerfstudio_rays_at_the_depth_land_on_the_ground(synthetic):
    """The +0.5: nerfstudio's ray of each pixel, scaled by the exported z-depth, meets
    the ground z = 0 that the depth was made from; without the half pixel it misses."""
    made, doc, out = synthetic
    for entry, (_, _, depth) in zip(doc["frames"], made.values(), strict=True):
        stored = read_png(out / entry["depth_file_path"])
        assert stored.dtype == np.uint16
        metres = stored * doc["depth_unit_scale_factor"]
        hit = stored > 0
        np.testing.assert_array_equal(hit, storable(depth))
        assert 0.2 * hit.size < hit.sum() < 0.95 * hit.size  # ground and sky
        origin, directions = nerfstudio_rays(entry)
        # z-depth: the point is origin + d * depth for d with camera z = -1
        # (depth-nerfacto's is_euclidean_depth=False multiplies by |d| / |d|_z).
        exact = origin + directions * depth[..., None].astype(np.float64)
        assert np.abs(exact[hit][:, 2]).max() < 1e-5
        points = origin + directions * metres[..., None]
        bound = 0.0005 * np.abs(directions[..., 2]) + 1e-9  # half a millimetre step
        assert (np.abs(points[..., 2]) <= bound)[hit].all()
        _, shifted = nerfstudio_rays(entry, pixel_offset=0.0)  # OpenCV's convention
        wrong = origin + shifted * depth[..., None].astype(np.float64)
        assert np.abs(wrong[hit][:, 2]).max() > 0.02


def test_points_project_as_with_our_camera(synthetic):
    made, doc, _ = synthetic
    rng = np.random.default_rng(3)
    for entry, (cam, _, _) in zip(doc["frames"], made.values(), strict=True):
        points = rng.uniform([-3, -1, -0.5], [3, 4, 1.5], (200, 3))
        ours = cam.project(points)
        theirs = nerfstudio_project(entry, points) - 0.5  # corner -> centre convention
        np.testing.assert_allclose(theirs, ours, atol=1e-9)


def test_images_are_8bit_srgb_and_depth_16bit_millimetres(synthetic):
    made, doc, out = synthetic
    codes = {np.float32(v): c for v, c in SRGB_CODES.items()}
    for entry, (_, image, depth) in zip(doc["frames"], made.values(), strict=True):
        assert png_header(out / entry["file_path"])[2:] == (8, 2)  # 8-bit RGB
        assert png_header(out / entry["depth_file_path"])[2:] == (16, 0)  # 16-bit grey
        rgb = read_png(out / entry["file_path"])
        expected = np.vectorize(codes.__getitem__)(image[..., :3]).astype(np.uint8)
        np.testing.assert_array_equal(rgb, expected)
        stored = read_png(out / entry["depth_file_path"])
        finite = storable(depth)
        np.testing.assert_array_equal(stored[~finite], 0)
        error = stored[finite] / 1000.0 - depth[finite]
        assert np.abs(error).max() <= 0.0005 + 1e-7


def test_transparent_film_gives_straight_alpha(tmp_path):
    made = synthetic_frames(tmp_path / "gt", alpha=0.5)
    doc = exported(tmp_path / "gt", tmp_path / "nerf")
    codes = {np.float32(v): c for v, c in SRGB_CODES.items()}
    image = made[3][1]
    rgba = read_png(tmp_path / "nerf" / doc["frames"][0]["file_path"])
    assert rgba.shape == (30, 40, 4)
    straight = image[..., :3] / np.float32(0.5)  # premultiplied by 0.5 in the EXR
    np.testing.assert_array_equal(rgba[..., :3],
                                  np.vectorize(codes.__getitem__)(straight).astype(np.uint8))
    np.testing.assert_array_equal(rgba[..., 3], 128)


def test_srgb_is_the_standard_curve():
    x = np.array([0.0, 0.0031308, 0.002, 0.05, 0.2, 0.5, 1.0, 3.0, -1.0, np.nan])
    np.testing.assert_allclose(
        srgb(np.stack([x, x, x], axis=-1))[:, 0],
        [0, 0.0031308 * 12.92, 0.02584, 0.24780052799263164, 0.48452920448170694,
         0.7353569830524495, 1, 1, 0, 0], rtol=1e-12, atol=1e-15)
    # the two pieces meet at the limit (IEC 61966-2-1 is continuous there to 1e-7)
    below, above = 12.92 * 0.0031308, 1.055 * 0.0031308 ** (1 / 2.4) - 0.055
    assert abs(below - above) < 1e-7
    assert image_8bit(np.array([[[0.5, 0.2, 0.0, 1.0]]])).tolist() == [[[188, 124, 0]]]
    assert to_uint8(srgb(np.array([1e-9, 0.0, 0.0])))[0] == 0


def test_depth_png_range():
    depth = np.array([[np.inf, 0.0004, 0.0006, 1.2344, 65.535, 65.5356, 70.0, np.nan]])
    stored, lost = depth_png16(depth, 1000.0)
    assert stored.dtype == np.uint16
    assert stored.tolist() == [[0, 0, 1, 1234, 65535, 0, 0, 0]]
    assert lost == 3  # too near, and twice too far; nothing hit is not lost


def test_depth_only_when_every_frame_has_it(tmp_path):
    synthetic_frames(tmp_path / "gt", depth=False)
    doc = exported(tmp_path / "gt", tmp_path / "nerf")
    assert "integer_depth_scale" not in doc
    assert all("depth_file_path" not in f and "depth_path" not in f for f in doc["frames"])
    assert not (tmp_path / "nerf" / "depth").exists()
    assert sorted(p.name for p in (tmp_path / "nerf" / "images").iterdir()) == [
        "0003.png", "0004.png"]


def test_frames_need_a_perspective_camera(tmp_path):
    cam = look_at_camera((0, -5, 2), (0, 0, 0))
    image = np.zeros((cam.height, cam.width, 4), np.float32)
    (tmp_path / "none").mkdir()
    write_frame(tmp_path / "none" / "a_0001.exr", 1, None, image)
    with pytest.raises(ExportError, match="records no camera, which nerf needs"):
        export(tmp_path / "none", "nerf", tmp_path / "out1", jobs=1)
    ortho = Camera(K=cam.K, world_to_camera=cam.world_to_camera, width=cam.width,
                   height=cam.height, clip_start=0.1, clip_end=10, type="ORTHO")
    (tmp_path / "ortho").mkdir()
    write_frame(tmp_path / "ortho" / "a_0001.exr", 1, ortho, image)
    with pytest.raises(ExportError, match="ORTHO camera; nerf takes perspective"):
        export(tmp_path / "ortho", "nerf", tmp_path / "out2", jobs=1)
    (tmp_path / "noimage").mkdir()
    write_frame(tmp_path / "noimage" / "a_0001.exr", 1, cam, None, np.ones((30, 40)))
    with pytest.raises(ExportError, match="has no 'image' output, which nerf needs"):
        export(tmp_path / "noimage", "nerf", tmp_path / "out3", jobs=1)


def test_command_line_summary(tmp_path):
    synthetic_frames(tmp_path / "gt")
    text = run_export(tmp_path / "gt", "nerf", tmp_path / "scene", "--jobs", "2")
    assert "exported 2 frames as nerf: 5 files" in text and "2 images; 2 depth maps" in text
    made = synthetic_frames(tmp_path / "again")
    far = sum(int((np.isfinite(d) & ~storable(d)).sum()) for _, _, d in made.values())
    assert far > 0 and f"{far} depth pixels outside 0.0005..65.535 scene units" in text
    assert (tmp_path / "scene" / "transforms.json").is_file()
    assert not [p for p in (tmp_path / "scene").rglob(".*")]  # no temporary files left


# ----------------------------------------------------------------- real renders


@pytest.fixture(scope="module")
def markers(run_job, tmp_path_factory):
    folder = marker_renders(run_job, tmp_path_factory)
    out = tmp_path_factory.mktemp("markers_nerf")
    run_export(folder, "nerf", out)
    frames = {f: reader.read(folder / f"m_{f:04d}.exr") for f in (1, 2)}
    return frames, json.loads((out / "transforms.json").read_text()), out


@pytest.mark.blender
def test_known_points_project_where_the_render_shows_them(markers):
    """Sphere centres through transforms.json in nerfstudio's convention: within 0.05 px
    of our OpenCV camera and within 0.5 px of the spheres' pixel centroids."""
    frames, doc, _ = markers
    for entry, gt in zip(doc["frames"], frames.values(), strict=True):
        theirs = nerfstudio_project(entry, np.array(MARKERS)) - 0.5  # corner -> centre
        assert np.abs(theirs - gt.camera.project(np.array(MARKERS))).max() < 0.05
        for index, (u, v) in enumerate(theirs, start=1):
            col, row = marker_pixels(gt, index)
            assert abs(col - u) < 0.5 and abs(row - v) < 0.5, (entry["file_path"], index)


@pytest.mark.blender
def test_rendered_depth_puts_ground_pixels_on_the_ground(markers):
    """nerfstudio's rays scaled by the depth PNG (z-depth, mm) meet z = 0 on the
    ground's pixels, within the half-millimetre step plus the render's 1e-4."""
    frames, doc, out = markers
    for entry, gt in zip(doc["frames"], frames.values(), strict=True):
        stored = read_png(out / entry["depth_file_path"])
        ground = (gt.object_index == GROUND_INDEX) & (stored > 0)
        assert ground.sum() > 0.3 * ground.size
        metres = stored * doc["depth_unit_scale_factor"]
        origin, directions = nerfstudio_rays(entry)
        points = origin + directions * metres[..., None]
        bound = (0.0005 + 1e-4 * metres) * np.abs(directions[..., 2])
        assert (np.abs(points[..., 2]) <= bound)[ground].all()
        rgb = read_png(out / entry["file_path"])
        assert rgb.shape == (160, 240, 3) and rgb.dtype == np.uint8
        np.testing.assert_array_equal(rgb, image_8bit(gt.image))
