# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sidebar panel, drawn in real Blender into a recording layout."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def drawn(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("panel")
    return run_job("scenes:panel_story", directory=f"{out}/").value, out


def test_panel_lives_in_the_sidebar_tab(drawn):
    story, _ = drawn
    assert (story["space"], story["region"], story["category"]) == ("VIEW_3D", "UI",
                                                                   "Ground Truth")


def test_panel_has_a_checkbox_per_output_and_the_file_settings(drawn):
    story, _ = drawn
    props = [entry[1] for entry in story["clean"] if entry[0] == "prop"]
    assert props == ["use_image", "use_depth", "use_normal", "use_flow", "use_emission",
                     "use_object_index", "use_material_index", "use_albedo", "use_position",
                     "use_instance_id", "use_amodal", "use_crisp_image", "clean_edges",
                     "keypoints",
                     "use_stereo",  # its rig settings only once ticked
                     "directory",
                     "file_prefix",
                     "precision", "codec"]
    assert ["operator", "groundtruth.open_folder"] in story["clean"]


def test_panel_shows_where_files_go(drawn):
    story, out = drawn
    labels = [entry[1] for entry in story["clean"] if entry[0] == "label"]
    assert str(out) in labels
    assert "Next: gt_0007.exr" in labels
    assert not [e for e in story["clean"] if e[0] == "label" and e[2] == "ERROR"]


def test_panel_says_motion_blur_needs_a_sync_then_offers_the_crisp_samples(drawn):
    story, _ = drawn
    # Motion blur switched on after the outputs were ticked: no sync ran yet.
    text = " ".join(e[1] for e in story["blurred"] if e[0] == "label")
    assert "Motion blur was turned on" in text and "zeros" in text
    assert any(e[0] == "label" and e[2] == "ERROR" for e in story["blurred"])
    # After a sync the data come from the crisp layer: no error, its samples shown.
    assert not [e for e in story["synced"] if e[0] == "label" and e[2] == "ERROR"]
    assert ("prop", "crisp_samples") in [tuple(e) for e in story["synced"]]
    # The rolling-shutter rows appear once motion blur is on (hidden before, unticked).
    shown = [e[1] for e in story["synced"] if e[0] == "prop"]
    assert shown[shown.index("use_crisp_image") + 1:][:3] == [
        "use_rolling_depth", "use_rolling_position", "use_rolling_object_index"]
    assert "crisp_samples" not in [e[1] for e in story["clean"] if e[0] == "prop"]


def test_panel_says_the_crisp_image_is_the_image_without_motion_blur(drawn):
    story, _ = drawn
    said = ["label", "Motion blur is off: the crisp image is the image", "INFO"]
    assert said in story["clean"]
    assert said not in story["blurred"] and said not in story["synced"]
