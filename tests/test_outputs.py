# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bpy-free output table, file names and settings checks."""

from __future__ import annotations

import pytest

from blender_gt_addon import outputs

ALL_ON = {o.key: True for o in outputs.OUTPUTS}
# Every output but the rolling-shutter ones (which warn on a blurred render without one).
ROLLING_OFF = {k: k not in outputs.ROLLING_KEYS for k in outputs.OUTPUTS_BY_KEY}


def check(**overrides):
    args = dict(enabled=ALL_ON, prefix="", engine="CYCLES", use_motion_blur=False,
                use_compositing=True, directory_abs=None, blend_saved=True,
                directory_is_relative=False)
    args.update(overrides)
    return outputs.check_settings(**args)


def test_table_names_are_user_words_and_unique():
    keys = [o.key for o in outputs.OUTPUTS]
    assert keys == ["image", "depth", "normal", "flow", "emission", "object_index",
                    "material_index", "albedo", "position", "instance_id", "amodal",
                    "crisp_image", "rolling_depth", "rolling_position",
                    "rolling_object_index"]
    assert len({o.layer for o in outputs.OUTPUTS}) == len(keys)
    # Data must never be half float.
    assert {o.key for o in outputs.OUTPUTS if not o.is_data} == {"image", "emission", "albedo",
                                                                 "crisp_image"}


def test_planned_outputs_keep_table_order():
    planned = outputs.planned_outputs({"material_index": True, "depth": True, "image": False})
    assert [o.key for o in planned] == ["depth", "material_index"]
    assert outputs.planned_outputs({}) == []


def test_planned_outputs_rejects_unknown_names():
    with pytest.raises(KeyError, match="optical_flow"):
        outputs.planned_outputs({"optical_flow": True})


@pytest.mark.parametrize(("prefix", "frame", "name"), [
    ("", 1, "0001.exr"),
    ("gt_", 7, "gt_0007.exr"),
    ("run/a#", 12345, "run_a_12345.exr"),
    ("x", -3, "x-003.exr"),
])
def test_file_names(prefix, frame, name):
    assert outputs.file_name(prefix, frame) == name


def test_file_pattern_has_exactly_one_placeholder():
    assert outputs.file_pattern("a##b") == "a__b####"


def test_no_problem_when_all_is_well(tmp_path):
    assert check(directory_abs=str(tmp_path)) == []


def test_no_problem_reported_when_nothing_is_chosen():
    assert check(enabled={}, engine="BLENDER_EEVEE_NEXT", use_motion_blur=True) == []


def test_motion_blur_is_no_problem_once_the_crisp_layer_is_set_up():
    # With motion blur on, the data outputs come from the add-on's crisp view layer.
    assert check(enabled=ROLLING_OFF, use_motion_blur=True) == []
    problems = check(enabled=ROLLING_OFF, use_motion_blur=True, crisp_layer_stale=True)
    assert [p.level for p in problems] == ["ERROR"]
    assert "Motion blur was turned on" in problems[0].message
    assert "flow all zeros" in problems[0].message
    # A stale layer matters only while the render is blurred.
    assert check(use_motion_blur=False, crisp_layer_stale=True) == []


def test_crisp_image_of_a_one_sample_layer_is_said():
    # Clean edges renders the data layer, whose image the crisp image is, at 1 sample.
    problems = check(enabled=ROLLING_OFF, use_motion_blur=True, clean_edges=True)
    assert [p.level for p in problems] == ["WARNING"]
    assert "crisp image" in problems[0].message and "1-sample" in problems[0].message
    assert check(use_motion_blur=True, clean_edges=True,
                 enabled={**ROLLING_OFF, "crisp_image": False}) == []
    # Without motion blur the crisp image is the image (the panel says so): no problem.
    assert check(clean_edges=True) == []


def test_crisp_image_is_a_picture_read_like_the_image():
    from blender_gt_addon.reader import layouts

    row = outputs.OUTPUTS_BY_KEY["crisp_image"]
    assert row.is_pass and row.view_layer_pass is None and row.sockets == ("Image",)
    assert layouts.NATIVE_LAYOUT["crisp_image"] == layouts.NATIVE_LAYOUT["image"]
    ours, _ = layouts.find_sources({f"crisp_image.{c}" for c in "RGBA"})
    assert ours == {"crisp_image": [f"crisp_image.{c}" for c in "RGBA"]}


def test_rolling_shutter_is_said_to_be_a_frame_time_ground_truth():
    problems = check(enabled=ROLLING_OFF, use_motion_blur=True, rolling_shutter=True)
    assert [p.level for p in problems] == ["WARNING"]
    assert "Rolling shutter" in problems[0].message
    assert "tick the Rolling-shutter outputs" in problems[0].message
    # Cycles' rolling shutter acts only with motion blur on.
    assert check(enabled=ROLLING_OFF, use_motion_blur=False, rolling_shutter=True) == []


