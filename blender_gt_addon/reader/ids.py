# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Per-object answers from a frame: instance ids from the Cryptomatte layer, 2D
boxes, and which objects emit light. No ``bpy``.

Ids are 1, 2, ... in the order of the object names (the Cryptomatte manifest
sorted by name), 0 on background; :class:`GroundTruthFrame` gives them as
``instance_id`` with ``names``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ..conventions import cryptomatte_pixel_bits
from ..exr.header import BACKGROUND_LIGHT
from . import records

__all__ = ["Box", "boxes", "emitting", "hash_table", "instance_ids", "read_manifest",
           "without_background_light"]


@dataclass(frozen=True)
class Box:
    """The visible 2D bounding box of one id in a frame.

    Pixel bounds are inclusive-exclusive, like numpy slices: the id covers columns
    ``x_min <= x < x_max`` and rows ``y_min <= y < y_max``, so
    ``mask[y_min:y_max, x_min:x_max]`` holds all of its pixels. In OpenCV pixel
    coordinates (integer = pixel centre) the box's outer edges are
    ``x_min - 0.5`` and ``x_max - 0.5``.
    """

    id: int
    name: str | None
    x_min: int
    y_min: int
    x_max: int
    y_max: int
    pixels: int


def read_manifest(header: dict[str, Any], layer: str | None,
                  path: Path) -> list[tuple[str, int]]:
    """(object name, 32-bit hash) of the Cryptomatte object layer, sorted by name.

    ``layer``: the view layer of a Blender render-output file, ``None`` for the
    add-on's own files. The hashes are the manifest's, as written (MurmurHash3_32);
    empty when the header has no such manifest.

    Raises:
        GroundTruthError: the manifest is not readable JSON of hex strings.
    """
    # The layer's name: ours, or Blender's own for render-output files.
    wanted = f"{layer}.CryptoObject" if layer else "cryptomatte_object"
    for key, value in header.items():
        if key.startswith("cryptomatte/") and key.endswith("/name") and value == wanted:
            manifest = header.get(key[: -len("name")] + "manifest", "{}")
            with records.reading(path, "Cryptomatte manifest"):  # bounded: records.py
                entries = records.load_json(manifest)
                if not isinstance(entries, dict):
                    raise records.RecordError(f"not an object but {type(entries).__name__}")
                return sorted((name, int(records.string(h, "hash", 64), 16))
                              for name, h in entries.items())
    return []


# Cycles' background light in a manifest (exr/header.py, BACKGROUND_LIGHT): never in
# the pixels, listed by 4.5 to 5.3 whenever the world is sampled as a light.
_BACKGROUND_ENTRY = (BACKGROUND_LIGHT[0], int(BACKGROUND_LIGHT[1], 16))


def without_background_light(manifest: list[tuple[str, int]],
                             record: Callable[[], Any]) -> list[tuple[str, int]]:
    """``manifest`` (:func:`read_manifest`) without Cycles' background light, as files
    written before the header step dropped it hold it.

    Exactly that entry (name "object", hash 055ec73d) goes, and only when the frame
    record (``record()``, a :class:`~blender_gt_addon.frame_record.FrameRecord` or
    ``None``, asked only when the entry is there) lists no object of that name: a
    user's object named "object" has the same hash and stays. A file without a
    record (Blender's own render output) keeps it, since nothing there tells the two
    apart in the header. Not "any name without pixels": ``names`` is read from the
    header alone, and an object hidden behind another is rendered yet has no pixels.
    """
    if _BACKGROUND_ENTRY not in manifest:
        return manifest
    found = record()
    name = _BACKGROUND_ENTRY[0]
    if found is None or any(name in (o.name, o.instance_of) for o in found.objects):
        return manifest
    return [entry for entry in manifest if entry != _BACKGROUND_ENTRY]


