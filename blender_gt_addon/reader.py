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
not have) raises :class:`GroundTruthError` (a ``ValueError``), whose message names
the file and says why; no other exception comes out of a damaged file. That holds
for files that are empty, cut short anywhere (e.g. by a render killed mid-frame),
have bytes overwritten in their header or chunk table, declare a data window far
larger than the file could hold (refused from the header, before any pixel memory
is allocated), or are EXRs from other tools without the add-on's layers
(``passes == ()``). The header is checked by :func:`read`; damage in the pixel data
shows when the arrays are first read. Corruption the format itself cannot detect
(changed bytes of uncompressed pixels, or compressed ones that still decompress)
reads as changed values, never as a crash.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import camera as cammod
from .outputs import OUTPUTS, OUTPUTS_BY_LAYER

__all__ = ["Box", "GroundTruthError", "GroundTruthFrame", "open_sequence", "read", "read_pass"]

_EXR_MAGIC = b"\x76\x2f\x31\x01"

# Cycles writes this depth where a ray hit nothing.
_BACKGROUND_DEPTH = 1e10


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


class GroundTruthError(ValueError):
    """A ground-truth file cannot be read, or lacks what was asked for.

    The message names the file and says why.
    """


def read(path: str | os.PathLike[str], layer: str | None = None) -> GroundTruthFrame:
    """Open one ground-truth EXR file.

    Only the header is read here; pixels are decoded once, on first access to
    any array attribute, and kept.

    Parameters:
        path: a ``.exr`` file written by the add-on, or Blender's own multilayer
            render output (Output Properties > File Format: OpenEXR MultiLayer) of
            Blender 4.2, 4.5 or 5.0, read with the same attributes and conventions.
        layer: for Blender's render output, the view layer to read (see
            ``.layers``); default: the one with the most passes.

    Returns:
        A :class:`GroundTruthFrame`.

    Raises:
        GroundTruthError: the file is missing, not an OpenEXR file, or damaged.
    """
    return GroundTruthFrame(path, layer)


# Single-pass EXRs from File Output nodes wired by hand: the channel sets they use
# (Blender 4.2 writes value inputs as V, 4.5 and 5.0 as R, G, B plus A).
_SINGLE_PASS_CHANNELS: dict[str, tuple[tuple[str, ...], ...]] = {
    "depth": (("V",), ("R",), ("Y",), ("Z",)),
    "index": (("V",), ("R",), ("Y",), ("X",)),
    "normal": (("X", "Y", "Z"), ("R", "G", "B")),
    "vector": (("X", "Y", "Z", "W"), ("R", "G", "B", "A"), ("X", "Y", "Z")),
    "emission": (("R", "G", "B"),),
    "image": (("R", "G", "B", "A"), ("R", "G", "B")),
}
_SINGLE_PASS_LAYER = {"depth": "depth", "index": "object_index", "normal": "normal",
                      "vector": "vector", "emission": "emission", "image": "image"}


def read_pass(path: str | os.PathLike[str], kind: str) -> np.ndarray:
    """Read a single-layer EXR holding one pass, as a File Output node wired by hand writes it.

    ``kind`` is ``"depth"``, ``"normal"``, ``"vector"``, ``"index"``, ``"emission"``
    or ``"image"``. The array follows the same conventions as :class:`GroundTruthFrame`:
    depth (H, W) float32 with ``inf`` where nothing was hit (Blender writes the value
    in R, G and B, or in V on 4.2); normal (H, W, 3) unit length; vector (H, W, 4) raw
    Vector pass (Blender 4.2 drops W from such files: it comes back as NaN); index
    (H, W) int32; emission (H, W, 3); image (H, W, 4).

    Raises:
        GroundTruthError: missing or damaged file, unknown kind, or no matching channels.
    """
    if kind not in _SINGLE_PASS_CHANNELS:
        raise GroundTruthError(f"{path}: unknown pass kind {kind!r}; kinds: "
                               f"{', '.join(_SINGLE_PASS_CHANNELS)}")
    frame = GroundTruthFrame(path)
    pixels = frame._decoded()
    for option in _SINGLE_PASS_CHANNELS[kind]:
        if all(c in pixels for c in option):
            planes = [pixels[c] for c in option]
            break
    else:
        raise GroundTruthError(f"{frame.path}: no {kind} channels; it has: "
                               f"{', '.join(sorted(pixels))}")
    layer = _SINGLE_PASS_LAYER[kind]
    if kind == "vector" and len(planes) == 3:
        planes.append(np.full_like(planes[0], np.nan, dtype=np.float32))
    if kind == "image" and len(planes) == 3:
        planes.append(np.ones_like(planes[0], dtype=np.float32))
    array = GroundTruthFrame._convert(layer, planes)
    return _unit(array) if kind == "normal" else array


