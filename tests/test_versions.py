# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The same settings give the same files on every supported Blender (4.2 to 5.3).

Run the suite on each version (``scripts/test_all.sh``): every run checks its
files against the one layout below, taken from the outputs table, so passing on
all of them means the files match. Version differences live in
``blender_gt_addon/blender/compat.py`` only (the header fix-up of 4.2 files is
tested directly in tests/exr/test_header.py).
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import numpy as np
import pytest

from blender_gt_addon import bpyjob, outputs, reader, versions

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "blender_gt_addon"

# Every channel the add-on writes with all outputs on, on every Blender version.
LAYOUT = {f"{o.layer}.{c}" for o in outputs.OUTPUTS  # of scenes.ALL_OUTPUTS
          if o.key not in outputs.ROLLING_KEYS for c in o.channels}


def test_layout_is_the_outputs_table():
    assert "vector.W" in LAYOUT and "cryptomatte_object.r" in LAYOUT
    assert not any(name.endswith(".W.V") or name.endswith(".R") and "crypto" in name
                   for name in LAYOUT)


def test_only_compat_tells_blender_versions_apart():
    """No module but compat.py reads ``bpy.app.version`` (the version string may be shown)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == PACKAGE / "blender" / "compat.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Attribute) and node.attr == "version":
                inner = node.value
                assert not (isinstance(inner, ast.Attribute) and inner.attr == "app"), (
                    f"{path.relative_to(ROOT)}:{node.lineno} reads bpy.app.version; "
                    "put the difference in blender/compat.py")


# ------------------------------------------------------------------ rendered files


@pytest.mark.blender
def test_rendered_files_have_the_one_layout(analytic_animation):
    out, result = analytic_animation
    exrs = [n for n in result["files"] if n.endswith(".exr")]
    assert exrs == ["gt_0001.exr", "gt_0002.exr", "gt_0003.exr"]
    for name in exrs:
        gt = reader.read(out / name)
        assert set(gt.channels) == LAYOUT, (result["version"], name)
        assert len(gt.channels) == len(LAYOUT)  # one part, no extra channel


@pytest.mark.blender
def test_instance_ids_are_the_same_on_every_version(analytic_frame2):
    """Ids number the names of the Cryptomatte manifest, which 4.5 and 5.0 fill with
    the scene's lights too (they never cover a pixel): the add-on leaves them out."""
    gt = analytic_frame2
    assert gt.names == {1: "Back", 2: "Lamp", 3: "Moving", 4: "Tilted"}
    manifests = [v for k, v in gt.header.items() if k.endswith("/manifest")]
    assert len(manifests) == 1 and "Sun" not in json.loads(manifests[0])
    assert set(np.unique(gt.instance_id)) == {0, 1, 2, 3, 4}


# ------------------------------------------------------------------ .blend files across versions

VERSIONS = tuple(v.version for v in versions.SUPPORTED)  # oldest first


def _this_version() -> str:
    from importlib import metadata

    return ".".join(metadata.version("bpy").split(".")[:2])


def _run_in(version: str, target: str, tmp_path: Path, **kwargs):
    """Run job ``target`` in Blender ``version``'s environment (skip if it is not set up)."""
    python = ROOT / ".venvs" / f"bpy-{version}" / "bin" / "python"
    if not python.exists():
        pytest.skip(f"no environment for Blender {version} (scripts/setup.sh {version})")
    return bpyjob.run(target, kwargs, python=str(python), user_dir=tmp_path / "user-old",
                      extra_paths=[str(ROOT / "tests"), str(ROOT / "tests" / "helpers")],
                      timeout=240).value


def save_analytic_blend(blend: str, directory: str) -> str:
    """Job (child, any version): the analytic scene, every output on, saved."""
    import bpy
    import scenes

    scene = scenes.build_analytic_scene()
    scenes._enable_all(scene, directory)
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    return bpy.app.version_string


def _open_with_addon(blend: str):
    """In a child: the add-on registered, ``blend`` opened; its scene."""
    import bpy

    import blender_gt_addon

    blender_gt_addon.register()
    bpy.ops.wm.open_mainfile(filepath=blend)
    return bpy.context.scene


def _render_frame_2(scene, directory: str) -> dict:
    """In a child: frame 2 rendered, the beauty saved into ``directory``; the files
    there and the add-on's error."""
    import bpy

    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory)), "error": scene.groundtruth.last_error}


