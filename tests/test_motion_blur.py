# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A motion-blurred image with crisp ground truth in the same file (issue 26).

One job renders frame 2 of ``tests/helpers/scenes_blur.py`` (a thin emitting bar
moving 20 px a frame) four ways, the crisp image ticked too: motion blur off, and on
with the shutter centred on the frame, opening at it and closing at it. Expected
values come from the scene's geometry: the streak's length is ``v * s`` px, its
centre where the shutter position puts the middle of the exposure; the crisp image's
bar is its geometric width, at its frame-time column.
"""

from __future__ import annotations

import numpy as np
import pytest
import scenes_blur as sb

from blender_gt_addon import reader

pytestmark = pytest.mark.blender

# case: (shutter length in frames, middle of the exposure relative to the frame)
SHUTTERS = {"center": (0.5, 0.0), "start": (0.5, 0.25), "end": (0.25, -0.125)}


@pytest.fixture(scope="module")
def blurred(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("blur")
    facts = run_job("scenes_blur:render_blur", directory=str(out)).value
    frames = {case: reader.read(out / case / "gt_0002.exr") for case in ("off", *SHUTTERS)}
    return facts, frames


def _profile(image: np.ndarray) -> np.ndarray:
    """The bar's rows averaged: red channel per column."""
    first, last = sb.BAR_ROWS
    return image[first:last, :, 0].astype(np.float64).mean(axis=0)


def _centre_and_variance(profile: np.ndarray) -> tuple[float, float]:
    columns = np.arange(profile.size)
    mass = profile.sum()
    centre = (profile * columns).sum() / mass
    return centre, (profile * (columns - centre) ** 2).sum() / mass


@pytest.mark.parametrize("case", sorted(SHUTTERS))
def test_blurred_render_has_the_ground_truth_of_an_unblurred_one(blurred, case):
    _, frames = blurred
    off, gt = frames["off"], frames[case]
    np.testing.assert_allclose(gt.vector, off.vector, atol=0.01)
    np.testing.assert_array_equal(gt.depth, off.depth)
    np.testing.assert_array_equal(gt.object_index, off.object_index)
    np.testing.assert_array_equal(gt.instance_id, off.instance_id)
    np.testing.assert_allclose(gt.position, off.position, atol=1e-5)
    # Not trivially equal: the bar moves 20 px a frame, right (forward flow +20).
    bar = gt.object_index == 2
    assert bar.sum() >= 20 * 2
    # (The bar is 2 px wide: its edge pixels average its flow with the background's.)
    inside = np.isclose(gt.flow_forward[bar][:, 0], sb.BAR_STEP_PX, atol=0.01)
    assert inside.sum() >= 5


@pytest.mark.parametrize("case", sorted(SHUTTERS))
def test_image_is_a_streak_as_long_and_where_the_shutter_says(blurred, case):
    _, frames = blurred
    shutter, middle = SHUTTERS[case]
    crisp_centre, crisp_var = _centre_and_variance(_profile(frames["off"].image))
    centre, var = _centre_and_variance(_profile(frames[case].image))
    # A box shutter sweeps the bar over v*s px: the profile is the crisp one convolved
    # with a box of that length, whose variance is length^2 / 12.
    length = np.sqrt(12 * (var - crisp_var))
    assert length == pytest.approx(sb.BAR_STEP_PX * shutter, abs=1.0)
    assert crisp_centre == pytest.approx(sb.BAR_U2, abs=0.25)
    assert centre - crisp_centre == pytest.approx(sb.BAR_STEP_PX * middle, abs=0.5)
    # The light is spread, not lost: the same energy as the crisp bar (noise: 5 %).
    assert _profile(frames[case].image).sum() == pytest.approx(
        _profile(frames["off"].image).sum(), rel=0.05)


