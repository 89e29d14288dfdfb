# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Silhouettes of triangle meshes, rasterised at pixel centres with numpy. No ``bpy``.

Used by the ``bop`` export for each object's full silhouette (occlusion ignored),
which a render does not hold. Coverage only: a pixel belongs to the silhouette when
its centre lies inside (or on an edge of) any projected triangle, so no depth buffer
is needed. Pixel centres are integer coordinates (OpenCV, as :mod:`..camera`):
pixel (col, row) has its centre at u = col, v = row.
"""

from __future__ import annotations

import numpy as np

__all__ = ["project_vertices", "silhouette"]

# Candidate pixels tested at once (each costs about 100 bytes while tested).
_BATCH = 1 << 20


def project_vertices(vertices: np.ndarray, rotation: np.ndarray, translation: np.ndarray,
                     K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates of model vertices in a pose, pinhole camera.

    ``vertices`` (N, 3) in model units, ``rotation`` (3, 3) and ``translation`` (3,)
    to OpenCV camera axes (x right, y down, z forward), in the same units; ``K``
    (3, 3) OpenCV. Returns ``uv`` (N, 2) float64 pixels and ``z`` (N,) float64 camera
    depth (positive in front of the camera).
    """
    cam = np.asarray(vertices, dtype=np.float64) @ np.asarray(rotation, dtype=np.float64).T
    cam += np.asarray(translation, dtype=np.float64).reshape(1, 3)
    z = cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        uvw = cam @ np.asarray(K, dtype=np.float64).T
        uv = uvw[:, :2] / uvw[:, 2:3]
    return uv, z


def silhouette(uv: np.ndarray, faces: np.ndarray, width: int, height: int,
               margin: tuple[int, int] = (0, 0)) -> np.ndarray:
    """Pixels whose centre a projected triangle covers.

    Parameters:
        uv: (N, 2) vertex pixel coordinates (u right, v down; integers are centres).
        faces: (F, 3) vertex indices of the triangles (either winding).
        width, height: the image.
        margin: (mx, my) pixels added on each side, so silhouettes reaching out of
            the image are counted too (the BOP toolkit renders on a canvas 3 times
            the image: margin = (width, height)).

    Returns:
        (height + 2 my, width + 2 mx) bool; canvas pixel (col, row) is image pixel
        (col - mx, row - my). Triangles with a vertex that is not finite are skipped.

    Cost: every pixel centre in each triangle's bounding box is tested with three
    edge functions, vectorised over all triangles in batches of about a million
    candidates, so time and memory follow the summed bounding-box areas.
    """
    mx, my = margin
    canvas_w, canvas_h = width + 2 * mx, height + 2 * my
    mask = np.zeros((canvas_h, canvas_w), dtype=bool)
    tri = np.asarray(uv, dtype=np.float64)[np.asarray(faces, dtype=np.int64)]
    tri = tri + np.array([mx, my], dtype=np.float64)  # (F, 3, 2) canvas coordinates
    finite = np.isfinite(tri).all(axis=(1, 2))
    tri = tri[finite]
    ax, ay = tri[:, 0, 0], tri[:, 0, 1]
    bx, by = tri[:, 1, 0], tri[:, 1, 1]
    cx, cy = tri[:, 2, 0], tri[:, 2, 1]
    area = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax)
    c0 = np.clip(np.ceil(tri[:, :, 0].min(axis=1)), 0, canvas_w)
    c1 = np.clip(np.floor(tri[:, :, 0].max(axis=1)), -1, canvas_w - 1)
    r0 = np.clip(np.ceil(tri[:, :, 1].min(axis=1)), 0, canvas_h)
    r1 = np.clip(np.floor(tri[:, :, 1].max(axis=1)), -1, canvas_h - 1)
    keep = (c1 >= c0) & (r1 >= r0) & (area != 0)
    if not keep.any():
        return mask
    ax, ay, bx, by, cx, cy = (a[keep] for a in (ax, ay, bx, by, cx, cy))
    c0, r0 = c0[keep].astype(np.int64), r0[keep].astype(np.int64)
    w = c1[keep].astype(np.int64) - c0 + 1
    n = w * (r1[keep].astype(np.int64) - r0 + 1)
    ends = np.cumsum(n)
    first = 0
    while first < len(n):  # triangles in batches of about _BATCH candidate pixels
        start_count = ends[first] - n[first]
        last = int(np.searchsorted(ends, start_count + _BATCH, side="right"))
        last = max(last, first + 1)
        sel = slice(first, last)
        counts = n[sel]
        which = np.repeat(np.arange(first, last), counts)
        offset = np.arange(int(counts.sum())) - np.repeat(ends[sel] - counts - start_count,
                                                          counts)
        col = c0[which] + offset % w[which]
        row = r0[which] + offset // w[which]
        u, v = col.astype(np.float64), row.astype(np.float64)
        e0 = (bx[which] - ax[which]) * (v - ay[which]) - (by[which] - ay[which]) * (u - ax[which])
        e1 = (cx[which] - bx[which]) * (v - by[which]) - (cy[which] - by[which]) * (u - bx[which])
        e2 = (ax[which] - cx[which]) * (v - cy[which]) - (ay[which] - cy[which]) * (u - cx[which])
        inside = ((e0 >= 0) & (e1 >= 0) & (e2 >= 0)) | ((e0 <= 0) & (e1 <= 0) & (e2 <= 0))
        mask[row[inside], col[inside]] = True
        first = last
    return mask
