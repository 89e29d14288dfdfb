# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Occlusion boundaries and occlusion order, from depth and instance ids. No ``bpy``.

The one definition of both (docs/conventions.md, "Occlusion boundaries"):

- **Boundary.** Two 4-neighbouring pixels p and q are separated by an occlusion
  boundary when the depth of the farther one exceeds the nearer one's by more than
  the relative ``tolerance``: ``max(d_p, d_q) > (1 + tolerance) * min(d_p, d_q)``
  (planar depth, ``inf`` where nothing was hit, so a surface next to the background
  is always a boundary and two background pixels never are). The nearer pixel is
  the **occluder**, the farther one the **occluded** side. Two touching objects
  (a box standing on the floor, a box flush against a wall) meet without a depth
  jump there: that contact is not an occlusion boundary, whatever their ids.
  Inside one object a jump is a self-occlusion (a fold, a handle in front of its
  mug): same rule, ``self_occlusion`` tells them apart.
- **Order by boundaries** (:func:`order`). Per pair of instances that meet at a
  boundary, the one whose pixels are the occluder at more of their shared boundary
  pixel pairs is in front; the count of pairs saying the opposite is kept
  (``against``: non-zero for interlocking objects, or a pixel or two at corners where
  a pixel's id, the object covering most of it, and its depth, the first sample's
  surface, disagree). The background (id 0) takes part in boundaries but not in the
  order.
- **Order by overlap** (:func:`overlap_order`, files with amodal masks). Per pair of
  instances whose amodal masks (full silhouettes) overlap on the image, the one seen
  (``instance_id``) at more pixels of the overlap is in front; ``against`` counts the
  overlap pixels where the other is seen. This also orders pairs that never touch in
  the image (a third object between them hides where they would meet); a pair whose
  whole overlap is hidden by others is left out (nothing seen tells their order).

The tolerance guards against surfaces seen at a grazing angle, whose depth grows
from pixel to pixel without an occlusion: a plane at angle ``a`` to the viewing ray
changes depth by about ``1 / (f * tan(a))`` (relative) per pixel for a focal length of
``f`` pixels, so the default 0.05 at a 50 mm lens on 36 mm film over 640 px
(f = 889 px) flags planes seen at under about 1.3 degrees. Cycles takes depth from
the first sample, which lands anywhere under the pixel filter: boundaries follow the
true silhouette within a pixel, never blended.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_TOLERANCE", "Occlusion", "OcclusionBoundaries", "boundaries", "order",
           "overlap_order"]

DEFAULT_TOLERANCE = 0.05


@dataclass(frozen=True)
class OcclusionBoundaries:
    """The occlusion boundaries of one frame.

    Attributes:
        edges: (H, W, 2) int8. ``edges[y, x, 0]`` relates pixel (x, y) to its right
            neighbour (x + 1, y), ``edges[y, x, 1]`` to the one below (x, y + 1)
            (image rows top to bottom): +1 pixel (x, y) occludes the neighbour, -1 the
            neighbour occludes it, 0 no occlusion boundary between them. The last
            column's ``[..., 0]`` and the last row's ``[..., 1]`` are 0.
        instance_id: (H, W) int32, the ids the boundaries were found with (0 background).
        tolerance: the relative depth jump that makes a boundary.
    """

    edges: np.ndarray
    instance_id: np.ndarray
    tolerance: float

    @property
    def occluder(self) -> np.ndarray:
        """(H, W) bool: pixels on the near side of some boundary (where the occluding
        contour is drawn: the occluding object's outermost visible pixels)."""
        return self._side(+1)

    @property
    def occluded(self) -> np.ndarray:
        """(H, W) bool: pixels on the far side of some boundary."""
        return self._side(-1)

    def _side(self, sign: int) -> np.ndarray:
        right, down = self.edges[..., 0], self.edges[..., 1]
        side = (right == sign) | (down == sign)
        side[:, 1:] |= right[:, :-1] == -sign  # seen from the right neighbour
        side[1:, :] |= down[:-1, :] == -sign  # seen from the neighbour below
        return side

    @property
    def self_occlusion(self) -> np.ndarray:
        """(H, W, 2) bool, like ``edges``: the boundary lies inside one object (the same
        non-zero id on both sides)."""
        ids = self.instance_id
        same = np.zeros(self.edges.shape, dtype=bool)
        same[:, :-1, 0] = ids[:, :-1] == ids[:, 1:]
        same[:-1, :, 1] = ids[:-1, :] == ids[1:, :]
        same &= (ids != 0)[..., None]
        return same & (self.edges != 0)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """Every boundary pixel pair between two different ids, as two int32 arrays of
        the same length: the occluder's id and the occluded one's (either may be 0)."""
        ids = self.instance_id
        near, far = [], []
        for axis, (a, b) in enumerate(((ids[:, :-1], ids[:, 1:]), (ids[:-1, :], ids[1:, :]))):
            e = self.edges[:, :-1, 0] if axis == 0 else self.edges[:-1, :, 1]
            between = a != b
            near += [a[(e == 1) & between], b[(e == -1) & between]]
            far += [b[(e == 1) & between], a[(e == -1) & between]]
        return (np.concatenate(near).astype(np.int32), np.concatenate(far).astype(np.int32))