@pytest.mark.parametrize("case", sorted(SHUTTERS))
def test_crisp_image_is_the_bar_sharp_at_the_frame_time_beside_the_streak(blurred, case):
    _, frames = blurred
    gt = frames[case]
    shutter, middle = SHUTTERS[case]
    crisp = gt.crisp_image
    assert crisp.shape == (sb.HEIGHT, sb.WIDTH, 4) and crisp.dtype == np.float32
    np.testing.assert_allclose(crisp[..., 3], 1.0)  # the back plane covers the view
    # Sharp and at the frame's time, whatever the shutter position: each row of the bar
    # holds BAR_WIDTH_PX px of its radiance (+-1 px), centred on its frame-2 column.
    first, last = sb.BAR_ROWS
    red = crisp[..., 0].astype(np.float64)
    columns = np.arange(sb.WIDTH)
    for row in red[first:last]:
        assert row.sum() / sb.BAR_RADIANCE == pytest.approx(sb.BAR_WIDTH_PX, abs=1.0)
        assert (row * columns).sum() / row.sum() == pytest.approx(sb.BAR_U2, abs=0.25)
    # The same picture as the render without motion blur (noise: 1/8 of the radiance).
    np.testing.assert_allclose(crisp, frames["off"].image, atol=sb.BAR_RADIANCE / 8)
    # A deblurring pair: the file's image is the crisp one swept over v*s px (a box),
    # its middle where the shutter position puts the exposure's.
    crisp_centre, crisp_var = _centre_and_variance(_profile(crisp))
    centre, var = _centre_and_variance(_profile(gt.image))
    assert np.sqrt(12 * (var - crisp_var)) == pytest.approx(sb.BAR_STEP_PX * shutter, abs=1.0)
    assert centre - crisp_centre == pytest.approx(sb.BAR_STEP_PX * middle, abs=0.5)
    # Its footprint is the crisp ids': every pixel the bar fully covers has its id, and
    # every pixel with its id is at least partly covered (pixels half covered go either
    # way, and the two id passes may choose differently there).
    inside, touched = red > 0.75 * sb.BAR_RADIANCE, red > 0.25 * sb.BAR_RADIANCE
    assert inside[first:last].any(axis=1).all()
    for bar in (gt.instance_id == {n: i for i, n in gt.names.items()}["Bar"],
                gt.object_index == 2):
        assert not (inside & ~bar).any() and not (bar & ~touched).any()
        assert np.abs(bar[first:last].sum(axis=1) - sb.BAR_WIDTH_PX).max() <= 1


def test_crisp_image_without_motion_blur_is_the_image(blurred):
    _, frames = blurred
    off = frames["off"]
    assert off.passes[-1] == "crisp_image"
    np.testing.assert_array_equal(off.crisp_image, off.image)


def test_exports_carry_the_crisp_image(blurred, tmp_path):
    import io
    import tarfile

    from blender_gt_addon import exporters

    _, frames = blurred
    gt = frames["center"]
    exporters.export(gt.path, "npz", tmp_path / "npz", jobs=1)
    with np.load(tmp_path / "npz" / "gt_0002.npz") as npz:
        np.testing.assert_array_equal(npz["crisp_image"], gt.crisp_image)
        np.testing.assert_array_equal(npz["image"], gt.image)
    h5py = pytest.importorskip("h5py")  # in every venv that renders (the export extra)
    exporters.export(gt.path, "hdf5", tmp_path / "h5", jobs=1)
    with h5py.File(tmp_path / "h5" / "gt_0002.h5") as h5:
        np.testing.assert_array_equal(h5["crisp_image"][()], gt.crisp_image)
    result = exporters.export(gt.path, "webdataset", tmp_path / "wds", jobs=1)
    shards = [p for p in result.files if p.suffix == ".tar"]
    with tarfile.open(shards[0]) as tar:
        member = tar.extractfile("gt_0002.crisp_image.npy")
        np.testing.assert_array_equal(np.load(io.BytesIO(member.read())), gt.crisp_image)


def test_data_come_from_the_crisp_layer_and_the_users_layer_is_untouched(blurred):
    facts, _ = blurred
    assert facts["off"]["data_layer"] is None
    assert facts["off"]["layers"] == [["ViewLayer", True, 0, True]]
    for case in SHUTTERS:
        assert facts[case]["data_layer"] == "Ground Truth crisp"
        # name, renders, samples (the setting), motion blur off
        assert facts[case]["layers"][1] == ["Ground Truth crisp", True, sb.SAMPLES, False]
        # The user's layer keeps its motion blur; the add-on turned none of its passes on.
        assert facts[case]["user_layer"] == {"name": "ViewLayer", "use_motion_blur": True,
                                             "samples": 0, "passes": []}
        assert facts[case]["files"] == (["gt_0002.exr", "gt_0003.exr"] if case == "center"
                                        else ["gt_0002.exr"])
        assert facts[case]["problems"] == []
    # Unticking every output gives the scene back as it was.
    assert facts["unticked"]["layers"] == ["ViewLayer"]
    assert facts["unticked"]["user_layer"]["passes"] == []


