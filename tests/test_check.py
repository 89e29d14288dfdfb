# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt check``: flow against geometry, on synthetic frames (no Blender) whose
flow is computed here from known planes, cameras and poses, and on real renders."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import OpenEXR
import pytest

from blender_gt_addon import check, frame_record
from blender_gt_addon.camera import Camera
from blender_gt_addon.check import REASONS, check_folder, report
from blender_gt_addon.cli import main

H, W = 48, 64
K = np.array([[100.0, 0.0, 31.5], [0.0, 100.0, 23.5], [0.0, 0.0, 1.0]])
# Object "Box": a square facing camera 1, z = 6 in its axes, on pixels BOX (rows, cols).
BOX = (slice(16, 32), slice(20, 40))
BOX_Z = 6.0
# Plane "Back": n . X = c in camera-1 axes (tilted: depth from 8.8 to 11.6 over the image).
BACK_N, BACK_C = np.array([0.02, -0.03, 1.0]), 10.0
SKY_ROWS = 3  # the top rows see nothing (depth inf)
HASHES = {"Back": 0x3F0A1B2C, "Box": 0x40123456}  # float32 bits of ids 1 and 2


def _rotation(axis: str, degrees: float) -> np.ndarray:
    a = np.radians(degrees)
    c, s = np.cos(a), np.sin(a)
    i, j = {"x": (1, 2), "y": (2, 0), "z": (0, 1)}[axis]
    r = np.eye(3)
    r[i, i], r[i, j], r[j, i], r[j, j] = c, -s, s, c
    return r


def _rigid(rotation: np.ndarray, translation) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3], m[:3, 3] = rotation, translation
    return m


# Camera n (1, 2, 3): world -> OpenCV camera axes. Camera 1 is the world frame itself.
CAMERA_MOVES = {1: np.eye(4), 2: _rigid(_rotation("y", 2.0), (-0.3, 0.1, -0.2)),
                3: _rigid(_rotation("x", -1.5) @ _rotation("y", 3.0), (-0.5, 0.15, -0.3))}
STILL = {n: np.eye(4) for n in (1, 2, 3)}
# The box's object_to_world (scale 0.5 and a turn): it moves right and turns.
BOX_POSES = {n: _rigid(_rotation("z", 4.0 * n) @ _rotation("y", 3.0 * n) * 0.5,
                       (0.12 * n, -0.05 * n, 0.1 * n)) for n in (1, 2, 3)}
BACK_POSE = _rigid(np.eye(3), (0.0, 0.0, 10.0))


def _camera(w2c: np.ndarray) -> Camera:
    return Camera(K=K, world_to_camera=w2c, width=W, height=H, clip_start=0.1, clip_end=100.0)


def _scene_depth() -> np.ndarray:
    """Planar depth seen by camera 1: the back plane, the box in front, sky on top."""
    u, v = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    rays = np.stack([(u - K[0, 2]) / K[0, 0], (v - K[1, 2]) / K[1, 1], np.ones_like(u)], -1)
    depth = BACK_C / (rays @ BACK_N)  # z of the ray's hit: n . (z * ray) = c
    depth[BOX] = BOX_Z
    depth[:SKY_ROWS] = np.inf
    return depth


def _expected_flow(depth, w2c_now, w2c_next, box_now, box_next) -> np.ndarray:
    """Forward flow from the geometry, written out here: back-project through K, move the
    box's points rigidly, project with the next camera."""
    u, v = np.meshgrid(np.arange(W, dtype=float), np.arange(H, dtype=float))
    depth = np.where(np.isfinite(depth), depth, np.nan)
    cam = np.stack([(u - K[0, 2]) / K[0, 0] * depth, (v - K[1, 2]) / K[1, 1] * depth, depth], -1)
    world = (cam - w2c_now[:3, 3]) @ w2c_now[:3, :3]  # inverse of a rigid transform
    motion = box_next @ np.linalg.inv(box_now)
    moved = world.copy()
    moved[BOX] = world[BOX] @ motion[:3, :3].T + motion[:3, 3]
    cam2 = moved @ w2c_next[:3, :3].T + w2c_next[:3, 3]
    pix = cam2 @ K.T
    flow = np.stack([pix[..., 0] / pix[..., 2] - u, pix[..., 1] / pix[..., 2] - v], -1)
    flow[np.isnan(depth)] = 0.0  # Blender writes 0 where nothing was hit
    return flow


