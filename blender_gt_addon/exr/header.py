# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Rewrite the header of a single-part scanline OpenEXR file; pixels untouched. No ``bpy``.

What the add-on does to each file Blender has written (after every frame):
- gives channels the one layout of every Blender version: 4.2 writes the
  Cryptomatte layer as ``.R .G .B .A`` (4.5+, like the Cryptomatte spec,
  ``.r .g .b .a``) and W of a vector as ``<layer>.W.V`` (4.5+ ``<layer>.W``);
- removes names (the scene's lights, and Cycles' background light: see
  :data:`BACKGROUND_LIGHT`) from Cryptomatte manifests;
- sets string attributes (the frame's camera, see :mod:`blender_gt_addon.frame_record`).

The OpenEXR layout (openexr.com, "OpenEXR File Layout"): magic, version flags,
header attributes (name\\0 type\\0 int32 size, value) up to an empty name, then for
a single-part scanline file one table of uint64 chunk offsets (from the start of
the file) and the chunks. Channel names live in the ``channels`` attribute only;
pixel data is stored per channel in the order of the sorted names, so a rename
that keeps that order leaves the pixel data valid. Chunks are found by their
offsets only, so they may lie anywhere after the table: :func:`finish_file` moves
only the chunks a longer header covers (to the end of the file) and rewrites the
table; :func:`rewritten_header` moves every chunk by the same amount.
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
# (name, manifest hash) of the manifest entry of the world's background light. Cycles
# makes it an object of its own, named "object" (its default object name), when the
# world is sampled as a light (the default); 4.5 to 5.3 list it in the manifest, 4.2
# does not (measured 4.2.23 to 5.3.0 with a world; on 4.5 absent with no world or the
# world's sampling method "None"), though the background is hash 0 in the pixels. The hash
# is MurmurHash3_32 of "object", as for any name, so a user's object named "object"
# has it too: the entry goes only when the frame record lists no such object.
BACKGROUND_LIGHT = ("object", "055ec73d")
# The header attribute of the frame record (blender_gt_addon.frame_record.KEY).
_RECORD_KEY = b"blender-gt/frame"


def finish_file(path: str, light_names: Iterable[str] = (),
                strings: Mapping[str, str] | None = None) -> bool:
    """Rewrite the header of ``path`` as :func:`rewritten_header` does, in place, if
    anything changes; returns whether it changed.

    Only the header, the chunk offset table and the few chunks the longer header
    would overwrite are read and written: those chunks are appended at the end of
    the file and the table points there (chunks may lie anywhere after the table;
    readers find them by their offsets). The file is never read or copied whole,
    which cost 9 ms a frame at 640x480 with ZIP and 126 ms uncompressed (Blender 5.3,
    every output), growing with the file. The moved
    chunks are written before the new header, so a process killed in between
    leaves the old, valid file with unused bytes at its end. A header that shrinks
    leaves unused bytes after the table. A missing file, or one laid out otherwise
    (tiled, deep, multi-part, unknown compression, damaged), is left as it is.
    """
    try:
        f = open(path, "r+b")
    except FileNotFoundError:
        return False
    with f:
        size = os.fstat(f.fileno()).st_size
        edited = _read_and_edit(f, size, frozenset(light_names), strings or {})
        if edited is None:
            return False
        new_header, offsets = edited
        head_end = len(new_header) + 8 * len(offsets)
        # A header longer than the whole file pushes the moved chunks past its end.
        moved, end = [], max(size, head_end)
        # Chunks the new header and table would overwrite, in file order.
        for index in sorted((i for i, o in enumerate(offsets) if o < head_end),
                            key=offsets.__getitem__):
            f.seek(offsets[index])
            chunk = f.read(8)
            if len(chunk) != 8:
                return False
            _, length = struct.unpack("<ii", chunk)
            chunk += f.read(max(length, 0))
            if length < 0 or len(chunk) != 8 + length:
                return False
            moved.append(chunk)
            offsets[index] = end
            end += len(chunk)
        if moved:
            f.seek(max(size, head_end))
            f.write(b"".join(moved))
            f.flush()
        f.seek(0)
        f.write(new_header + struct.pack(f"<{len(offsets)}Q", *offsets))
    return True


def _read_and_edit(f, size: int, light_names: frozenset, strings: Mapping[str, str]):
    """``(new header bytes, chunk offsets)`` of open file ``f`` of ``size`` bytes, read
    from its start in growing pieces until the header and its table are in; ``None``
    when nothing changes or the file is not handled."""
    want = 1 << 18
    while True:
        f.seek(0)
        data = f.read(min(want, size))
        try:
            edited = _edited(data, size, light_names, strings)
        except (ValueError, struct.error):  # the header goes on past what was read
            edited = _TRUNCATED
        if edited is not _TRUNCATED:
            return edited
        if len(data) >= size:
            return None
        want *= 4


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


def _without(manifest: bytes, names: frozenset, record: bytes | None) -> bytes | None:
    """The JSON manifest without ``names`` and without the background light's entry
    (when ``record``, the frame record's JSON, lists no object of its name); ``None``
    if nothing goes."""
    try:
        entries = json.loads(manifest.decode("utf-8"))
    except ValueError:
        return None
    if not isinstance(entries, dict):
        return None
    name, value = BACKGROUND_LIGHT
    if entries.get(name) == value and record is not None and name not in recorded_names(record):
        names = names | {name}
    if not names.intersection(entries):
        return None
    kept = {k: v for k, v in entries.items() if k not in names}
    return json.dumps(kept, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def recorded_names(record: bytes | str) -> set[str]:
    """The object names a frame record (its JSON) lists, instanced objects' too; an
    unreadable record lists all names (a set that holds everything), so nothing is
    dropped on its word."""
    try:
        data = json.loads(record)
        objects = data.get("objects", ()) if isinstance(data, dict) else None
        names = set()
        for item in objects:
            names.add(item["name"])
            if item.get("instance_of") is not None:
                names.add(item["instance_of"])
        return names
    except (ValueError, TypeError, KeyError, AttributeError):
        return _Everything()


class _Everything(set):
    def __contains__(self, item) -> bool:
        return True


def _edit_attributes(attrs: list, light_names: frozenset, strings: Mapping[str, str]) -> bool:
    """Apply the edits to ``attrs`` in place; return whether anything changed."""
    by_name = {a[0]: a for a in attrs}
    changed = False
    crypto_layers = set()
    record = strings.get(_RECORD_KEY.decode())
    record = record.encode("utf-8") if record is not None else (
        by_name[_RECORD_KEY][2] if _RECORD_KEY in by_name else None)
    for name, type_, value in attrs:
        if name.startswith(b"cryptomatte/") and type_ == b"string":
            if name.endswith(b"/name"):
                crypto_layers.add(value.decode("utf-8", "replace"))
            elif name.endswith(b"/manifest"):
                manifest = _without(value, light_names, record)
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


_TRUNCATED = object()  # the bytes read end inside the header or its table


def rewritten_header(data: bytes, light_names: frozenset = frozenset(),
                     strings: Mapping[str, str] | None = None) -> bytes | None:
    """The bytes of EXR file ``data`` with the one channel layout, ``light_names``
    removed from Cryptomatte manifests and the string attributes ``strings`` set;
    ``None`` when nothing changes or the file is laid out in a way this does not
    handle (tiled, deep, multi-part, unknown compression, damaged). The chunks move
    with the header (:func:`finish_file` rewrites a file in place instead)."""
    try:
        edited = _edited(data, len(data), light_names, strings or {})
    except (ValueError, struct.error):
        return None
    if edited is None or edited is _TRUNCATED:
        return None
    new_header, offsets = edited
    start = min(offsets)
    shift = len(new_header) + 8 * len(offsets) - start
    table = struct.pack(f"<{len(offsets)}Q", *(o + shift for o in offsets))
    return new_header + table + data[start:]


def _edited(data: bytes, size: int, light_names: frozenset, strings: Mapping[str, str]):
    """``(new header bytes, [chunk offsets])`` from ``data``, the first bytes of a file
    of ``size`` bytes; ``None`` when nothing changes or the file is not handled,
    ``_TRUNCATED`` when ``data`` ends inside the header or its table."""
    parsed = _attributes(data)
    if parsed is None:
        return _TRUNCATED if len(data) < size else None
    attrs, header_end = parsed
    by_name = {a[0]: a for a in attrs}
    needed = {b"channels", b"compression", b"dataWindow"}
    if not needed <= set(by_name) or by_name[b"channels"][1] != b"chlist":
        return None
    compression = by_name[b"compression"][2][0]
    if compression not in _LINES_PER_CHUNK:
        return None
    _, y_min, _, y_max = struct.unpack("<4i", by_name[b"dataWindow"][2])
    count = math.ceil((y_max - y_min + 1) / _LINES_PER_CHUNK[compression])
    table_end = header_end + 8 * count
    if table_end > len(data):
        return _TRUNCATED if len(data) < size else None
    offsets = list(struct.unpack_from(f"<{count}Q", data, header_end))
    # Chunks lie after the table: right after it as Blender writes them, or moved to
    # the end by an earlier finish_file.
    if not offsets or min(offsets) < table_end or max(offsets) >= size:
        return None
    try:
        if not _edit_attributes(attrs, light_names, strings):
            return None
    except _Unhandled:
        return None
    header = bytearray(data[:8])
    for name, type_, value in attrs:
        header += name + b"\0" + type_ + b"\0" + struct.pack("<i", len(value)) + value
    header += b"\0"
    return bytes(header), offsets
