# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every difference between Blender versions that the add-on meets, in one place.

Each function is named for what it does; callers never test ``bpy.app.version``.

Differences handled (measured with the bpy wheels):
- Compositor tree: 4.x ``scene.use_nodes`` + ``scene.node_tree``; 5.0 a
  ``CompositorNodeTree`` data-block assigned to ``scene.compositing_node_group``.
- Beauty output: 4.x a Composite node; 5.0 a Group Output node with an Image
  socket on the tree's interface.
- File Output node: 4.x ``base_path`` and ``layer_slots``; 5.0 ``directory``,
  ``file_name`` and ``file_output_items`` (vector items default to 3 components).
- Multilayer mode: 4.x ``format.file_format``; 5.0 ``format.media_type`` first.
- Render Layers socket names (5.0 renamed ``Emit``, ``IndexOB``, ``IndexMA``):
  handled by the candidate names in ``outputs.Output.sockets``.
"""

from __future__ import annotations

import bpy

BLENDER_5 = bpy.app.version >= (5, 0, 0)


def compositor_tree(scene: bpy.types.Scene, create: bool):
    """The scene's compositor node tree, creating it if ``create``; ``None`` if there is none.

    Returns ``(tree, created)``.
    """
    if BLENDER_5:
        tree = scene.compositing_node_group
        if tree is not None or not create:
            return tree, False
        tree = bpy.data.node_groups.new(f"{scene.name} Compositor", "CompositorNodeTree")
        scene.compositing_node_group = tree
        return tree, True
    if not scene.use_nodes:
        if not create:
            return None, False
        had_tree = scene.node_tree is not None
        # Blender fills a new tree with Render Layers -> Composite, so the beauty
        # render keeps working.
        scene.use_nodes = True
        return scene.node_tree, not had_tree
    return scene.node_tree, False


def add_beauty_output(tree, image_socket) -> list:
    """Make ``image_socket`` the tree's final image (what F12 shows and saves).

    Used only on a tree the add-on created itself. Returns the nodes added.
    """
    if BLENDER_5:
        if not any(i.in_out == "OUTPUT" and i.socket_type == "NodeSocketColor"
                   for i in tree.interface.items_tree):
            tree.interface.new_socket("Image", in_out="OUTPUT", socket_type="NodeSocketColor")
        out = tree.nodes.new("NodeGroupOutput")
        tree.links.new(image_socket, out.inputs[0])
        return [out]
    if any(n.bl_idname == "CompositorNodeComposite" for n in tree.nodes):
        return []
    out = tree.nodes.new("CompositorNodeComposite")
    tree.links.new(image_socket, out.inputs["Image"])
    return [out]


def configure_file_output(node, directory: str, pattern: str, color_depth: str, codec: str) -> None:
    """Make File Output ``node`` write one multilayer EXR per frame to ``directory/pattern``.

    ``pattern`` contains ``####`` for the frame number; ``color_depth`` is ``"16"``
    or ``"32"`` (Blender halves colour inputs only); ``codec`` an EXR codec id.
    """
    fmt = node.format
    if BLENDER_5:
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


def file_output_inputs(node) -> list[str]:
    """Names of the File Output node's inputs, in order."""
    if BLENDER_5:
        return [item.name for item in node.file_output_items]
    return [slot.name for slot in node.layer_slots]


def clear_file_output_inputs(node) -> None:
    """Remove every input of File Output ``node``."""
    if BLENDER_5:
        node.file_output_items.clear()
    else:
        node.layer_slots.clear()


_SOCKET_TYPES = {"color": "RGBA", "value": "FLOAT", "vector": "VECTOR"}


def add_file_output_input(node, name: str, kind: str, components: int):
    """Add an input called ``name`` (the layer name in the file) and return its socket.

    ``kind`` is ``"color"``, ``"value"`` or ``"vector"``; ``components`` the number
    of vector components to keep (the Vector pass has 4).
    """
    if BLENDER_5:
        item = node.file_output_items.new(_SOCKET_TYPES[kind], name)
        if kind == "vector":
            item.vector_socket_dimensions = components
    else:
        node.layer_slots.new(name)
    return node.inputs[name]
