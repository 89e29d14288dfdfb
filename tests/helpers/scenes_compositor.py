# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Jobs about the user's compositor (run in a Blender child, see ``scenes.py``).

- :func:`stack_story`: a user's compositor that holds nodes but no output (issue 28:
  a Blur and a Frame node, Render Layers into a Viewer, set through
  ``scene.compositing_node_group`` on 5.x), which on 5.3 stops the compositor
  effect stack; the ground truth must be written all the same, the user's image and
  nodes unchanged.
- :func:`give_back_story`: a scene without a compositor; ticking then unticking
  every output gives the scene's compositor state back as it was.
"""

from __future__ import annotations

import os
import warnings

import bpy
from scenes import ALL_OUTPUTS, build_analytic_scene


def _issue_compositor(scene):
    """The issue's set-up, the way 5.0-5.2 files and scripts make it (4.x: Use Nodes)."""
    from blender_gt_addon.blender import compat

    if compat.has("compositor_node_group"):
        tree = bpy.data.node_groups.new("My Compositor", "CompositorNodeTree")
        with warnings.catch_warnings():  # 5.3: deprecated, still what scripts do
            warnings.simplefilter("ignore", DeprecationWarning)
            scene.compositing_node_group = tree
    else:
        scene.use_nodes = True
        tree = scene.node_tree
        for node in list(tree.nodes):
            tree.nodes.remove(node)
    rl = tree.nodes.new("CompositorNodeRLayers")
    rl.name = "My Render Layers"
    viewer = tree.nodes.new("CompositorNodeViewer")
    viewer.name = "My Viewer"
    tree.links.new(rl.outputs["Image"], viewer.inputs[0])
    tree.nodes.new("CompositorNodeBlur").name = "My Blur"
    tree.nodes.new("NodeFrame").name = "My Frame"
    return tree


def _tree_facts(tree) -> dict:
    return {"nodes": sorted([n.name, n.bl_idname, n.get("blender_gt")] for n in tree.nodes
                            if n.get("blender_gt") is None),
            "links": sorted([x.from_node.name, x.to_node.name] for x in tree.links
                            if x.from_node.get("blender_gt") is None)}


def _effects(scene) -> list:
    """5.3: the stack as [name, own, enabled for render, active]; [] before 5.3."""
    from blender_gt_addon.blender import compat

    if not compat.has("compositor_effects"):
        return []
    return [[e.name, e.node_group is not None and e.node_group.get("blender_gt") is not None,
             e.enable_for_render, e.is_active] for e in scene.compositor_effects]


def _errors(scene) -> list[str]:
    from blender_gt_addon.blender import checks

    return [p.message for p in checks.problems(scene) if p.level == "ERROR"]


def stack_story(directory: str, blend: str = "") -> dict:
    """Render frame 2 of the analytic scene with the issue's compositor, first without
    the add-on's outputs (``plain/``), then with depth and object index (``gt/``)."""
    from blender_gt_addon.blender import compat, compositor

    scene = build_analytic_scene()
    scene.render.image_settings.file_format = "OPEN_EXR"
    scene.render.image_settings.color_depth = "32"
    tree = _issue_compositor(scene)
    facts = {"user_before": _tree_facts(tree), "effects_before": _effects(scene)}
    scene.frame_set(2)
    scene.render.filepath = os.path.join(directory, "plain", "beauty_")
    bpy.ops.render.render(write_still=True)

    gt = scene.groundtruth
    gt.directory = os.path.join(directory, "gt", "")
    gt.file_prefix = "gt_"
    gt.use_depth = gt.use_object_index = True
    facts["effects"] = _effects(scene)
    facts["errors"] = _errors(scene)
    scene.render.filepath = os.path.join(directory, "gt", "beauty_")
    bpy.ops.render.render(write_still=True)
    facts["files"] = sorted(os.listdir(os.path.join(directory, "gt")))
    facts["plain_files"] = sorted(os.listdir(os.path.join(directory, "plain")))
    facts["user_after"] = _tree_facts(tree)
    facts["user_tree_kept"] = compat.user_compositor_tree(scene) == tree

    # 5.3: the add-on's effect moved down below the user's (a drag in the stack):
    # the checks say, before any render, that no ground truth would be written.
    facts["errors_when_below"] = []
    if compat.has("compositor_effects"):
        own = next(e for e in scene.compositor_effects if e.node_group.get("blender_gt"))
        with bpy.context.temp_override(scene=scene):
            bpy.ops.scene.move_compositor_effect_to_index(name=own.name, index=1)
        facts["effects_below"] = _effects(scene)
        facts["errors_when_below"] = _errors(scene)
        if blend:  # as a .blend saved by the add-on before it put its effect first
            gt.directory = os.path.join(directory, "from_blend", "")
            own = next(e for e in scene.compositor_effects if e.node_group.get("blender_gt"))
            if scene.compositor_effects[0] == own:  # the setting's sync put it back
                with bpy.context.temp_override(scene=scene):
                    bpy.ops.scene.move_compositor_effect_to_index(name=own.name, index=1)
            facts["saved_effects"] = _effects(scene)
            bpy.ops.wm.save_as_mainfile(filepath=blend)
            # A render from a script with the effect below: render_init puts it first.
            bpy.ops.render.render(write_still=False)
            facts["script_render_files"] = sorted(os.listdir(gt.directory))
            facts["effects_after_script_render"] = _effects(scene)
        compositor.sync(scene)  # any change of the settings, or opening the .blend
        facts["effects_synced"] = _effects(scene)
        facts["errors_synced"] = _errors(scene)
    return facts


