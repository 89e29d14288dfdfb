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
- Four-component vectors: 4.2 writes only X, Y, Z of a vector input (the
  Vector pass loses W); 4.5 keeps W; 5.0 keeps it when the item has
  ``vector_socket_dimensions = 4``. On 4.2, W goes through a Separate Color
  node into a value input named ``<layer>.W``, written as channel ``<layer>.W.V``
  (float32): 4.2 names value channels ``.V`` whatever the input is called, so
  :func:`finish_file` renames it ``<layer>.W`` in the file. 4.3 and 4.4 were not
  measured and are treated like 4.2 (the extra input is harmless where W is kept).
- EXR parts: 5.0 writes one part per input unless ``format.use_exr_interleave``;
  it is set, so every version writes a single part.
- Files from another version: 5.0 converts a 4.x File Output with 3-component
  vector items (W lost; the 4.2 Separate Color then gives W = 1.0, as 5.0 turns
  a vector into a colour with alpha 1). :func:`file_output_input_fits` tells the
  caller to rebuild such inputs.
- Channel names that no node setting can change, fixed in the written file's
  header by :func:`finish_file` (pixels untouched): 4.2 writes the Cryptomatte
  layer as ``.R .G .B .A`` (4.5 and 5.0, like the Cryptomatte spec, ``.r .g .b .a``)
  and W of a vector as ``<layer>.W.V`` (4.5 and 5.0 ``<layer>.W``).
- Animation: 5.0 removed ``Action.fcurves`` (slotted actions, 4.4 on, keep them
  in layers > strips > channel bags): :func:`action_fcurves`.
- Cryptomatte manifest: 4.5 and 5.0 list the scene's lights, 4.2 does not.
  Lights never have Cryptomatte pixels on any version, and instance ids are
  numbered by the names in the manifest, so :func:`finish_file` removes them:
  the same objects get the same ids on every version.
"""

from __future__ import annotations

import json
import math
import os
import struct

import bpy

BLENDER_5 = bpy.app.version >= (5, 0, 0)
# Measured: 4.2 drops the 4th component of a vector File Output input, 4.5 keeps it.
_VECTOR_INPUT_KEEPS_W = bpy.app.version >= (4, 5, 0)
# Suffix of the extra value input that carries W where a vector input loses it.
_W_SUFFIX = ".W"


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
    # 5.0 writes one EXR part per input unless told to interleave; 4.x has no
    # such option and always writes one part.
    if hasattr(fmt, "use_exr_interleave") and not fmt.use_exr_interleave:
        fmt.use_exr_interleave = True


def file_output_inputs(node) -> list[str]:
    """Names of the File Output node's inputs, in order, as given to :func:`add_file_output_input`.

    Extra inputs that :func:`add_file_output_input` adds for a version are not listed.
    """
    if BLENDER_5:
        return [item.name for item in node.file_output_items]
    names = [slot.name for slot in node.layer_slots]
    return [n for n in names if not _is_w_input(n, names)]


def _is_w_input(name: str, names: list[str]) -> bool:
    return (not _VECTOR_INPUT_KEEPS_W and name.endswith(_W_SUFFIX)
            and name[: -len(_W_SUFFIX)] in names)


def clear_file_output_inputs(node) -> None:
    """Remove every input of File Output ``node``.

    Nodes that :func:`link_extra_components` added stay, unlinked from ``node``.
    """
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
        if kind == "vector" and components == 4 and not _VECTOR_INPUT_KEEPS_W:
            node.layer_slots.new(name + _W_SUFFIX)
    return node.inputs[name]


def file_output_input_fits(node, name: str, kind: str, components: int) -> bool:
    """Whether input ``name`` of File Output ``node`` is what :func:`add_file_output_input` makes.

    False e.g. for a node that another Blender version set up and saved (a vector
    input converted by 5.0 from an older file keeps only 3 components).
    """
    if BLENDER_5:
        item = next((i for i in node.file_output_items if i.name == name), None)
        if item is None or item.socket_type != _SOCKET_TYPES[kind]:
            return False
        return kind != "vector" or item.vector_socket_dimensions == components
    if kind == "vector" and components == 4 and not _VECTOR_INPUT_KEEPS_W:
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
    if _VECTOR_INPUT_KEEPS_W or name + _W_SUFFIX not in [s.name for s in node.layer_slots]:
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


# ------------------------------------------------------------------ written files
#
# The OpenEXR layout (openexr.com, "OpenEXR File Layout"): magic, version flags,
# header attributes (name\0 type\0 int32 size, value) up to an empty name, then
# for a single-part scanline file one table of uint64 chunk offsets (from the
# start of the file) and the chunks. Channel names live in the ``channels``
# attribute only; pixel data is stored per channel in the order of the sorted
# names, so a rename that keeps that order leaves the pixel data valid.

_EXR_MAGIC = b"\x76\x2f\x31\x01"
_EXR_TILED, _EXR_DEEP, _EXR_MULTIPART = 0x200, 0x800, 0x1000
# Scanlines per chunk of each compression (the ``compression`` attribute's value).
_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}
_CRYPTO_UPPER = ("R", "G", "B", "A")


def finish_file(path: str, light_names=()) -> bool:
    """Give the file the add-on's File Output node wrote the same layout on every version.

    Renames the channels some versions cannot name (see the module docstring) and
    removes ``light_names`` from the Cryptomatte manifests; pixels are not touched.
    The file is replaced atomically, and only when something changes. Returns
    whether it changed; a missing file or one laid out otherwise (tiled, deep,
    multi-part, unknown compression) is left as it is.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return False
    new = normalised_exr(data, frozenset(light_names))
    if new is None:
        return False
    tmp = f"{path}.blender-gt-tmp"
    with open(tmp, "wb") as f:
        f.write(new)
    os.replace(tmp, path)
    return True


