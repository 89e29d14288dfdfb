# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Point tracks on real renders, against the scene's geometry (``geometry_tracks``):
positions, occlusion by a wall, leaving the view, instanced copies, a deforming mesh,
files without mesh hashes, and the check against chained flow."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from geometry_tracks import (
    COPIES,
    CX,
    CY,
    FOCAL_PX,
    FRAMES,
    HEIGHT,
    MOVER_HALF,
    WALL_RECT,
    WALL_Z,
    WIDTH,
    copy_centre,
    mover_centre,
    project,
)

from blender_gt_addon import frame_record, reader
from blender_gt_addon.cli import main
from blender_gt_addon.exr import header
from blender_gt_addon.tracks import REASONS, track

pytestmark = pytest.mark.blender


def _expected_uv(tracks, points, centre) -> np.ndarray:
    """(T, M, 2): the query points moved as ``centre(frame)`` moves (pure translation),
    projected with the camera of the geometry (not the file's)."""
    start = tracks.world[0, points]
    found = []
    for frame in tracks.frames:
        moved = start + np.subtract(centre(frame), centre(FRAMES[0]))
        found.append([project(*p) for p in moved])
    return np.array(found)


def test_a_point_on_the_moving_cube_projects_to_its_known_pixel_in_every_frame(grid_tracks):
    tracks = grid_tracks
    assert tuple(tracks.frames) == FRAMES and (tracks.width, tracks.height) == (WIDTH, HEIGHT)
    cube = np.flatnonzero(tracks.object_name == "Mover")
    assert cube.size >= 20
    # The query points lie on the cube's surface (a face: one coordinate at +-half).
    on_face = np.abs(np.abs(tracks.object_point[cube]).max(axis=1) - MOVER_HALF)
    assert on_face.max() < 1e-4
    expected = _expected_uv(tracks, cube, mover_centre)
    error = np.abs(tracks.uv[:, cube] - expected).max()
    assert tracks.uv.dtype == np.float32 and error < 0.01, error
    # ... and in the query frame, inside the pixel it was chosen on.
    assert (np.abs(tracks.uv[0, cube] - tracks.query_pixel[cube]) <= 0.5).all()
    # Camera axes: OpenCV (z forward = the planar depth, 8 for the front face).
    front = cube[np.abs(tracks.object_point[cube, 2] - MOVER_HALF) < 1e-4]
    assert front.size >= 20
    np.testing.assert_allclose(tracks.camera[:, front, 2], 8.0, atol=1e-5)


def _first_hit(col: float, row: float, frame: int) -> tuple[str, int, int] | None:
    """What the ray through pixel centre (col, row) meets first in ``frame``: the wall,
    or the cube with the face it enters by (``("Mover", axis, sign)``); None else."""
    ray = np.array([(col - CX) / FOCAL_PX, -(row - CY) / FOCAL_PX, -1.0])
    x0, x1, y0, y1 = WALL_RECT
    at_wall = ray * -WALL_Z  # the ray's point at z = WALL_Z
    if x0 < at_wall[0] < x1 and y0 < at_wall[1] < y1:
        return ("Wall", 2, 1)
    low = np.array(mover_centre(frame)) - MOVER_HALF
    high = low + 2 * MOVER_HALF
    with np.errstate(divide="ignore"):
        t0, t1 = low / ray, high / ray
    near, far = np.minimum(t0, t1), np.maximum(t0, t1)
    axis = int(np.argmax(near))
    if near[axis] > far.min():
        return None
    return ("Mover", axis, 1 if ray[axis] < 0 else -1)  # entered against the ray


