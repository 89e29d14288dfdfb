# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keypoints without Blender: the record round trip at float64, the visibility layers on
synthetic depth and ids, the reader's ``gt.keypoints`` on a synthetic file, and damaged
records refused with one error naming the file."""

from __future__ import annotations

import json

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import frame_record, keypoints, reader
from blender_gt_addon.camera import Camera

H, W, F = 32, 40, 50.0
K = np.array([[F, 0, (W - 1) / 2], [0, F, (H - 1) / 2], [0, 0, 1]])
# World axes = OpenCV camera axes here (world_to_camera identity): z is depth.
CAMERA = Camera(K=K, world_to_camera=np.eye(4), width=W, height=H, clip_start=0.1,
                clip_end=100.0)
BOX_DEPTH = 5.0


def _set(world, names=None, skeleton=((0, 1),), bodies=("Box",)) -> keypoints.KeypointSet:
    world = np.asarray(world, dtype=np.float64)
    names = names or tuple(f"k{i}" for i in range(len(world)))
    return keypoints.KeypointSet(object="Thing", bodies=tuple(bodies), names=tuple(names),
                                 skeleton=np.array(skeleton, dtype=np.int64).reshape(-1, 2),
                                 world=world)


def _at(u, v, z) -> list[float]:
    """The world (= camera) point seen at pixel (u, v) at planar depth z."""
    return [(u - K[0, 2]) / F * z, (v - K[1, 2]) / F * z, z]


def test_the_record_keeps_float64_exactly():
    world = np.array([[0.1, 1 / 3, 7.000000000000001], [np.pi, -np.e, 1e-300]])
    item = _set(world, names=("a:head", "a:tail"))
    text = frame_record.encode(4, CAMERA, (), [keypoints.to_json(item)])
    back = keypoints.parse(list(frame_record.decode(text).keypoints))
    assert len(back) == 1
    assert back[0].names == ("a:head", "a:tail") and back[0].bodies == ("Box",)
    assert back[0].world.dtype == np.float64 and np.array_equal(back[0].world, world)
    assert back[0].skeleton.tolist() == [[0, 1]]
    assert '"keypoints"' not in frame_record.encode(4, CAMERA, ())


def test_visibility_layers_on_a_box_filling_the_view():
    depth = np.full((H, W), BOX_DEPTH, np.float32)
    ids = np.full((H, W), 7, np.int32)
    depth[:, :5], ids[:, :5] = np.inf, 0  # background on the left
    uv = np.array([[20.2, 10.4], [20.2, 10.4], [20.2, 10.4], [20.2, 10.4], [2.0, 3.0],
                   [-0.6, 3.0], [39.4, 31.4], [20.0, 10.0]])
    z = np.array([5.01, 6.0, 6.0, 4.0, 9.0, 5.0, 5.0, -1.0])
    own = [frozenset({7})] * 2 + [frozenset({3})] + [frozenset({7})] * 5
    got = keypoints.visibility(uv, z, own, depth, ids, clip_start=0.1)
    assert got["in_image"].tolist() == [True] * 5 + [False, True, False]
    assert got["visible"].tolist() == [True, False, False, True, True, False, True, False]
    # On the surface: its own body seen at its depth (within 1 %), not merely visible.
    assert got["on_surface"].tolist() == [True, False, False, False, False, False, True,
                                          False]
    assert got["occluded_self"].tolist() == [False, True] + [False] * 6
    assert got["occluded_other"].tolist() == [False, False, True] + [False] * 5
    assert got["occluder"].tolist() == [7, 7, 7, 7, 0, 0, 7, 0]
    np.testing.assert_allclose(got["tolerance"][0], 0.01 * 5.01)  # a flat face: no slope


def test_a_slope_widens_the_tolerance_by_the_filter_reach():
    u = np.arange(W, dtype=float)
    depth = np.broadcast_to(5.0 + 0.1 * u, (H, W)).astype(np.float32)  # 0.1 per column
    ids = np.full((H, W), 7, np.int32)
    uv = np.array([[20.4, 10.0]])  # pixel column 20: depth 7.0 at its centre
    # The surface at the pixel (7.0) is nearer than the keypoint by more than
    # t = 1 % of z + 1.5 px x 0.1 exactly when z > 7.15 / 0.99:
    limit = 7.15 / 0.99
    for z, visible in ((limit - 0.001, True), (limit + 0.001, False)):
        got = keypoints.visibility(uv, np.array([z]), [frozenset({7})], depth, ids)
        assert bool(got["visible"][0]) == visible, z
    # The keypoint 0.4 px right of the centre lies 0.04 deeper than the centre's 7.0:
    # t = 1 % of z + 1.5 px x 0.1 covers it.
    got = keypoints.visibility(uv, np.array([6.8]), [frozenset({7})], depth, ids)
    assert got["visible"][0] and got["on_surface"][0]
    got = keypoints.visibility(uv, np.array([7.5]), [frozenset({7})], depth, ids)
    assert got["occluded_self"][0] and not got["visible"][0]
    np.testing.assert_allclose(got["tolerance"][0], 0.075 + 0.15, rtol=1e-6)


def test_coco_flags_follow_the_layers():
    depth = np.full((H, W), BOX_DEPTH, np.float32)
    ids = np.full((H, W), 1, np.int32)
    item = _set([_at(10, 10, 5.0), _at(10, 10, 7.0), _at(-3, 10, 5.0)],
                skeleton=((0, 1), (1, 2)))
    located = keypoints.locate(item, CAMERA, {"Box": 1}, depth, ids)
    assert located.v.tolist() == [2, 1, 0]
    assert located.out_of_view.tolist() == [False, False, True]
    np.testing.assert_allclose(located.uv, [[10, 10], [10, 10], [-3, 10]], atol=1e-12)
    np.testing.assert_allclose(located.camera, located.world)
    assert located.ids == (1,)


def _file(folder, raw_keypoints, *, depth=True, ids=True, raw_text=None):
    record = frame_record.encode(3, CAMERA, (frame_record.ObjectRecord(
        "Box", 1, np.eye(4)),), raw_keypoints)
    if raw_text is not None:
        data = json.loads(record)
        data["keypoints"] = raw_text
        record = json.dumps(data)
    channels = {}
    if depth:
        channels["depth.V"] = np.full((H, W), BOX_DEPTH, np.float32)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": "0003", frame_record.KEY: record}
    if ids:
        bits = np.array([0x3F0A1B2C], np.uint32).view(np.float32)[0]
        channels["cryptomatte_object.r"] = np.full((H, W), bits, np.float32)
        for c in "gba":
            channels[f"cryptomatte_object.{c}"] = np.full((H, W), 1.0 if c == "g" else 0.0,
                                                          np.float32)
        header.update({"cryptomatte/f834d0a/name": "cryptomatte_object",
                       "cryptomatte/f834d0a/manifest": '{"Box":"3f0a1b2c"}',
                       "cryptomatte/f834d0a/hash": "MurmurHash3_32",
                       "cryptomatte/f834d0a/conversion": "uint32_to_float32"})
    if not channels:
        channels["image.R"] = np.zeros((H, W), np.float32)
    path = folder / "gt_0003.exr"
    OpenEXR.File(header, channels).write(str(path))
    return path


def test_the_reader_gives_keypoints_per_object(tmp_path):
    item = _set([_at(12.3, 7.7, 5.0), _at(30.0, 20.0, 6.5)], names=("nose", "tail"))
    gt = reader.read(_file(tmp_path, [keypoints.to_json(item)]))
    found = gt.keypoints
    assert list(found) == ["Thing"]
    thing = found["Thing"]
    np.testing.assert_allclose(thing.uv, [[12.3, 7.7], [30.0, 20.0]], atol=1e-9)
    assert thing.names == ("nose", "tail") and thing.ids == (1,)
    assert thing.visible.tolist() == [True, False]
    assert thing.occluded_self.tolist() == [False, True]
    assert thing.v.tolist() == [2, 1]
    assert reader.read(_file(tmp_path, [])).keypoints == {}


@pytest.mark.parametrize("raw, reason", [
    ("not a list", "not a list"),
    ("", "not a list"),
    ([{"object": "A", "names": ["a"], "world": [[1, 2]]}], "world"),
    ([{"object": "A", "names": ["a"], "world": [[1, 2, 3]], "skeleton": [[0, 1]]}],
     "skeleton index out of range"),
    ([{"object": 5, "names": [], "world": []}], "object"),
    ([{"object": "A", "names": ["a"], "world": [["x", 2, 3]]}], "world"),
    ([{"object": "A", "names": ["a"], "world": [[1e400, 2, 3]]}], "not finite"),
])
def test_a_damaged_keypoint_record_is_one_error_naming_the_file(tmp_path, raw, reason):
    path = _file(tmp_path, [], raw_text=raw)
    gt = reader.read(path)
    with pytest.raises(reader.GroundTruthError) as caught:
        _ = gt.keypoints
    assert str(caught.value).startswith(str(path))
    assert reason in str(caught.value)
    # The rest of the record still reads.
    assert gt.camera is not None and [p.name for p in gt.poses.values()] == ["Box"]


def test_keypoint_visibility_needs_depth_and_ids(tmp_path):
    item = _set([_at(10, 10, 5.0)], skeleton=())
    path = _file(tmp_path, [keypoints.to_json(item)], ids=False)
    with pytest.raises(reader.GroundTruthError, match="has no instance_id output"):
        _ = reader.read(path).keypoints


def test_flat_arrays_number_the_skeleton_across_sets(tmp_path):
    from blender_gt_addon.reader.keypoints import keypoint_arrays

    first = _set([_at(5, 5, 5.0), _at(6, 6, 5.0)], names=("a", "b"))
    second = keypoints.KeypointSet(object="Other", bodies=(), names=("c", "d", "e"),
                                   skeleton=np.array([[0, 2], [1, 2]]),
                                   world=np.array([_at(7, 7, 4.0), _at(8, 8, 6.0),
                                                   _at(50, 8, 6.0)]))
    gt = reader.read(_file(tmp_path, [keypoints.to_json(first), keypoints.to_json(second)]))
    arrays = keypoint_arrays(gt)
    assert arrays["keypoint_object"].tolist() == ["Thing"] * 2 + ["Other"] * 3
    assert arrays["keypoint_skeleton"].tolist() == [[0, 1], [2, 4], [3, 4]]
    # "Other" has no body: what its pixels show is another object, nearer or not.
    assert arrays["keypoint_v"].tolist() == [2, 2, 2, 1, 0]
    assert arrays["keypoint_occluded_other"].tolist() == [False] * 3 + [True, False]
    assert arrays["keypoint_on_surface"].tolist() == [True, True, False, False, False]


def test_an_orthographic_camera_projects_keypoints_along_parallel_rays():
    scale = 4.0  # pixels per scene unit
    K_ortho = np.array([[scale, 0, (W - 1) / 2], [0, scale, (H - 1) / 2], [0, 0, 1]])
    ortho = Camera(K=K_ortho, world_to_camera=np.eye(4), width=W, height=H,
                   clip_start=0.1, clip_end=100.0, type="ORTHO")
    depth = np.full((H, W), BOX_DEPTH, np.float32)
    ids = np.full((H, W), 1, np.int32)
    item = _set([[1.0, -2.0, 5.0], [1.0, -2.0, 9.0], [1.0, -2.0, -1.0]],
                skeleton=((0, 1),))
    located = keypoints.locate(item, ortho, {"Box": 1}, depth, ids)
    expected = [(W - 1) / 2 + 4.0, (H - 1) / 2 - 8.0]
    np.testing.assert_allclose(located.uv, [expected] * 3)  # depth does not move them
    # Behind the camera (z below clip start): out of view although its pixel exists.
    assert located.v.tolist() == [2, 1, 0]
