# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Amodal masks: each object's full silhouette as if nothing hid it. No ``bpy`` here.

The add-on takes each rendered object's (and instanced copy's) evaluated triangles
when it writes the frame record (``blender/metadata.py``, on the main thread), and
this module turns them into masks: triangles in OpenCV camera coordinates (x right,
y down, z forward, scene units) are clipped to the camera's clip range
``clip_start <= z <= clip_end`` (Cycles clips on these planes, by depth), projected
with the frame's ``K`` (pinhole or orthographic, :mod:`.camera`) and rasterised by
**coverage of pixel centres**: pixel (col, row) belongs to the mask when its centre
(u = col, v = row, integer = pixel centre) lies inside or on the edge of a triangle.
No depth test, so the object's own faces never hide each other and other objects
never hide it.

Masks are rasterised on a canvas reaching ``margin = (W, H)`` pixels beyond each side
of the image (the 3 x 3 canvas of the BOP toolkit's ``calc_gt_info.py``), so the parts
of an object out of the image count in ``pixels`` and in the unclipped ``box``.

One string attribute, :data:`KEY` (``"blender-gt/amodal"``), holds compact JSON::

    {"v": 1, "frame": 7, "size": [W, H], "margin": [mx, my],
     "masks": [{"name": "Cube", "box": [x0, y0, x1, y1], "bits": "<base64>"}, ...]}

``name`` is the object's name in the frame record (:mod:`.frame_record`; copies made
by instancing as ``<instancer>/<object>#<index>``); ``box`` the mask's bounding box
in image pixels, ``x0 <= col < x1``, ``y0 <= row < y1`` (numpy slice bounds, may lie
outside the image down to ``-mx`` / ``-my`` and up to ``W + mx`` / ``H + my``;
``[0, 0, 0, 0]`` and ``bits`` ``""`` for an empty mask); ``bits`` the box's rows,
row-major from the top, ``numpy.packbits`` (most significant bit first, each row
padded to whole bytes), zlib-compressed, base64.
"""

from __future__ import annotations

import base64
import json
import zlib
from dataclasses import dataclass

import numpy as np

from .camera import Camera

__all__ = ["KEY", "AmodalRecord", "Mask", "camera_triangles", "decode", "encode",
           "mask_of_triangles", "project_triangles", "rasterise"]

KEY = "blender-gt/amodal"
_VERSION = 1
# (triangle, row) pairs handled at once (about 100 bytes each while handled).
_BATCH = 1 << 19


@dataclass(frozen=True)
class Mask:
    """One object's amodal mask in one frame.

    Attributes:
        name: the object's name in the frame record.
        box: ``(x0, y0, x1, y1)`` int, its bounding box in image pixels, exclusive ends
            (``x0 <= col < x1``), not clipped to the image; ``(0, 0, 0, 0)`` when empty.
        crop: ``(y1 - y0, x1 - x0)`` bool, the mask inside ``box``.
    """

    name: str
    box: tuple[int, int, int, int]
    crop: np.ndarray

    @property
    def pixels(self) -> int:
        """Pixels of the full silhouette, the parts out of the image included (BOP's
        ``px_count_all``)."""
        return int(self.crop.sum())

    def in_image(self, width: int, height: int) -> np.ndarray:
        """(height, width) bool: the mask on the image, False elsewhere."""
        out = np.zeros((height, width), dtype=bool)
        x0, y0, x1, y1 = self.box
        cx0, cy0, cx1, cy1 = max(x0, 0), max(y0, 0), min(x1, width), min(y1, height)
        if cx1 > cx0 and cy1 > cy0:
            out[cy0:cy1, cx0:cx1] = self.crop[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
        return out


@dataclass(frozen=True)
class AmodalRecord:
    """The amodal masks of one frame: its number, image size, canvas margin and the
    masks by object name."""

    frame: int
    size: tuple[int, int]
    margin: tuple[int, int]
    masks: dict[str, Mask]


def camera_triangles(vertices: np.ndarray, triangles: np.ndarray,
                     object_to_camera: np.ndarray) -> np.ndarray:
    """(F, 3, 3) float64 corners of a mesh's triangles in camera coordinates.

    ``vertices`` (N, 3) in object coordinates, ``triangles`` (F, 3) vertex indices,
    ``object_to_camera`` (4, 4): world to OpenCV camera times ``object_to_world``.
    """
    m = np.asarray(object_to_camera, dtype=np.float64)
    cam = np.asarray(vertices, dtype=np.float64).reshape(-1, 3) @ m[:3, :3].T + m[:3, 3]
    return cam[np.asarray(triangles, dtype=np.int64).reshape(-1, 3)]


def _clip(tri: np.ndarray, level: float, keep_above: bool) -> np.ndarray:
    """The parts of triangles (F, 3, 3) with z >= level (``keep_above``) or z <= level,
    as triangles: a triangle with one corner kept becomes one triangle, with two a quad
    (two triangles)."""
    d = tri[:, :, 2] - level if keep_above else level - tri[:, :, 2]
    inside = d >= 0
    count = inside.sum(axis=1)
    whole = tri[count == 3]
    parts = [whole]
    for kept in (1, 2):
        sel = count == kept
        if not sel.any():
            continue
        t, dd, ins = tri[sel], d[sel], inside[sel]
        # The odd corner first: the one kept (1 kept) or the one cut off (2 kept).
        odd = np.argmax(ins if kept == 1 else ~ins, axis=1)
        order = (odd[:, None] + np.arange(3)[None, :]) % 3
        t = np.take_along_axis(t, order[:, :, None], axis=1)
        dd = np.take_along_axis(dd, order, axis=1)
        a, b, c = t[:, 0], t[:, 1], t[:, 2]
        ab = a + (b - a) * (dd[:, 0] / (dd[:, 0] - dd[:, 1]))[:, None]
        ac = a + (c - a) * (dd[:, 0] / (dd[:, 0] - dd[:, 2]))[:, None]
        if kept == 1:
            parts.append(np.stack([a, ab, ac], axis=1))
        else:
            parts.append(np.stack([b, c, ac], axis=1))
            parts.append(np.stack([b, ac, ab], axis=1))
    return np.concatenate(parts) if len(parts) > 1 else whole


def project_triangles(tri_cam: np.ndarray, camera: Camera) -> np.ndarray:
    """(F', 3, 2) float64 pixel corners (OpenCV: u right, v down, integers at pixel
    centres) of camera-space triangles (F, 3, 3), first clipped to
    ``camera.clip_start <= z <= camera.clip_end`` (a triangle cut by a plane becomes
    one or two); non-finite triangles are dropped."""
    tri = np.asarray(tri_cam, dtype=np.float64).reshape(-1, 3, 3)
    tri = tri[np.isfinite(tri).all(axis=(1, 2))]
    tri = _clip(tri, float(camera.clip_start), keep_above=True)
    tri = _clip(tri, float(camera.clip_end), keep_above=False)
    K = np.asarray(camera.K, dtype=np.float64)
    if camera.type == "ORTHO":
        x, y = tri[..., 0], tri[..., 1]
    else:
        x, y = tri[..., 0] / tri[..., 2], tri[..., 1] / tri[..., 2]
    return np.stack([K[0, 0] * x + K[0, 1] * y + K[0, 2], K[1, 1] * y + K[1, 2]], axis=-1)


def rasterise(tri_uv: np.ndarray, width: int, height: int,
              margin: tuple[int, int] = (0, 0)) -> tuple[tuple[int, int, int, int], np.ndarray]:
    """The pixels whose centre a triangle covers, as ``(box, crop)`` (see :class:`Mask`).

    ``tri_uv`` (F, 3, 2) pixel corners (u right, v down, integers at pixel centres),
    either winding; the canvas reaches ``margin`` pixels beyond each side of the
    ``width`` x ``height`` image. Zero-area and non-finite triangles cover nothing.

    Scanline: for each triangle and each pixel row its span crosses, the columns
    ``ceil(left) .. floor(right)`` of the row's centre line inside it; an edge shared
    by two triangles gives both the same crossing (its ends are taken in one order),
    so no centre falls between them. Cost follows the triangles' summed heights in
    rows (not their areas) plus the box's area.
    """
    mx, my = margin
    tri = np.asarray(tri_uv, dtype=np.float64).reshape(-1, 3, 2)
    tri = tri[np.isfinite(tri).all(axis=(1, 2))]
    u, v = tri[..., 0], tri[..., 1]
    area = (u[:, 1] - u[:, 0]) * (v[:, 2] - v[:, 0]) - (v[:, 1] - v[:, 0]) * (u[:, 2] - u[:, 0])
    r0 = np.maximum(np.ceil(v.min(axis=1)), -my)
    r1 = np.minimum(np.floor(v.max(axis=1)), height + my - 1)
    keep = (area != 0) & (r1 >= r0) & (u.max(axis=1) >= -mx) & (u.min(axis=1) <= width + mx - 1)
    tri, r0, r1 = tri[keep], r0[keep].astype(np.int64), r1[keep].astype(np.int64)
    if not len(tri):
        return (0, 0, 0, 0), np.zeros((0, 0), dtype=bool)
    # Each edge's ends in one order (lower v first, then lower u), so that a shared
    # edge is computed identically by both of its triangles.
    p = tri[:, [0, 1, 2], :]
    q = tri[:, [1, 2, 0], :]
    swap = (q[..., 1] < p[..., 1]) | ((q[..., 1] == p[..., 1]) & (q[..., 0] < p[..., 0]))
    p, q = np.where(swap[..., None], q, p), np.where(swap[..., None], p, q)
    heights = r1 - r0 + 1
    ends = np.cumsum(heights)
    rows_all, left_all, right_all = [], [], []
    first = 0
    while first < len(tri):
        start = ends[first] - heights[first]
        last = max(int(np.searchsorted(ends, start + _BATCH, side="right")), first + 1)
        counts = heights[first:last]
        which = np.repeat(np.arange(first, last), counts)
        row = r0[which] + (np.arange(int(counts.sum())) - np.repeat(
            ends[first:last] - counts - start, counts))
        rv = row.astype(np.float64)[:, None]
        pu, pv, qu, qv = p[which, :, 0], p[which, :, 1], q[which, :, 0], q[which, :, 1]
        crosses = (pv <= rv) & (rv <= qv)
        flat = qv == pv
        with np.errstate(divide="ignore", invalid="ignore"):
            x = np.where(flat, pu, pu + (rv - pv) * (qu - pu) / (qv - pv))
        lo = np.where(crosses, x, np.inf).min(axis=1)
        hi = np.where(crosses, np.where(flat, qu, x), -np.inf).max(axis=1)
        c0 = np.maximum(np.ceil(lo), -mx)
        c1 = np.minimum(np.floor(hi), width + mx - 1)
        ok = c1 >= c0
        rows_all.append(row[ok])
        left_all.append(c0[ok].astype(np.int64))
        right_all.append(c1[ok].astype(np.int64))
        first = last
    rows, left, right = (np.concatenate(a) for a in (rows_all, left_all, right_all))
    if not len(rows):
        return (0, 0, 0, 0), np.zeros((0, 0), dtype=bool)
    x0, x1 = int(left.min()), int(right.max()) + 1
    y0, y1 = int(rows.min()), int(rows.max()) + 1
    w = x1 - x0 + 1  # one more column for the span ends
    size = (y1 - y0) * w
    base = (rows - y0) * w
    diff = (np.bincount(base + left - x0, minlength=size)
            - np.bincount(base + right + 1 - x0, minlength=size))
    crop = np.cumsum(diff.reshape(y1 - y0, w), axis=1)[:, :-1] > 0
    return (x0, y0, x1, y1), crop


def mask_of_triangles(name: str, tri_cam: np.ndarray, camera: Camera) -> Mask:
    """The :class:`Mask` of triangles (F, 3, 3) in ``camera``'s OpenCV coordinates, on
    the canvas of margin (W, H)."""
    uv = project_triangles(tri_cam, camera)
    box, crop = rasterise(uv, camera.width, camera.height, (camera.width, camera.height))
    return _trimmed(name, box, crop)


def _trimmed(name: str, box, crop: np.ndarray) -> Mask:
    """The mask with its box shrunk to the set pixels (empty: box (0, 0, 0, 0))."""
    rows = np.flatnonzero(crop.any(axis=1))
    cols = np.flatnonzero(crop.any(axis=0))
    if not len(rows):
        return Mask(name, (0, 0, 0, 0), np.zeros((0, 0), dtype=bool))
    x0, y0 = box[0] + int(cols[0]), box[1] + int(rows[0])
    crop = crop[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    return Mask(name, (x0, y0, x0 + crop.shape[1], y0 + crop.shape[0]), crop)


def encode(frame: int, size: tuple[int, int], masks, margin: tuple[int, int] | None = None
           ) -> str:
    """The header text of ``masks`` (:class:`Mask`) of ``frame``; ``size`` (W, H);
    ``margin`` defaults to ``size``."""
    items = []
    for m in masks:
        bits = (base64.b64encode(zlib.compress(np.packbits(m.crop, axis=1).tobytes(), 6))
                .decode("ascii") if m.crop.size else "")
        items.append({"name": m.name, "box": [int(b) for b in m.box], "bits": bits})
    data = {"v": _VERSION, "frame": int(frame), "size": [int(size[0]), int(size[1])],
            "margin": [int(v) for v in (margin or size)], "masks": items}
    return json.dumps(data, separators=(",", ":"))


def decode(text: str) -> AmodalRecord:
    """The masks in ``text`` as :func:`encode` wrote them.

    Raises:
        ValueError: not a record of a version this reader knows, or damaged.
    """
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != _VERSION:
            raise ValueError(f"not a blender-gt amodal record of version {_VERSION}")
        masks = {}
        for item in data["masks"]:
            x0, y0, x1, y1 = (int(b) for b in item["box"])
            h, w = y1 - y0, x1 - x0
            if h < 0 or w < 0:
                raise ValueError(f"box {item['box']}")
            if h * w == 0:
                crop = np.zeros((0, 0), dtype=bool)
            else:
                raw = np.frombuffer(zlib.decompress(base64.b64decode(item["bits"])), np.uint8)
                row_bytes = (w + 7) // 8
                if raw.size != h * row_bytes:
                    raise ValueError(f"{raw.size} bytes for a {w}x{h} box")
                crop = np.unpackbits(raw.reshape(h, row_bytes), axis=1, count=w).astype(bool)
            masks[str(item["name"])] = Mask(str(item["name"]), (x0, y0, x1, y1), crop)
        return AmodalRecord(int(data["frame"]), (int(data["size"][0]), int(data["size"][1])),
                            (int(data["margin"][0]), int(data["margin"][1])), masks)
    except (KeyError, TypeError, IndexError, ArithmeticError, ValueError, zlib.error) as exc:
        # ValueError: also bad JSON, bad base64 (binascii.Error) and the checks above
        raise ValueError(f"damaged blender-gt amodal record ({exc!r})") from None