def _leaving(n: int, cameras=CAMERA_MOVES, box_poses=BOX_POSES) -> np.ndarray:
    """Pixels of frame n whose point is outside the image of frame n + 1."""
    depth = _scene_depth()
    flow = _expected_flow(depth, cameras[n], cameras[n + 1], box_poses[n], box_poses[n + 1])
    u = np.arange(W)[None, :] + flow[..., 0]
    v = np.arange(H)[:, None] + flow[..., 1]
    inside = (u >= -0.5) & (u <= W - 0.5) & (v >= -0.5) & (v <= H - 0.5)
    return ~inside & np.isfinite(depth)


def _float_bits(value: int) -> np.float32:
    return np.array([value], dtype=np.uint32).view(np.float32)[0]


# Each object's mesh hash per frame (frame_record.ObjectRecord.geometry): unchanged, rigid.
RIGID = {n: {"Back": "0123456789abcdef", "Box": "fedcba9876543210"} for n in (1, 2, 3)}


def write_frames(folder: Path, cameras=CAMERA_MOVES, box_poses=BOX_POSES, poses=True,
                 corrupt=None, frames=(1, 2, 3), hashes=RIGID) -> Path:
    """gt_0001.exr ... with depth, vector (from :func:`_expected_flow`), instance ids and
    the frame record; ``corrupt(flow)`` may spoil a frame's flow in place; ``hashes``
    (frame -> name -> mesh hash, or ``None``: none recorded) the record's mesh hashes."""
    folder.mkdir(parents=True, exist_ok=True)
    depth = _scene_depth()  # the same view in every frame: only flow matters to the check
    ids = np.where(np.isfinite(depth), 1, 0)
    ids[BOX] = 2
    for n in frames:
        nxt = n + 1 if n + 1 in cameras else n
        # Each frame's camera sees the same depth array: the check takes depth, cameras
        # and poses as given, so they need not be one consistent world.
        flow = _expected_flow(depth, cameras[n], cameras[nxt], box_poses[n], box_poses[nxt])
        if corrupt is not None:
            corrupt(n, flow)
        vector = np.zeros((H, W, 4), np.float32)
        vector[..., 2], vector[..., 3] = -flow[..., 0], flow[..., 1]  # conventions.forward_flow
        crypto = np.zeros((H, W, 4), np.float32)
        for value, name in ((1, "Back"), (2, "Box")):
            crypto[ids == value, 0] = _float_bits(HASHES[name])
            crypto[ids == value, 1] = 1.0
        mesh = (hashes or {}).get(n, {})
        objects = (frame_record.ObjectRecord("Back", 1, BACK_POSE, geometry=mesh.get("Back")),
                   frame_record.ObjectRecord("Box", 2, box_poses[n], geometry=mesh.get("Box"))
                   ) if poses else ()
        record = frame_record.encode(n, _camera(cameras[n]), objects)
        channels = {"depth.V": np.where(np.isfinite(depth), depth, 1e10).astype(np.float32)}
        channels.update({f"vector.{c}": np.ascontiguousarray(vector[..., i])
                         for i, c in enumerate("XYZW")})
        channels.update({f"cryptomatte_object.{c}": np.ascontiguousarray(crypto[..., i])
                         for i, c in enumerate("rgba")})
        manifest = {name: f"{h:08x}" for name, h in HASHES.items()}
        header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
                  "Frame": f"{n:04d}", frame_record.KEY: record,
                  "cryptomatte/f834d0a/name": "cryptomatte_object",
                  "cryptomatte/f834d0a/manifest": json.dumps(manifest),
                  "cryptomatte/f834d0a/hash": "MurmurHash3_32",
                  "cryptomatte/f834d0a/conversion": "uint32_to_float32"}
        OpenEXR.File(header, channels).write(str(folder / f"gt_{n:04d}.exr"))
    return folder


