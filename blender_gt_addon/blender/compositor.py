# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Apply the ground-truth settings to a scene: view-layer passes and compositor nodes.

The add-on owns only the nodes it created: each carries the custom property
``OWNER_KEY`` with its role. :func:`sync` finds them by that mark, creates what is
missing, updates them in place and removes only its own File Output node and
Render Layers node when nothing is chosen. Nodes without the mark, the user's,
are never deleted, moved, relinked or changed.
"""

from __future__ import annotations

import bpy

from .. import outputs
from . import compat

OWNER_KEY = compat.OWNER_KEY
ROLE_FILE_OUTPUT = "file_output"
ROLE_RENDER_LAYERS = "render_layers"
ROLE_BEAUTY = "beauty_output"
ROLE_HELPER = "file_output_helper"  # extra nodes some Blender versions need (see compat)
ROLE_CLEAN_RENDER_LAYERS = "render_layers_clean"  # the data layer's (name as .blend files hold it)

# The add-on's data layer: a view layer of its own from which the data outputs are
# written, with motion blur off (Cycles writes a blurred layer's Vector pass as
# zeros, and blends its depth and ids over the exposure). It serves two options:
# "Clean edges" (the data rendered again with one sample per pixel, so no pixel
# blends two surfaces) and the crisp ground truth of a motion-blurred render (the
# scene's motion blur on: every data output from this layer, at the frame's time,
# with ``settings.crisp_samples`` samples; the image stays the user's blurred one).
CLEAN_LAYER_NAME = "Ground Truth clean edges"
CRISP_LAYER_NAME = "Ground Truth crisp"
_LAYER_MARK = "clean"  # the layer's OWNER_KEY value (as .blend files already hold it)
_CLEAN_KEYS = ("depth", "normal", "flow", "object_index", "material_index", "instance_id")
# Every pass but the image's own (the beauty and what its rows saw, ``of_image``):
# what a motion-blurred render takes from the crisp layer, the crisp image (that
# layer's Combined) included. Without motion blur the crisp image is the beauty's own
# socket: the image is crisp then.
_CRISP_KEYS = tuple(o.key for o in outputs.OUTPUTS if o.is_pass and not o.of_image)

_OWN_COLOR = (0.32, 0.45, 0.62)


def enabled_map(settings) -> dict[str, bool]:
    """``{output key: ticked}`` from the scene's ``groundtruth`` settings."""
    return {o.key: bool(getattr(settings, f"use_{o.key}")) for o in outputs.OUTPUTS}


def has_outputs(scene) -> bool:
    """Whether the scene has the add-on's settings with at least one output ticked."""
    settings = getattr(scene, "groundtruth", None)
    return settings is not None and any(enabled_map(settings).values())


def target_view_layer(scene: bpy.types.Scene) -> bpy.types.ViewLayer:
    """The view layer whose passes are written: the first one that renders."""
    layers = [layer for layer in scene.view_layers if layer.get(OWNER_KEY) is None]
    for layer in layers:
        if layer.use:
            return layer
    return layers[0]


def rendered_view_layers(scene: bpy.types.Scene) -> tuple[str, ...]:
    """Names of the user's view layers that render, the one the add-on writes first."""
    target = target_view_layer(scene).name
    others = [v.name for v in scene.view_layers
              if v.use and v.get(OWNER_KEY) is None and v.name != target]
    return (target, *others)


def blurred(scene: bpy.types.Scene) -> bool:
    """Whether the scene's render is motion-blurred (Cycles blurs every view layer
    that has ``use_motion_blur`` too, which new view layers have)."""
    return bool(scene.render.use_motion_blur)


def data_keys(scene: bpy.types.Scene, settings, chosen: list[outputs.Output]) -> set[str]:
    """Keys of the ``chosen`` outputs that the data layer renders (empty: no layer)."""
    keys = {o.key for o in chosen if o.key in _CLEAN_KEYS} if settings.clean_edges else set()
    if blurred(scene):
        keys |= {o.key for o in chosen if o.key in _CRISP_KEYS}
    return keys


def data_layer(scene: bpy.types.Scene):
    """The add-on's data layer (clean edges, crisp ground truth), or ``None``."""
    return next((v for v in scene.view_layers if v.get(OWNER_KEY) == _LAYER_MARK), None)


def _sync_clean_layer(scene, settings, chosen: list[outputs.Output]):
    """Create, update or remove the data layer; return ``(layer or None, its keys)``."""
    keys = data_keys(scene, settings, chosen)
    layer = data_layer(scene)
    if not keys:
        if layer is not None:
            scene.view_layers.remove(layer)
        return None, keys
    main = target_view_layer(scene)
    name = CLEAN_LAYER_NAME if settings.clean_edges else CRISP_LAYER_NAME
    if layer is None:
        layer = scene.view_layers.new(name)
        layer[OWNER_KEY] = _LAYER_MARK
    elif not layer.name.startswith(name):  # the other option's name: say what it is now
        layer.name = name
    layer.use = True
    samples = 1 if settings.clean_edges else settings.crisp_samples
    if layer.samples != samples:
        layer.samples = samples
    # The frame's instant: Cycles renders a layer without motion blur at the frame's
    # time and fills its Vector pass (measured on every supported version).
    if layer.use_motion_blur:
        layer.use_motion_blur = False
    if hasattr(layer, "cycles"):
        layer.cycles.use_denoising = False
    layer.use_pass_combined = True  # Blender needs it; written only as the crisp image
    wanted = {o.view_layer_pass for o in chosen if o.key in keys}
    for o in outputs.OUTPUTS:
        if o.view_layer_pass and getattr(layer, o.view_layer_pass) != (o.view_layer_pass in wanted):
            setattr(layer, o.view_layer_pass, o.view_layer_pass in wanted)
    _mirror_collections(main.layer_collection, layer.layer_collection)
    return layer, keys


