# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Silhouettes of BOP models in a pose, on the toolkit's larger canvas. No ``bpy``.

Used by the ``bop`` export (with ``--models``) for each object's full silhouette
(occlusion ignored), which a render does not hold. The package has one rasteriser,
:func:`blender_gt_addon.amodal.rasterise` (the amodal masks' scanline): coverage of
pixel centres, a pixel belongs to the silhouette when its centre lies inside (or on an
edge of) any projected triangle, so no depth buffer is needed. Pixel centres are
integer coordinates (OpenCV, as :mod:`..camera`): pixel (col, row) has its centre at
u = col, v = row. (The edge-function rasteriser this module held before is kept in
``tests/test_amodal_raster.py`` as the reference the scanline is tested against.)
"""

from __future__ import annotations

import numpy as np

from ..amodal import rasterise

__all__ = ["project_vertices", "silhouette"]


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
        (col - mx, row - my). Triangles with a vertex that is not finite, or of zero
        area, cover nothing.

    Cost: :func:`~blender_gt_addon.amodal.rasterise`'s, the triangles' summed heights
    in rows plus the silhouette's bounding box.
    """
    mx, my = margin
    mask = np.zeros((height + 2 * my, width + 2 * mx), dtype=bool)
    tri = np.asarray(uv, dtype=np.float64)[np.asarray(faces, dtype=np.int64).reshape(-1, 3)]
    (x0, y0, x1, y1), crop = rasterise(tri, width, height, (mx, my))
    if crop.size:
        mask[y0 + my:y1 + my, x0 + mx:x1 + mx] = crop
    return mask
