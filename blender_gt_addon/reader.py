# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read blender-gt multilayer OpenEXR files into numpy arrays. No ``bpy`` needed.

>>> from blender_gt_addon import reader
>>> gt = reader.read("groundtruth/0001.exr")      # doctest: +SKIP
>>> gt.passes                                     # header only, no pixels decoded
('image', 'depth', 'normal', 'vector', 'emission', 'object_index', 'material_index')
>>> gt.depth.shape, gt.depth.dtype                # doctest: +SKIP
((480, 640), dtype('float32'))

Conventions of every array: row 0 is the top of the image, column 0 its left
edge; shape ``(H, W)`` or ``(H, W, C)``.

Every failure (missing file, not an EXR, damaged file, an output the file does
not have) raises :class:`GroundTruthError`, whose message names the file.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from .outputs import OUTPUTS, OUTPUTS_BY_LAYER

__all__ = ["GroundTruthError", "GroundTruthFrame", "read"]

_EXR_MAGIC = b"\x76\x2f\x31\x01"

# Cycles writes this depth where a ray hit nothing.
_BACKGROUND_DEPTH = 1e10


class GroundTruthError(ValueError):
    """A ground-truth file cannot be read, or lacks what was asked for.

    The message names the file and says why.
    """


def read(path: str | os.PathLike[str]) -> GroundTruthFrame:
    """Open one ground-truth EXR file.

    Only the header is read here; pixels are decoded once, on first access to
    any array attribute, and kept.

    Parameters:
        path: a ``.exr`` file written by the add-on.

    Returns:
        A :class:`GroundTruthFrame`.

    Raises:
        GroundTruthError: the file is missing, not an OpenEXR file, or damaged.
    """
    return GroundTruthFrame(path)


def _import_openexr(path: Path) -> Any:
    try:
        import OpenEXR
    except ImportError as exc:  # pragma: no cover - a packaging error, not a user's
        raise GroundTruthError(
            f"{path}: reading EXR files needs the 'openexr' package (pip install openexr)"
        ) from exc
    return OpenEXR


