# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The add-on in a user's scene: their nodes and passes stay as they were."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import outputs, reader

pytestmark = pytest.mark.blender

ALL_LAYERS = [o.layer for o in outputs.OUTPUTS  # File Output inputs (scenes.ALL_OUTPUTS)
              if o.is_pass and o.key not in outputs.ROLLING_KEYS]


def user_part(snapshot: dict) -> dict:
    """The user's nodes, their settings, positions and the links between them."""
    names = {n["name"] for n in snapshot["nodes"] if n["owner"] is None}
    return {
        "nodes": sorted((n["name"], n["type"], tuple(n["location"]), n["label"], n["mute"])
                        for n in snapshot["nodes"] if n["name"] in names),
        "links": [link for link in snapshot["links"] if link[0] in names and link[2] in names],
        "settings": snapshot["user_settings"],
    }


def owned(snapshot: dict) -> list[str]:
    """The roles of the add-on's nodes, without the helper nodes that some Blender
    versions need (4.2: one Separate Color that carries the flow's W to the file;
    5.3: the Group Input -> Group Output pair by which the add-on's own compositor
    effect passes the user's image on)."""
    roles = sorted(n["owner"] for n in snapshot["nodes"] if n["owner"])
    assert roles.count("file_output_helper") <= 1
    assert roles.count("beauty_output") <= 2
    return [r for r in roles if r not in ("file_output_helper", "beauty_output")]


@pytest.fixture(scope="module")
def story(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("toggle")
    elsewhere = tmp_path_factory.mktemp("user_output")
    return run_job("scenes:toggle_story", directory=f"{out}/", elsewhere=f"{elsewhere}/").value


def test_user_nodes_survive_everything(story):
    before = user_part(story["before"])
    assert len(before["nodes"]) == 7 and before["links"]
    for stage in ("all_on", "after_toggling", "depth_normal_off", "reregistered", "all_off"):
        assert user_part(story[stage]) == before, stage


def test_toggling_twenty_times_leaves_one_file_output(story):
    assert owned(story["all_on"]) == ["file_output", "render_layers"]
    assert owned(story["after_toggling"]) == ["file_output", "render_layers"]
    assert story["after_toggling"]["file_output_inputs"] == [ALL_LAYERS]
    assert story["after_toggling"]["nodes"] == story["all_on"]["nodes"]
    assert story["after_toggling"]["links"] == story["all_on"]["links"]


def test_unticking_removes_the_input_and_only_passes_the_addon_turned_on(story):
    assert story["depth_normal_off"]["file_output_inputs"] == [
        [n for n in ALL_LAYERS if n not in ("depth", "normal")]
    ]
    passes = story["depth_normal_off"]["passes"]
    assert passes["use_pass_z"] is False  # the add-on turned it on, so it turns it off
    assert passes["use_pass_normal"] is True  # the user had it on before the add-on
    assert story["all_off"]["passes"]["use_pass_normal"] is True
    assert not any(v for k, v in story["all_off"]["passes"].items() if k != "use_pass_normal")


def test_all_off_removes_the_addons_nodes(story):
    assert [n["owner"] for n in story["all_off"]["nodes"] if n["owner"]] == []


def test_settings_survive_unregister_and_register(story):
    assert story["reregistered_settings"] == {"use_depth": False, "use_flow": True,
                                              "file_prefix": "gt_"}
    assert owned(story["reregistered"]) == ["file_output", "render_layers"]


def test_user_file_output_still_writes_beside_ours(story):
    assert story["files"] == ["beauty_.png", "gt_0002.exr"]
    assert story["elsewhere_files"] == ["mine_0002.exr"]


def test_scene_without_compositor_gets_one_and_keeps_its_beauty(run_job, tmp_path):
    story = run_job("scenes:fresh_scene_story", directory=f"{tmp_path}/").value
    assert "file_output" in owned(story["after_enable"])
    assert story["files"] == ["0002.exr", "beauty_.png"]  # the default prefix is empty
    assert (tmp_path / "beauty_.png").stat().st_size > 1000
    assert reader.read(tmp_path / "0002.exr").passes == ("depth",)


def test_settings_persist_in_the_blend_and_render_the_same(run_job, tmp_path):
    result = run_job("scenes:persist_story", directory=str(tmp_path),
                     blend=str(tmp_path / "scene.blend")).value
    loaded = result["loaded"]
    assert loaded["use_depth"] and loaded["use_flow"] and not loaded["use_normal"]
    assert (loaded["file_prefix"], loaded["precision"], loaded["codec"]) == ("p_", "FULL", "PIZ")
    assert result["first"] == result["second"] == ["p_0002.exr"]
    first = reader.read(tmp_path / "first" / "p_0002.exr")
    second = reader.read(tmp_path / "second" / "p_0002.exr")
    assert first.passes == second.passes
    assert "normal" not in first.passes
    assert first.image.dtype.name == "float32"
    assert first.header["compression"].name == "PIZ_COMPRESSION"
    for name in first.passes:
        assert np.array_equal(first.get(name), second.get(name), equal_nan=True) or (
            name == "image"), name


def test_view_layers_scenes_and_missing_camera_are_explained(run_job, tmp_path):
    story = run_job("scenes:layers_story", directory=f"{tmp_path}/").value
    messages = [m for _, m in story["problems"]]
    assert any("'Main' only, not for 'Background'" in m for m in messages)
    assert not any("Switched off" in m for m in messages)  # it does not render
    assert story["other_problems"] == []  # nothing ticked there: nothing to say
    assert ["ERROR", "The scene has no camera (Scene Properties > Camera)"] in [
        list(p) for p in story["other_problems_on"]]
    assert "gt_0002.exr" in story["files"]
    assert reader.read(tmp_path / "gt_0002.exr").passes[:2] == ("image", "depth")


def test_undo_after_a_toggle_restores_the_scene(run_job, tmp_path):
    story = run_job("scenes:undo_story", elsewhere=f"{tmp_path}/").value
    assert owned(story["ticked"]) and story["ticked"]["passes"]["use_pass_z"]
    assert story["settings_undone"] == [False, False]
    assert owned(story["undone"]) == []
    assert story["undone"]["passes"] == story["before"]["passes"]
    assert user_part(story["undone"]) == user_part(story["before"])
    assert story["settings_redone"] == [True, True]
    assert owned(story["redone"]) == owned(story["ticked"])