def hash_table(manifest: list[tuple[str, int]]) -> tuple[np.ndarray, np.ndarray]:
    """The manifest as a lookup table: the pixel hashes of its names (after Blender's
    clamp, :func:`blender_gt_addon.conventions.cryptomatte_pixel_bits`), sorted and
    distinct (uint32), and the id of each (int32): ``manifest[i]`` has id ``i + 1``;
    of names whose hashes are equal (or become equal by the clamp) the last in name
    order keeps the hash. Hashes outside 0..2**32-1 are left out."""
    pairs = [(value, i) for i, (_, value) in enumerate(manifest, start=1)
             if 0 <= value <= 0xFFFFFFFF]
    values = cryptomatte_pixel_bits(np.array([v for v, _ in pairs], dtype=np.int64))
    numbers = np.array([i for _, i in pairs], dtype=np.int32)
    # Stable: equal hashes stay in name order, and the last of each run is kept.
    order = np.argsort(values, kind="stable")
    values, numbers = values[order], numbers[order]
    last = np.append(values[1:] != values[:-1], True) if values.size else values.astype(bool)
    return values[last].astype(np.uint32), numbers[last]


def instance_ids(crypto: np.ndarray, manifest: list[tuple[str, int]]) -> np.ndarray:
    """(H, W) int32 ids from the (H, W, 4) Cryptomatte object layer; 0 on background.

    ``manifest`` as :func:`read_manifest` gives it; the object of ``manifest[i]`` gets
    id ``i + 1``. Each pixel gets the object of its largest coverage (channel 0 its
    hash as float32 bits, channel 1 that coverage), never a blend of two, unless
    more of the pixel is background. Hashes are matched after Blender's exponent
    clamp (:func:`blender_gt_addon.conventions.cryptomatte_pixel_bits`), so names
    whose hash has an exponent byte of 0 or 255 keep their id. Names whose hashes
    are equal (or become equal by the clamp) cannot be told apart in the pixels:
    the last of them in name order gets the pixels, the others none.
    """
    hashes = np.ascontiguousarray(crypto[..., 0], dtype=np.float32).view(np.uint32)
    ids = np.zeros(hashes.shape, dtype=np.int32)
    keys, numbers = hash_table(manifest)
    if keys.size:
        # Each pixel's hash looked up in the sorted hashes: one pass over the pixels
        # however many objects (a pass per object took 0.7 s for 1000 objects at 1080p).
        at = np.searchsorted(keys, hashes, side="right") - 1
        found = keys[at] == hashes
        ids[found] = numbers[at[found]]
    # A pixel belongs to the object with the largest coverage unless more
    # of it is background (1 - the two largest coverages, an upper bound).
    coverage = crypto[..., 1]
    ids[coverage < 1.0 - coverage - crypto[..., 3]] = 0
    return ids


def emitting(ids: np.ndarray, names: dict[int, str], emission: np.ndarray,
             threshold: float = 0.0) -> dict:
    """``{name (or id without a name): brightest emission}`` of the ids that emit light.

    ``ids`` (H, W) int, 0 = background; ``emission`` (H, W, 3) radiance. The
    brightest emission is the largest of R, G, B over the id's pixels, kept when it
    exceeds ``threshold``. Emission is averaged at edges, so a neighbour's light
    bleeds into an object's border: only pixels whose four neighbours show the same
    id count (all of its pixels if it has no such inner pixel).
    """
    peak = emission.max(axis=-1)
    inner = np.ones(ids.shape, dtype=bool)
    inner[1:] &= ids[1:] == ids[:-1]
    inner[:-1] &= ids[:-1] == ids[1:]
    inner[:, 1:] &= ids[:, 1:] == ids[:, :-1]
    inner[:, :-1] &= ids[:, :-1] == ids[:, 1:]
    found = {}
    for value in np.unique(ids):
        if value == 0:
            continue
        mask = ids == value
        core = mask & inner
        brightest = float(peak[core if core.any() else mask].max())
        if brightest > threshold:
            found[names.get(int(value), int(value))] = brightest
    return found


def boxes(ids: np.ndarray, names: dict[int, str]) -> list[Box]:
    """One :class:`Box` per non-zero id of ``ids`` (H, W), sorted by id, named from ``names``."""
    found = []
    for value in np.unique(ids):
        if value == 0:
            continue
        rows, cols = np.nonzero(ids == value)
        found.append(Box(int(value), names.get(int(value)), int(cols.min()),
                         int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1,
                         int(rows.size)))
    return found
