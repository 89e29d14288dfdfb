# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keypoints on real renders (``helpers/scenes_keypoints.py``), against the geometry:
the cube's corners (empties) and vertex-group centres project to their geometric pixels
in every frame, their flags are exactly those of rays cast to them through the cube and
the occluder; an armature bending a mesh gives its deforming bones' ends where the pose
puts them, the ones inside or behind the body self-occluded. ``export --to
coco-keypoints`` of both, read back with pycocotools: OKS of the ground truth against
itself is 1."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scenes_keypoints as sk

from blender_gt_addon import export, reader
from blender_gt_addon.reader.keypoints import keypoints_of

pytestmark = pytest.mark.blender

TOLERANCE_PX = 0.01


@pytest.fixture(scope="session")
def keypoint_renders(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("keypoints")
    result = run_job("scenes_keypoints:render_keypoints", directory=str(out))
    return out, result.value


def _frames(out, scene):
    return {n: reader.read(out / scene / f"k_{n:04d}.exr") for n in sk.FRAMES}


def _ray_box(point, location, rotation) -> float:
    """Distance from the camera (origin) at which the ray to ``point`` enters the cube."""
    direction = point / np.linalg.norm(point)
    inverse = rotation.T
    origin_local, direction_local = inverse @ -np.asarray(location), inverse @ direction
    with np.errstate(divide="ignore"):
        t0 = (-sk.HALF - origin_local) / direction_local
        t1 = (sk.HALF - origin_local) / direction_local
    return float(np.minimum(t0, t1).max())


def _expected_flag(point, frame) -> str:
    """'out', 'other', 'self' or 'visible' for a world point on the cube, from rays."""
    uv = sk.project(point)[0]
    pixel = np.floor(uv + 0.5)
    if not (0 <= pixel[0] < sk.WIDTH and 0 <= pixel[1] < sk.HEIGHT):
        return "out"
    x0, x1, y0, y1 = sk.OCCLUDER_RECT
    scale = sk.OCCLUDER_Z / point[2]  # where the ray crosses the occluder's plane
    if x0 <= point[0] * scale <= x1 and y0 <= point[1] * scale <= y1:
        return "other"
    location, rotation = sk.cube_pose(frame)
    entry = _ray_box(point, location, sk.euler_xyz(*rotation))
    return "self" if entry < np.linalg.norm(point) - 0.05 else "visible"


def _flag(located, k) -> str:
    if not located.in_image[k]:
        return "out"
    if located.occluded_other[k]:
        return "other"
    if located.occluded_self[k]:
        return "self"
    assert located.visible[k]
    return "visible"


def test_cube_corners_project_to_their_geometric_pixels_in_every_frame(keypoint_renders):
    out, _ = keypoint_renders
    corners = sk.corner_names()
    for number, frame in _frames(out, "cube").items():
        found = frame.keypoints
        assert list(found) == ["Cube"]
        cube = found["Cube"]
        index = {name: k for k, name in enumerate(cube.names)}
        assert set(corners) <= set(index)
        for name, local in corners.items():
            world = sk.cube_points(number, [local])[0]
            expected = sk.project(world)[0]
            k = index[name]
            np.testing.assert_allclose(cube.world[k], world, atol=1e-5)
            assert np.abs(cube.uv[k] - expected).max() < TOLERANCE_PX, (number, name)
            # OpenCV camera axes: the camera looks down -Z, so z = -world z here.
            np.testing.assert_allclose(cube.camera[k], world * [1, -1, -1], atol=1e-5)
        assert cube.ids == tuple(key for key, pose in frame.poses.items()
                                 if pose.name == "Cube")
        assert len(cube.ids) == 1
        # The reader's property is the module's function on that frame.
        again = keypoints_of(frame, depth_tolerance=0.5)["Cube"]
        assert again.names == cube.names and np.array_equal(again.uv, cube.uv)


def test_vertex_group_keypoints_are_weighted_centres(keypoint_renders):
    out, _ = keypoint_renders
    for number, frame in _frames(out, "cube").items():
        cube = frame.keypoints["Cube"]
        index = {name: k for k, name in enumerate(cube.names)}
        for group, local in (("Top", (0, 0, sk.HALF)), ("Weighted", (0.25, -0.5, -0.5))):
            expected = sk.project(sk.cube_points(number, [local]))[0]
            assert np.abs(cube.uv[index[group]] - expected).max() < TOLERANCE_PX, group


def test_occluder_and_cube_give_exactly_the_flags_of_rays(keypoint_renders):
    out, _ = keypoint_renders
    corners = sk.corner_names()
    seen = {"out": 0, "other": 0, "self": 0, "visible": 0}
    for number, frame in _frames(out, "cube").items():
        cube = frame.keypoints["Cube"]
        index = {name: k for k, name in enumerate(cube.names)}
        for name, local in corners.items():
            world = sk.cube_points(number, [local])[0]
            expected = _expected_flag(world, number)
            assert _flag(cube, index[name]) == expected, (number, name)
            seen[expected] += 1
            coco = {"out": 0, "other": 1, "self": 1, "visible": 2}[expected]
            assert cube.v[index[name]] == coco
    # The scene is built so that every case happens: frame 1's left corners behind the
    # occluder, one hidden corner a frame, one corner out of view in frame 3.
    assert seen == {"out": 1, "other": 4, "self": 3, "visible": 16}


def test_a_corner_leaving_the_image_is_out_of_view(keypoint_renders):
    out, _ = keypoint_renders
    frames = _frames(out, "cube")
    cube = frames[3].keypoints["Cube"]
    k = cube.names.index("Cppp")
    assert cube.uv[k][0] > sk.WIDTH - 0.5  # past the right edge of the last column
    assert not cube.in_image[k] and cube.out_of_view[k] and cube.v[k] == 0
    assert not cube.visible[k] and cube.occluder[k] == 0
    assert all(frames[n].keypoints["Cube"].in_image[k] for n in (1, 2))


def test_bone_heads_and_tails_follow_the_pose(keypoint_renders):
    out, facts = keypoint_renders
    # Rendered as from the window: every frame's record waited for the main thread.
    assert facts["rig_pending"] == list(sk.FRAMES)
    for number, frame in _frames(out, "rig").items():
        found = frame.keypoints
        assert list(found) == ["Rig"]
        rig = found["Rig"]
        expected_names = {f"{b}:{end}" for b in sk.DEFORMING for end in ("head", "tail")}
        assert set(rig.names) == expected_names  # Control does not deform: not a keypoint
        body = [key for key, pose in frame.poses.items() if pose.name == "Body"]
        assert rig.ids == tuple(body)
        for bone, (head, tail) in sk.bone_ends(number).items():
            for end, world in (("head", head), ("tail", tail)):
                k = rig.names.index(f"{bone}:{end}")
                got = rig.uv[k]
                assert np.abs(got - sk.project(world)[0]).max() < TOLERANCE_PX, (number, bone)


def test_rig_skeleton_follows_the_bone_hierarchy(keypoint_renders):
    out, _ = keypoint_renders
    rig = reader.read(out / "rig" / "k_0002.exr").keypoints["Rig"]
    edges = {tuple(rig.names[i] for i in pair) for pair in rig.skeleton.tolist()}
    assert edges == {("Root:head", "Root:tail"), ("Arm:head", "Arm:tail"),
                     ("Hand:head", "Hand:tail"), ("Behind:head", "Behind:tail"),
                     ("Root:tail", "Arm:head"), ("Arm:tail", "Hand:head"),
                     ("Root:tail", "Behind:head")}


def test_bones_inside_or_behind_the_body_are_self_occluded(keypoint_renders):
    out, _ = keypoint_renders
    expected = {"Root:head": "self", "Root:tail": "self", "Arm:head": "self",
                "Behind:head": "self", "Behind:tail": "self",
                "Arm:tail": "visible", "Hand:head": "visible", "Hand:tail": "visible"}
    for number, frame in _frames(out, "rig").items():
        rig = frame.keypoints["Rig"]
        got = {name: _flag(rig, k) for k, name in enumerate(rig.names)}
        assert got == expected, number
        body = rig.ids[0]
        for name, flag in expected.items():
            k = rig.names.index(name)
            # Self-occluded: the pixel sees its own body, nearer than the keypoint.
            assert (rig.occluder[k] == body) == (flag == "self") or flag == "visible"
            assert rig.v[k] == (1 if flag == "self" else 2)


@pytest.fixture(scope="session")
def coco_keypoints(keypoint_renders, tmp_path_factory):
    out, _ = keypoint_renders
    written = {}
    for scene in ("cube", "rig"):
        target = tmp_path_factory.mktemp(f"coco-{scene}") / "annotations.json"
        export.export(out / scene, "coco-keypoints", target, jobs=1)
        written[scene] = target
    return out, written


def test_categories_and_annotations_follow_the_reader(coco_keypoints):
    pytest.importorskip("pycocotools")
    from pycocotools import mask as mask_api
    from pycocotools.coco import COCO

    out, written = coco_keypoints
    for scene, name in (("cube", "Cube"), ("rig", "Rig")):
        coco = COCO(str(written[scene]))
        (category,) = coco.loadCats(coco.getCatIds())
        assert category["name"] == name
        assert len(coco.getImgIds()) == 3
        for image_id in coco.getImgIds():
            frame = reader.read(out / scene / f"k_{image_id:04d}.exr")
            located = frame.keypoints[name]
            assert category["keypoints"] == list(located.names)
            # 1-based skeleton
            assert category["skeleton"] == (located.skeleton + 1).tolist()
            (ann,) = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
            triples = np.array(ann["keypoints"], dtype=np.float64).reshape(-1, 3)
            assert triples[:, 2].tolist() == located.v.tolist()
            seen = located.v > 0
            assert np.array_equal(triples[seen, :2], located.uv[seen])  # full float64
            assert (triples[~seen] == 0).all()
            assert ann["num_keypoints"] == int(seen.sum())
            np.testing.assert_array_equal(np.array(ann["keypoints_world"]), located.world)
            body = np.isin(frame.instance_id, located.ids)
            assert np.array_equal(mask_api.decode(ann["segmentation"]).astype(bool), body)
            assert ann["area"] == int(body.sum()) > 0
            rows, cols = np.nonzero(body)
            assert ann["bbox"] == [int(cols.min()), int(rows.min()),
                                   int(cols.max() - cols.min() + 1),
                                   int(rows.max() - rows.min() + 1)]
    states = json.loads(written["rig"].read_text())["annotations"][0]["keypoints_visibility"]
    assert "occluded_self" in states and "visible" in states


def test_oks_of_the_ground_truth_against_itself_is_one(coco_keypoints):
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    _, written = coco_keypoints
    for scene in ("cube", "rig"):
        truth = COCO(str(written[scene]))
        detections = [{"image_id": a["image_id"], "category_id": a["category_id"],
                       "keypoints": a["keypoints"], "score": 1.0}
                      for a in truth.loadAnns(truth.getAnnIds())]
        found = truth.loadRes(detections)
        evaluation = COCOeval(truth, found, iouType="keypoints")
        (category,) = truth.loadCats(truth.getCatIds())
        evaluation.params.kpt_oks_sigmas = np.full(len(category["keypoints"]), 0.05)
        evaluation.evaluate()
        similarities = [np.asarray(v) for v in evaluation.ious.values() if len(v)]
        assert len(similarities) == 3
        for oks in similarities:
            assert oks.shape == (1, 1) and oks[0, 0] == pytest.approx(1.0, abs=1e-12)
        evaluation.accumulate()
        evaluation.summarize()
        assert evaluation.stats[0] == pytest.approx(1.0)  # AP at OKS .50:.95


def test_npz_and_hdf5_carry_the_keypoints(keypoint_renders, tmp_path):
    out, _ = keypoint_renders
    frame = reader.read(out / "rig" / "k_0003.exr")
    rig = frame.keypoints["Rig"]
    export.export(out / "rig" / "k_0003.exr", "npz", tmp_path / "npz", jobs=1)
    with np.load(tmp_path / "npz" / "k_0003.npz") as saved:
        assert saved["keypoint_name"].tolist() == list(rig.names)
        assert set(saved["keypoint_object"].tolist()) == {"Rig"}
        assert np.array_equal(saved["keypoint_uv"], rig.uv)
        assert np.array_equal(saved["keypoint_world"], rig.world)
        assert np.array_equal(saved["keypoint_v"], rig.v)
        assert np.array_equal(saved["keypoint_occluded_self"], rig.occluded_self)
        assert np.array_equal(saved["keypoint_skeleton"], rig.skeleton)
    h5py = pytest.importorskip("h5py")
    export.export(out / "rig" / "k_0003.exr", "hdf5", tmp_path / "h5", jobs=1)
    with h5py.File(tmp_path / "h5" / "k_0003.h5") as h5:
        assert np.array_equal(h5["keypoint_camera"][()], rig.camera)
        assert np.array_equal(h5["keypoint_visible"][()], rig.visible)
        assert [n.decode() for n in h5["keypoint_name"][()]] == list(rig.names)


def test_the_keypoint_picture_draws_each_flag_at_its_pixel(keypoint_renders):
    pytest.importorskip("PIL")
    from blender_gt_addon.pictures import tiles
    from blender_gt_addon.pictures.keypoints import FLAG_COLOURS, keypoint_picture

    out, _ = keypoint_renders
    path = out / "rig" / "k_0003.exr"
    frame = reader.read(path)
    rig = frame.keypoints["Rig"]
    picture = keypoint_picture(frame)
    factor = picture.shape[1] // sk.WIDTH
    assert factor * sk.WIDTH >= 320 and picture.shape[0] == sk.HEIGHT * factor
    geo = tiles.geometry(sk.WIDTH, sk.HEIGHT, 1, None, None)
    video = tiles.draw_frame((str(path), ("keypoints",), tiles.Scales(), geo, None, ""))
    x0, y0 = geo.origin(0)
    assert geo.tile_w == factor * sk.WIDTH
    for k, name in enumerate(rig.names):
        flag = _flag(rig, k)
        wanted = FLAG_COLOURS["occluded_self" if flag == "self" else flag]
        x, y = ((rig.uv[k] + 0.5) * factor).astype(int)
        if flag == "visible":  # a filled dot: its colour at its centre
            assert tuple(picture[y, x]) == wanted, name
            assert tuple(video[y0 + y, x0 + x]) == wanted, name
        else:  # a ring: its colour around the centre
            ring = picture[y - factor:y + factor + 1, x - factor:x + factor + 1]
            assert (ring == wanted).all(axis=-1).any(), name


def test_keypoints_on_their_surface_lie_at_the_position_pass(keypoint_renders):
    from blender_gt_addon.check_keypoints import check_keypoints
    from blender_gt_addon.reader.keypoints import frame_errors

    out, _ = keypoint_renders
    for scene in ("cube", "rig"):
        result = check_keypoints(out / scene)
        assert result.frames == 3 and not result.failed, result.report()
        assert result.worst <= 1.0
    cube = check_keypoints(out / "cube")
    # Corners on the silhouette often show the background at their pixel: not checked.
    assert cube.passed and cube.checked >= 5, cube.report()
    # The same keypoints judged one frame late (frame 2's positions on frame 3's
    # render) are far from the surface: the check can fail.
    late = reader.read(out / "cube" / "k_0003.exr")
    moved = [r for r in frame_errors(late) if r[4]]
    assert moved
    position = late.position
    for obj, name, _, bound, _ in moved:
        k = late.keypoints[obj].names.index(name)
        before = reader.read(out / "cube" / "k_0002.exr").keypoints[obj].world[k]
        pixel = np.floor(late.keypoints[obj].uv[k] + 0.5).astype(int)
        assert np.linalg.norm(before - position[pixel[1], pixel[0]]) > bound, name


def test_the_check_command_proves_the_keypoints(keypoint_renders, capsys):
    from blender_gt_addon.cli import main

    out, _ = keypoint_renders
    code = main(["check", str(out / "cube"), "--keypoints", "--json"])
    found = json.loads(capsys.readouterr().out)
    assert found["keypoints"]["passed"] and found["keypoints"]["checked"] >= 5
    assert found["keypoints"]["failed"] == []
    assert code == 0  # the flow check of the same folder passes too
    code = main(["check", str(out / "cube"), "--keypoints"])
    assert "keypoints: " in capsys.readouterr().out


def test_webdataset_samples_carry_the_keypoints(keypoint_renders, tmp_path):
    import tarfile

    out, _ = keypoint_renders
    export.export(out / "rig", "webdataset", tmp_path / "wds", jobs=1)
    members = {}
    for shard in sorted((tmp_path / "wds").glob("*.tar")):
        with tarfile.open(shard) as tar:
            for info in tar.getmembers():
                members[info.name] = tar.extractfile(info).read()
    for number in sk.FRAMES:
        rig = reader.read(out / "rig" / f"k_{number:04d}.exr").keypoints["Rig"]
        saved = json.loads(members[f"k_{number:04d}.keypoints.json"])["Rig"]
        assert saved["names"] == list(rig.names)
        assert np.array_equal(np.array(saved["uv"]), rig.uv)
        assert saved["v"] == rig.v.tolist()
        assert saved["visibility"].count("occluded_self") == int(rig.occluded_self.sum()) == 5


def test_a_script_picks_keypoints_by_name_and_bone_parented_empties_join_the_rig(
        keypoint_renders):
    _, facts = keypoint_renders
    (entry,) = facts["rig_selection"]
    assert entry["object"] == "Rig" and entry["bodies"] == ["Body"]
    assert entry["names"] == ["Arm:head", "Arm:tail", "Nose"]
    assert entry["skeleton"] == [[0, 1]]  # Root is left out, so Arm has no parent edge
    head, tail = sk.bone_ends(2)["Arm"]
    _, hand_tail = sk.bone_ends(2)["Hand"]
    world = np.array(entry["world"])
    np.testing.assert_allclose(world, [head, tail, hand_tail], atol=1e-5)


def test_info_lists_the_keypoint_sets(keypoint_renders):
    from blender_gt_addon.describe import describe, text

    out, _ = keypoint_renders
    info = describe(out / "rig" / "k_0001.exr", ranges=False)
    assert info["keypoints"] == {"Rig": 8}
    assert "  keypoints: Rig (8)" in text(info).splitlines()
    assert describe(out / "cube" / "k_0001.exr", ranges=False)["keypoints"] == {"Cube": 10}