def _ring(mask: np.ndarray) -> np.ndarray:
    """Pixels within one pixel (3x3) of the border of ``mask``, on either side."""
    padded = np.pad(mask, 1, mode="edge")
    near = [padded[1 + dy:1 + dy + H, 1 + dx:1 + dx + W]
            for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return np.any([n != mask for n in near], axis=0)


def _expected_edges() -> np.ndarray:
    box = np.zeros((H, W), bool)
    box[BOX] = True
    sky = np.zeros((H, W), bool)
    sky[:SKY_ROWS] = True
    return (_ring(box) | _ring(sky)) & ~sky


@pytest.fixture
def frames(tmp_path):
    return write_frames(tmp_path / "moving")


def test_flow_from_geometry_passes_with_a_moving_camera_and_a_moving_object(frames):
    result = check_folder(frames)
    assert [(f.frame, f.next_frame) for f in result.frames] == [(1, 2), (2, 3)]
    assert result.without_successor == (3,) and result.notes == ()
    edges = _expected_edges()
    for f in result.frames:
        assert f.passed and f.within == 1.0
        assert f.max_error < 1e-3  # float32 flow in the file
        leaving = _leaving(f.frame) & ~edges
        assert leaving.sum() > 10  # the camera turns: the right border leaves the view
        assert f.unjudged == {"background": SKY_ROWS * W, "edge": int(edges.sum()),
                              "no pose": 0, "deforms": 0, "leaves view": int(leaving.sum())}
        assert f.deforming == ()
        assert f.judged == H * W - SKY_ROWS * W - edges.sum() - leaving.sum()
    assert result.passed


def test_the_prediction_moves_the_object_and_the_camera(frames):
    # The box's flow differs from the back plane's: the object's motion was applied.
    f = check_folder(frames).frames[0]
    from blender_gt_addon import reader

    flow = reader.read(frames / "gt_0001.exr").flow_forward
    assert abs(flow[24, 30, 0] - flow[24, 10, 0]) > 2.0
    assert np.isfinite(f.error[24, 30]) and f.error[24, 30] < 1e-3


def test_a_corrupted_flow_is_flagged_where_it_is_wrong(tmp_path):
    spoiled = (slice(36, 44), slice(4, 24))  # 160 pixels of the back plane, frame 2

    def corrupt(n, flow):
        if n == 2:
            flow[spoiled] += (0.6, -0.5)

    folder = write_frames(tmp_path / "spoiled", corrupt=corrupt)
    result = check_folder(folder)
    first, second = result.frames
    assert first.passed and not second.passed and not result.passed
    assert second.error[spoiled] == pytest.approx(np.hypot(0.6, 0.5), abs=1e-3)
    judged = second.reason == 0
    assert second.judged - int(np.count_nonzero(judged[spoiled])) == int(
        np.count_nonzero(second.error[judged] <= 0.5))
    assert main(["check", str(folder)]) == 1
    assert main(["check", str(folder), "--min-share", "0.8"]) == 0


def test_a_flow_off_by_half_a_pixel_fails(tmp_path):
    folder = write_frames(tmp_path / "shifted", corrupt=lambda n, flow: flow.__iadd__((0.51, 0)))
    result = check_folder(folder)
    assert not any(f.passed for f in result.frames)
    assert all(f.median_error == pytest.approx(0.51, abs=1e-3) for f in result.frames)


def test_objects_without_poses_are_not_judged_or_taken_as_static(tmp_path):
    folder = write_frames(tmp_path / "no_poses", poses=False)
    result = check_folder(folder)
    box = np.zeros((H, W), bool)
    box[BOX] = True
    not_edge = ~_expected_edges()
    for f in result.frames:
        # The back plane has an id and no pose either: only edges and sky are left out.
        assert f.judged == 0 and not f.passed
        assert f.unjudged["no pose"] == int((not_edge & (np.arange(H) >= SKY_ROWS)[:, None]).sum())
    assert "not judged" in result.notes[0]
    static = check_folder(folder, assume_static=True)
    for f in static.frames:
        # The back plane is static indeed; the box moves: its pixels are wrong.
        leaving = _leaving(f.frame, box_poses=STILL) & not_edge  # as if the box stayed
        assert f.judged == H * W - SKY_ROWS * W - (~not_edge).sum() - leaving.sum()
        judged = f.reason == 0
        assert np.all(f.error[box & judged] > 0.5)
        assert np.all(f.error[~box & judged] < 1e-3)
        assert not f.passed


def test_a_deforming_mesh_is_left_out_and_named_not_failed(tmp_path):
    """Issue 28.11: a mesh whose hash changes between t and t + 1 deforms (an armature,
    shape keys): its pose cannot predict its flow, so its pixels are not judged."""
    # The box's flow in the files is off by 3 px (as a deforming mesh's would be against
    # its rigid pose), and its mesh hash changes from frame 1 to 2 only.
    def spoil(n, flow):
        flow[BOX] += 3.0

    hashes = {n: dict(RIGID[n]) for n in (1, 2, 3)}
    hashes[2]["Box"] = hashes[3]["Box"] = "00000000deadbeef"
    folder = write_frames(tmp_path / "bent", corrupt=spoil, hashes=hashes)
    result = check_folder(folder)
    bent, rigid = result.frames  # 1 -> 2 deforms; 2 -> 3 has the same hash in both
    box = np.zeros((H, W), bool)
    box[BOX] = True
    assert bent.passed and bent.deforming == ("Box",)
    assert bent.unjudged["deforms"] == int((bent.reason[box] == 4).sum()) > 20
    assert np.isnan(bent.error[bent.reason == 4]).all()
    assert not rigid.passed and rigid.deforming == () and rigid.unjudged["deforms"] == 0
    printed = report(result)
    assert "deforms" in printed and "deforming, left out: Box" in printed
    assert "pose cannot predict its flow" in printed
    assert result.as_dict()["frames"][0]["deforming"] == ["Box"]


def test_files_without_mesh_hashes_are_taken_as_rigid_and_say_so(tmp_path):
    result = check_folder(write_frames(tmp_path / "old", hashes=None))
    assert result.passed and all(f.unjudged["deforms"] == 0 for f in result.frames)
    assert any("no mesh hash" in note for note in result.notes)


def test_points_leaving_the_view_are_not_judged(tmp_path):
    # The box flies 2 units to the right in the last step (at depth 6: 33 px), so its
    # right half leaves the image.
    poses = dict(BOX_POSES)
    poses[3] = _rigid(BOX_POSES[2][:3, :3], BOX_POSES[2][:3, 3] + (2.0, 0.0, 0.0))
    cameras = STILL
    folder = write_frames(tmp_path / "leaving", cameras=cameras, box_poses=poses)
    f = check_folder(folder).frames[1]
    depth = _scene_depth()
    expected = _expected_flow(depth, np.eye(4), np.eye(4), poses[2], poses[3])
    u = np.arange(W)[None, :] + expected[..., 0]
    outside = (u > W - 0.5) & ~_expected_edges() & np.isfinite(depth)
    assert outside.sum() > 20
    assert f.unjudged["leaves view"] == int(outside.sum())
    assert np.all(f.reason[outside] == REASONS.index("leaves view") + 1)
    assert f.passed


def test_the_edges_are_where_ids_or_depth_jump():
    depth = np.full((H, W), 5.0)
    depth[:, 30:] = 5.5  # one object, a step in depth
    edges = check.edge_mask(depth)
    assert np.array_equal(np.flatnonzero(edges.any(axis=0)), [29, 30])
    tilted = 1.0 / (0.1 + 0.003 * np.arange(W)[None, :] + 0.002 * np.arange(H)[:, None])
    assert not check.edge_mask(tilted + 0 * depth).any()  # a plane: inverse depth affine
    ids = np.zeros((H, W), int)
    ids[10:20, 10:20] = 3
    ring = check.edge_mask(np.full((H, W), 5.0), ids)
    assert ring.sum() == 12 * 12 - 8 * 8


def test_cli_prints_each_frame_and_writes_the_error_picture(frames, tmp_path, capsys):
    png = tmp_path / "errors.png"
    assert main(["check", str(frames), "--error-png", str(png)]) == 0
    out = capsys.readouterr().out
    assert "frame 1 -> 2: median error 0.000 px, 100.0% of" in out
    assert "not judged:" in out and "edge" in out and "background" in out
    assert "frame 3: no frame 4" in out
    from PIL import Image

    picture = np.asarray(Image.open(png))
    assert picture.shape == (2 * H + 2, W, 3)
    assert tuple(picture[0, 0]) == (200, 200, 200)  # nothing hit
    assert main(["check", str(frames), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["passed"] and data["frames"][0]["within"] == 1.0


def test_the_error_picture_shows_the_corrupted_pixels(tmp_path):
    def corrupt(n, flow):
        flow[36:44, 4:24] += 3.0

    result = check_folder(write_frames(tmp_path / "bad", corrupt=corrupt))
    picture = check.error_picture(result.frames[0])
    bright = picture[40, 10].astype(int).sum()
    dark = picture[40, 40].astype(int).sum()
    assert bright > dark + 200  # yellow against dark purple
    assert tuple(picture[0, 0]) == (200, 200, 200)
    assert tuple(picture[BOX[0].start, BOX[1].start]) == (0, 0, 0)  # an edge: not judged


def test_cli_check_of_a_folder_without_flow_is_one_line(tmp_path, capsys):
    folder = tmp_path / "noflow"
    folder.mkdir()
    channels = {"depth.V": np.ones((H, W), np.float32)}
    head = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
            "Frame": "0001", frame_record.KEY: frame_record.encode(1, _camera(np.eye(4)))}
    for n in (1, 2):
        head["Frame"] = f"{n:04d}"
        head[frame_record.KEY] = frame_record.encode(n, _camera(np.eye(4)))
        OpenEXR.File(head, channels).write(str(folder / f"gt_{n:04d}.exr"))
    assert main(["check", str(folder)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "has no 'vector' output" in err


def test_python_m_runs_check(frames):
    done = subprocess.run([sys.executable, "-m", "blender_gt_addon", "check", str(frames)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 frames checked, all passed" in done.stdout


# -- Real renders ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def moving_camera(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("check_camera")
    run_job("scenes_check:render_moving_camera", directory=f"{out}/")
    return out


@pytest.mark.blender
def test_rendered_flow_of_a_moving_camera_and_a_spinning_cube_matches_geometry(moving_camera):
    from blender_gt_addon import reader

    result = check_folder(moving_camera)
    assert [f.frame for f in result.frames] == [1, 2] and result.notes == ()
    first, second = reader.read(moving_camera / "c_0001.exr"), reader.read(moving_camera /
                                                                          "c_0002.exr")
    assert {p.name for p in first.poses.values()} >= {"Ground", "Spinner", "Tilted"}
    for f in result.frames:
        assert f.passed and f.within >= 0.99, f
        assert f.unjudged["no pose"] == 0
        assert f.judged > 0.3 * first.width * first.height
    # Not a vacuous pass: the camera moves, so judged pixels move several pixels...
    judged = result.frames[0].reason == 0
    flow = first.flow_forward
    assert np.median(np.hypot(flow[judged, 0], flow[judged, 1])) > 2.0
    # ... and the spinner moves on its own: taken as static, its pixels would be wrong.
    spinner = first.instance_id == {n: i for i, n in first.names.items()}["Spinner"]
    static, _ = check.predicted_flow(first.depth, first.camera, second.camera)
    wrong = np.hypot(*np.moveaxis(static - flow, -1, 0))[judged & spinner]
    assert wrong.size > 20 and np.median(wrong) > 1.0
    assert result.frames[0].error[judged & spinner].max() < 0.5
    assert main(["check", str(moving_camera)]) == 0


@pytest.mark.blender
def test_rendered_flow_of_a_moving_object_matches_geometry(analytic_animation):
    from geometry import MOVING

    from blender_gt_addon import reader

    out, _ = analytic_animation
    result = check_folder(out)
    assert [f.frame for f in result.frames] == [1, 2]
    for f in result.frames:
        assert f.passed and f.within >= 0.99, f
        assert f.unjudged["no pose"] == 0 and f.unjudged["leaves view"] == 0
    # The cube's judged pixels move 5 px right and 3 px down (geometry.MOVING_STEP).
    gt = reader.read(out / "gt_0001.exr")
    cube = gt.instance_id == {n: i for i, n in gt.names.items()}[MOVING[0]]
    judged = cube & (result.frames[0].reason == 0)
    assert judged.sum() > 10
    assert np.median(gt.flow_forward[judged], axis=0) == pytest.approx((5.0, 3.0), abs=0.01)
    # Cycles' default pixel filter reaches 1.5 px: beyond the 5x5 neighbourhood of an
    # edge no pixel holds blended flow.
    wide = check_folder(out, edge_radius=2)
    assert all(f.max_error < 0.5 for f in wide.frames)


@pytest.fixture(scope="module")
def bent(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("check_bent")
    run_job("scenes_check:render_bent", directory=f"{out}/")
    return out


@pytest.mark.blender
def test_a_mesh_bent_by_an_armature_is_left_out_and_the_rest_judged(bent, capsys):
    """Issue 28.11: a strip bent by an armature no longer fails the check; its pixels
    are not judged (``deforms``), the static back plane still is."""
    from blender_gt_addon import reader

    result = check_folder(bent)
    (f,) = result.frames
    assert f.passed and f.deforming == ("Body",), f
    first, second = reader.read(bent / "b_0001.exr"), reader.read(bent / "b_0002.exr")
    body_id = {n: i for i, n in first.names.items()}["Body"]
    body = first.instance_id == body_id
    assert first.poses[body_id].geometry != second.poses[body_id].geometry
    assert np.array_equal(first.poses[body_id].object_to_world,
                          second.poses[body_id].object_to_world)
    assert f.unjudged["deforms"] == int((body & (f.reason == 4)).sum()) > 40
    assert f.judged > 0.5 * first.width * first.height and f.max_error < 0.5
    # Not vacuous: the tip moves several pixels while its pose stays, so judged as
    # rigid (its pose's motion: none) a good share of its pixels would be wrong.
    rigid, _ = check.predicted_flow(first.depth, first.camera, second.camera)
    inner = body & ~check.edge_mask(first.depth, first.instance_id)
    wrong = np.hypot(*np.moveaxis(rigid - first.flow_forward, -1, 0))[inner] > 0.5
    assert inner.sum() > 20 and wrong.mean() > 0.25, wrong.mean()
    assert main(["check", str(bent)]) == 0
    assert "deforming, left out: Body" in capsys.readouterr().out