def test_rolling_shutter_outputs_say_when_their_rows_are_not_exact():
    # Exact rows (duration 0), or no motion blur (they are the plain outputs): nothing.
    assert check(use_motion_blur=True, rolling_shutter=True) == []
    assert check(use_motion_blur=False, rolling_duration=0.3) == []
    # A duration spreads each row's samples: each pixel's first sample is a random one.
    spread = check(use_motion_blur=True, rolling_shutter=True, rolling_duration=0.25)
    assert [p.level for p in spread] == ["WARNING"]
    assert "Rolling Shutter Duration is 0.25" in spread[0].message
    assert "Rolling-shutter depth" in spread[0].message
    # A blurred render without rolling shutter: random instants of the exposure.
    global_ = check(use_motion_blur=True, rolling_shutter=False)
    assert [p.level for p in global_] == ["WARNING"]
    assert "rolling shutter is off" in global_[0].message
    assert outputs.OUTPUTS_BY_KEY["rolling_depth"].like == "depth"
    assert all(outputs.OUTPUTS_BY_KEY[k].of_image for k in outputs.ROLLING_KEYS)


def test_other_engines_and_disabled_compositing_are_errors():
    messages = [p.message for p in check(engine="BLENDER_EEVEE_NEXT", use_compositing=False)]
    assert any("Cycles" in m and "Blender Eevee Next" in m for m in messages)
    assert any("Compositing is off" in m for m in messages)


def test_unsaved_blend_with_relative_folder_is_a_warning(tmp_path):
    problems = check(blend_saved=False, directory_is_relative=True, directory_abs=str(tmp_path))
    assert [p.level for p in problems] == ["WARNING"]
    assert str(tmp_path) in problems[0].message


def test_folder_under_a_file_cannot_be_created(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    target = blocker / "sub" / "gt"
    problems = check(directory_abs=str(target))
    assert [p.level for p in problems] == ["ERROR"]
    assert f"{blocker} is a file" in problems[0].message


def test_folder_that_is_a_file(tmp_path):
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    assert "is a file" in outputs.folder_problem(str(blocker))


def test_new_folder_under_existing_one_is_fine(tmp_path):
    assert outputs.folder_problem(str(tmp_path / "a" / "b" / "c")) is None


def test_bad_prefix_is_a_warning(tmp_path):
    problems = check(prefix="a/b", directory_abs=str(tmp_path))
    assert [p.level for p in problems] == ["WARNING"]


def test_missing_camera_is_an_error():
    problems = check(has_camera=False)
    assert [p.level for p in problems] == ["ERROR"] and "no camera" in problems[0].message


def test_compositing_switched_on_by_the_addon_is_said():
    problems = check(compositing_switched=True, use_compositing=True)
    assert [p.level for p in problems] == ["WARNING"]
    assert "Compositing was off" in problems[0].message
    assert "plain render" in problems[0].message


def test_other_rendering_view_layers_are_named():
    problems = check(view_layers=("Main", "Background", "Fx"))
    assert [p.level for p in problems] == ["WARNING"]
    assert "'Main' only, not for 'Background', 'Fx'" in problems[0].message
    assert check(view_layers=("Main",)) == []


def test_two_full_hd_cameras_fit_in_the_note():
    """Blender keeps 511 bytes of the stamp Note in the file; a still render's note
    holds the current frame's and the range's first frame's cameras."""
    import numpy as np

    from blender_gt_addon import camera

    angle = 0.7
    rotation = np.array([[np.cos(angle), -np.sin(angle), 0], [np.sin(angle), np.cos(angle), 0],
                         [0, 0, 1]]) @ np.array([[1, 0, 0], [0, -0.2849, -0.9586],
                                                 [0, 0.9586, -0.2849]])
    matrix = np.eye(4)
    matrix[:3, :3], matrix[:3, 3] = rotation, [-12.3456789, 103.456789, -0.00123456]
    K, width, height = camera.intrinsics(
        lens=35.123, sensor_width=36, sensor_height=24, sensor_fit="AUTO", shift_x=0.0123,
        shift_y=-0.0456, resolution_x=1920, resolution_y=1080, resolution_percentage=100,
        pixel_aspect_x=1, pixel_aspect_y=1)
    cam = camera.Camera(K=K, world_to_camera=camera.world_to_camera_cv(matrix), width=width,
                        height=height, clip_start=0.1, clip_end=1000.0)
    note = camera.encode(cam, 1234) + "\n" + camera.encode(cam, 1)
    assert len(note.encode()) <= 511
    decoded = camera.decode(note)
    assert set(decoded) == {1, 1234}
    np.testing.assert_allclose(decoded[1234].K, K, rtol=1e-6)
    np.testing.assert_allclose(decoded[1].world_to_camera, cam.world_to_camera, atol=1e-5)
    uv = cam.project([[0.0, 0.0, 0.0]])
    np.testing.assert_allclose(decoded[1].project([[0.0, 0.0, 0.0]]), uv, atol=0.01)
