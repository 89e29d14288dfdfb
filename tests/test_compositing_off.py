# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A scene whose compositor the render skips (compositing off on 5.x; Use Nodes
unticked on 4.x: how older .blend files with a compositor open) writes the same
ground truth on every version; the image stays the plain render; unticking gives
the user's settings back."""

from __future__ import annotations

import numpy as np
import pytest
from geometry import BACK, MOVING

from blender_gt_addon import reader

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def story(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("compositing_off")
    return out, run_job("scenes:render_compositing_off", directory=f"{out}/").value


def test_ticking_outputs_writes_the_ground_truth(story):
    out, facts = story
    assert not facts["off_after_ticking"]
    assert "gt_0002.exr" in facts["files"]
    gt = reader.read(out / "gt_0002.exr")
    assert gt.names == {1: "Back", 2: "Lamp", 3: "Moving", 4: "Tilted"}
    assert gt.camera is not None
    # The same values as with compositing on: the back plane at depth 10, the
    # moving cube's object index, its flow 5 px right and 3 px down.
    centre = gt.object_index == BACK[1]
    assert np.allclose(gt.depth[centre], 10.0, rtol=1e-5)
    moving = gt.object_index == MOVING[1]
    assert np.isclose(gt.flow_forward[moving], [5.0, 3.0], atol=0.05).all(axis=-1).sum() > 20


def test_the_image_stays_the_plain_render(story):
    """The user's Invert node is not applied: the saved image is the render itself."""
    out, facts = story
    beauty = next(name for name in facts["files"] if name.startswith("beauty_"))
    import OpenEXR

    with OpenEXR.File(str(out / beauty), separate_channels=True) as f:
        channels = {k.split(".")[-1]: np.array(v.pixels) for k, v in f.parts[0].channels.items()}
    plain = reader.read(out / "gt_0002.exr").image
    for i, c in enumerate("RGB"):
        np.testing.assert_allclose(channels[c], plain[..., i], atol=2e-3)  # half floats


def test_it_is_said_and_given_back(story):
    _, facts = story
    assert any(level == "WARNING" and "Compositing was off" in message
               for level, message in facts["problems"])
    assert not any(level == "ERROR" for level, _ in facts["problems"])
    assert facts["off_after_unticking"]  # as the user had it
    assert facts["owned_left"] == ""
    assert facts["own_nodes_left"] == []
    assert facts["user_nodes_kept"]
