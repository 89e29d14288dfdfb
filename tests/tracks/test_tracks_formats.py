# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Each track format, read back the way the community's loaders read it (their steps
restated here, field by field: tapnet's ``create_davis_dataset`` for TAP-Vid, its
``adt_utils`` projection for TAPVid-3D, pips2's three PointOdyssey loaders), on the tracks of a real
render."""

from __future__ import annotations

import glob
import io
import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from blender_gt_addon import reader
from blender_gt_addon.exporters.images import image_8bit
from blender_gt_addon.tracks import FORMATS, write

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def tracks(track_scene):
    from blender_gt_addon.tracks import track

    return track(track_scene, points=300, query_frames=[1, 4])


def test_the_table_lists_every_format():
    assert list(FORMATS) == ["npz", "tapvid", "tapvid3d", "pointodyssey"]


def test_tapvid_reads_back_as_tapnet_reads_davis(tracks, track_scene, tmp_path):
    path, notes = write(tracks, "tapvid", tmp_path, folder=track_scene, name="scene")
    assert path == tmp_path / "tapvid.pkl"
    with open(path, "rb") as f:
        davis_points_dataset = pickle.load(f)
    assert list(davis_points_dataset) == ["scene"]
    example = davis_points_dataset["scene"]
    frames = example["video"]
    keep = tracks.valid.all(axis=0)
    assert keep.sum() == notes["points"] and (~keep).sum() > 0  # the sheet's points
    assert frames.dtype == np.uint8 and frames.shape == (8, 48, 80, 3)
    for t, p in enumerate(reader.open_sequence(track_scene).paths):
        np.testing.assert_array_equal(frames[t], image_8bit(reader.read(p).image)[..., :3])
    points, occluded = example["points"], example["occluded"]
    assert points.dtype == np.float32 and points.shape == (keep.sum(), 8, 2)
    assert occluded.dtype == bool and occluded.shape == (keep.sum(), 8)
    # create_davis_dataset: target_points = points * [width, height] (raster, centres
    # at i + 0.5); occluded as given.
    target_points = points * np.array([frames.shape[2], frames.shape[1]])
    np.testing.assert_allclose(target_points, tracks.uv[:, keep].transpose(1, 0, 2) + 0.5,
                               atol=1e-4)
    np.testing.assert_array_equal(occluded, ~tracks.visible[:, keep].T)
    assert occluded.any() and not occluded.all()


def test_tapvid3d_reads_back_as_its_layout_states(tracks, track_scene, tmp_path):
    from PIL import Image

    path, _ = write(tracks, "tapvid3d", tmp_path / "scene.npz", folder=track_scene)
    # As TAPVid-3D's notebook loads a file: np.load without allow_pickle (an object
    # array would raise "Object arrays cannot be loaded when allow_pickle=False").
    in_npz = np.load(path)
    fields = {key: in_npz[key] for key in in_npz.files}
    assert set(fields) == {"images_jpeg_bytes", "queries_xyt", "tracks_XYZ", "visibility",
                           "fx_fy_cx_cy", "extrinsics_w2c"}
    keep = tracks.valid.all(axis=0)
    n = int(keep.sum())
    xyz, visible = fields["tracks_XYZ"], fields["visibility"]
    assert xyz.dtype == np.float32 and xyz.shape == (8, n, 3)
    assert visible.dtype == bool and visible.shape == (8, n)
    queries = fields["queries_xyt"]
    assert queries.dtype == np.float32 and queries.shape == (n, 3)
    fx, fy, cx, cy = fields["fx_fy_cx_cy"]
    # adt_utils: px = X * f / Z + cx (their cx = W / 2 for a centred camera).
    assert (cx, cy) == pytest.approx((80 / 2, 48 / 2))
    px = xyz[..., 0] * fx / xyz[..., 2] + cx
    py = xyz[..., 1] * fy / xyz[..., 2] + cy
    np.testing.assert_allclose(np.stack([px, py], -1), tracks.uv[:, keep] + 0.5, atol=1e-3)
    np.testing.assert_array_equal(visible, tracks.visible[:, keep])
    # Queries (x, y, t): at the query frame's track; row = round(y - 0.5) is the pixel
    # the point was chosen on (adt_utils.get_queries_in_3d).
    t = queries[:, 2].astype(int)
    assert set(t.tolist()) == {0, 3}
    np.testing.assert_allclose(queries[:, :2], np.stack([px, py], -1)[t, np.arange(n)],
                               atol=1e-3)
    rows = np.round(queries[:, 1] - 0.5).astype(int)
    cols = np.round(queries[:, 0] - 0.5).astype(int)
    np.testing.assert_array_equal(np.stack([cols, rows], -1), tracks.query_pixel[keep])
    np.testing.assert_allclose(fields["extrinsics_w2c"], tracks.world_to_camera)
    jpegs = fields["images_jpeg_bytes"]
    assert jpegs.dtype.kind == "S" and jpegs.shape == (8,)  # bytes, as the generators'
    for t, p in enumerate(reader.open_sequence(track_scene).paths):
        with Image.open(io.BytesIO(jpegs[t])) as picture:
            assert picture.format == "JPEG"
            image = np.array(picture.convert("RGB"))
        assert image.shape == (48, 80, 3)
        ours = image_8bit(reader.read(p).image)[..., :3]
        assert np.abs(image.astype(int) - ours).mean() < 4  # JPEG, quality 95


def _apply_4x4(RT, xyz):
    """pips2 utils.geom.apply_4x4_py, restated: (S, N, 3) through (S, 4, 4)."""
    ones = np.ones_like(xyz[..., :1])
    return np.einsum("sij,snj->sni", RT, np.concatenate([xyz, ones], -1))[..., :3]


def _apply_pix_T_cam(K, xyz):
    """pips2 utils.geom.apply_pix_T_cam_py, restated: x = fx X / Z + cx."""
    fx, fy, cx, cy = K[:, 0, 0, None], K[:, 1, 1, None], K[:, 0, 2, None], K[:, 1, 2, None]
    return np.stack([xyz[..., 0] * fx / xyz[..., 2] + cx,
                     xyz[..., 1] * fy / xyz[..., 2] + cy], -1)


def test_pointodyssey_sequence_folder_reads_as_pips2s_loaders_read_it(tracks, track_scene,
                                                                     tmp_path):
    """pips2 (commit 8b5bd9e) restated step by step: the sequence glob, the file names
    its three loaders build, how each decodes pictures, depth, masks, info and anno."""
    from PIL import Image

    dataset_location = tmp_path / "po"
    seq = dataset_location / "train" / "scene"
    path, notes = write(tracks, "pointodyssey", seq, folder=track_scene)
    assert path == seq / "anno.npz" and notes["frames"] == 8
    # __init__: sequences = sorted(glob(DATA/train/*/)); rgb_path = seq/rgbs;
    # full_idx = arange(len(listdir(rgb_path))); anno.npz and info.npz must be files.
    assert [Path(p) for p in sorted(glob.glob(os.path.join(dataset_location, "train", "*/")))] \
        == [seq]
    full_idx = np.arange(len(os.listdir(seq / "rgbs")))
    assert full_idx.tolist() == list(range(8))
    assert os.path.isfile(seq / "anno.npz") and os.path.isfile(seq / "info.npz")
    info = np.load(seq / "info.npz", allow_pickle=True)
    trajs_3d_shape = info["trajs_3d"].astype(np.float32)
    assert len(trajs_3d_shape) and trajs_3d_shape[1] == len(tracks)  # (> N to be used)
    sources = reader.open_sequence(track_scene).paths
    for idx in full_idx:
        gt = reader.read(sources[idx])
        # rgbs ('rgb_%05d.jpg' % idx): Image.open(rgb_path) -> np.array(im)[:, :, :3]
        with Image.open(os.path.join(seq, "rgbs", f"rgb_{idx:05d}.jpg")) as im:
            assert im.format == "JPEG"
            rgb = np.array(im)[:, :, :3]
        assert rgb.shape == (48, 80, 3) and rgb.dtype == np.uint8
        assert np.abs(rgb.astype(int) - image_8bit(gt.image)[..., :3]).mean() < 4
        # depths (3D loader): cv2.imread(ANYDEPTH) -> depth16 / 65535 * 1000; OpenCV is
        # not installed here: a 16-bit grey PNG, which PIL opens as mode "I;16".
        with Image.open(os.path.join(seq, "depths", f"depth_{idx:05d}.png")) as im:
            assert im.mode == "I;16"
            depth16 = np.array(im)
        assert depth16.dtype == np.uint16
        depth = depth16.astype(np.float32) / 65535.0 * 1000.0
        hit = np.isfinite(gt.depth)
        np.testing.assert_array_equal(depth16 == 0, ~hit)
        assert np.abs(depth[hit] - gt.depth[hit]).max() <= 0.5 * 1000 / 65535 + 1e-4
        # masks (training loader): Image.open -> np.array, 0 = holes it fills with
        # cv2.medianBlur(mask, 7), edges by cv2.Canny: both take 8-bit, one channel.
        with Image.open(os.path.join(seq, "masks", f"mask_{idx:05d}.png")) as im:
            mask = np.array(im)
        assert mask.dtype == np.uint8 and mask.shape == (48, 80)
        np.testing.assert_array_equal(mask, gt.instance_id)
    assert not (seq / "normals").exists() and notes[
        "frames without the normal output (no normals/; pips2's 3D loader needs them)"] == 8

    annotations = np.load(seq / "anno.npz")  # no pickles needed
    assert set(annotations.files) == {"trajs_2d", "trajs_3d", "visibs", "valids",
                                      "visibilities", "intrinsics", "extrinsics"}
    n = len(tracks)
    # Training and 3D loaders: visibs and valids as given.
    trajs_2d = annotations["trajs_2d"][full_idx].astype(np.float32)
    visibs = annotations["visibs"][full_idx].astype(np.float32)
    valids = annotations["valids"][full_idx].astype(np.float32)
    trajs_world = annotations["trajs_3d"][full_idx].astype(np.float32)
    pix_T_cams = annotations["intrinsics"][full_idx].astype(np.float32)
    cams_T_world = annotations["extrinsics"][full_idx].astype(np.float32)
    assert trajs_2d.shape == (8, n, 2) and trajs_world.shape == (8, n, 3)
    assert visibs.shape == valids.shape == (8, n)
    assert pix_T_cams.shape == (8, 3, 3) and cams_T_world.shape == (8, 4, 4)
    trajs_pix = _apply_pix_T_cam(pix_T_cams, _apply_4x4(cams_T_world, trajs_world))
    good = valids > 0
    np.testing.assert_allclose(trajs_pix[good], trajs_2d[good], atol=2e-3)
    np.testing.assert_array_equal(visibs > 0, tracks.visible)
    np.testing.assert_array_equal(good, tracks.valid)
    assert np.isnan(trajs_2d[~good]).all() and (~good).any()
    np.testing.assert_allclose(trajs_world[good], tracks.world[tracks.valid], atol=1e-5)
    # Full-sequence test loader: visibilities, 0 occluded, 1 visible, 2 invalid.
    codes = annotations["visibilities"][full_idx].astype(np.float32)
    np.testing.assert_array_equal((codes < 2).astype(np.float32), valids)
    np.testing.assert_array_equal((codes == 1).astype(np.float32), visibs * valids)
    assert set(np.unique(codes).tolist()) == {0.0, 1.0, 2.0}
    # The 3D loader's first filter drops every point NaN in some frame (not_huge).
    not_huge = np.sum(np.abs(trajs_world - trajs_world[0:1]), axis=(0, 2)) < 100
    np.testing.assert_array_equal(not_huge, tracks.valid.all(axis=0))


def test_pointodyssey_normals_and_masks_encodings():
    from blender_gt_addon.tracks.pointodyssey import mask_8bit, normal_8bit

    n = np.array([[[0, 0, 1], [1, 0, 0], [0, 0, 0], [-1, 0, 0]]], dtype=np.float32)
    np.testing.assert_array_equal(normal_8bit(n), [[[128, 128, 255], [255, 128, 128],
                                                    [128, 128, 128], [0, 128, 128]]])
    mask, wrapped = mask_8bit(np.array([[0, 1, 255, 256, 257]]))
    assert mask.tolist() == [[0, 1, 255, 1, 2]] and wrapped == 2


def test_the_npz_holds_every_field(tracks, tmp_path):
    path, _ = write(tracks, "npz", tmp_path / "t.npz")
    with np.load(path) as data:  # allow_pickle=False
        for key in ("frames", "query_frame", "query_index", "query_pixel", "object_point",
                    "uv", "world", "camera", "in_view", "visible", "valid", "reason", "K",
                    "world_to_camera"):
            np.testing.assert_array_equal(data[key], getattr(tracks, key), err_msg=key)
        assert data["object_name"].tolist() == tracks.object_name.tolist()
        assert data["reasons"].tolist() == ["deforms", "no pose", "no geometry record"]
        assert (int(data["width"]), int(data["height"])) == (80, 48)


def test_video_formats_need_the_folder_and_refuse_unknown_names(tracks, tmp_path):
    for fmt in ("tapvid", "tapvid3d", "pointodyssey"):
        with pytest.raises(reader.GroundTruthError, match="give the folder"):
            write(tracks, fmt, tmp_path)
    with pytest.raises(reader.GroundTruthError, match="no track format 'kubric'"):
        write(tracks, "kubric", tmp_path)
