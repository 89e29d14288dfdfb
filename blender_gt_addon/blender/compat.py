# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every difference between Blender versions that the add-on meets, in one place.

Each function is named for what it does; callers never test ``bpy.app.version``.
Which version has what is the table ``versions.FEATURES`` (feature -> first
version); this module asks :func:`has` by feature name, so a new Blender version
adds rows there, not ``if`` ladders here.

Differences handled (measured with the bpy wheels):
- Where the add-on's nodes live (:func:`compositor_tree`): 4.x ``scene.use_nodes``
  + ``scene.node_tree``; 5.0-5.2 a ``CompositorNodeTree`` data-block assigned to
  ``scene.compositing_node_group``; 5.3 a compositor effect of the add-on's own,
  the first of ``scene.compositor_effects``, passing the render on unchanged (5.3
  runs no effect after one without a Group Output: :func:`effects_stopping_the_stack`).
- Compositing switched off (:func:`switch_compositing_on`): the add-on turns it
  on and keeps the final image the plain render, as it was: 5.3 disables the
  user's effects for rendering; 5.0-5.2 give the scene a node group of the
  add-on's own and keep the user's in ``settings.user_compositor``; 4.x make the
  add-on's Composite node the active one. All is given back when nothing is ticked.
- Beauty output: 4.x a Composite node; 5.x a Group Output node with an Image
  socket on the tree's interface.
- File Output node: 4.x ``base_path`` and ``layer_slots``; 5.x ``directory``,
  ``file_name`` and ``file_output_items`` (vector items default to 3 components).
- Multilayer mode: 4.x ``format.file_format``; 5.x ``format.media_type`` first.
- Render Layers socket names (5.0 renamed ``Emit``, ``IndexOB``, ``IndexMA``):
  handled by the candidate names in ``outputs.Output.sockets``.
- Four-component vectors: 4.2 writes only X, Y, Z of a vector input; 4.5 keeps W;
  5.x with ``vector_socket_dimensions = 4``. On 4.2 (and 4.3, 4.4: not measured), W
  goes through a Separate Color node into a value input ``<layer>.W`` (channel
  ``<layer>.W.V``, float32, renamed ``<layer>.W`` by the header step).
- EXR parts: 5.x writes one part per input unless ``format.use_exr_interleave`` (set).
- Files from another version: 5.0 converts a 4.x File Output with 3-component
  vector items (W lost): :func:`file_output_input_fits` tells the caller to rebuild.
- Channel names no node setting can change (4.2: Cryptomatte ``.R .G .B .A``,
  ``<layer>.W.V``) and lights in the Cryptomatte manifest (4.5+): fixed in each
  written file's header by ``exr.header.finish_file``, pixels untouched.
