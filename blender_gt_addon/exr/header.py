# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rewrite the header of a single-part scanline OpenEXR file; pixels untouched. No ``bpy``.

What the add-on does to each file Blender has written (after every frame):
- gives channels the one layout of every Blender version: 4.2 writes the
  Cryptomatte layer as ``.R .G .B .A`` (4.5+, like the Cryptomatte spec,
  ``.r .g .b .a``) and W of a vector as ``<layer>.W.V`` (4.5+ ``<layer>.W``);
- removes names (the scene's lights) from Cryptomatte manifests;
- sets string attributes (the frame's camera, see :mod:`blender_gt_addon.frame_record`).

The OpenEXR layout (openexr.com, "OpenEXR File Layout"): magic, version flags,
header attributes (name\\0 type\\0 int32 size, value) up to an empty name, then for
a single-part scanline file one table of uint64 chunk offsets (from the start of
the file) and the chunks. Channel names live in the ``channels`` attribute only;
pixel data is stored per channel in the order of the sorted names, so a rename
that keeps that order leaves the pixel data valid. A header that grows or shrinks
moves every chunk: the offsets are shifted by the same amount.
"""

from __future__ import annotations

import json
import math
import os
import struct
from collections.abc import Iterable, Mapping

__all__ = ["finish_file", "rewritten_header"]

_EXR_MAGIC = b"\x76\x2f\x31\x01"
_EXR_TILED, _EXR_DEEP, _EXR_MULTIPART = 0x200, 0x800, 0x1000
# Scanlines per chunk of each compression (the ``compression`` attribute's value).
_LINES_PER_CHUNK = {0: 1, 1: 1, 2: 1, 3: 16, 4: 32, 5: 16, 6: 32, 7: 32, 8: 32, 9: 256}
_CRYPTO_UPPER = ("R", "G", "B", "A")
# The extra value input that carries W where a vector input loses it (4.2).
W_SUFFIX = ".W"


def finish_file(path: str, light_names: Iterable[str] = (),
                strings: Mapping[str, str] | None = None) -> bool:
    """Rewrite ``path`` with :func:`rewritten_header`, atomically, if anything changes.

    Returns whether it changed. A missing file, or one laid out otherwise (tiled,
    deep, multi-part, unknown compression), is left as it is.
    """
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        return False
    new = rewritten_header(data, frozenset(light_names), strings or {})
    if new is None:
        return False
    # Beside the file, so the rename stays on one file system and is atomic; the
    # process id keeps two writers (a re-render racing a resume) apart.
    tmp = f"{path}.{os.getpid()}.blender-gt-tmp"
    try:
        with open(tmp, "wb") as f:
            f.write(new)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return True


def _attributes(data: bytes):
    """``([[name, type, value], ...], end of header)`` or ``None`` if not handled."""
    if data[:4] != _EXR_MAGIC or len(data) < 8:
        return None
    flags = int.from_bytes(data[4:8], "little")
    if flags & (_EXR_TILED | _EXR_DEEP | _EXR_MULTIPART):
        return None
    attrs, pos = [], 8
    while True:
        end = data.index(b"\0", pos)
        if end == pos:
            return attrs, pos + 1
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
        elif (last == "V" and layer.endswith(W_SUFFIX) and layer not in present
              and layer[: -len(W_SUFFIX)] + ".X" in present):
            name = layer  # "vector.W.V" -> "vector.W"
        renamed.append(name)
    return renamed


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


def _edit_attributes(attrs: list, light_names: frozenset, strings: Mapping[str, str]) -> bool:
    """Apply the edits to ``attrs`` in place; return whether anything changed."""
    by_name = {a[0]: a for a in attrs}
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
            raise _Unhandled
        by_name[b"channels"][2] = b"".join(
            n + b"\0" + c[1] for n, c in zip(encoded, channels, strict=True)) + b"\0"
        changed = True

    for key, text in strings.items():
        name, value = key.encode("utf-8"), text.encode("utf-8")
        if name in by_name:
            if by_name[name][1] != b"string":
                raise _Unhandled
            if by_name[name][2] != value:
                by_name[name][2] = value
                changed = True
        else:
            attrs.append([name, b"string", value])
            changed = True
    return changed


class _Unhandled(Exception):
    """The file is laid out in a way the rewrite does not handle."""


def rewritten_header(data: bytes, light_names: frozenset = frozenset(),
                     strings: Mapping[str, str] | None = None) -> bytes | None:
    """The bytes of EXR file ``data`` with the one channel layout, ``light_names``
    removed from Cryptomatte manifests and the string attributes ``strings`` set;
    ``None`` when nothing changes or the file is laid out in a way this does not
    handle (tiled, deep, multi-part, unknown compression, damaged)."""
    parsed = _attributes(data)
    if parsed is None:
        return None
    attrs, header_end = parsed
    by_name = {a[0]: a for a in attrs}
    needed = {b"channels", b"compression", b"dataWindow"}
    if not needed <= set(by_name) or by_name[b"channels"][1] != b"chlist":
        return None
    try:
        if not _edit_attributes(attrs, light_names, strings or {}):
            return None
    except _Unhandled:
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