class GroundTruthFrame:
    """One frame of ground truth, decoded lazily.

    Attributes (header only, no pixels decoded):
        path: the file.
        passes: the outputs the file holds, as a tuple of attribute names in the
            add-on's order (``image``, ``depth``, ``normal``, ``vector``,
            ``emission``, ``object_index``, ``material_index``).
        width, height: image size in pixels.
        frame: the frame number Blender recorded, or ``None``.
        header: the EXR header of the first part, attribute name -> value.
        channels: every channel name in the file (e.g. ``depth.V``).

    Array attributes (decoded on first access; missing ones raise GroundTruthError):
        image: (H, W, 4) float32, linear RGBA, premultiplied alpha, as Cycles rendered it.
        depth: (H, W) float32, planar distance from the camera plane along the
            camera's viewing axis, in scene units; ``inf`` where no surface was hit.
        normal: (H, W, 3) float32, world-space normal (x, y, z) as Blender wrote it;
            (0, 0, 0) on background; averaged over samples, so not unit length at edges.
        vector: (H, W, 4) float32, Blender's raw Vector pass in pixels, raster y
            pointing up: channels 0,1 = position in the previous frame minus position
            now, channels 2,3 = position now minus position in the next frame.
        emission: (H, W, 3) float32, emitted radiance, colour times strength.
        object_index: (H, W) int32, the objects' ``pass_index``; 0 on background.
        material_index: (H, W) int32, the materials' ``pass_index``; 0 on background.
    """

    def __init__(self, path: str | os.PathLike[str]):
        self.path = Path(path)
        header_file = self._open(header_only=True)
        self.channels: tuple[str, ...] = tuple(
            ch.name for part in header_file.parts for ch in part.header["channels"]
        )
        first = header_file.parts[0]
        self.header: dict[str, Any] = dict(first.header)
        (x0, y0), (x1, y1) = (tuple(int(v) for v in c) for c in self.header["dataWindow"])
        self.width, self.height = x1 - x0 + 1, y1 - y0 + 1
        if self.width <= 0 or self.height <= 0:
            raise GroundTruthError(f"{self.path}: empty image ({self.width}x{self.height})")
        frame = self.header.get("Frame")
        self.frame: int | None = int(frame) if isinstance(frame, str) and frame.lstrip("-").isdigit() else None
        layers = {name.rsplit(".", 1)[0] for name in self.channels if "." in name}
        self.passes: tuple[str, ...] = tuple(o.layer for o in OUTPUTS if o.layer in layers)
        self._pixels: dict[str, np.ndarray] | None = None
        self._arrays: dict[str, np.ndarray] = {}

    def __repr__(self) -> str:
        return (
            f"<GroundTruthFrame {str(self.path)!r} frame={self.frame} "
            f"{self.width}x{self.height} passes={list(self.passes)}>"
        )

    def _open(self, header_only: bool) -> Any:
        OpenEXR = _import_openexr(self.path)
        try:
            with open(self.path, "rb") as f:
                magic = f.read(4)
        except FileNotFoundError:
            raise GroundTruthError(f"{self.path}: no such file") from None
        except IsADirectoryError:
            raise GroundTruthError(f"{self.path}: is a folder, not an EXR file") from None
        except OSError as exc:
            raise GroundTruthError(f"{self.path}: cannot be opened ({exc.strerror})") from None
        if magic != _EXR_MAGIC:
            what = "an empty file" if not magic else "not an OpenEXR file"
            raise GroundTruthError(f"{self.path}: {what}")
        try:
            return OpenEXR.File(str(self.path), separate_channels=True, header_only=header_only)
        except Exception as exc:  # the bindings raise RuntimeError/ValueError/TypeError
            stage = "header" if header_only else "pixels"
            raise GroundTruthError(f"{self.path}: damaged EXR file ({stage}: {exc})") from None

    def _decoded(self) -> dict[str, np.ndarray]:
        if self._pixels is None:
            exr = self._open(header_only=False)
            pixels: dict[str, np.ndarray] = {}
            for part in exr.parts:
                for name, channel in part.channels.items():
                    pixels[name] = channel.pixels
            # The bindings only warn when pixel data is cut short or corrupt and
            # then leave the part's channels out: that is a damaged file.
            lost = [name for name in self.channels if pixels.get(name) is None]
            if lost:
                raise GroundTruthError(
                    f"{self.path}: damaged EXR file (pixels: {len(lost)} of "
                    f"{len(self.channels)} channels could not be decoded, e.g. {lost[0]})"
                )
            self._pixels = pixels
        return self._pixels

    def get(self, layer: str) -> np.ndarray:
        """The array of output ``layer`` (one of :attr:`passes`), as documented on the class."""
        if layer in self._arrays:
            return self._arrays[layer]
        output = OUTPUTS_BY_LAYER.get(layer)
        if output is None:
            raise GroundTruthError(
                f"{self.path}: {layer!r} is not a ground-truth output; "
                f"known outputs: {', '.join(OUTPUTS_BY_LAYER)}"
            )
        if layer not in self.passes:
            has = ", ".join(self.passes) or "no ground-truth outputs"
            raise GroundTruthError(f"{self.path}: has no {layer!r} output; it has: {has}")
        pixels = self._decoded()
        # Blender 4.2 cannot name a channel "vector.W": it writes the value input
        # that carries W as "vector.W.V".
        names = [n if n in pixels or f"{n}.V" not in pixels else f"{n}.V"
                 for n in (f"{layer}.{c}" for c in output.channels)]
        missing = [n for n in names if n not in pixels]
        if missing:
            raise GroundTruthError(f"{self.path}: layer {layer!r} lacks channels {missing}")
        array = self._convert(layer, [pixels[n] for n in names])
        self._arrays[layer] = array
        return array

    @staticmethod
    def _convert(layer: str, planes: list[np.ndarray]) -> np.ndarray:
        if layer in ("object_index", "material_index"):
            # Exact small integers stored as float32 (pass_index is 0..32767).
            return np.rint(planes[0]).astype(np.int32)
        if layer == "depth":
            depth = planes[0].astype(np.float32, copy=True)
            depth[depth >= _BACKGROUND_DEPTH] = np.inf
            return depth
        if layer == "emission":
            planes = planes[:3]
        return np.stack(planes, axis=-1).astype(np.float32, copy=False)

    @property
    def image(self) -> np.ndarray:
        return self.get("image")

    @property
    def depth(self) -> np.ndarray:
        return self.get("depth")

    @property
    def normal(self) -> np.ndarray:
        return self.get("normal")

    @property
    def vector(self) -> np.ndarray:
        return self.get("vector")

    @property
    def emission(self) -> np.ndarray:
        return self.get("emission")

    @property
    def object_index(self) -> np.ndarray:
        return self.get("object_index")

    @property
    def material_index(self) -> np.ndarray:
        return self.get("material_index")
