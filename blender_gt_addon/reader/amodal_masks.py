# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Amodal masks and visible fractions of a frame, by instance id. No ``bpy``.

The masks come from the ``blender-gt/amodal`` header attribute
(:mod:`blender_gt_addon.amodal`), keyed by the frame record's object names; here they
are given the ids of :attr:`GroundTruthFrame.instance_id` (``names``), where each copy
made by instancing has an id of its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import amodal
from .errors import GroundTruthError

__all__ = ["by_id", "decode_record", "visible_fractions"]


def decode_record(text, path: Path, frame: int | None,
                  size: tuple[int, int]) -> amodal.AmodalRecord | None:
    """The amodal record of header value ``text`` (``None`` when there is none, or it
    belongs to another frame: a header copied from elsewhere).

    Raises:
        GroundTruthError: damaged, or made for another image size.
    """
    if not isinstance(text, str):
        return None
    try:
        record = amodal.decode(text)
    except ValueError as exc:
        raise GroundTruthError(f"{path}: unreadable amodal masks in the header ({exc})") from None
    if frame is not None and record.frame != frame:
        return None
    if record.size != size:
        raise GroundTruthError(f"{path}: amodal masks for {record.size[0]}x{record.size[1]} "
                               f"pixels, the image has {size[0]}x{size[1]}")
    return record


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
