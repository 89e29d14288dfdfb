# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every copy made by instancing its own id. No ``bpy``.

Cryptomatte names a pixel by the object it shows, so all the copies of an
instanced object (a collection instanced twice, dozens of parts scattered by
Geometry Nodes) share one name and one id. The frame record lists each copy with
its ``object_to_world`` and the bounds of its geometry (``frame_record``). Here
each pixel of a shared name goes to the copy whose bounds hold the surface point
the pixel sees (from the position pass, or depth and the camera): in the copy's
own coordinates the point lies inside its box, or nearest to it. Pixels with no
surface point (a coverage edge where the depth sample missed) go to the copy whose
box, projected into the image, is nearest.

Ids: the manifest's names, with each shared name replaced by its copies' names
(kept too when the object itself is also rendered as an object of its own),
sorted, numbered 1, 2, ...; 0 is the background.
"""

from __future__ import annotations

import numpy as np

from ..camera import Camera
from ..frame_record import ObjectRecord

__all__ = ["numbering", "split"]


def numbering(manifest_names: list[str], objects: tuple[ObjectRecord, ...]) -> dict[int, str]:
    """``{id: name}`` for a frame whose manifest holds ``manifest_names`` and whose
    record lists ``objects``."""
    copies = {o.instance_of for o in objects if o.instance_of is not None}
    own = {o.name for o in objects if o.instance_of is None}
    names = {n for n in manifest_names if n not in copies or n in own}
    names |= {o.name for o in objects if o.instance_of is not None}
    return dict(enumerate(sorted(names), start=1))


def split(crypto_ids: np.ndarray, manifest_names: list[str], names: dict[int, str],
          objects: tuple[ObjectRecord, ...], points: np.ndarray | None,
          camera: Camera | None) -> np.ndarray:
    """Final (H, W) int32 ids from ``crypto_ids`` (numbered like ``manifest_names``,
    1-based), renumbered as ``names`` and with the pixels of instanced names split
    among their copies. ``points``: (H, W, 3) world coordinates of each pixel's
    surface (NaN where none), or ``None`` (then copies are told apart only by
    their projected boxes, which needs ``camera``)."""
    to_final = {name: i for i, name in names.items()}
    table = np.zeros(len(manifest_names) + 1, dtype=np.int32)
    for i, name in enumerate(manifest_names, start=1):
        table[i] = to_final.get(name, 0)
    ids = table[np.clip(crypto_ids, 0, len(manifest_names))]
    groups: dict[str, list[ObjectRecord]] = {}
    for obj in objects:
        if obj.instance_of is not None and obj.bounds is not None:
            groups.setdefault(obj.instance_of, []).append(obj)
    for base, copies in groups.items():
        if base not in manifest_names:
            continue
        own = [o for o in objects if o.name == base and o.instance_of is None
               and o.bounds is not None]
        mask = crypto_ids == manifest_names.index(base) + 1
        if mask.any():
            _assign(ids, mask, own + copies, to_final, points, camera)
    return ids


def _assign(ids, mask, candidates, to_final, points, camera) -> None:
    rows, cols = np.nonzero(mask)
    best = np.full(rows.size, np.inf)
    best_2d = np.full(rows.size, np.inf)
    chosen = np.zeros(rows.size, dtype=np.int32)
    chosen_2d = np.zeros(rows.size, dtype=np.int32)
    surface = (np.isfinite(points[rows, cols]).all(axis=-1) if points is not None
               else np.zeros(rows.size, dtype=bool))
    for obj in candidates:
        number = to_final[obj.name]
        if points is not None:
            world = points[rows[surface], cols[surface]].astype(np.float64)
            inverse = np.linalg.inv(obj.object_to_world)
            local = world @ inverse[:3, :3].T + inverse[:3, 3]
            low, high = obj.bounds
            outside = np.maximum(np.maximum(low - local, local - high), 0.0)
            distance = np.linalg.norm(outside, axis=-1)
            better = distance < best[surface]
            index = np.flatnonzero(surface)[better]
            best[index], chosen[index] = distance[better], number
        if camera is not None:
            x0, y0, x1, y1 = _projected_box(obj, camera)
            dx = np.maximum(np.maximum(x0 - cols, cols - x1), 0.0)
            dy = np.maximum(np.maximum(y0 - rows, rows - y1), 0.0)
            distance = np.hypot(dx, dy)
            better = distance < best_2d
            best_2d[better], chosen_2d[better] = distance[better], number
    result = np.where(surface & (chosen > 0), chosen, chosen_2d)
    keep = result > 0
    ids[rows[keep], cols[keep]] = result[keep]


def _projected_box(obj: ObjectRecord, camera: Camera) -> tuple[float, float, float, float]:
    """The image rectangle (x0, y0, x1, y1) of ``obj``'s box, pixel coordinates."""
    low, high = obj.bounds
    corners = np.array([[x, y, z] for x in (low[0], high[0]) for y in (low[1], high[1])
                        for z in (low[2], high[2])])
    world = corners @ obj.object_to_world[:3, :3].T + obj.object_to_world[:3, 3]
    camera_points = world @ camera.world_to_camera[:3, :3].T + camera.world_to_camera[:3, 3]
    if camera.type != "ORTHO" and (camera_points[:, 2] <= 0).any():
        return (-np.inf, -np.inf, np.inf, np.inf)  # crosses the camera plane: anywhere
    uv = camera.project(world)
    return (uv[:, 0].min(), uv[:, 1].min(), uv[:, 0].max(), uv[:, 1].max())