def _exr_attributes(data: bytes):
    """``(flags, [[name, type, value], ...], end of header)`` or ``None`` if not handled."""
    if data[:4] != _EXR_MAGIC or len(data) < 8:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags & (_EXR_TILED | _EXR_DEEP | _EXR_MULTIPART):
        return None
    attrs, pos = [], 8
    while True:
        end = data.index(b"\0", pos)
        if end == pos:
            return flags, attrs, pos + 1
        type_end = data.index(b"\0", end + 1)
        (size,) = struct.unpack_from("<i", data, type_end + 1)
        start = type_end + 5
        if size < 0 or start + size > len(data):
            return None
        attrs.append([data[pos:end], data[end + 1:type_end], data[start:start + size]])
        pos = start + size


def _chlist(value: bytes) -> list[list[bytes]]:
    channels, pos = [], 0
    while value[pos] != 0:
        end = value.index(b"\0", pos)
        # pixel type (int32), pLinear (uint8), 3 reserved bytes, x and y sampling (int32)
        channels.append([value[pos:end], value[end + 1:end + 17]])
        pos = end + 17
    return channels


def _renamed_channels(names: list[str], cryptomatte_layers: set[str]) -> list[str]:
    present = set(names)
    renamed = []
    for name in names:
        layer, _, last = name.rpartition(".")
        if layer in cryptomatte_layers and last in _CRYPTO_UPPER:
            name = f"{layer}.{last.lower()}"
        elif (last == "V" and layer.endswith(_W_SUFFIX) and layer not in present
              and layer[: -len(_W_SUFFIX)] + ".X" in present):
            name = layer  # "vector.W.V" -> "vector.W"
        renamed.append(name)
    return renamed


def normalised_exr(data: bytes, light_names: frozenset = frozenset()) -> bytes | None:
    """The bytes of the EXR file ``data`` with the layout of every version, or ``None``
    when it has it already (or is laid out in a way this does not handle)."""
    parsed = _exr_attributes(data)
    if parsed is None:
        return None
    flags, attrs, header_end = parsed
    by_name = {a[0]: a for a in attrs}
    needed = {b"channels", b"compression", b"dataWindow"}
    if not needed <= set(by_name) or by_name[b"channels"][1] != b"chlist":
        return None
    changed = False

    crypto_layers = set()
    for name, type_, value in attrs:
        if name.startswith(b"cryptomatte/") and type_ == b"string":
            if name.endswith(b"/name"):
                crypto_layers.add(value.decode("utf-8", "replace"))
            elif name.endswith(b"/manifest") and light_names:
                manifest = _without(value, light_names)
                if manifest is not None:
                    by_name[name][2] = manifest
                    changed = True

    channels = _chlist(by_name[b"channels"][2])
    names = [c[0].decode("utf-8", "replace") for c in channels]
    renamed = _renamed_channels(names, crypto_layers)
    if renamed != names:
        encoded = [n.encode() for n in renamed]
        # Pixel data follows the sorted order of the names: a rename must keep it.
        if encoded != sorted(encoded) or len(set(encoded)) != len(encoded):
            return None
        by_name[b"channels"][2] = b"".join(
            n + b"\0" + c[1] for n, c in zip(encoded, channels, strict=True)) + b"\0"
        changed = True
    if not changed:
        return None

    compression = by_name[b"compression"][2][0]
    if compression not in _LINES_PER_CHUNK:
        return None
    _, y_min, _, y_max = struct.unpack("<4i", by_name[b"dataWindow"][2])
    count = math.ceil((y_max - y_min + 1) / _LINES_PER_CHUNK[compression])
    table_end = header_end + 8 * count
    if table_end > len(data):
        return None
    offsets = struct.unpack_from(f"<{count}Q", data, header_end)
    if min(offsets) != table_end or max(offsets) >= len(data):
        return None
    header = bytearray(data[:8])
    for name, type_, value in attrs:
        header += name + b"\0" + type_ + b"\0" + struct.pack("<i", len(value)) + value
    header += b"\0"
    shift = len(header) - header_end
    table = struct.pack(f"<{count}Q", *(o + shift for o in offsets))
    return bytes(header) + table + data[table_end:]


def _without(manifest: bytes, names: frozenset) -> bytes | None:
    """The JSON manifest without ``names``, or ``None`` if it has none of them."""
    try:
        entries = json.loads(manifest.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(entries, dict) or not names.intersection(entries):
        return None
    kept = {k: v for k, v in entries.items() if k not in names}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def light_names() -> frozenset:
    """Names of the lights that Cryptomatte manifests may list (never in its pixels)."""
    lights = {o.name for o in bpy.data.objects if o.type == "LIGHT"}
    others = {o.name for o in bpy.data.objects if o.type != "LIGHT"}
    return frozenset(lights - others)  # a linked object may share a light's name
