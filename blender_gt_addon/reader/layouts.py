# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Where each output's channels are in a file, and how they become one array.
No ``bpy``.

Three layouts are read: the add-on's own (``<layer>.<channel>``, e.g. ``depth.V``,
from :data:`blender_gt_addon.outputs.OUTPUTS`), Blender's multilayer render output
(``<view layer>.<pass>.<channel>``, e.g. ``ViewLayer.Depth.Z``), and single-pass
EXRs written by File Output nodes wired by hand (bare ``V``, ``R G B``, ...).
"""

from __future__ import annotations

import numpy as np

from ..conventions import position_from_pass
from ..outputs import OUTPUTS, OUTPUTS_BY_LAYER
from . import convert

__all__ = ["SINGLE_PASS_CHANNELS", "SINGLE_PASS_LAYER", "Sources", "find_sources",
           "conventions_of", "native_layout", "planes_to_array"]

# Single-pass EXRs from File Output nodes wired by hand: the channel sets they use
# (Blender 4.2 writes value inputs as V, 4.5 and 5.0 as R, G, B plus A).
SINGLE_PASS_CHANNELS: dict[str, tuple[tuple[str, ...], ...]] = {
    "depth": (("V",), ("R",), ("Y",), ("Z",)),
    "index": (("V",), ("R",), ("Y",), ("X",)),
    "normal": (("X", "Y", "Z"), ("R", "G", "B")),
    "vector": (("X", "Y", "Z", "W"), ("R", "G", "B", "A"), ("X", "Y", "Z")),
    "emission": (("R", "G", "B"),),
    "image": (("R", "G", "B", "A"), ("R", "G", "B")),
}
# The output layer whose conventions each single-pass kind follows.
SINGLE_PASS_LAYER = {"depth": "depth", "index": "object_index", "normal": "normal",
                     "vector": "vector", "emission": "emission", "image": "image"}

Sources = dict[str, list[str]]  # output layer -> its channel names in the file

# Layers in the ``dtype`` asked for (float16 or float32): the pictures, not the data.
_PICTURES = ("image", "crisp_image", "emission")


def find_sources(channels: set[str]) -> tuple[Sources, dict[str, Sources]]:
    """Where each output's channels are: in our layout, and per view layer in Blender's.

    Returns ``(ours, theirs)``: ``ours[layer]`` lists the channel names of an output
    in the add-on's layout (``depth.V``); ``theirs[view_layer][layer]`` the same in
    Blender's render output (``ViewLayer.Depth.Z``).
    """
    ours: dict[str, list[str]] = {}
    theirs: dict[str, dict[str, list[str]]] = {}
    for o in OUTPUTS:
        if not o.is_pass:  # in the header, not a layer (amodal masks)
            continue
        # Blender 4.2 cannot name a channel "vector.W": it writes "vector.W.V".
        names = [n if n in channels or f"{n}.V" not in channels else f"{n}.V"
                 for n in (f"{o.layer}.{c}" for c in o.channels)]
        if all(n in channels for n in names):
            ours[o.layer] = names
        for pass_name in o.render_passes:
            first = f".{pass_name}.{o.render_channels[0]}"
            for name in channels:
                if name.endswith(first) and len(name) > len(first):
                    view_layer = name[: -len(first)]
                    names = [f"{view_layer}.{pass_name}.{c}" for c in o.render_channels]
                    if all(n in channels for n in names):
                        theirs.setdefault(view_layer, {})[o.layer] = names
    return ours, theirs


def conventions_of(layer: str) -> str:
    """The layer whose conventions ``layer`` follows: itself, or the output table's
    ``like`` (``rolling_depth`` is decoded as ``depth``)."""
    output = OUTPUTS_BY_LAYER.get(layer)
    return layer if output is None or output.like is None else output.like


def planes_to_array(layer: str, planes: list[np.ndarray],
                    dtype: np.dtype | type = np.float32) -> np.ndarray:
    """The array of output ``layer`` from its decoded (H, W) channel planes, in order.

    Index layers: (H, W) int32 (exact small integers stored as float32). Depth:
    (H, W) float32 with ``inf`` where nothing was hit
    (:func:`blender_gt_addon.conventions.depth_from_pass`). Emission and albedo: their
    first three planes. Position: NaN where nothing was hit
    (:func:`blender_gt_addon.conventions.position_from_pass`). Every other layer:
    (H, W, C), the planes stacked as given. Float layers are float32, or ``dtype``
    for ``image``, ``crisp_image`` and ``emission`` (float16: the half floats as
    stored). Converted in bands of rows on every core (:mod:`.convert`); a decoded
    array already in the final layout and dtype is returned as it is, and a depth
    plane is changed in place.
    """
    layer = conventions_of(layer)
    if layer in ("object_index", "material_index"):
        # Exact small integers stored as float32 (pass_index is 0..32767).
        return convert.index(planes[0])
    if layer == "depth":
        # In place: the decoded plane serves nothing else (no copy of 8 MB at 1080p).
        return convert.depth(planes[0])
    if layer in ("emission", "albedo"):  # colour inputs carry an alpha we drop
        planes = planes[:3]
    array = convert.stack(planes, dtype if layer in _PICTURES else np.float32)
    if layer == "position":
        return position_from_pass(array)
    return array


# How each output is decoded straight into its array (reader/native.py), the same as
# planes_to_array builds it from planes: what is done to the rows once decoded
# ("index": rounded to int32; "ids": the Cryptomatte lookup of .ids.instance_ids;
# "unit": unit normals; "depth": inf where nothing was hit; "position": NaN where
# nothing was hit; "plain": as decoded), which of the layer's channels the array takes
# (``None``: all of them, as given; the ids take the hash, its coverage and the second
# coverage) and its dtype (``None``: float32, or the ``dtype`` asked for image, crisp
# image and emission).
NATIVE_LAYOUT: dict[str, tuple[str, tuple[int, ...] | None, str | None]] = {
    "image": ("plain", None, None),
    "crisp_image": ("plain", None, None),
    "depth": ("depth", (0,), "float32"),
    "normal": ("unit", (0, 1, 2), "float32"),
    "vector": ("plain", None, "float32"),
    "emission": ("plain", (0, 1, 2), None),
    "albedo": ("plain", (0, 1, 2), "float32"),
    "position": ("position", (0, 1, 2), "float32"),
    "object_index": ("index", (0,), "int32"),
    "material_index": ("index", (0,), "int32"),
    "cryptomatte_object": ("ids", (0, 1, 3), "int32"),
}


def native_layout(layer: str, names: list[str],
                  dtype: np.dtype | type = np.float32) -> tuple[str, list[str], np.dtype] | None:
    """(what is done to the rows, the channel names decoded, the array's dtype) for
    decoding output ``layer`` straight into its array, or ``None`` when the layer has
    no row in :data:`NATIVE_LAYOUT` or its channels do not fit it. The array's shape is
    (H, W) for one channel or for the ids, else (H, W, channels)."""
    row = NATIVE_LAYOUT.get(conventions_of(layer))
    if row is None:
        return None
    op, take, kind = row
    if take is None:
        take = tuple(range(len(names)))
    if max(take) >= len(names):
        return None
    return op, [names[i] for i in take], np.dtype(kind or dtype)
