# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Amodal masks and visible fractions of a frame, by instance id. No ``bpy``.

The masks come from the ``blender-gt/amodal`` header attribute
(:mod:`blender_gt_addon.amodal`), keyed by the frame record's object names; here they
are given the ids of :attr:`GroundTruthFrame.instance_id` (``names``), where each copy
made by instancing has an id of its own.
"""

from __future__ import annotations

import base64
import binascii
import zlib
from pathlib import Path

import numpy as np

from .. import amodal
from . import records
from .decode import DEFAULT_MAX_BYTES
from .errors import GroundTruthError

__all__ = ["by_id", "decode_record", "visible_fractions"]

_VERSION = 1  # of the record (blender_gt_addon.amodal)


def decode_record(text, path: Path, frame: int | None, size: tuple[int, int],
                  limit: int = DEFAULT_MAX_BYTES) -> amodal.AmodalRecord | None:
    """The amodal record of header value ``text`` (``None`` when there is none, or it
    belongs to another frame: a header copied from elsewhere), decoded within bounds
    (:mod:`.records`): every box inside the record's canvas (the image and its
    margins, at most the image's size on each side), names distinct, and the bytes
    the masks claim (``h * ceil(w / 8)`` packed plus ``h * w`` unpacked a mask) at
    most ``limit`` (the read's memory limit) before anything is inflated; each mask
    is then inflated incrementally, never past the size its box claims.

    Raises:
        GroundTruthError: damaged, too large, or made for another image size.
    """
    if not isinstance(text, str):
        return None
    with records.reading(path, "amodal masks"):
        data = records.load_json(text)
        if not isinstance(data, dict) or data.get("v") != _VERSION:
            raise records.RecordError(f"not a blender-gt amodal record of version {_VERSION}")
        found_frame = records.integer(records.field(data, "frame", (int, float)), "frame")
        if frame is not None and found_frame != frame:
            return None
        width, height = (records.integer(v, "size", 0, 2**31 - 1)
                         for v in _pair(records.field(data, "size", list), "size"))
        if (width, height) != size:
            raise GroundTruthError(f"{path}: amodal masks for {width}x{height} "
                                   f"pixels, the image has {size[0]}x{size[1]}")
        margin = _pair(records.field(data, "margin", list, default=[width, height]), "margin")
        mx = records.integer(margin[0], "margin", 0, width)
        my = records.integer(margin[1], "margin", 0, height)
        canvas = (-mx, -my, width + mx, height + my)
        boxes = {}
        claimed = 0
        for item in records.items(records.field(data, "masks", list), "masks"):
            name = records.string(records.field(item, "name", str), "mask name")
            if name in boxes:
                raise records.RecordError(f"two masks named {name[:40]!r}")
            box = records.box(records.field(item, "box", list), f"mask {name[:40]!r}", canvas)
            bits = records.field(item, "bits", str, default="")
            boxes[name] = (box, bits)
            w, h = box[2] - box[0], box[3] - box[1]
            claimed += h * ((w + 7) // 8) + h * w
        if claimed > limit:
            raise GroundTruthError(
                f"{path}: the amodal masks in the header claim {claimed} bytes, more than "
                f"the limit of {limit} bytes; refused before inflating them")
        masks = {}
        for name, (box, bits) in boxes.items():
            w, h = box[2] - box[0], box[3] - box[1]
            if h * w == 0:
                crop = np.zeros((0, 0), dtype=bool)
            else:
                row_bytes = (w + 7) // 8
                raw = np.frombuffer(_inflate(bits, h * row_bytes, name), np.uint8)
                crop = np.unpackbits(raw.reshape(h, row_bytes), axis=1, count=w).astype(bool)
            masks[name] = amodal.Mask(name, box, crop)
        return amodal.AmodalRecord(found_frame, (width, height), (mx, my), masks)


def _pair(value: list, what: str) -> list:
    if len(value) != 2:
        raise records.RecordError(f"{what}: {len(value)} numbers, not 2")
    return value


def _inflate(bits: str, size: int, name: str) -> bytes:
    """The ``size`` bytes of base64 zlib text ``bits``, inflated incrementally: a stream
    that would give more (a zlib bomb) is refused at ``size + 1`` bytes."""
    try:
        packed = base64.b64decode(bits, validate=True)
        inflater = zlib.decompressobj()
        out = inflater.decompress(packed, size + 1)
    except (binascii.Error, zlib.error) as exc:
        raise records.RecordError(f"mask {name[:40]!r}: {exc}") from None
    if len(out) != size or inflater.unconsumed_tail or not inflater.eof:
        more = "more" if len(out) > size or inflater.unconsumed_tail else str(len(out))
        raise records.RecordError(f"mask {name[:40]!r}: {more} bytes for its box of {size}")
    return out


def by_id(record: amodal.AmodalRecord, numbers: dict[str, int]) -> dict[int, amodal.Mask]:
    """``{instance id: Mask}`` for the names of ``numbers`` ({name: id}) with a mask,
    in id order."""
    found = {i: record.masks[name] for name, i in numbers.items() if name in record.masks}
    return dict(sorted(found.items()))


def visible_fractions(ids: np.ndarray, masks: dict[int, amodal.Mask]) -> dict[int, float]:
    """``{id: visible pixels / amodal pixels}`` (BOP's ``visib_fract``).

    Visible pixels: the id's pixels of ``ids`` (H, W) inside its amodal mask; amodal
    pixels: the whole mask on the canvas 3 x the image (:attr:`amodal.Mask.pixels`),
    so parts out of the image count as not visible, as in BOP. 0.0 for an id whose
    mask is empty (out of view, behind the camera), as BOP's ``calc_gt_info.py``.
    """
    height, width = ids.shape
    found = {}
    for i, mask in masks.items():
        total = mask.pixels
        if not total:
            found[i] = 0.0
            continue
        x0, y0, x1, y1 = mask.box
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if cx1 <= cx0 or cy1 <= cy0:
            found[i] = 0.0
            continue
        crop = mask.crop[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        found[i] = int((crop & (ids[cy0:cy1, cx0:cx1] == i)).sum()) / total
    return found