def data_layer_is_stale(scene: bpy.types.Scene) -> bool:
    """Whether the data layer is not what :func:`sync` would make of the settings now,
    e.g. the scene's motion blur switched on after the outputs were ticked (no sync
    runs then): the data outputs would come from the blurred layer."""
    settings = getattr(scene, "groundtruth", None)
    if settings is None:
        return False
    chosen = outputs.pass_outputs(outputs.planned_outputs(enabled_map(settings)))
    keys = data_keys(scene, settings, chosen)
    layer = data_layer(scene)
    if not keys:
        return layer is not None
    return (layer is None or layer.use_motion_blur or not layer.use
            or any(not getattr(layer, o.view_layer_pass) for o in chosen
                   if o.key in keys and o.view_layer_pass))


def _mirror_collections(source, target) -> None:
    """Render the same collections as the main view layer (``source``'s layer collections)."""
    for child in source.children:
        other = target.children.get(child.name)
        if other is None:
            continue
        for attr in ("exclude", "holdout", "indirect_only"):
            if getattr(other, attr) != getattr(child, attr):
                setattr(other, attr, getattr(child, attr))
        _mirror_collections(child, other)


def owned_nodes(tree, role: str) -> list:
    """The add-on's nodes of ``role`` in ``tree``."""
    return [n for n in tree.nodes if n.get(OWNER_KEY) == role]


def _mark(node, role: str, label: str) -> None:
    node[OWNER_KEY] = role
    node.label = label
    node.use_custom_color = True
    node.color = _OWN_COLOR


def _render_layers_socket(node, output: outputs.Output):
    for name in output.sockets:
        socket = node.outputs.get(name)
        if socket is not None and socket.enabled:
            return socket
    raise RuntimeError(
        f"Render Layers node has no enabled output {' or '.join(output.sockets)} "
        f"for {output.label}"
    )


def _sync_passes(scene, settings, chosen: list[outputs.Output]) -> None:
    """Turn on the passes of the chosen outputs; turn off only those the add-on turned on."""
    layer = target_view_layer(scene)
    owned = {p for p in settings.owned_passes.split(",") if p}
    wanted = {o.view_layer_pass for o in chosen if o.view_layer_pass}
    for prop in sorted(wanted):
        if not getattr(layer, prop):
            setattr(layer, prop, True)
            owned.add(prop)
    for prop in sorted(owned - wanted):
        if getattr(layer, prop):
            setattr(layer, prop, False)
        owned.discard(prop)
    value = ",".join(sorted(owned))
    if settings.owned_passes != value:
        settings.owned_passes = value


def _remove_unused_helpers(tree) -> None:
    for node in owned_nodes(tree, ROLE_HELPER):
        if not any(link.from_node == node for link in tree.links):
            tree.nodes.remove(node)


def _remove_own_nodes(tree, beauty: bool = False) -> None:
    """Remove the add-on's nodes from ``tree`` (its beauty output too, if ``beauty``)."""
    roles = [ROLE_FILE_OUTPUT, ROLE_CLEAN_RENDER_LAYERS] + ([ROLE_BEAUTY] if beauty else [])
    for node in [n for role in roles for n in owned_nodes(tree, role)]:
        tree.nodes.remove(node)
    _remove_unused_helpers(tree)
    for node in owned_nodes(tree, ROLE_RENDER_LAYERS):
        # Keep it if the user has wired it into their own nodes.
        if not any(link.from_node == node for link in tree.links):
            tree.nodes.remove(node)