@dataclass(frozen=True)
class Occlusion:
    """One pair of instances that meet at occlusion boundaries.

    Attributes:
        front: the id in front.
        back: the id behind.
        pixels: by boundaries, the boundary pixel pairs where ``front`` occludes
            ``back``; by overlap, the pixels of the two amodal masks' overlap where
            ``front`` is seen.
        against: the same counts saying the opposite.
    """

    front: int
    back: int
    pixels: int
    against: int


def boundaries(depth: np.ndarray, instance_id: np.ndarray,
               tolerance: float = DEFAULT_TOLERANCE) -> OcclusionBoundaries:
    """The occlusion boundaries of a frame (module docstring for the rule).

    Parameters:
        depth: (H, W) planar depth, any float dtype, ``inf`` where nothing was hit
            (the reader's ``depth``).
        instance_id: (H, W) integer ids, 0 on background (the reader's ``instance_id``,
            or ``object_index``).
        tolerance: relative depth jump, >= 0.

    Raises:
        ValueError: shapes differ, are not 2D, or the tolerance is negative or NaN.
    """
    depth = np.asarray(depth)
    instance_id = np.asarray(instance_id)
    if depth.ndim != 2 or depth.shape != instance_id.shape:
        raise ValueError(f"depth {depth.shape} and instance_id {instance_id.shape} must be "
                         f"two arrays of one (H, W) shape")
    if not tolerance >= 0:
        raise ValueError(f"tolerance must be >= 0, not {tolerance!r}")
    d = depth.astype(np.float64, copy=False)
    edges = np.zeros((*d.shape, 2), dtype=np.int8)
    factor = 1.0 + float(tolerance)
    for axis, (a, b) in enumerate(((d[:, :-1], d[:, 1:]), (d[:-1, :], d[1:, :]))):
        # NaN (a damaged file) compares false everywhere: never a boundary.
        sign = np.where(b > factor * a, 1, 0) - np.where(a > factor * b, 1, 0)
        if axis == 0:
            edges[:, :-1, 0] = sign
        else:
            edges[:-1, :, 1] = sign
    return OcclusionBoundaries(edges=edges, instance_id=instance_id.astype(np.int32, copy=False),
                               tolerance=float(tolerance))


def order(found: OcclusionBoundaries) -> list[Occlusion]:
    """Which instance is in front, per pair of instances meeting at a boundary
    (background excluded), sorted by ``(front, back)``."""
    near, far = found.pairs()
    keep = (near != 0) & (far != 0)
    near, far = near[keep].astype(np.int64), far[keep].astype(np.int64)
    lo, hi = np.minimum(near, far), np.maximum(near, far)
    pairs, inverse = np.unique(np.stack([lo, hi], axis=1), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    lo_in_front = np.bincount(inverse, weights=near == lo, minlength=len(pairs)).astype(int)
    total = np.bincount(inverse, minlength=len(pairs))
    result = []
    for (a, b), a_front, count in zip(pairs.tolist(), lo_in_front.tolist(), total.tolist(),
                                         strict=True):
        b_front = count - a_front
        if a_front >= b_front:
            result.append(Occlusion(front=a, back=b, pixels=a_front, against=b_front))
        else:
            result.append(Occlusion(front=b, back=a, pixels=b_front, against=a_front))
    return sorted(result, key=lambda o: (o.front, o.back))


def overlap_order(instance_id: np.ndarray, masks) -> list[Occlusion]:
    """Which instance is in front, per pair of instances whose amodal masks overlap on
    the image (module docstring), sorted by ``(front, back)``.

    Parameters:
        instance_id: (H, W) integer ids, 0 on background.
        masks: ``{id: amodal.Mask}`` (the reader's ``amodal_masks``): ``box`` (x0, y0,
            x1, y1) exclusive ends in image pixels and ``crop``, the mask inside it.
    """
    ids = np.asarray(instance_id)
    height, width = ids.shape
    placed = {}  # id -> (x0, y0, x1, y1) clipped to the image, mask there
    for i, mask in masks.items():
        x0, y0, x1, y1 = mask.box
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if cx1 > cx0 and cy1 > cy0:
            crop = mask.crop[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            if crop.any():
                placed[int(i)] = ((cx0, cy0, cx1, cy1), crop)
    keys = sorted(placed)
    result = []
    for n, a in enumerate(keys):
        (ax0, ay0, ax1, ay1), acrop = placed[a]
        for b in keys[n + 1:]:
            (bx0, by0, bx1, by1), bcrop = placed[b]
            x0, y0, x1, y1 = max(ax0, bx0), max(ay0, by0), min(ax1, bx1), min(ay1, by1)
            if x1 <= x0 or y1 <= y0:
                continue
            both = (acrop[y0 - ay0:y1 - ay0, x0 - ax0:x1 - ax0]
                    & bcrop[y0 - by0:y1 - by0, x0 - bx0:x1 - bx0])
            seen = ids[y0:y1, x0:x1][both]
            a_seen, b_seen = int(np.count_nonzero(seen == a)), int(np.count_nonzero(seen == b))
            if a_seen == b_seen == 0:
                continue
            if a_seen >= b_seen:
                result.append(Occlusion(front=a, back=b, pixels=a_seen, against=b_seen))
            else:
                result.append(Occlusion(front=b, back=a, pixels=b_seen, against=a_seen))
    return sorted(result, key=lambda o: (o.front, o.back))