- Animation: 5.0 removed ``Action.fcurves``: :func:`action_fcurves`.
"""

from __future__ import annotations

import bpy

from .. import versions
from ..exr.header import W_SUFFIX as _W_SUFFIX


def has(feature: str) -> bool:
    """Whether the running Blender has ``feature`` (a key of ``versions.FEATURES``)."""
    return versions.has(feature, bpy.app.version)


OWNER_KEY = "blender_gt"  # the custom property that marks what the add-on made
_OWN_TREE = "compositor"
_OWN_EFFECT_NAME = "Ground Truth"


def compositor_tree(scene: bpy.types.Scene, create: bool, own: bool = False):
    """The node tree that holds the add-on's nodes: ``(tree, created)``, or ``(None, False)``.

    ``create``: make it if there is none. ``own``: the add-on switched compositing
    on (:func:`switch_compositing_on`), so its nodes go into a tree of its own where
    the version allows one, leaving the user's compositor out of the render
    (5.0-5.2; 5.3 always uses a compositor effect of its own; 4.x keeps one tree
    per scene). A ``created`` tree needs :func:`add_beauty_output`.
    """
    if has("compositor_effects"):
        return _effect_tree(scene, create)
    if has("compositor_node_group"):
        tree = scene.compositing_node_group
        if own and not _is_own(tree):
            if not create:
                return None, False
            scene.groundtruth.user_compositor = tree  # kept, given back by release_compositor
            scene.compositing_node_group = _new_tree(f"{scene.name} Ground Truth", own=True)
            return scene.compositing_node_group, True
        if tree is not None or not create:
            return tree, False
        scene.compositing_node_group = _new_tree(f"{scene.name} Compositor", own=False)
        return scene.compositing_node_group, True
    if not scene.use_nodes:
        if not create:
            return None, False
        made = _switch_nodes_on(scene)
        return scene.node_tree, made
    return scene.node_tree, False


# In ``settings.owned_compositing``: the add-on made the compositor (4.x: Use Nodes on
# in a scene without nodes; 5.0-5.2: a new node group); it goes when nothing is ticked.
MADE_TREE = "made_tree"
# The mark of the nodes Blender fills such a 4.x tree with (Render Layers -> Composite).
ROLE_MADE_WITH_TREE = "made_with_tree"


def _switch_nodes_on(scene) -> bool:
    """4.x: tick Use Nodes; whether that made the compositor (no tree, or an empty one,
    before), whose nodes (Render Layers -> Composite, a Viewer) are then marked."""
    made = scene.node_tree is None or not scene.node_tree.nodes
    scene.use_nodes = True
    if made:
        for node in scene.node_tree.nodes:
            node[OWNER_KEY] = ROLE_MADE_WITH_TREE
    return made


def release_made_tree(scene: bpy.types.Scene, tree) -> bool:
    """Nothing is ticked and the add-on made ``tree`` (:data:`MADE_TREE`): remove the
    nodes Blender made with it and, if none of the user's is left, give the scene its
    state back: 4.x Use Nodes off (``Scene.node_tree`` is read-only: the empty tree
    stays, unused, costing a render nothing), 5.0-5.2 no node group. Returns whether
    it did (else the user's nodes in it stay as they are, and so does the tree)."""
    if tree is None or has("compositor_effects"):
        return True
    made = [n for n in tree.nodes if n.get(OWNER_KEY) == ROLE_MADE_WITH_TREE]
    for node in made:  # kept where the user linked a node of theirs to it
        if not any(node in (x.from_node, x.to_node) and None in (
                x.from_node.get(OWNER_KEY), x.to_node.get(OWNER_KEY)) for x in tree.links):
            tree.nodes.remove(node)
    if tree.nodes:
        return False
    if has("compositor_node_group"):
        if scene.compositing_node_group == tree:
            scene.compositing_node_group = None
        if tree.users == 0:
            bpy.data.node_groups.remove(tree)
    else:
        scene.use_nodes = False
    return True


def user_compositor_tree(scene: bpy.types.Scene, create: bool = False):
    """The user's own compositor tree (what the compositor editor shows), or ``None``."""
    if has("compositor_effects"):
        effects = scene.compositor_effects
        active = effects.active
        if active is not None and not _is_own(active.node_group):
            return active.node_group
        for effect in effects:
            if not _is_own(effect.node_group):
                return effect.node_group
        if not create:
            return None
        effect = effects.new("Compositor")
        effect.node_group = _new_tree(f"{scene.name} Compositor", own=False)
        # After ours (new effects go last): ours passes the render on unchanged.
        return effect.node_group
    if has("compositor_node_group") and _is_own(scene.compositing_node_group):
        return scene.groundtruth.user_compositor
    tree, _ = compositor_tree(scene, create)
    return tree


def user_trees_holding_own_nodes(scene: bpy.types.Scene) -> list:
    """The user's trees that may hold nodes the add-on made where it once put them
    (a .blend from an older version, or compositing switched off and on again)."""
    if has("compositor_effects"):
        return [e.node_group for e in scene.compositor_effects
                if e.node_group is not None and not _is_own(e.node_group)]
    if has("compositor_node_group") and _is_own(scene.compositing_node_group):
        user = scene.groundtruth.user_compositor
        return [user] if user is not None else []
    return []


def release_compositor(scene: bpy.types.Scene) -> None:
    """Nothing is ticked: remove the compositor of the add-on's own, if it made one, and
    give the user's back."""
    if has("compositor_effects"):
        for effect in list(scene.compositor_effects):
            if _is_own(effect.node_group):
                tree = effect.node_group
                scene.compositor_effects.remove(effect)
                bpy.data.node_groups.remove(tree)
        return
    if has("compositor_node_group") and _is_own(scene.compositing_node_group):
        tree = scene.compositing_node_group
        scene.compositing_node_group = scene.groundtruth.user_compositor
        scene.groundtruth.user_compositor = None
        bpy.data.node_groups.remove(tree)


def compositing_is_off(scene: bpy.types.Scene) -> bool:
    """Whether a render would skip the compositor (and so the add-on's File Output)."""
    if not scene.render.use_compositing:
        return True
    # 4.x: a tree the user made and left unused (Use Nodes unticked); an empty one
    # (what the add-on leaves when it gives a scene back) is no compositor.
    return (not has("compositor_node_group") and not scene.use_nodes
            and scene.node_tree is not None and len(scene.node_tree.nodes) > 0)


def compositor_runs(scene: bpy.types.Scene) -> bool:
    """Whether a render of ``scene`` runs the compositor (and pays its time)."""
    if not scene.render.use_compositing:
        return False
    if has("compositor_effects"):
        return any(e.enable_for_render and e.node_group is not None
                   for e in scene.compositor_effects)
    if has("compositor_node_group"):
        return scene.compositing_node_group is not None
    return scene.use_nodes


def switch_compositing_on(scene: bpy.types.Scene) -> list[str]:
    """Turn compositing on for the ground truth; keep the final image the plain
    render, as it was with compositing off. Returns what was switched, for
    :func:`restore_compositing`."""
    switched = []
    if not scene.render.use_compositing:
        scene.render.use_compositing = True
        switched.append("use_compositing")
    if not has("compositor_node_group") and not scene.use_nodes:
        switched.append("use_nodes")
        if _switch_nodes_on(scene):
            switched.append(MADE_TREE)
    if has("compositor_effects"):
        # The user's effects did not run before: they still do not, for rendering.
        for effect in scene.compositor_effects:
            if not _is_own(effect.node_group) and effect.enable_for_render:
                effect.enable_for_render = False
                switched.append(f"effect:{effect.name}")
    return switched


def restore_compositing(scene: bpy.types.Scene, switched: list[str]) -> None:
    """Undo :func:`switch_compositing_on`."""
    for what in switched:
        if what == "use_compositing":
            scene.render.use_compositing = False
        elif what == "use_nodes" and not has("compositor_node_group"):
            scene.use_nodes = False
        elif what.startswith("effect:") and has("compositor_effects"):
            effect = scene.compositor_effects.get(what[len("effect:"):])
            if effect is not None:
                effect.enable_for_render = True


def _is_own(tree) -> bool:
    return tree is not None and tree.get(OWNER_KEY) == _OWN_TREE


def _new_tree(name: str, own: bool):
    tree = bpy.data.node_groups.new(name, "CompositorNodeTree")
    if own:
        tree[OWNER_KEY] = _OWN_TREE
    return tree


def _effect_tree(scene, create: bool):
    """5.3: the node group of the add-on's own compositor effect, the first of the stack."""
    effects = scene.compositor_effects
    for effect in effects:
        if _is_own(effect.node_group):
            if create:  # a sync: put it back first (a .blend from before, or dragged down)
                _put_first(scene, effect)
            return effect.node_group, False
    if not create:
        return None, False
    active = effects.active.name if effects.active is not None else None
    tree = _new_tree(f"{scene.name} Ground Truth", own=True)
    # Its Group Input receives the render (the stack's image so far, of which it is
    # the first effect); its Group Output passes that on to the user's effects.
    tree.interface.new_socket("Image", in_out="INPUT", socket_type="NodeSocketColor")
    effect = effects.new(_OWN_EFFECT_NAME)
    effect.node_group = tree
    _put_first(scene, effect, active)
    return tree, True


def put_own_effect_first(scene: bpy.types.Scene) -> None:
    """5.3: move the add-on's compositor effect, if any, back to the top of the stack."""
    if has("compositor_effects"):
        own = [e for e in scene.compositor_effects if _is_own(e.node_group)]
        if own:
            _put_first(scene, own[0])


def _put_first(scene, effect, active: str | None = None) -> None:
    """Move the add-on's ``effect`` to the top of the stack (by the scene's operator:
    the collection has no move), keeping the ``active`` effect (default: the one now).
    Where it fails, :func:`effects_stopping_the_stack` lets the checks say so."""
    effects = scene.compositor_effects
    if active is None and effects.active is not None:
        active = effects.active.name
    if len(effects) >= 2 and effects[0].name != effect.name:
        try:
            with bpy.context.temp_override(scene=scene):
                bpy.ops.scene.move_compositor_effect_to_index(name=effect.name, index=0)
        except (RuntimeError, TypeError):  # no context to run it in
            pass
    if active is not None and effects.get(active) is not None:
        if effects.active is None or effects.active.name != active:
            effects.active = effects[active]


def effects_stopping_the_stack(scene: bpy.types.Scene) -> list[str]:
    """Names of the compositor effects before the add-on's own that stop the stack, so
    that its File Output never runs (5.3; empty before). Measured on 5.3.0: an effect
    enabled for rendering whose node group has no Group Output node, or no output
    socket on its interface, stops it silently (a Blur and a Frame node; an empty
    group); an unlinked Group Output, a disabled effect or one without group do not.
    """
    if not has("compositor_effects"):
        return []
    found = []
    for effect in scene.compositor_effects:
        tree = effect.node_group
        if _is_own(tree):
            return found
        if tree is None or not effect.enable_for_render:
            continue
        has_socket = any(i.item_type == "SOCKET" and i.in_out == "OUTPUT"
                         for i in tree.interface.items_tree)
        if not has_socket or not any(n.bl_idname == "NodeGroupOutput" for n in tree.nodes):
            found.append(effect.name)
    return []  # the add-on has no effect: nothing of it to stop


def add_beauty_output(tree, image_socket, active: bool = False) -> list:
    """Make ``image_socket`` the tree's final image (what F12 shows and saves).

    Used on a tree the add-on created, or with ``active`` on the user's tree (4.x)
    when the add-on switched compositing on: then its output becomes the active
    one, so the final image stays the plain render. Returns the nodes added.
    The add-on's 5.3 effect passes on what it receives instead.
    """
    if has("compositor_node_group"):
        if not any(i.in_out == "OUTPUT" and i.socket_type == "NodeSocketColor"
                   for i in tree.interface.items_tree):
            tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
        out = tree.nodes.new("NodeGroupOutput")
        group_input = [i for i in tree.interface.items_tree
                       if i.in_out == "INPUT" and i.socket_type == "NodeSocketColor"]
        if group_input:  # the add-on's 5.3 effect: pass the stack's image on
            source = tree.nodes.new("NodeGroupInput")
            tree.links.new(source.outputs[0], out.inputs[0])
            out.is_active_output = True
            return [out, source]
        tree.links.new(image_socket, out.inputs[0])
        out.is_active_output = True
        return [out]
    if not active and any(n.bl_idname == "CompositorNodeComposite" for n in tree.nodes):
        return []
    out = tree.nodes.new("CompositorNodeComposite")
    tree.links.new(image_socket, out.inputs["Image"])
    if active:
        tree.nodes.active = out  # 4.x renders through the active Composite node
    return [out]


def configure_file_output(node, directory: str, pattern: str, color_depth: str, codec: str) -> None:
    """Make File Output ``node`` write one multilayer EXR per frame to ``directory/pattern``.

    ``pattern`` contains ``####`` for the frame number; ``color_depth`` is ``"16"``
    or ``"32"`` (Blender halves colour inputs only); ``codec`` an EXR codec id.
    """
    fmt = node.format
    if has("compositor_node_group"):
        fmt.media_type = "MULTI_LAYER_IMAGE"
        if node.directory != directory:
            node.directory = directory
        if node.file_name != pattern:
            node.file_name = pattern
    else:
        fmt.file_format = "OPEN_EXR_MULTILAYER"
        path = directory + pattern
        if node.base_path != path:
            node.base_path = path
    fmt.file_format = "OPEN_EXR_MULTILAYER"
    fmt.color_depth = color_depth
    fmt.exr_codec = codec
    # 5.0 writes one EXR part per input unless told to interleave; 4.x has no
    # such option and always writes one part.
    if hasattr(fmt, "use_exr_interleave") and not fmt.use_exr_interleave:
        fmt.use_exr_interleave = True


def file_output_inputs(node) -> list[str]:
    """Names of the File Output node's inputs, in order, as given to :func:`add_file_output_input`.

    Extra inputs that :func:`add_file_output_input` adds for a version are not listed.
    """
    if has("compositor_node_group"):
        return [item.name for item in node.file_output_items]
    names = [slot.name for slot in node.layer_slots]
    return [n for n in names if not _is_w_input(n, names)]


def _is_w_input(name: str, names: list[str]) -> bool:
    return (not has("vector_input_keeps_w") and name.endswith(_W_SUFFIX)
            and name[: -len(_W_SUFFIX)] in names)


def clear_file_output_inputs(node) -> None:
    """Remove every input of File Output ``node``.

    Nodes that :func:`link_extra_components` added stay, unlinked from ``node``.
    """
    if has("compositor_node_group"):
        node.file_output_items.clear()
    else:
        node.layer_slots.clear()


_SOCKET_TYPES = {"color": "RGBA", "value": "FLOAT", "vector": "VECTOR"}


def add_file_output_input(node, name: str, kind: str, components: int):
    """Add an input called ``name`` (the layer name in the file) and return its socket.

    ``kind`` is ``"color"``, ``"value"`` or ``"vector"``; ``components`` the number
    of vector components to keep (the Vector pass has 4).
    """
    if has("compositor_node_group"):
        item = node.file_output_items.new(_SOCKET_TYPES[kind], name)
        if kind == "vector":
            item.vector_socket_dimensions = components
    else:
        node.layer_slots.new(name)
        if kind == "vector" and components == 4 and not has("vector_input_keeps_w"):
            node.layer_slots.new(name + _W_SUFFIX)
    return node.inputs[name]


def file_output_input_fits(node, name: str, kind: str, components: int) -> bool:
    """Whether input ``name`` of File Output ``node`` is what :func:`add_file_output_input` makes.

    False e.g. for a node that another Blender version set up and saved (a vector
    input converted by 5.0 from an older file keeps only 3 components).
    """
    if has("compositor_node_group"):
        item = next((i for i in node.file_output_items if i.name == name), None)
        if item is None or item.socket_type != _SOCKET_TYPES[kind]:
            return False
        return kind != "vector" or item.vector_socket_dimensions == components
    if kind == "vector" and components == 4 and not has("vector_input_keeps_w"):
        return name + _W_SUFFIX in [s.name for s in node.layer_slots]
    return True


def link_extra_components(node, name: str, source) -> list:
    """Make sure every component of ``source`` reaches the file, not only those of input ``name``.

    ``source`` is the socket linked to File Output ``node``'s input ``name``. Where
    the input loses components (4.2: W of a vector), this links them through
    extra nodes into the extra inputs :func:`add_file_output_input` made. Returns
    the nodes it added (none when all is linked already); nodes it no longer
    uses are left unlinked from ``node``, for the caller to remove.
    """
    if has("vector_input_keeps_w") or name + _W_SUFFIX not in [s.name for s in node.layer_slots]:
        return []
    w_input = node.inputs[name + _W_SUFFIX]
    tree = node.id_data
    if w_input.is_linked:
        split = w_input.links[0].from_node
        if (split.bl_idname == "CompositorNodeSeparateColor" and split.mode == "RGB"
                and w_input.links[0].from_socket == split.outputs["Alpha"]
                and split.inputs[0].is_linked
                and split.inputs[0].links[0].from_socket == source):
            return []
    # Separate Color reads all four floats of the pass (4.2 passes the Vector
    # pass as a 4-channel buffer); its Alpha is W, bit for bit, and a value
    # input is written as 32-bit float whatever the colour depth.
    split = tree.nodes.new("CompositorNodeSeparateColor")
    split.mode = "RGB"
    split.hide = True
    tree.links.new(source, split.inputs[0])
    tree.links.new(split.outputs["Alpha"], w_input)
    return [split]


def action_fcurves(action) -> list:
    """The F-curves of ``action`` on every version."""
    if hasattr(action, "fcurves"):  # 4.x (legacy API, still there in 4.4 and 4.5)
        return list(action.fcurves)
    return [fc for layer in action.layers for strip in layer.strips
            for bag in strip.channelbags for fc in bag.fcurves]