def test_check_passes_on_a_blurred_render(blurred):
    # blender-gt check: the crisp flow against depth, cameras and the recorded poses.
    from blender_gt_addon import check

    _, frames = blurred
    first = frames["center"]
    second = reader.read(first.path.parent / "gt_0003.exr")
    result = check.check_pair(first, second)
    assert result.passed and result.judged > 1000
    assert result.median_error < 0.01


def test_motion_blur_switched_on_later_is_said_and_set_up_by_the_render(blurred):
    facts, _ = blurred
    before = facts["center"]["problems_before"]
    assert [level for level, _ in before] == ["ERROR"]
    assert "Motion blur was turned on" in before[0][1]
    # The render (from a script: main thread) set the crisp layer up in time.
    assert facts["center"]["problems"] == []


@pytest.mark.parametrize("case", sorted(SHUTTERS))
def test_shutter_is_recorded(blurred, case):
    _, frames = blurred
    length, middle = SHUTTERS[case]
    shutter = frames[case].shutter
    assert (shutter.position, shutter.length, shutter.time) == (case.upper(), length, 2.0)
    # The exposure the streak showed: its middle at frame + middle.
    assert (shutter.open + shutter.close) / 2 == pytest.approx(2.0 + middle, abs=1e-9)
    assert shutter.close - shutter.open == pytest.approx(length, abs=1e-9)
    assert shutter.is_box and shutter.curve[0] == (0.0, 1.0)
    for instant, time in ((shutter.at_open, shutter.open), (shutter.at_close, shutter.close)):
        assert instant.time == time
        assert sorted(o.name for o in instant.objects) == ["Back", "Bar", "Blob"]
    assert frames["off"].shutter is None


@pytest.mark.parametrize("case", sorted(SHUTTERS))
def test_exposure_motion_of_a_translation_is_v_times_the_time(blurred, case):
    _, frames = blurred
    gt = frames[case]
    motion = gt.exposure_motion
    shutter = gt.shutter
    ids = {name: i for i, name in gt.names.items()}
    bar = gt.instance_id == ids["Bar"]
    assert bar.sum() >= 20
    for values, time in ((motion.open, shutter.open), (motion.close, shutter.close)):
        # The bar moves BAR_STEP_PX px a frame, right, at constant speed.
        np.testing.assert_allclose(values[bar][:, 0], sb.BAR_STEP_PX * (time - 2.0), atol=0.01)
        np.testing.assert_allclose(values[bar][:, 1], 0.0, atol=0.01)
        back = gt.instance_id == ids["Back"]
        np.testing.assert_allclose(values[back], 0.0, atol=1e-6)
    # Open to close: v * s, the streak's length.
    np.testing.assert_allclose(motion.close[bar][:, 0] - motion.open[bar][:, 0],
                               sb.BAR_STEP_PX * shutter.length, atol=0.01)
    # The deforming square is marked, never guessed.
    blob = gt.instance_id == ids["Blob"]
    assert blob.sum() > 10
    assert motion.deforming[blob].all() and not motion.deforming[~blob].any()
    assert not motion.valid[blob].any()
    for values, time in ((motion.open, shutter.open), (motion.close, shutter.close)):
        # Unknown at an end of the exposure where the mesh differs; none at the frame.
        assert (np.isnan(values[blob]).all() if time != 2.0
                else (np.abs(values[blob]) < 1e-6).all())
    assert motion.left_out == {"Blob": "deforms"}
    assert motion.valid[bar | back].all()


def test_exposure_motion_of_an_unblurred_frame_is_refused(blurred):
    _, frames = blurred
    with pytest.raises(reader.GroundTruthError, match="no shutter record"):
        _ = frames["off"].exposure_motion


def _row_time(row, opening: float = 1.75):
    """Row ``row``'s time in frame 2 (rows of sb.HEIGHT, shutter 0.5 opening at
    ``opening``, duration 0), continuous in the row: written out independently of the
    add-on's formula, (r + 1) / H of the exposure for row r from the top."""
    return opening + 0.5 * (np.asarray(row, dtype=np.float64) + 1) / sb.HEIGHT


