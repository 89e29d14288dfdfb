# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one definition of each convention that turns Blender's raw passes into
computer-vision arrays. numpy only; no ``bpy``.

Every module that needs forward flow, backward flow, "nothing hit" depth, unit
normals or Cryptomatte ids calls these functions, so a convention is written once
(and proved once, in ``tests/test_conventions.py``, on real renders against the
scene's geometry; see docs/conventions.md).

Image axes everywhere: row 0 is the top of the image, column 0 its left edge;
x to the right, y down (OpenCV).

Blender's raw Vector pass (``vector``, (H, W, 4), pixels, raster y pointing *up*):
channels 0, 1 (X, Y) = position in the previous frame minus position now;
channels 2, 3 (Z, W) = position now minus position in the next frame. Hence, with
y down, forward flow (now -> next) is ``(-Z, +W)`` and backward flow
(now -> previous) is ``(X, -Y)``.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "BACKGROUND_DEPTH",
    "backward_flow",
    "cryptomatte_pixel_bits",
    "depth_from_pass",
    "forward_flow",
    "unit_normals",
]

# Cycles writes this depth (scene units) where a ray hit nothing; the reader turns
# every value at or above it into inf.
BACKGROUND_DEPTH = 1e10


def _flow(vector: np.ndarray, x: int, y: int, negate_x: bool) -> np.ndarray:
    vector = np.asarray(vector)
    if vector.ndim < 1 or vector.shape[-1] < 4:
        raise ValueError(f"the Vector pass has 4 channels (last axis); got shape {vector.shape}")
    flow = np.empty((*vector.shape[:-1], 2), dtype=np.float32)
    flow[..., 0] = vector[..., x]
    flow[..., 1] = vector[..., y]
    # Not np.negative(strided, out=strided): numpy 2.4.6 (Blender 4.2's environment)
    # returns wrong values for it (measured); an in-place multiply is right everywhere.
    flow[..., 1 - int(negate_x)] *= -1
    return flow


def forward_flow(vector: np.ndarray) -> np.ndarray:
    """Forward optical flow (now -> next frame) from Blender's raw Vector pass.

    Parameters:
        vector: (H, W, 4) Blender's Vector pass as the reader gives it
            (``GroundTruthFrame.vector``), pixels, raster y up.

    Returns:
        (H, W, 2) float32 ``(dx, dy)`` in pixels, x right, y down, ``= (-Z, +W)``:
        the surface point seen at pixel (x, y) is at (x + dx, y + dy) in the next
        frame. 0 where nothing was hit (Blender writes 0 there; mask with
        ``np.isfinite(depth)``).
    """
    return _flow(vector, 2, 3, negate_x=True)


def backward_flow(vector: np.ndarray) -> np.ndarray:
    """Backward optical flow (now -> previous frame) from Blender's raw Vector pass.

    Parameters:
        vector: (H, W, 4) Blender's Vector pass, pixels, raster y up.

    Returns:
        (H, W, 2) float32 ``(dx, dy)`` in pixels, x right, y down, ``= (X, -Y)``:
        the surface point seen at pixel (x, y) was at (x + dx, y + dy) in the
        previous frame. 0 where nothing was hit.
    """
    return _flow(vector, 0, 1, negate_x=False)


def depth_from_pass(depth: np.ndarray) -> np.ndarray:
    """Planar depth from Blender's raw Depth pass: float32, ``inf`` where nothing was hit.

    Depth is the distance from the camera plane along the camera's viewing axis, in
    scene units. Values at or above :data:`BACKGROUND_DEPTH` (Cycles writes 1e10 where
    a ray hit nothing) become ``inf``. A float32 array is changed in place and
    returned (no copy); any other dtype is converted to a new float32 array first.
    """
    depth = np.asarray(depth).astype(np.float32, copy=False)
    depth[depth >= BACKGROUND_DEPTH] = np.inf
    return depth


def unit_normals(normals: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """Renormalise normals to unit length; (0, 0, 0) stays (0, 0, 0).

    Blender averages normals over a pixel's samples, so they come out shorter than
    one at edges; this divides each by its length. Axes are kept as given (world
    axes for the Normal pass).

    Parameters:
        normals: an (H, W, 3) array, or its three (H, W) planes (x, y, z).

    Returns:
        (H, W, 3) float32, unit length, (0, 0, 0) where the input is (0, 0, 0)
        (background).
    """
    # Component by component: the same values as np.linalg.norm and a division,
    # in a fraction of the time (no (H, W, 3) temporaries, no masked broadcast).
    planes = normals if isinstance(normals, list) else [normals[..., i] for i in range(3)]
    x, y, z = (np.asarray(c, dtype=np.float32) for c in planes)
    length = x * x
    length += y * y
    length += z * z
    np.sqrt(length, out=length)
    unit = np.zeros((*x.shape, 3), dtype=np.float32)
    nonzero = length > 0
    for i, component in enumerate((x, y, z)):
        np.divide(component, length, out=unit[..., i], where=nonzero)
    return unit


_EXPONENT = np.uint32(0xFF << 23)


def cryptomatte_pixel_bits(hashes: int | np.ndarray) -> np.ndarray:
    """The float32 bits that Blender writes in Cryptomatte pixels for manifest hashes.

    The manifest maps each name to its MurmurHash3_32 (seed 0) as hex; the pixels
    hold that hash as float32 bits with the exponent byte (bits 23..30) clamped to
    1..254, sign and mantissa kept (Blender's ``BKE_cryptomatte_hash_to_float``), so
    no pixel is zero, denormal, inf or NaN: ``0x803b1009`` (exponent 0, the hash of
    ``"Box"``) is written as ``0x80bb1009``. Match pixels against the manifest only
    after this clamp. It changes only hashes whose exponent byte is 0 or 255 and is
    idempotent (a manifest whose hashes are already valid floats stays as it is).
    Two hashes that differ only by an exponent of 0 and 1 (or 254 and 255) give the
    same pixels: such objects cannot be told apart in the file.

    Parameters:
        hashes: one 32-bit hash or an array of them (any integer dtype, 0..2**32-1).

    Returns:
        uint32 array of the same shape (a 0-d array for a scalar).
    """
    bits = np.asarray(hashes).astype(np.uint32)
    exponent = np.clip((bits >> np.uint32(23)) & np.uint32(0xFF), 1, 254).astype(np.uint32)
    return (bits & ~_EXPONENT) | (exponent << np.uint32(23))


def position_from_pass(position: np.ndarray) -> np.ndarray:
    """World positions (H, W, 3) float32 from Cycles' Position pass, in place.

    Cycles writes (0, 0, 0) where no surface was hit: those pixels become NaN, so a
    surface point is never confused with the background. (A surface exactly at the
    world origin would read as background; it covers no area.)
    """
    background = ~position.any(axis=-1)
    position[background] = np.nan
    return position