def render_blend(blend: str, directory: str) -> dict:
    """Job (child, this version): open ``blend`` with the add-on on, render frame 2."""
    scene = _open_with_addon(blend)
    scene.groundtruth.directory = directory
    return _render_frame_2(scene, directory)


@pytest.mark.blender
@pytest.mark.parametrize("older", VERSIONS)
def test_blend_saved_by_an_older_blender_writes_the_one_layout(older, run_job, tmp_path):
    """Users keep an LTS and the newest Blender side by side: a .blend saved by an
    older one (whose environment is set up) renders the same files here. (Blender
    cannot open files of a newer version than itself: 4.2 cannot read 5.0's.)"""
    if VERSIONS.index(older) >= VERSIONS.index(_this_version()):
        pytest.skip(f"Blender {older} is not older than {_this_version()}")
    blend = tmp_path / "scene.blend"
    saved_by = _run_in(older, "test_versions:save_analytic_blend", tmp_path,
                       blend=str(blend), directory=f"{tmp_path}/unused/")
    assert saved_by.startswith(older)
    out = tmp_path / "out"
    result = run_job("test_versions:render_blend", blend=str(blend), directory=f"{out}/").value
    assert result["error"] == "" and "gt_0002.exr" in result["files"]
    gt = reader.read(out / "gt_0002.exr")
    assert set(gt.channels) == LAYOUT
    assert gt.names == {1: "Back", 2: "Lamp", 3: "Moving", 4: "Tilted"}
    # W of the flow survived the conversion (the cube moves 3 px down per frame).
    assert np.isclose(gt.vector[..., 3], 3.0, atol=0.01).sum() > 20


def save_blend_with_compositing_off(blend: str) -> str:
    """Job (child, an older version): the analytic scene with a compositor of the user's
    (an Invert node) that the render skips (4.x: Use Nodes off), no output ticked: an
    older file as users have them, saved."""
    import bpy
    import scenes

    from blender_gt_addon.blender import compat

    scene = scenes.build_analytic_scene()
    tree = compat.user_compositor_tree(scene, create=True)
    for node in list(tree.nodes):
        tree.nodes.remove(node)
    rl = tree.nodes.new("CompositorNodeRLayers")
    invert = tree.nodes.new("CompositorNodeInvert")
    tree.links.new(rl.outputs["Image"], invert.inputs["Color"])
    compat.add_beauty_output(tree, invert.outputs[0])
    scenes._switch_compositing_off(scene)
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    return bpy.app.version_string


def tick_and_render(blend: str, directory: str) -> dict:
    """Job (child, this version): open ``blend``, tick every output, render frame 2."""
    import scenes

    from blender_gt_addon.blender import compat

    scene = _open_with_addon(blend)
    off_when_opened = compat.compositing_is_off(scene)
    scenes._enable_all(scene, directory)
    scene.render.image_settings.file_format = "OPEN_EXR"
    return {**_render_frame_2(scene, directory), "off_when_opened": off_when_opened}


@pytest.mark.blender
@pytest.mark.parametrize("older", VERSIONS)
def test_older_file_with_compositing_off_writes_the_ground_truth(older, run_job, tmp_path):
    """An older .blend whose compositor the render skips (5.x opens such 4.x files with
    compositing off): ticking outputs here writes the same ground truth as on any
    version, and the saved image stays the plain render, not the user's inverted one."""
    import OpenEXR

    if VERSIONS.index(older) > VERSIONS.index(_this_version()):
        pytest.skip(f"Blender {older} is newer than {_this_version()}")
    blend = tmp_path / "old.blend"
    _run_in(older, "test_versions:save_blend_with_compositing_off", tmp_path, blend=str(blend))
    out = tmp_path / "out"
    result = run_job("test_versions:tick_and_render", blend=str(blend),
                     directory=f"{out}/").value
    assert result["off_when_opened"] and result["error"] == ""
    gt = reader.read(out / "gt_0002.exr")
    assert set(gt.channels) == LAYOUT
    assert gt.names == {1: "Back", 2: "Lamp", 3: "Moving", 4: "Tilted"}
    assert np.isclose(gt.flow_forward[..., 1], 3.0, atol=0.01).sum() > 20
    beauty = next(out / name for name in result["files"] if name.startswith("beauty_"))
    with OpenEXR.File(str(beauty), separate_channels=True) as f:
        red = np.array(f.parts[0].channels["R"].pixels, dtype=np.float32)
    np.testing.assert_allclose(red, gt.image[..., 0], atol=2e-3)  # not inverted