@pytest.fixture(scope="module")
def rolling(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("rolling")
    facts = run_job("scenes_blur:render_rolling", directory=str(out)).value
    return facts, reader.read(out / "gt_0002.exr")  # and gt_0003.exr


def test_rolling_shutter_rows_follow_the_row_time_formula(rolling):
    facts, gt = rolling
    height = gt.height
    rows = np.arange(height)
    expected = _row_time(rows)  # shutter 0.5 centred on frame 2
    np.testing.assert_allclose(gt.row_times, expected, atol=1e-12)
    # The camera recorded at each row's time: it moves CAMERA_STEP_PX px a frame at the
    # bar's depth, right (OpenCV world to camera: translation -x).
    cameras = gt.shutter.row_world_to_camera
    assert cameras.shape == (height, 4, 4)
    camera_x = (expected - 2.0) * sb.CAMERA_STEP_PX * sb.BAR_Z / sb.F_PX
    np.testing.assert_allclose(cameras[:, 0, 3], -camera_x, atol=1e-6)
    # The image: each row sees the bar where it was at that row's time, relative to the
    # camera: 20 - 5 = 15 px a frame. Measured within 0.05 px; +-0.5 px allowed.
    image = gt.image[..., 0].astype(np.float64)
    centres = (image * np.arange(gt.width)).sum(axis=1) / image.sum(axis=1)
    relative = sb.BAR_STEP_PX - sb.CAMERA_STEP_PX
    predicted = sb.BAR_U2 + relative * (expected - 2.0)
    assert np.abs(centres - predicted).max() <= 0.5
    slope = np.polyfit(rows, centres, 1)[0]
    assert slope == pytest.approx(relative * 0.5 / height, abs=0.01)
    # The crisp image has neither blur nor rolling shutter: every row sees the bar at
    # its frame-2 column (the camera is at its frame-2 place then).
    crisp = gt.crisp_image[..., 0].astype(np.float64)
    crisp_centres = (crisp * np.arange(gt.width)).sum(axis=1) / crisp.sum(axis=1)
    np.testing.assert_allclose(crisp_centres, sb.BAR_U2, atol=0.25)
    # The plain data stay crisp at the frame's time (the rolling-shutter outputs are
    # what each row saw: next test); exact rows, so nothing to warn about.
    bar = gt.object_index == 2
    assert np.isclose(gt.flow_forward[bar][:, 0], relative, atol=0.01).sum() >= height // 2
    assert facts["problems"] == []


def test_rolling_shutter_outputs_are_what_each_row_saw_at_its_time(rolling):
    _, gt = rolling
    rows = np.arange(gt.height)
    times = _row_time(rows)
    depth, index = gt.rolling_depth, gt.rolling_object_index
    # The back plane moves along the view axis: each row sees it at its depth at the
    # row's time (1e-4 relative), while the plain depth is the frame's (10) everywhere.
    back = index == 1
    assert back.sum(axis=1).min() >= 20  # every row sees the back plane
    expected = sb.back_depth(times)
    row_of = np.broadcast_to(rows[:, None], depth.shape)
    np.testing.assert_allclose(depth[back], expected[row_of[back]], rtol=1e-4)
    assert np.ptp(expected) > 0.45  # the test can tell the rows apart
    np.testing.assert_allclose(gt.depth[gt.object_index == 1], sb.BACK_Z, rtol=1e-5)
    # Its position: on the plane at the row's time, and where the row's camera puts the
    # pixel's centre (the row cameras in the file agree with the data).
    position = gt.rolling_position
    np.testing.assert_allclose(-position[back][:, 2], expected[row_of[back]], rtol=1e-4)
    K, w2c = gt.camera.K, gt.shutter.row_world_to_camera
    both = np.isfinite(depth) & np.isfinite(position).all(axis=-1)
    r, c = np.nonzero(both)
    world = np.concatenate([position[r, c], np.ones((len(r), 1))], axis=1)
    cam = np.einsum("nij,nj->ni", w2c[r], world)[:, :3]
    uv = cam[:, :2] / cam[:, 2:] * [K[0, 0], K[1, 1]] + [K[0, 2], K[1, 2]]
    assert np.median(np.hypot(uv[:, 0] - c, uv[:, 1] - r)) < 0.05
    np.testing.assert_allclose(cam[:, 2][index[r, c] == 1], depth[r, c][index[r, c] == 1],
                               rtol=1e-4)
    # The ids: each row sees the bar where the image's row does (the row's time),
    # 15 px a frame relative to the camera, not at its frame-2 column.
    relative = sb.BAR_STEP_PX - sb.CAMERA_STEP_PX
    columns = np.arange(gt.width)
    on_bar = index == 2
    assert on_bar.any(axis=1).all()
    centres = (on_bar * columns).sum(axis=1) / on_bar.sum(axis=1)
    np.testing.assert_allclose(centres, sb.BAR_U2 + relative * (times - 2.0), atol=0.51)
    image = gt.image[..., 0].astype(np.float64)
    seen = (image * columns).sum(axis=1) / image.sum(axis=1)
    assert np.abs(centres - seen).max() <= 0.6


def test_preview_draws_the_crisp_image_and_the_rows_depth_where_they_differ(
        blurred, rolling, tmp_path):
    from blender_gt_addon.pictures import preview

    _, frames = blurred
    # Without motion blur the crisp image is the image again: one tile, not two.
    assert "crisp_image" in frames["off"].passes
    assert "crisp_image" not in preview.preview_layers(frames["off"])
    assert preview.preview_layers(frames["center"])[:2] == ["image", "crisp_image"]
    assert "rolling_depth" not in preview.preview_layers(frames["center"])
    _, gt = rolling
    drawn = preview.preview_layers(gt)
    assert drawn.index("rolling_depth") == drawn.index("depth") + 1
    out = preview.save_preview(gt, tmp_path / "rolling.png")
    assert out.stat().st_size > 10_000


def test_video_draws_the_deblurring_pair_side_by_side(blurred, tmp_path):
    from blender_gt_addon.pictures import video

    _, frames = blurred
    gt = frames["center"]
    pictures = {}
    video.make_video(gt.path.parent, tmp_path / "pair.gif", layout="image,crisp_image",
                     jobs=1, on_frame=lambda i, picture: pictures.setdefault(i, picture))
    assert (tmp_path / "pair.gif").stat().st_size > 1000
    picture = pictures[0].astype(np.int32)
    half = picture.shape[1] // 2
    # Along a row through the middle of the tiles (below the label bars): the blurred
    # tile's streak is wider than the crisp tile's bar (10 px against 2 px rendered).
    row = picture[int(picture.shape[0] * 0.6)]
    width_of = [int((row[side, 0] > 60).sum()) for side in (slice(0, half), slice(half, None))]
    assert width_of[0] > 2 * width_of[1] > 0, width_of


def test_exposure_motion_of_a_rolling_shutter_frame_is_refused_in_words(rolling):
    # The whole shutter's motion is no row's blur (each row here is one instant).
    _, gt = rolling
    with pytest.raises(reader.GroundTruthError, match="rolling shutter, each row exposed "
                       "for 0 frames around its own time") as caught:
        _ = gt.exposure_motion
    assert str(caught.value).startswith(f"{gt.path}: ")


def test_info_says_the_shutter_and_the_rolling_rows(rolling):
    from blender_gt_addon import describe

    _, gt = rolling
    info = describe.describe(gt.path, ranges=False)
    assert info["shutter"] == {"position": "CENTER", "length": 0.5, "time": 2.0,
                               "open": 1.75, "close": 2.25, "rolling": "TOP",
                               "rolling_duration": 0.0, "moving": ["Back", "Bar"]}
    text = describe.text(info)
    assert "motion blur: shutter 0.5 frames, center (1.75..2.25); data at 2" in text
    assert "rolling shutter top, duration 0, row poses of 2 moving objects" in text


def test_rolling_shutter_rows_are_proved_by_check_rows(rolling, capsys):
    from blender_gt_addon.check_rolling import check_frame, check_rows_folder, report
    from blender_gt_addon.cli import main

    _, gt = rolling
    # The poses of the objects that move during the exposure, at each row's time: the
    # back plane on its keyed path, the still blob not among them.
    times = gt.row_times
    moving = gt.shutter.row_object_to_world
    assert sorted(moving) == ["Back", "Bar"]
    np.testing.assert_allclose(moving["Back"][:, 2, 3],
                               -sb.back_depth(times), atol=1e-6)
    proved = check_frame(gt)
    assert proved.passed and proved.judged > 0.8 * gt.width * gt.height, proved
    assert proved.median_error < 0.01 and proved.median_depth_error < 1e-5, proved
    assert proved.frame_judged > 0.6 * gt.width * gt.height, proved
    assert proved.frame_median_error < 1e-5, proved
    # The frame-time position in place of the rows': off by the camera's and the
    # objects' motion between the frame's time and each row's; the check fails it.
    wrong = check_frame(gt, position=gt.position)
    assert not wrong.passed and wrong.within < 0.5 and wrong.median_error > 0.2, wrong
    # The rolling flow against frame 3's own render: each point is where the flow says
    # frame 3 sees it; a flow off by 1 px shows as 1 px and fails.
    later = reader.read(gt.path.parent / "gt_0003.exr")
    both = check_frame(gt, later)
    assert both.passed and both.next_judged > 0.4 * gt.width * gt.height, both
    assert both.next_median_error < 0.01, both
    from blender_gt_addon.reader.rolling import rolling_flow

    shifted = rolling_flow(gt, later).flow + np.float32([1.0, 0.0])
    off = check_frame(gt, later, flow=shifted)
    assert not off.passed and abs(off.next_median_error - 1.0) < 0.05, off
    folder = gt.path.parent
    assert [k.frame for k in check_rows_folder(folder)] == [2, 3]
    assert main(["check", str(folder), "--rows"]) == 0  # flow 2 -> 3 too
    printed = capsys.readouterr().out
    assert "rows: 2 frames checked, all passed" in printed
    assert "rows: 1 frames checked, all passed" in report([proved])


def test_rolling_flow_finds_each_point_in_the_next_frames_rows(rolling):
    from blender_gt_addon.reader.rolling import rolling_flow

    _, gt = rolling
    later = reader.read(gt.path.parent / "gt_0003.exr")
    found = rolling_flow(gt, later)
    index, position = gt.rolling_object_index, gt.rolling_position
    # The bar and the camera move sideways only: each point stays in its row, one
    # frame later, 20 - 5 px to the right.
    bar = index == 2
    assert found.valid[bar].all()
    expected = np.broadcast_to([sb.BAR_STEP_PX - sb.CAMERA_STEP_PX, 0.0], found.flow[bar].shape)
    np.testing.assert_allclose(found.flow[bar], expected, atol=0.01)
    # The back plane comes nearer: its points move away from the centre, to another
    # row, whose own time sets how far. Solved here from the plane's and the camera's
    # keyed paths alone (a fixed point in the continuous row).
    back = (index == 1) & found.valid
    assert back.sum() > 0.5 * (index == 1).sum()
    r, c = np.nonzero(back)
    x, y = position[r, c, 0].astype(np.float64), position[r, c, 1].astype(np.float64)
    row = r.astype(np.float64)
    for _ in range(50):
        time = _row_time(row) + 1.0
        depth = sb.back_depth(time)
        camera_x = (time - 2.0) * sb.CAMERA_STEP_PX * sb.BAR_Z / sb.F_PX
        row = sb.CY - sb.F_PX * y / depth
    u = sb.CX + sb.F_PX * (x - camera_x) / depth
    expected = np.stack([u - c, row - r], axis=1)
    assert np.abs(expected[:, 1]).max() > 0.5  # some points change rows
    np.testing.assert_allclose(found.flow[r, c], expected, atol=0.01)


def test_rolling_depth_is_along_each_rows_camera_when_the_camera_moves_along_its_axis(
        run_job, tmp_path):
    import OpenEXR

    from blender_gt_addon.check_rolling import check_frame

    run_job("scenes_blur:render_rolling_dolly", directory=str(tmp_path), position="START")
    gt = reader.read(tmp_path / "gt_0002.exr")
    times = _row_time(np.arange(gt.height), opening=2.0)  # START: [2, 2.5]
    np.testing.assert_allclose(gt.row_times, times, atol=1e-12)
    wall = gt.rolling_object_index == 1
    rows = np.nonzero(wall)[0]
    # The still wall seen by each row's camera, which has come (t - 2) m nearer.
    expected = sb.BACK_Z - sb.DOLLY_STEP * (times - 2.0)
    np.testing.assert_allclose(gt.rolling_depth[wall], expected[rows], rtol=1e-4)
    # What Cycles wrote (prove which): the depth along the camera at the exposure's
    # middle (2.25) for every row, 9.75, not each row's; the reader converts it.
    exr = OpenEXR.File(str(gt.path), separate_channels=True)
    raw = np.asarray(exr.parts[0].channels["rolling_depth.V"].pixels)
    np.testing.assert_allclose(raw[wall], sb.BACK_Z - sb.DOLLY_STEP * 0.25, rtol=1e-5)
    middle = gt.shutter.depth_world_to_camera
    assert middle[2, 3] == pytest.approx(-0.25 * sb.DOLLY_STEP, abs=1e-6)  # z = -0.25 then
    # The crisp depth is the frame camera's (the frame's time, 2.0): 10.
    np.testing.assert_allclose(gt.depth[gt.object_index == 1], sb.BACK_Z, rtol=1e-5)
    proved = check_frame(gt)
    assert proved.passed and proved.median_depth_error < 1e-5, proved


def test_exports_carry_the_rolling_shutter_outputs(rolling, tmp_path):
    from blender_gt_addon import exporters

    _, gt = rolling
    exporters.export(gt.path, "npz", tmp_path / "npz", jobs=1)
    with np.load(tmp_path / "npz" / "gt_0002.npz") as npz:
        for layer in ("rolling_depth", "rolling_position", "rolling_object_index"):
            np.testing.assert_array_equal(npz[layer], gt.get(layer))
        assert npz["rolling_object_index"].dtype == np.int32


def test_stereo_pair_with_motion_blur_has_crisp_views_and_their_shutters(run_job, tmp_path):
    facts = run_job("scenes_blur:render_blur_stereo", directory=str(tmp_path)).value
    assert [f for f in facts["files"] if f.endswith(".exr")] == ["gt_0002_L.exr",
                                                                   "gt_0002_R.exr"]
    for view in "LR":
        gt = reader.read(tmp_path / f"gt_0002_{view}.exr")
        bar = gt.instance_id == {n: i for i, n in gt.names.items()}["Bar"]
        assert np.isclose(gt.flow_forward[bar][:, 0], sb.BAR_STEP_PX, atol=0.01).sum() >= 5
        # Each view's shutter cameras are that view's (the right one offset by the rig).
        shutter = gt.shutter
        for instant in (shutter.at_open, shutter.at_close):
            np.testing.assert_allclose(instant.camera.world_to_camera[:3, 3],
                                       gt.camera.world_to_camera[:3, 3], atol=1e-12)
        motion = gt.exposure_motion
        np.testing.assert_allclose(motion.open[bar][:, 0], -sb.BAR_STEP_PX * 0.25, atol=0.01)
        np.testing.assert_allclose(motion.close[bar][:, 0], sb.BAR_STEP_PX * 0.25, atol=0.01)
    right = reader.read(tmp_path / "gt_0002_R.exr")
    assert right.shutter.at_open.camera.world_to_camera[0, 3] != 0.0  # the rig's offset


def test_rolling_shutter_stereo_views_have_their_own_row_cameras(run_job, tmp_path):
    from blender_gt_addon.check_rolling import check_frame

    run_job("scenes_blur:render_blur_stereo", directory=str(tmp_path), rolling=True)
    left = reader.read(tmp_path / "gt_0002_L.exr")
    right = reader.read(tmp_path / "gt_0002_R.exr")
    baseline = left.stereo.baseline
    for gt in (left, right):
        # Each view's rows proved against that view's row cameras.
        proved = check_frame(gt)
        assert proved.passed and proved.median_error < 0.01, (gt.path, proved)
    # The right view's row cameras (and depth camera) are the left's moved by the rig.
    shift = right.shutter.row_world_to_camera[:, 0, 3] - left.shutter.row_world_to_camera[:, 0, 3]
    np.testing.assert_allclose(shift, -baseline, atol=1e-9)
    middle = right.shutter.depth_world_to_camera - left.shutter.depth_world_to_camera
    assert middle[0, 3] == pytest.approx(-baseline, abs=1e-9)
