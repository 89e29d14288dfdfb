# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Point tracks without Blender: the visibility test on synthetic depth and ids, the
frame record's mesh hash, frame lists, and the refusals."""

from __future__ import annotations

import argparse

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import frame_record, reader
from blender_gt_addon.camera import Camera
from blender_gt_addon.cli import main
from blender_gt_addon.tracks.command import frame_list
from blender_gt_addon.tracks.tracker import visibility

H, W, F = 32, 40, 50.0
K = np.array([[F, 0, (W - 1) / 2], [0, F, (H - 1) / 2], [0, 0, 1]])
CAMERA = Camera(K=K, world_to_camera=np.eye(4), width=W, height=H, clip_start=0.1,
                clip_end=100.0)


def _plane_depth(n, c) -> np.ndarray:
    """Planar depth of the plane n . X = c (camera axes) through every pixel centre."""
    u, v = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    rays = np.stack([(u - K[0, 2]) / F, (v - K[1, 2]) / F, np.ones_like(u)], -1)
    with np.errstate(divide="ignore"):  # rays parallel to the plane
        return c / (rays @ n)


def _on_plane(uv, n, c) -> np.ndarray:
    """The planar depth of the plane's point seen at sub-pixel ``uv``."""
    rays = np.column_stack([(uv[:, 0] - K[0, 2]) / F, (uv[:, 1] - K[1, 2]) / F,
                            np.ones(len(uv))])
    return c / (rays @ n)


def test_a_point_on_a_grazing_plane_is_visible_off_the_pixel_centre():
    n, c = np.array([0.0, 1.0, 0.05]), 1.0  # a floor 1 below the camera, seen grazing
    depth = _plane_depth(n, c).astype(np.float32)
    valid = np.isfinite(depth) & (depth > 0)
    ids = np.where(valid, 7, 0)
    depth[~valid] = np.inf
    rng = np.random.default_rng(1)
    uv = np.column_stack([rng.uniform(2, W - 3, 200), rng.uniform(H / 2 + 3, H - 3, 200)])
    z = _on_plane(uv, n, c)
    pixel = np.floor(uv + 0.5).astype(int)
    step = np.abs(depth[pixel[:, 1] + 1, pixel[:, 0]] / depth[pixel[:, 1], pixel[:, 0]] - 1)
    assert step.max() > 0.05  # depth changes by more than 5 % a row: a plain test fails
    in_view, visible = visibility(uv, z, np.full(200, 7), depth, ids, CAMERA,
                                  depth_tolerance=1e-3, filter_reach=0.0)
    assert in_view.all() and visible.all()
    # 2 % behind the surface the pixel shows, it is hidden (same id: the depth decides).
    _, behind = visibility(uv, z * 1.02, np.full(200, 7), depth, ids, CAMERA,
                           depth_tolerance=1e-3, filter_reach=0.0)
    assert not behind.any()
    # Another object's id at its pixel: hidden, whatever the depth.
    _, other = visibility(uv, z, np.full(200, 8), depth, ids, CAMERA)
    assert not other.any()


def test_in_view_is_the_pixel_floor_of_uv_plus_a_half_inside_the_image():
    depth = np.full((H, W), 5.0, np.float32)
    ids = np.ones((H, W), int)
    uv = np.array([[-0.5, 3.0], [-0.5001, 3.0], [W - 0.5001, 3.0], [W - 0.5, 3.0],
                   [3.0, H - 0.5001], [3.0, H - 0.5], [3.0, 3.0]])
    z = np.array([5.0, 5.0, 5.0, 5.0, 5.0, 5.0, -5.0])  # the last one behind the camera
    in_view, visible = visibility(uv, z, np.ones(7, int), depth, ids, CAMERA)
    assert in_view.tolist() == [True, False, True, False, True, False, False]
    assert (visible == in_view).all()


def test_the_mesh_hash_is_recorded_and_older_records_still_read():
    objects = (frame_record.ObjectRecord("Cube", 3, np.eye(4), geometry="0123456789abcdef"),
               frame_record.ObjectRecord("Old", 1, np.eye(4)))
    decoded = frame_record.decode(frame_record.encode(5, CAMERA, objects))
    assert [o.geometry for o in decoded.objects] == ["0123456789abcdef", None]
    assert '"geometry"' not in frame_record.encode(5, CAMERA, objects[1:])


def test_frame_lists():
    assert frame_list("1,5") == (1, 5) and frame_list("1-3,7") == (1, 2, 3, 7)
    assert frame_list("-2--1") == (-2, -1)
    with pytest.raises(argparse.ArgumentTypeError):
        frame_list("one")


def _frame(folder, n, with_ids: bool, objects=True):
    record = frame_record.encode(n, CAMERA, (frame_record.ObjectRecord(
        "Box", 1, np.eye(4), geometry="0000000000000000"),) if objects else ())
    channels = {"depth.V": np.full((H, W), 5.0, np.float32)}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": f"{n:04d}", frame_record.KEY: record}
    if with_ids:
        bits = np.array([0x3F0A1B2C], np.uint32).view(np.float32)[0]
        channels["cryptomatte_object.r"] = np.full((H, W), bits, np.float32)
        for c in "gba":
            channels[f"cryptomatte_object.{c}"] = np.full((H, W), 1.0 if c == "g" else 0.0,
                                                          np.float32)
        header.update({"cryptomatte/f834d0a/name": "cryptomatte_object",
                       "cryptomatte/f834d0a/manifest": '{"Box":"3f0a1b2c"}',
                       "cryptomatte/f834d0a/hash": "MurmurHash3_32",
                       "cryptomatte/f834d0a/conversion": "uint32_to_float32"})
    OpenEXR.File(header, channels).write(str(folder / f"gt_{n:04d}.exr"))


@pytest.mark.parametrize("case, message", [
    ("no ids", "has no 'instance_id' output, which point tracks need"),
    ("no poses", "records no object poses"),
])
def test_the_command_says_what_the_frames_lack(tmp_path, capsys, case, message):
    for n in (1, 2):
        _frame(tmp_path, n, with_ids=case != "no ids", objects=case != "no poses")
    assert main(["tracks", str(tmp_path), "-o", str(tmp_path / "t.npz")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("blender-gt: error:") and message in err
    assert not (tmp_path / "t.npz").exists()


def test_a_box_filling_the_view_is_tracked_in_synthetic_frames(tmp_path):
    """No Blender: a square at depth 5 covering the image, still; every point stays
    visible at its pixel (no position output: pixel centres from depth, noted)."""
    from blender_gt_addon.tracks import track

    for n in (1, 2, 3):
        _frame(tmp_path, n, with_ids=True)
    result = track(tmp_path, grid=4)
    assert len(result) > 20 and result.visible.all() and result.valid.all()
    np.testing.assert_allclose(result.uv[2], result.query_pixel, atol=1e-9)
    assert any("no position output" in note for note in result.notes)
    with pytest.raises(reader.GroundTruthError, match="frame 4 is not in this sequence"):
        track(tmp_path, query_frames=[4])
