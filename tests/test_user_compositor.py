# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ground truth whatever the user's compositor holds (issue 28, item 1), and a
scene given back as it was when every output is unticked (item 10)."""

from __future__ import annotations

import numpy as np
import pytest
from geometry import BACK, MOVING

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def stack(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("stack")
    return out, run_job("scenes_compositor:stack_story", directory=str(out),
                        blend=str(out / "below.blend")).value


def _image(path) -> dict:
    import OpenEXR

    with OpenEXR.File(str(path), separate_channels=True) as f:
        return {k: np.array(v.pixels) for k, v in f.parts[0].channels.items()}


def test_a_user_compositor_without_output_still_gets_the_ground_truth(stack):
    """The issue's set-up (a Blur and a Frame node; Render Layers into a Viewer): 5.3
    ran no compositor effect after it, so no file was written."""
    out, facts = stack
    assert facts["errors"] == []
    assert "gt_0002.exr" in facts["files"], facts["files"]
    gt = reader.read(out / "gt" / "gt_0002.exr")
    assert gt.passes == ("depth", "object_index")
    back = gt.object_index == BACK[1]
    assert back.sum() > 100 and np.allclose(gt.depth[back], 10.0, rtol=1e-5)
    moving = gt.object_index == MOVING[1]
    assert np.isclose(gt.depth[moving], 8.0, rtol=1e-4).sum() > 20  # its front face


def test_the_users_image_and_nodes_are_unchanged(stack):
    out, facts = stack
    plain = _image(out / "plain" / facts["plain_files"][0])
    with_gt = _image(out / "gt" / next(f for f in facts["files"] if f.startswith("beauty_")))
    assert sorted(plain) == sorted(with_gt) and len(plain) >= 3
    for name, pixels in plain.items():
        assert np.array_equal(pixels, with_gt[name]), name
    assert plain["R"].max() > 0.05  # a lit render, not an empty one
    assert facts["user_after"] == facts["user_before"]
    assert ["My Blur", "CompositorNodeBlur", None] in facts["user_before"]["nodes"]
    assert facts["user_tree_kept"]


def test_53_the_addons_effect_runs_first_and_a_stack_it_cannot_reach_is_refused(stack):
    _, facts = stack
    if not facts["effects"]:
        pytest.skip("compositor effects are Blender 5.3's")
    # The user's effect, as they made it (enabled, the one the editor shows) ...
    (name, own, enabled, active), = facts["effects_before"]
    assert not own and enabled and active
    # ... comes after the add-on's, which passes the render on unchanged.
    assert facts["effects"] == [["Ground Truth", True, True, False], [name, False, True, True]]
    # Moved below it, the add-on's effect would never run: said before rendering.
    assert facts["effects_below"][1][:2] == ["Ground Truth", True]
    assert len(facts["errors_when_below"]) == 1
    assert f"{name!r} has no Group Output" in facts["errors_when_below"][0]
    assert facts["effects_synced"] == facts["effects"] and facts["errors_synced"] == []


@pytest.fixture(scope="module")
def give_back(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("give_back")
    return out, run_job("scenes_compositor:give_back_story", directory=f"{out}/").value


def test_unticking_everything_gives_the_scene_back_as_it_was(give_back):
    _, facts = give_back
    assert facts["ticked"] != facts["before"]  # ticking did change it ...
    assert facts["unticked"] == facts["before"]  # ... and unticking undid all of it
    assert facts["owned_left"] == ""
    assert facts["unticked_again"] == facts["before"]


def test_unticking_never_takes_the_users_nodes_with_it(give_back):
    """Nodes the user added to the compositor the add-on made stay, with the node that
    feeds them, and so does their compositor."""
    _, facts = give_back
    kept = facts["kept"]
    if kept is None:
        pytest.skip("5.3: the user's nodes are in effects of their own")
    assert "My Blur" in kept["nodes"] and kept["blur_fed"]
    assert kept["runs"] and kept["owned_left"] == ""


def test_ticking_again_after_giving_back_writes_both_files(give_back):
    out, facts = give_back
    assert not any("Compositing was off" in m for m in facts["warnings_ticked_again"])
    assert facts["files"] == ["beauty_.png", "gt_0002.exr"]
    assert (out / "beauty_.png").stat().st_size > 1000
    assert reader.read(out / "gt_0002.exr").passes == ("depth",)


def test_53_a_blend_saved_with_the_effect_below_renders_from_the_command_line(stack, tmp_path):
    """``blender-gt render`` on a .blend whose add-on effect sits below the issue's
    effect (as the add-on saved it before): opening it puts the effect first again."""
    out, facts = stack
    if not facts["effects"]:
        pytest.skip("compositor effects are Blender 5.3's")
    assert facts["saved_effects"][1][:2] == ["Ground Truth", True]
    # Rendered as it was from the script that saved it: the render's start moved it up.
    assert facts["script_render_files"] == ["gt_0002.exr"]
    assert facts["effects_after_script_render"][0][:2] == ["Ground Truth", True]
    from blender_gt_addon import batch

    result = batch.render(out / "below.blend", tmp_path, frames=[2])
    assert [p.name for p in result.files] == ["gt_0002.exr"]
    gt = reader.read(tmp_path / "gt_0002.exr")
    assert np.allclose(gt.depth[gt.object_index == BACK[1]], 10.0, rtol=1e-5)