def _unit(normals: np.ndarray | list[np.ndarray]) -> np.ndarray:
    """Renormalise averaged normals to unit length; (0, 0, 0) stays (0, 0, 0).

    ``normals``: an (H, W, 3) array, or its three (H, W) planes.
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


_Sources = dict[str, list[str]]  # output layer -> its channel names in the file


def _find_sources(channels: set[str]) -> tuple[_Sources, dict[str, _Sources]]:
    """Where each output's channels are: in our layout, and per view layer in Blender's.

    Returns ``(ours, theirs)``: ``ours[layer]`` lists the channel names of an output
    in the add-on's layout (``depth.V``); ``theirs[view_layer][layer]`` the same in
    Blender's render output (``ViewLayer.Depth.Z``).
    """
    ours: dict[str, list[str]] = {}
    theirs: dict[str, dict[str, list[str]]] = {}
    for o in OUTPUTS:
        # Blender 4.2 cannot name a channel "vector.W": it writes "vector.W.V".
        names = [n if n in channels or f"{n}.V" not in channels else f"{n}.V"
                 for n in (f"{o.layer}.{c}" for c in o.channels)]
        if all(n in channels for n in names):
            ours[o.layer] = names
        for pass_name in o.render_passes:
            first = f".{pass_name}.{o.render_channels[0]}"
            for name in channels:
                if name.endswith(first) and len(name) > len(first):
                    view_layer = name[: -len(first)]
                    names = [f"{view_layer}.{pass_name}.{c}" for c in o.render_channels]
                    if all(n in channels for n in names):
                        theirs.setdefault(view_layer, {})[o.layer] = names
    return ours, theirs


# The size check: how many times its size a file's pixels can decode to, with a wide
# margin. zlib (ZIP, ZIPS, PXR24) stops near 1000:1 even on a constant image, PIZ
# near 400:1, RLE at 64:1, B44 at 11:1; JPEG 2000, Zstandard and DWA have no such
# bound (over 40000:1 measured on a blank 4K frame), hence the large default for them
# and for unknown codecs; it still keeps a 10 kB file from claiming more than 1.3 GB.
_MAX_EXPANSION = {
    "NO_COMPRESSION": 16, "RLE_COMPRESSION": 512, "ZIPS_COMPRESSION": 8192,
    "ZIP_COMPRESSION": 8192, "PIZ_COMPRESSION": 8192, "PXR24_COMPRESSION": 8192,
    "B44_COMPRESSION": 8192, "B44A_COMPRESSION": 8192,
}
_MAX_EXPANSION_OTHER = 1 << 17
# Decoded pixels below this are allocated whatever the file size: harmless.
_ALWAYS_READABLE = 64 << 20
# Bytes per decoded sample: the header does not say half or float; assume the larger.
_SAMPLE_BYTES = 4


def _declared_size(header: dict[str, Any]) -> tuple[int, int, int, str]:
    """(width, height, channel count, codec name) that a part's header declares."""
    (x0, y0), (x1, y1) = (tuple(int(v) for v in c) for c in header["dataWindow"])
    codec = getattr(header.get("compression"), "name", "")
    return x1 - x0 + 1, y1 - y0 + 1, len(header["channels"]), codec


def _check_size(path: Path, parts: list[tuple[int, int, int, str]]) -> None:
    """Refuse a header that declares far more pixels than the file can hold.

    The bindings allocate every channel's full array before they read any pixel
    data, so a damaged data window claiming 100000 x 100000 pixels would take tens
    of gigabytes; it is refused here, from the header, before anything is allocated.
    """
    try:
        file_size = path.stat().st_size
    except OSError as exc:
        raise GroundTruthError(f"{path}: cannot be opened ({exc.strerror})") from None
    sizes = [max(w, 0) * max(h, 0) * n * _SAMPLE_BYTES for w, h, n, _ in parts]
    least_file = sum(size / _MAX_EXPANSION.get(codec, _MAX_EXPANSION_OTHER)
                     for size, (_, _, _, codec) in zip(sizes, parts, strict=True))
    if sum(sizes) > _ALWAYS_READABLE and least_file > file_size:
        w, h, n, _ = parts[sizes.index(max(sizes))]
        raise GroundTruthError(
            f"{path}: damaged EXR file (header: declares {w}x{h} pixels in {n} channels, "
            f"{sum(sizes) / 2**20:.0f} MiB of pixels, more than a {file_size}-byte file "
            "can hold; refused before allocating them)"
        )