def test_it_turns_occluded_exactly_where_covered_and_out_of_view_when_it_leaves(grid_tracks):
    """Expected from the geometry: a cube point is visible when the ray through its
    pixel's centre (the pixel filter is 0.01 px) enters the cube by the point's own
    face; hidden when it meets the wall first, or another face (self-occlusion)."""
    tracks = grid_tracks
    cube = np.flatnonzero(tracks.object_name == "Mover")
    local = tracks.object_point[cube]
    axis = np.argmax(np.abs(local), axis=1)
    face = [(int(a), int(np.sign(local[i, a]))) for i, a in enumerate(axis)]
    uv = _expected_uv(tracks, cube, mover_centre)
    pixel = np.floor(uv + 0.5)  # OpenCV: integer coordinates at pixel centres
    in_view = (pixel[..., 0] >= 0) & (pixel[..., 0] < WIDTH)
    assert not (np.abs(uv[..., 0] - (WIDTH - 0.5)) < 1e-3).any()  # no point on the border
    seen = np.zeros_like(in_view)
    walled = np.zeros_like(in_view)
    for t, frame in enumerate(tracks.frames):
        for i in np.flatnonzero(in_view[t]):
            hit = _first_hit(*pixel[t, i], frame)
            walled[t, i] = hit is not None and hit[0] == "Wall"
            seen[t, i] = hit == ("Mover", *face[i])
    np.testing.assert_array_equal(tracks.in_view[:, cube], in_view)
    np.testing.assert_array_equal(tracks.visible[:, cube], seen)
    np.testing.assert_array_equal(tracks.occluded[:, cube], in_view & ~seen)
    # By construction: under the wall wholly in frame 4, never in 1, 2, 6-8 (at the
    # wall's edges in 3 and 5: as the rays say);
    # the right face's points are seen in frames 1 and 2 only;
    # leaving the image in frame 8.
    front = np.array([f == (2, 1) for f in face])
    hidden = walled[:, front].sum(axis=1)
    assert front.sum() >= 20 and hidden[3] == front.sum()
    assert hidden[[0, 1, 5, 6, 7]].sum() == 0
    right = np.array([f == (0, 1) for f in face])
    assert right.any() and seen[:2, right].all() and not seen[2:, right].any()
    # ... behind the wall in frames 3 and 4, behind the cube's own front face in 5 to 7
    # (same instance id: only the depth test can tell).
    assert walled[2:4, right].all() and (in_view & ~seen & ~walled)[4:7, right].all()
    assert 0 < (~in_view[7]).sum() < cube.size and in_view[:7].all()


def test_instanced_copies_track_independently(grid_tracks):
    tracks = grid_tracks
    for name in COPIES:
        points = np.flatnonzero(tracks.object_name == f"{name}/Pebble#0")
        assert points.size >= 3, name
        expected = _expected_uv(tracks, points, lambda f, n=name: copy_centre(n, f))
        assert np.abs(tracks.uv[:, points] - expected).max() < 0.01, name
        assert tracks.visible[:, points].all() and tracks.valid[:, points].all()
    # They move apart (5 px a frame each way): one pose for both would be 70 px off.
    top, bottom = (tracks.uv[:, tracks.object_name == f"{n}/Pebble#0", 0].mean(axis=1)
                   for n in COPIES)
    assert np.allclose(np.diff(top), -np.diff(bottom), atol=0.5) and np.diff(top)[0] > 4


def test_points_on_a_deforming_mesh_are_invalid_with_the_reason(grid_tracks, track_scene,
                                                                capsys):
    tracks = grid_tracks
    sheet = tracks.object_name == "Sheet"
    assert sheet.sum() >= 5
    assert tracks.valid[0, sheet].all() and tracks.visible[0, sheet].all()
    deforms = REASONS.index("deforms") + 1
    assert (tracks.reason[1:, sheet] == deforms).all()
    assert not tracks.valid[1:, sheet].any() and np.isnan(tracks.uv[1:, sheet]).all()
    assert not tracks.visible[1:, sheet].any() and not tracks.in_view[1:, sheet].any()
    # Rigid objects stay valid; the mesh hash of the rigid ones is the same every frame.
    assert tracks.valid[:, ~sheet].all()
    assert "invalid, deforms" in tracks.summary() and "Sheet" in tracks.summary()
    frames = [reader.read(p) for p in reader.open_sequence(track_scene).paths]
    hashes = [{p.name: p.geometry for p in f.poses.values()} for f in frames]
    assert all(h["Mover"] == hashes[0]["Mover"] for h in hashes)
    assert len({h["Sheet"] for h in hashes}) == len(FRAMES)