def sync(scene: bpy.types.Scene) -> None:
    """Make the scene's passes and compositor match ``scene.groundtruth``. Idempotent."""
    settings = scene.groundtruth
    # Outputs kept in the header (amodal masks) have no pass and no input.
    chosen = outputs.pass_outputs(outputs.planned_outputs(enabled_map(settings)))
    clean, from_clean = _sync_clean_layer(scene, settings, chosen)
    _sync_passes(scene, settings, [o for o in chosen if o.key not in from_clean])

    owned = [s for s in settings.owned_compositing.split(",") if s]
    made = compat.MADE_TREE in owned  # the add-on made the compositor: it goes with it
    switched = [s for s in owned if s != compat.MADE_TREE]
    if chosen and not switched and compat.compositing_is_off(scene):
        # Ticked outputs mean files, on every version: compositing goes on, and
        # the final image stays the plain render it was (see compat).
        owned = list(dict.fromkeys(owned + compat.switch_compositing_on(scene)))
        made = compat.MADE_TREE in owned
        switched = [s for s in owned if s != compat.MADE_TREE]
        settings.owned_compositing = ",".join(owned)
    for other in compat.user_trees_holding_own_nodes(scene):
        _remove_own_nodes(other)
    tree, created = compat.compositor_tree(scene, create=bool(chosen), own=bool(switched))
    if created and not switched and not made:
        # A scene without a compositor: unticking everything takes this one away again.
        made = True
        settings.owned_compositing = ",".join(owned + [compat.MADE_TREE])
    if not chosen:
        if tree is not None:
            _remove_own_nodes(tree, beauty=bool(switched) or made)
        compat.release_compositor(scene)
        if switched:
            compat.restore_compositing(scene, switched)
        if made:
            compat.release_made_tree(scene, tree)
        if owned:
            settings.owned_compositing = ""
        return
    if tree is None:
        return

    layer = target_view_layer(scene)
    rl_nodes = owned_nodes(tree, ROLE_RENDER_LAYERS)
    rl = rl_nodes[0] if rl_nodes else None
    if rl is None:
        rl = tree.nodes.new("CompositorNodeRLayers")
        _mark(rl, ROLE_RENDER_LAYERS, "Ground Truth passes")
        rl.location = _free_location(tree)
    if rl.scene != scene:
        rl.scene = scene
    if rl.layer != layer.name:
        rl.layer = layer.name

    clean_rl = _sync_clean_render_layers(tree, scene, clean, rl)

    if created or (switched and not owned_nodes(tree, ROLE_BEAUTY)):
        # A tree the add-on made must still deliver the beauty render; with
        # compositing switched on by the add-on, the plain render as before.
        for node in compat.add_beauty_output(tree, rl.outputs["Image"], active=bool(switched)):
            _mark(node, ROLE_BEAUTY, "Beauty")
            node.location = (rl.location[0] + 300, rl.location[1] + 150)

    fo_nodes = owned_nodes(tree, ROLE_FILE_OUTPUT)
    fo = fo_nodes[0] if fo_nodes else None
    for extra in fo_nodes[1:]:  # e.g. after the user duplicated ours
        tree.nodes.remove(extra)
    if fo is None:
        fo = tree.nodes.new("CompositorNodeOutputFile")
        _mark(fo, ROLE_FILE_OUTPUT, "Ground Truth EXR")
        fo.location = (rl.location[0] + 300, rl.location[1] - 100)
        compat.clear_file_output_inputs(fo)
    compat.configure_file_output(
        fo,
        directory=settings.directory,
        pattern=outputs.file_pattern(settings.file_prefix),
        # Cryptomatte ids are float32 bit patterns: half floats would destroy them.
        color_depth="16" if settings.precision == "HALF" and not settings.use_instance_id else "32",
        codec=settings.codec,
    )
    names = [o.layer for o in chosen]
    if compat.file_output_inputs(fo) != names or not all(
        compat.file_output_input_fits(fo, o.layer, o.kind, len(o.channels)) for o in chosen
    ):
        compat.clear_file_output_inputs(fo)
        # The helpers of the inputs just cleared go with them, so the new ones take
        # their names again (else each rebuild renames them, e.g. "Separate Color.001").
        _remove_unused_helpers(tree)
        for o in chosen:
            compat.add_file_output_input(fo, o.layer, o.kind, len(o.channels))
    for o in chosen:
        source = _render_layers_socket(clean_rl if o.key in from_clean else rl, o)
        target = fo.inputs[o.layer]
        if not (target.is_linked and target.links[0].from_socket == source):
            tree.links.new(source, target)
        for node in compat.link_extra_components(fo, o.layer, source):
            _mark(node, ROLE_HELPER, f"Ground Truth {o.label}")
            node.location = (fo.location[0] - 150, fo.location[1] - 250)
    _remove_unused_helpers(tree)


def _sync_clean_render_layers(tree, scene, layer, main_rl):
    """The Render Layers node of the data layer (made or removed as needed)."""
    nodes = owned_nodes(tree, ROLE_CLEAN_RENDER_LAYERS)
    if layer is None:
        for node in nodes:
            tree.nodes.remove(node)
        return None
    node = nodes[0] if nodes else None
    if node is None:
        node = tree.nodes.new("CompositorNodeRLayers")
        _mark(node, ROLE_CLEAN_RENDER_LAYERS, "Ground Truth data")
        node.location = (main_rl.location[0], main_rl.location[1] - 450)
    if node.scene != scene:
        node.scene = scene
    if node.layer != layer.name:
        node.layer = layer.name
    return node


def _free_location(tree) -> tuple[float, float]:
    """A spot below the user's nodes, so ours never cover theirs."""
    if not tree.nodes:
        return (0.0, 0.0)
    lowest = min(n.location[1] - n.dimensions[1] for n in tree.nodes)
    leftmost = min(n.location[0] for n in tree.nodes)
    return (leftmost, lowest - 200.0)
