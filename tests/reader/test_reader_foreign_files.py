# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ground truth written without the add-on's layout reads the same as the add-on's own.

One real render writes the same frames three ways: the add-on's file, Blender's
multilayer render output, and single-pass EXRs from File Output nodes wired by hand.
"""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon import reader

pytestmark = pytest.mark.blender

COMMON = ("depth", "normal", "vector", "object_index", "material_index")


@pytest.fixture(scope="module")
def written(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("foreign")
    files = run_job("scenes:render_foreign", directory=str(out)).value
    return out, files


def test_render_output_reads_like_our_files(written):
    out, files = written
    assert files["render"] == ["ro_0001.exr", "ro_0002.exr", "ro_0003.exr"]
    ours = reader.read(out / "ours" / "gt_0002.exr")
    theirs = reader.read(out / "render" / "ro_0002.exr")
    # With compositing on, Blender adds the composited image as a "Composite" layer.
    assert theirs.layers[0] == theirs.layer == "ViewLayer"
    assert reader.read(out / "render" / "ro_0002.exr", layer="Composite").passes == ("image",)
    assert theirs.frame == 2
    # Every pass but the crisp image, which is the add-on's own (the image again here).
    assert set(ours.passes) - {"crisp_image"} <= set(theirs.passes)
    assert "crisp_image" in ours.passes and "crisp_image" not in theirs.passes
    for name in COMMON:
        np.testing.assert_array_equal(theirs.get(name), ours.get(name), err_msg=name)
    np.testing.assert_array_equal(theirs.flow_forward, ours.flow_forward)
    np.testing.assert_allclose(theirs.emission, ours.emission, rtol=1e-3)  # ours: half
    # Ids are labels numbered over each file's Cryptomatte manifest (Blender's own
    # file also lists lights): compare what they name.
    def named(frame):
        lookup = {0: "", **frame.names}
        return np.vectorize(lookup.get)(frame.instance_id)

    np.testing.assert_array_equal(named(theirs), named(ours))
    def summary(frame):
        return [(b.name, b.pixels) for b in frame.boxes()]

    assert summary(theirs) == summary(ours)


def test_unknown_view_layer_is_a_clear_error(written):
    out, _ = written
    message = "no view layer 'Nope'; view layers: ViewLayer, Composite"
    with pytest.raises(reader.GroundTruthError, match=message):
        reader.read(out / "render" / "ro_0002.exr", layer="Nope")


def test_single_pass_files_read_like_our_files(written):
    out, files = written
    ours = reader.read(out / "ours" / "gt_0002.exr")
    single = out / "single"
    names = files["single"]
    assert len(names) == 15  # 5 passes x 3 frames

    def path(prefix):
        return single / next(n for n in names if n.startswith(prefix) and "0002" in n)

    np.testing.assert_array_equal(reader.read_pass(path("Depth"), "depth"), ours.depth)
    np.testing.assert_array_equal(reader.read_pass(path("IndexOB"), "index"), ours.object_index)
    np.testing.assert_allclose(reader.read_pass(path("Normal"), "normal"), ours.normal, atol=1e-6)
    np.testing.assert_allclose(reader.read_pass(path("Emit"), "emission"), ours.emission,
                               rtol=1e-3)
    vector = reader.read_pass(path("Vector"), "vector")
    np.testing.assert_array_equal(vector[..., :3], ours.vector[..., :3])
    # Blender 4.2 drops W from a single-pass file; the reader says so with NaN.
    assert np.isnan(vector[..., 3]).all() or (vector[..., 3] == ours.vector[..., 3]).all()


def test_read_pass_errors(written):
    out, files = written
    depth_file = out / "single" / next(n for n in files["single"] if n.startswith("Depth"))
    with pytest.raises(reader.GroundTruthError, match="unknown pass kind 'flow'"):
        reader.read_pass(depth_file, "flow")
    normal_file = out / "single" / next(n for n in files["single"] if n.startswith("Normal"))
    with pytest.raises(reader.GroundTruthError, match="no emission channels; it has: .*X, .*Y"):
        reader.read_pass(normal_file, "emission")