def test_points_of_a_deforming_mesh_queried_in_two_frames_are_valid_in_their_own(
        track_scene):
    """The sheet's mesh differs in every frame: a point chosen in frame 1 and one chosen
    in frame 4 are each valid in their own query frame only, judged against the hash of
    the frame they were chosen in."""
    tracks = track(track_scene, grid=2, query_frames=[FRAMES[0], FRAMES[3]])
    sheet = tracks.object_name == "Sheet"
    deforms = REASONS.index("deforms") + 1
    for number in (FRAMES[0], FRAMES[3]):
        mine = sheet & (tracks.query_frame == number)
        assert mine.sum() >= 5
        own = FRAMES.index(number)
        assert tracks.valid[own, mine].all()
        others = [t for t in range(len(FRAMES)) if t != own]
        assert (tracks.reason[others][:, mine] == deforms).all()


def _without_mesh_hashes(source, target) -> None:
    """Copy the frames, each header's record rewritten as earlier versions wrote it."""
    shutil.copytree(source, target)
    for path in reader.open_sequence(target).paths:
        text = reader.read(path).header[frame_record.KEY]
        data = json.loads(text)
        for item in data["objects"]:
            item.pop("geometry", None)
        assert header.finish_file(str(path), (), {frame_record.KEY: json.dumps(data)})


def test_files_without_mesh_hashes_are_flagged_unless_assume_rigid(track_scene, tmp_path):
    old = tmp_path / "old"
    _without_mesh_hashes(track_scene, old)
    assert all(p.geometry is None for p in reader.read(old / "t_0002.exr").poses.values())
    flagged = track(old, points=200)
    no_record = REASONS.index("no geometry record") + 1
    assert (flagged.reason[1:] == no_record).all() and flagged.valid[0].all()
    assert "no geometry record" in flagged.summary()
    rigid = track(old, points=200, assume_rigid=True)
    assert rigid.valid.all()  # the sheet too: rigid by request, as the option says
    fresh = track(track_scene, points=200)
    movers = rigid.object_name == "Mover"
    np.testing.assert_array_equal(rigid.uv[:, movers], fresh.uv[:, movers])


def test_the_command_writes_tracks_and_says_why_points_are_invalid(track_scene, tmp_path,
                                                                   capsys):
    out = tmp_path / "tracks.npz"
    assert main(["tracks", str(track_scene), "-o", str(out), "--grid", "2"]) == 0
    printed = capsys.readouterr().out
    assert "invalid, deforms" in printed and "Sheet" in printed and "ms a frame" in printed
    with np.load(out) as data:  # no pickles needed
        assert data["uv"].shape == (len(FRAMES), data["query_frame"].size, 2)
        assert set(data["object_name"].tolist()) >= {"Mover", "Sheet", "Back"}
    assert main(["tracks", str(track_scene), "-o", str(out), "--query-frames", "9"]) == 1
    assert "frame 9 is not in this sequence" in capsys.readouterr().err


def test_tracks_of_a_static_scene_agree_with_chained_flow(static_scene, capsys):
    from blender_gt_addon.tracks.verify import check_tracks

    result = check_tracks(static_scene, points=400)
    assert result.steps > 300 and set(result.median_by_frames) == {1, 2}
    assert result.median_error < 0.01, result.median_error
    assert result.in_view > 0 and result.passed
    assert main(["check", str(static_scene), "--tracks", "300"]) == 0
    printed = capsys.readouterr().out
    assert "forward flow chained over frames: median error" in printed
    assert "depth-ratio heuristic (0.97" in printed


def test_with_cycles_default_pixel_filter_query_points_pass_and_the_cube_is_exact(
        analytic_animation):
    """The analytic scene (``geometry.py``) renders with Cycles' default filter (1.5 px):
    depth and position come from a sample off the pixel centre. Every query point still
    passes the visibility test in its own frame, and the moving cube's points land where
    its motion puts them (``geometry.project``: pixel corners at integers, so - 0.5)."""
    import geometry

    out, _ = analytic_animation
    tracks = track(out, grid=1)
    assert not tracks.notes  # no query point fails in its own frame; position was there
    assert tracks.visible[0].all()
    cube = np.flatnonzero(tracks.object_name == "Moving")
    assert cube.size >= 30
    for t, frame in enumerate(tracks.frames):
        shift = np.subtract(geometry.moving_centre(frame), geometry.moving_centre(1))
        expected = np.array([geometry.project(*p) for p in tracks.world[0, cube] + shift])
        assert np.abs(tracks.uv[t, cube] - (expected - 0.5)).max() < 0.01
    assert tracks.visible[:, cube].all()  # in front of everything, facing the camera