def _compositor_state(scene) -> dict:
    """What decides whether and how the compositor runs, as data."""
    from blender_gt_addon.blender import compat

    state = {"use_compositing": scene.render.use_compositing,
             "node_groups": sorted(g.name for g in bpy.data.node_groups),
             "effects": _effects(scene)}
    if compat.has("compositor_node_group"):
        group = scene.compositing_node_group if not compat.has("compositor_effects") else None
        state["compositing_node_group"] = group.name if group is not None else None
    else:
        state["use_nodes"] = scene.use_nodes
        # 4.x keeps a tree once made (Scene.node_tree is read-only): its nodes count.
        tree = scene.node_tree
        state["nodes"] = sorted(n.name for n in tree.nodes) if tree is not None else []
    return state


def give_back_story(directory: str) -> dict:
    """Tick every output on a scene without a compositor, untick them all; tick depth
    again and render frame 2 (the ground truth and the beauty image are written)."""
    scene = build_analytic_scene()
    gt = scene.groundtruth
    facts = {"before": _compositor_state(scene)}
    gt.directory = directory
    gt.file_prefix = "gt_"
    for key in ALL_OUTPUTS:
        setattr(gt, f"use_{key}", True)
    facts["ticked"] = _compositor_state(scene)
    for key in ALL_OUTPUTS:
        setattr(gt, f"use_{key}", False)
    facts["unticked"] = _compositor_state(scene)
    facts["owned_left"] = gt.owned_compositing
    gt.use_depth = True
    facts["warnings_ticked_again"] = [p.message for p in _problems(scene)
                                      if p.level == "WARNING"]
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    facts["files"] = sorted(os.listdir(directory))
    gt.use_depth = False
    facts["unticked_again"] = _compositor_state(scene)
    facts["kept"] = _user_nodes_kept()
    return facts


def _user_nodes_kept() -> dict | None:
    """Before 5.3: a fresh scene, depth ticked, a Blur of the user's added to the
    compositor the add-on made (fed by its Render Layers node), then depth unticked:
    the user's node, its link and their compositor stay. ``None`` on 5.3 (the user's
    nodes never go into the add-on's effect)."""
    from blender_gt_addon.blender import compat

    if compat.has("compositor_effects"):
        return None
    scene = bpy.data.scenes.new("Fresh")  # no compositor
    scene.groundtruth.directory = "//unused/"
    scene.groundtruth.use_depth = True
    tree = compat.compositor_tree(scene, create=False)[0]
    source = next(n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers")
    blur = tree.nodes.new("CompositorNodeBlur")
    blur.name = "My Blur"
    tree.links.new(source.outputs["Image"], blur.inputs[0])
    scene.groundtruth.use_depth = False
    tree = compat.compositor_tree(scene, create=False)[0]
    return {"nodes": sorted(n.name for n in tree.nodes) if tree is not None else [],
            "blur_fed": tree is not None and tree.nodes["My Blur"].inputs[0].is_linked,
            "runs": compat.compositor_runs(scene),
            "owned_left": scene.groundtruth.owned_compositing}


def _problems(scene):
    from blender_gt_addon.blender import checks

    return checks.problems(scene)