def _import_openexr(path: Path) -> Any:
    try:
        import OpenEXR
    except ImportError as exc:  # pragma: no cover - a packaging error, not a user's
        raise GroundTruthError(
            f"{path}: reading EXR files needs the 'openexr' package (pip install openexr)"
        ) from exc
    return OpenEXR


# The process whose OpenEXR thread pool the reader may use, and the process that
# imported this module (a process forked from it has another id).
_pool_pid: int | None = None
_IMPORT_PID = os.getpid()


def _decode_threads(OpenEXR: Any, start_pool: bool) -> dict[str, int]:
    """``num_threads`` for ``OpenEXR.File``: -1 (OpenEXR's thread pool) or 0 (none).

    Returned as keyword arguments, empty with openexr < 3.5, whose Python bindings
    neither size the pool nor take ``num_threads`` (they decode on one thread).
    OpenEXR's pool starts with no threads. With ``start_pool`` (before the first
    decode of pixels in a process), an empty pool gets a thread per core; a program
    that sized the pool itself (``OpenEXR.set_global_thread_count(n)``) keeps it.
    A process forked from one with a pool (a DataLoader worker) inherits the pool
    but not its threads: a decode through it would wait for them forever, and
    resizing it would tear down threads that are not there, so there files are
    decoded without it, in the calling thread.
    """
    global _pool_pid
    if not hasattr(OpenEXR, "set_global_thread_count"):
        return {}
    pid = os.getpid()
    if _pool_pid == pid:
        return {"num_threads": -1}
    if OpenEXR.global_thread_count() == 0:
        if not start_pool:
            return {"num_threads": 0}
        try:
            cores = len(os.sched_getaffinity(0))
        except AttributeError:  # pragma: no cover - not on Linux
            cores = os.cpu_count() or 1
        OpenEXR.set_global_thread_count(cores)
    elif pid != _IMPORT_PID:
        return {"num_threads": 0}
    _pool_pid = pid
    return {"num_threads": -1}


