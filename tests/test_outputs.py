# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The bpy-free output table, file names and settings checks."""

from __future__ import annotations

import pytest

from blender_gt_addon import outputs

ALL_ON = {o.key: True for o in outputs.OUTPUTS}


def check(**overrides):
    args = dict(enabled=ALL_ON, prefix="", engine="CYCLES", use_motion_blur=False,
                use_compositing=True, directory_abs=None, blend_saved=True,
                directory_is_relative=False)
    args.update(overrides)
    return outputs.check_settings(**args)


def test_table_names_are_user_words_and_unique():
    keys = [o.key for o in outputs.OUTPUTS]
    assert keys == ["image", "depth", "normal", "flow", "emission", "object_index",
                    "material_index", "instance_id"]
    assert len({o.layer for o in outputs.OUTPUTS}) == len(keys)
    # Data must never be half float.
    assert {o.key for o in outputs.OUTPUTS if not o.is_data} == {"image", "emission"}


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


def test_motion_blur_with_flow_is_an_error():
    problems = check(use_motion_blur=True)
    assert [p.level for p in problems] == ["ERROR"]
    assert "Motion blur" in problems[0].message and "zeros" in problems[0].message
    assert check(use_motion_blur=True, enabled={"depth": True}) == []


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


def test_burned_in_metadata_means_no_camera_record():
    problems = check(burns_stamps=True)
    assert [p.level for p in problems] == ["WARNING"] and "camera" in problems[0].message


def test_other_rendering_view_layers_are_named():
    problems = check(view_layers=("Main", "Background", "Fx"))
    assert [p.level for p in problems] == ["WARNING"]
    assert "'Main' only, not for 'Background', 'Fx'" in problems[0].message
    assert check(view_layers=("Main",)) == []