class GroundTruthFrame:
    """One frame of ground truth, decoded lazily.

    Attributes (header only, no pixels decoded):
        path: the file.
        layers: the view layers of a Blender render-output file (empty for the
            add-on's own files); ``layer`` is the one being read.
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
        normal: (H, W, 3) float32, world-space unit normal (x, y, z); Blender averages
            normals over samples, so they are renormalised here; (0, 0, 0) on background.
        vector: (H, W, 4) float32, Blender's raw Vector pass in pixels, raster y
            pointing up: channels 0,1 = position in the previous frame minus position
            now, channels 2,3 = position now minus position in the next frame.
        emission: (H, W, 3) float32, emitted radiance, colour times strength.
        object_index: (H, W) int32, the objects' ``pass_index``; 0 on background.
        material_index: (H, W) int32, the materials' ``pass_index``; 0 on background.

    Derived, computer-vision conventions (image x to the right, y downward):
        flow_forward: (H, W, 2) float32 (dx, dy) pixels: the surface point seen at
            pixel (x, y) is at (x + dx, y + dy) in the next frame. 0 where nothing
            was hit (Blender writes 0 there; mask with ``np.isfinite(depth)``).
        flow_backward: (H, W, 2) float32 (dx, dy) pixels towards the previous frame.
        distance: (H, W) float32, Euclidean distance from the camera centre to the
            surface along each pixel's ray, scene units; ``inf`` where nothing was hit.
        normal_camera: (H, W, 3) float32 unit normals in OpenCV camera axes
            (x right, y down, z forward); (0, 0, 0) on background.
        camera: this frame's :class:`blender_gt_addon.camera.Camera` (``K``,
            ``world_to_camera``, size, clip range), from the header, or ``None``.
        instance_id: (H, W) int32, one id per object, 0 on background; from the
            Cryptomatte object layer, the id with the largest coverage in each pixel
            (never a blend of two). ``names`` maps id -> object name.
    """

    def __init__(self, path: str | os.PathLike[str], layer: str | None = None):
        self.path = Path(path)
        header_file = self._open(header_only=True)
        try:
            # The bindings decode channel names only here, lazily: a damaged name
            # that is not UTF-8 raises UnicodeDecodeError now, not in _open.
            self.channels: tuple[str, ...] = tuple(
                ch.name for part in header_file.parts for ch in part.header["channels"]
            )
            first = header_file.parts[0]
            self.header: dict[str, Any] = dict(first.header)
            parts = [_declared_size(part.header) for part in header_file.parts]
        except (KeyError, IndexError, TypeError, ValueError) as exc:  # incl. UnicodeDecodeError
            reason = f"no {exc} attribute" if isinstance(exc, KeyError) else str(exc)
            raise GroundTruthError(f"{self.path}: damaged EXR file (header: {reason})") from None
        self.width, self.height = parts[0][0], parts[0][1]
        if self.width <= 0 or self.height <= 0:
            raise GroundTruthError(f"{self.path}: empty image ({self.width}x{self.height})")
        _check_size(self.path, parts)
        self._part_count = len(parts)
        frame = self.header.get("Frame")
        is_number = isinstance(frame, str) and frame.lstrip("-").isdigit()
        self.frame: int | None = int(frame) if is_number else None
        ours, theirs = _find_sources(set(self.channels))
        # Blender's files do not record the view layers' order: most outputs first.
        self.layers: tuple[str, ...] = tuple(sorted(theirs, key=lambda v: (-len(theirs[v]), v)))
        if layer is not None and layer not in self.layers:
            has = ", ".join(self.layers) or "none (not a Blender render-output file)"
            raise GroundTruthError(f"{self.path}: no view layer {layer!r}; view layers: {has}")
        if ours and layer is None:
            self.layer: str | None = None
            self._sources = ours
        else:
            self.layer = layer or (self.layers[0] if self.layers else None)
            self._sources = theirs.get(self.layer, {}) if self.layer else {}
        self.passes: tuple[str, ...] = tuple(o.layer for o in OUTPUTS if o.layer in self._sources)
        self._pixels: dict[str, np.ndarray] | None = None
        self._arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] | None = None

    def __repr__(self) -> str:
        return (
            f"<GroundTruthFrame {str(self.path)!r} frame={self.frame} "
            f"{self.width}x{self.height} passes={list(self.passes)}>"
        )

    def _open(self, header_only: bool) -> Any:
        OpenEXR = _import_openexr(self.path)
        threads = _decode_threads(OpenEXR, start_pool=not header_only)
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
            return OpenEXR.File(str(self.path), separate_channels=True, header_only=header_only,
                                **threads)
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
            # then leave the part's channels out: that is a damaged file. Count the
            # parts too: two parts may hold channels of the same name.
            lost = [name for name in self.channels if pixels.get(name) is None]
            if lost:
                raise GroundTruthError(
                    f"{self.path}: damaged EXR file (pixels: {len(lost)} of "
                    f"{len(self.channels)} channels could not be decoded, e.g. {lost[0]})"
                )
            if len(exr.parts) != self._part_count:
                raise GroundTruthError(
                    f"{self.path}: damaged EXR file (pixels: {len(exr.parts)} of "
                    f"{self._part_count} parts could be decoded)"
                )
            # A channel sampled at a lower resolution (xSampling, ySampling > 1,
            # never written by Blender) comes back smaller than the image; a deep
            # image (other tools) as an array of per-pixel sample lists.
            for part in exr.parts:
                width, height = _declared_size(part.header)[:2]
                for name, channel in part.channels.items():
                    if getattr(getattr(channel.pixels, "dtype", None), "kind", "") == "O":
                        raise GroundTruthError(
                            f"{self.path}: a deep EXR image (several samples per pixel, "
                            f"channel {name}), which the reader does not read"
                        )
                    shape = getattr(channel.pixels, "shape", (height, width))
                    if tuple(shape[:2]) != (height, width):
                        raise GroundTruthError(
                            f"{self.path}: channel {name} has {shape[1]}x{shape[0]} pixels, "
                            f"not the image's {width}x{height} (subsampled channels are "
                            "not supported)"
                        )
            self._pixels = pixels
        return self._pixels

    def get(self, layer: str) -> np.ndarray:
        """The array of output ``layer`` (one of :attr:`passes`), as documented on the class."""
        if layer in self._arrays:
            return self._arrays[layer]
        array = self._convert(layer, self._planes(layer))
        self._arrays[layer] = array
        return array

    def _planes(self, layer: str) -> list[np.ndarray]:
        """The decoded channels of output ``layer``, in the order the reader stacks them."""
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
        names = self._sources[layer]
        missing = [n for n in names if n not in pixels]
        if missing:
            raise GroundTruthError(f"{self.path}: layer {layer!r} lacks channels {missing}")
        return [pixels[n] for n in names]

    @staticmethod
    def _convert(layer: str, planes: list[np.ndarray]) -> np.ndarray:
        if layer in ("object_index", "material_index"):
            # Exact small integers stored as float32 (pass_index is 0..32767).
            return np.rint(planes[0]).astype(np.int32)
        if layer == "depth":
            # In place: the decoded plane serves nothing else (no copy of 8 MB at 1080p).
            depth = planes[0].astype(np.float32, copy=False)
            depth[depth >= _BACKGROUND_DEPTH] = np.inf
            return depth
        if layer == "emission":
            planes = planes[:3]
        # Each plane cast straight into its place: one pass (stack, then astype: two).
        array = np.empty((*planes[0].shape, len(planes)), dtype=np.float32)
        for i, plane in enumerate(planes):
            array[..., i] = plane
        return array

    @property
    def image(self) -> np.ndarray:
        return self.get("image")

    @property
    def depth(self) -> np.ndarray:
        return self.get("depth")

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

    # -- Derived outputs, in computer-vision conventions -------------------------

    @property
    def camera(self) -> cammod.Camera | None:
        """This frame's camera from the header (no pixels decoded), or ``None``."""
        note = self.header.get("Note")
        if not isinstance(note, str):
            return None
        try:
            cameras = cammod.decode(note)
        except (ValueError, KeyError, TypeError, IndexError, ArithmeticError) as exc:
            # ArithmeticError: e.g. int() of a number that JSON read as infinity
            raise GroundTruthError(
                f"{self.path}: unreadable camera in the header ({exc})") from None
        if self.frame in cameras:
            return cameras[self.frame]
        return None

    def _need_camera(self, what: str) -> cammod.Camera:
        cam = self.camera
        if cam is None:
            raise GroundTruthError(f"{self.path}: {what} needs the camera, which the header lacks")
        return cam

    @property
    def flow_forward(self) -> np.ndarray:
        vector = self.vector
        return np.stack([-vector[..., 2], vector[..., 3]], axis=-1)

    @property
    def flow_backward(self) -> np.ndarray:
        vector = self.vector
        return np.stack([vector[..., 0], -vector[..., 1]], axis=-1)

    @property
    def distance(self) -> np.ndarray:
        cam = self._need_camera("distance")
        if (cam.width, cam.height) != (self.width, self.height):  # a damaged or foreign Note
            raise GroundTruthError(f"{self.path}: the camera in the header is for {cam.width}x"
                                   f"{cam.height} pixels, the image has {self.width}x{self.height}")
        try:
            lengths = cam.ray_lengths()
        except np.linalg.LinAlgError as exc:  # a singular K
            raise GroundTruthError(
                f"{self.path}: unreadable camera in the header ({exc})") from None
        return (self.depth * lengths).astype(np.float32)

    @property
    def normal(self) -> np.ndarray:
        if "normal_unit" not in self._arrays:
            # From the planes as decoded: the raw (H, W, 3) array is never built.
            raw = self._arrays.get("normal")
            self._arrays["normal_unit"] = _unit(raw if raw is not None else self._planes("normal"))
        return self._arrays["normal_unit"]

    @property
    def normal_camera(self) -> np.ndarray:
        rotation = self._need_camera("normal_camera").world_to_camera[:3, :3]
        return (self.normal @ rotation.T.astype(np.float32)).astype(np.float32)

    @property
    def names(self) -> dict[int, str]:
        """Instance id -> object name, from the Cryptomatte manifest (header only)."""
        if self._names is None:
            self._names = {i: name for i, (name, _) in enumerate(self._manifest(), start=1)}
        return self._names

    def _manifest(self) -> list[tuple[str, int]]:
        """(object name, 32-bit hash) of the Cryptomatte object layer, sorted by name."""
        for key, value in self.header.items():
            # The layer's name: ours, or Blender's own for render-output files.
            wanted = f"{self.layer}.CryptoObject" if self.layer else "cryptomatte_object"
            if key.startswith("cryptomatte/") and key.endswith("/name") and value == wanted:
                manifest = self.header.get(key[: -len("name")] + "manifest", "{}")
                try:
                    entries = json.loads(manifest)
                    return sorted((str(name), int(h, 16)) for name, h in entries.items())
                except (ValueError, TypeError, AttributeError) as exc:
                    raise GroundTruthError(
                        f"{self.path}: unreadable Cryptomatte manifest ({exc})") from None
        return []

    @property
    def instance_id(self) -> np.ndarray:
        if "instance_id" not in self._arrays:
            crypto = self.get("cryptomatte_object")
            hashes = np.ascontiguousarray(crypto[..., 0]).view(np.uint32)
            ids = np.zeros(hashes.shape, dtype=np.int32)
            pairs = [(value, i) for i, (_, value) in enumerate(self._manifest(), start=1)
                     if 0 <= value <= 0xFFFFFFFF]
            if pairs:
                # Each pixel's hash looked up in the sorted hashes: one pass over the
                # pixels however many objects (a pass per object took 0.7 s for 1000
                # objects at 1080p). Equal hashes: the last name wins, as it always did.
                values = np.array([v for v, _ in pairs], dtype=np.uint32)
                numbers = np.array([i for _, i in pairs], dtype=np.int32)
                order = np.argsort(values, kind="stable")
                values, numbers = values[order], numbers[order]
                at = np.searchsorted(values, hashes, side="right") - 1
                found = values[at] == hashes
                ids[found] = numbers[at[found]]
            # A pixel belongs to the object with the largest coverage unless more
            # of it is background (1 - the two largest coverages, an upper bound).
            coverage = crypto[..., 1]
            ids[coverage < 1.0 - coverage - crypto[..., 3]] = 0
            self._arrays["instance_id"] = ids
        return self._arrays["instance_id"]

    def _ids(self, source: str | None) -> tuple[np.ndarray, dict[int, str]]:
        if source is None:
            source = "instance_id" if "cryptomatte_object" in self.passes else "object_index"
        if source not in ("instance_id", "object_index"):
            raise GroundTruthError(f"{self.path}: ids come from instance_id or object_index, "
                                   f"not {source!r}")
        return getattr(self, source), (self.names if source == "instance_id" else {})

    def emitting(self, threshold: float = 0.0, source: str | None = None) -> dict:
        """Which objects emit light in this frame (e.g. brake lights that are on).

        Returns ``{name (or id when there are no names): brightest emission}``, the
        largest of R, G, B of the ``emission`` output over the object's pixels, for
        the objects whose brightest pixel exceeds ``threshold``. Ids as in :meth:`boxes`.
        Emission is averaged at edges, so a neighbour's light bleeds into an object's
        border: only pixels whose four neighbours show the same object count (all of
        its pixels if it has no such inner pixel).
        """
        ids, names = self._ids(source)
        peak = self.emission.max(axis=-1)
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

    def boxes(self, source: str | None = None) -> list[Box]:
        """Visible 2D bounding boxes, one per id present, sorted by id.

        ``source`` is ``"instance_id"`` (the default when the file has it, with
        object names) or ``"object_index"``.
        """
        ids, names = self._ids(source)
        found = []
        for value in np.unique(ids):
            if value == 0:
                continue
            rows, cols = np.nonzero(ids == value)
            found.append(Box(int(value), names.get(int(value)), int(cols.min()),
                             int(rows.min()), int(cols.max()) + 1, int(rows.max()) + 1,
                             int(rows.size)))
        return found


def open_sequence(folder: str | os.PathLike[str], **kwargs: Any):
    """A lazy, indexable sequence of the ground-truth frames in ``folder``, in frame order.

    See :func:`blender_gt_addon.sequence.open_sequence` for the options.
    """
    from .sequence import open_sequence as _open_sequence  # sequence imports this module

    return _open_sequence(folder, **kwargs)
