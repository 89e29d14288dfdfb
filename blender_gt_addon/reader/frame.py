# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""One frame of ground truth: :func:`read` and :class:`GroundTruthFrame`, which reads
the header at once and decodes pixels on first use. No ``bpy``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from .. import camera as cammod
from .. import conventions, frame_record
from ..outputs import OUTPUTS, OUTPUTS_BY_LAYER
from . import convert, decode, ids, instances, native, poses, records
from .errors import GroundTruthError
from .frame_objects import ObjectAnswers
from .frame_time import TimeAnswers
from .layouts import find_sources, planes_to_array
from .stereo import StereoAnswers, resolve

__all__ = ["GroundTruthFrame", "read"]


# Arrays built in place or without a copy: no call to _shrink before them.
_IN_PLACE = ("depth", "rolling_depth", "image", "crisp_image", "cryptomatte_object")


def read(path: str | os.PathLike[str], layer: str | None = None, *,
         dtype: npt.DTypeLike = np.float32, max_bytes: int | None = None,
         view: str | None = None) -> GroundTruthFrame:
    """Open one ground-truth EXR file.

    Only the header is read here; pixels are decoded once, on first access to
    any array attribute, and each array is built from them once and kept.

    Parameters:
        path: a ``.exr`` file written by the add-on, or Blender's own multilayer
            render output (Output Properties > File Format: OpenEXR MultiLayer) of
            Blender 4.2, 4.5 or 5.0, read with the same attributes and conventions.
        layer: for Blender's render output, the view layer to read (see
            ``.layers``); default: the one with the most passes.
        dtype: of ``image``, ``crisp_image`` and ``emission``: ``float32`` (the default) or
            ``float16``, half the memory; a file written in half precision (the
            add-on's default for these two) is then returned as stored, without a
            cast; a full-float file is rounded to half. Every other array keeps its
            documented dtype.
        max_bytes: the most decoding this file may allocate, in bytes (default: the
            ``GT_READER_MAX_BYTES`` variable, else 16 GiB); a file whose header asks
            for more is refused here, before anything is allocated
            (docs/reader-safety.md).
        view: of a stereo pair, ``"left"`` or ``"right"``: reads that view's file
            (``s_0001_L.exr`` / ``s_0001_R.exr``, from either name or ``s_0001.exr``).

    Returns:
        A :class:`GroundTruthFrame`.

    Raises:
        GroundTruthError: the file is missing, not an OpenEXR file, or damaged.
    """
    return GroundTruthFrame(resolve(path, view), layer, dtype=dtype, max_bytes=max_bytes)


_UNREAD = object()  # a frame record not decoded yet


class GroundTruthFrame(ObjectAnswers, StereoAnswers, TimeAnswers):
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
        crisp_image: (H, W, 4) float32 like ``image``: with motion blur on, the image
            without blur at the frame's time (the add-on's crisp render, not denoised),
            the instant of every data output; without motion blur, the image itself.
        depth: (H, W) float32, planar distance from the camera plane along the
            camera's viewing axis, in scene units; ``inf`` where no surface was hit.
        normal: (H, W, 3) float32, world-space unit normal (x, y, z); Blender averages
            normals over samples, so they are renormalised here; (0, 0, 0) on background.
        vector: (H, W, 4) float32, Blender's raw Vector pass in pixels, raster y
            pointing up: channels 0,1 = position in the previous frame minus position
            now, channels 2,3 = position now minus position in the next frame.
        emission: (H, W, 3) float32, emitted radiance, colour times strength.
        albedo: (H, W, 3) float32, Cycles' Diffuse Color pass: the colour of the
            surface's diffuse BSDF, linear, without light or shadow; 0 on background
            and for purely glossy, emissive or transparent surfaces. A Diffuse BSDF
            gives its colour; a Principled BSDF gives less than its base colour (its
            specular layer takes a share: 0.786 x base colour measured at the defaults,
            IOR 1.5, roughness 0.5, metallic 0).
        position: (H, W, 3) float32, world coordinates of the surface seen at the
            pixel, scene units (first sample, like depth); NaN where nothing was hit.
        object_index: (H, W) int32, the objects' ``pass_index``; 0 on background.
        material_index: (H, W) int32, the materials' ``pass_index``; 0 on background.
        rolling_depth, rolling_position, rolling_object_index: like ``depth``,
            ``position`` and ``object_index``, but what the image's rows saw: under
            Cycles' rolling shutter (duration 0) row r at its own time
            ``row_times[r]``, with the camera ``shutter.row_world_to_camera[r]``
            (``rolling_depth`` is planar depth along *that* camera's axis); the
            plain outputs are the frame at the frame's time. Without motion blur they
            equal the plain ones (docs/conventions.md).

    Derived, computer-vision conventions (image x to the right, y downward;
    defined once in :mod:`blender_gt_addon.conventions`):
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

    def __init__(self, path: str | os.PathLike[str], layer: str | None = None, *,
                 dtype: npt.DTypeLike = np.float32, max_bytes: int | None = None):
        self.path = Path(path)
        self._dtype = np.dtype(dtype)
        if self._dtype not in (np.float32, np.float16):
            raise ValueError(f"dtype of image and emission: float32 or float16, not {dtype!r}")
        header_file = self._open(header_only=True)
        try:
            # The bindings decode channel names only here, lazily: a damaged name
            # that is not UTF-8 raises UnicodeDecodeError now, not in _open.
            self.channels: tuple[str, ...] = tuple(
                ch.name for part in header_file.parts for ch in part.header["channels"]
            )
            first = header_file.parts[0]
            self.header: dict[str, Any] = dict(first.header)
            parts = [decode.declared_size(part.header) for part in header_file.parts]
            self._interleave = decode.interleavable([p.header for p in header_file.parts])
        except (KeyError, IndexError, TypeError, ValueError) as exc:  # incl. UnicodeDecodeError
            reason = f"no {exc} attribute" if isinstance(exc, KeyError) else str(exc)
            raise GroundTruthError(f"{self.path}: damaged EXR file (header: {reason})") from None
        self.width, self.height = parts[0][0], parts[0][1]
        if self.width <= 0 or self.height <= 0:
            raise GroundTruthError(f"{self.path}: empty image ({self.width}x{self.height})")
        self._budget = decode.check_size(self.path, parts, max_bytes)
        self._part_count = len(parts)
        self.frame: int | None = records.frame_number(self.header.get("Frame"), self.path)
        ours, theirs = find_sources(set(self.channels))
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
        self._released: set[str] = set()  # channels let go once their array was built
        self._raw_ids: np.ndarray | None = None  # ids.instance_ids of the Cryptomatte planes
        self._arrays: dict[str, np.ndarray] = {}
        self._names: dict[int, str] | None = None
        self._record_cache: frame_record.FrameRecord | None | object = _UNREAD
        self._amodal_cache: dict | None = None  # {id: amodal.Mask} once read
        self._native_tried = False
        self._per_row: set[str] = set()  # rolling_depth made each row's own

    def __repr__(self) -> str:
        return (
            f"<GroundTruthFrame {str(self.path)!r} frame={self.frame} "
            f"{self.width}x{self.height} passes={list(self.passes)}>"
        )

    def _open(self, header_only: bool) -> Any:
        return decode.open_exr(self.path, header_only)

    def _decoded(self) -> dict[str, np.ndarray]:
        """Every channel of the file, decoded once: channel name -> (H, W) array."""
        if self._pixels is None:
            self._pixels = decode.decode_pixels(self.path, self.channels, self._part_count,
                                                interleave=self._interleave,
                                                budget=self._budget)
            self._released = set()
        return self._pixels

    def _release(self, layer: str) -> None:
        """Let go of the decoded channels of ``layer`` once its array is built and kept:
        no second copy of the frame stays in memory. Needed again (e.g. ``get("normal")``
        after ``normal``), they are decoded again."""
        if self._pixels is not None:
            for name in self._sources.get(layer, ()):
                if self._pixels.pop(name, None) is not None:
                    self._released.add(name)

    def _decode_arrays(self) -> None:
        """On the first array asked for: every output decoded straight into its array
        (:mod:`.native`), one decode for all of them. Where that cannot be done, nothing
        happens and each array is built from the planes the openexr package decodes."""
        if self._native_tried:
            return
        self._native_tried = True
        manifest = self._manifest() if "cryptomatte_object" in self.passes else []
        arrays = native.read_arrays(self.path, self._sources, self.passes, self.height,
                                    self.width, self._dtype, manifest, self._budget)
        if arrays is None:
            return
        ids_found = arrays.pop("cryptomatte_object", None)
        if ids_found is not None:
            self._raw_ids = ids_found
        if "normal" in arrays:
            arrays["normal_unit"] = arrays.pop("normal")
        self._arrays.update(arrays)

    def get(self, layer: str) -> np.ndarray:
        """The array of output ``layer`` (one of :attr:`passes`), as documented on the class."""
        if layer in self.passes:
            self._decode_arrays()
        if layer in self._arrays:
            return self._finish(layer, self._arrays[layer])
        planes = self._planes(layer)
        if layer not in _IN_PLACE:
            self._shrink(but=layer)
        try:
            array = planes_to_array(layer, planes, self._dtype)
        except MemoryError:  # as the native path says it (native.read_arrays)
            raise decode.out_of_memory(self.path, self._budget) from None
        self._arrays[layer] = array
        self._release(layer)
        return self._finish(layer, array)

    def _finish(self, layer: str, array: np.ndarray) -> np.ndarray:
        """``array`` of ``layer`` as documented: the rolling depth pass turned into each
        row's own depth once (:func:`.rolling.row_depth_in_place`)."""
        if layer == "rolling_depth" and layer not in self._per_row:
            from .rolling import row_depth_in_place

            with records.reading(self.path, "shutter"):
                row_depth_in_place(self, array)
            self._per_row.add(layer)
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
        names = self._sources[layer]
        if self._released.intersection(names):
            self._pixels = None  # given to an array built before: decode again
        pixels = self._decoded()
        missing = [n for n in names if n not in pixels]
        if missing:
            raise GroundTruthError(f"{self.path}: layer {layer!r} lacks channels {missing}")
        return [pixels[n] for n in names]

    @property
    def image(self) -> np.ndarray:
        return self.get("image")

    @property
    def crisp_image(self) -> np.ndarray:
        return self.get("crisp_image")

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
    def albedo(self) -> np.ndarray:
        return self.get("albedo")

    @property
    def position(self) -> np.ndarray:
        return self.get("position")

    @property
    def object_index(self) -> np.ndarray:
        return self.get("object_index")

    @property
    def material_index(self) -> np.ndarray:
        return self.get("material_index")

    # -- Derived outputs, in computer-vision conventions -------------------------

    @property
    def camera(self) -> cammod.Camera | None:
        """This frame's camera from the header (no pixels decoded), or ``None``.

        Files of this version keep it at full precision in the ``blender-gt/frame``
        attribute (:mod:`blender_gt_addon.frame_record`); older ones in the stamp Note
        (7 significant digits).
        """
        record = self._record()
        if record is not None:
            return record.camera
        note = self.header.get("Note")
        if not isinstance(note, str):
            return None
        with records.reading(self.path, "camera"):  # bounded: reader/records.py
            for line in note.splitlines():
                if line.startswith(cammod.MARKER):
                    records.check_json(line)
            cameras = cammod.decode(note)
            for each in cameras.values():
                records.check_camera(each)
        if self.frame in cameras:
            return cameras[self.frame]
        return None

    def _record(self) -> frame_record.FrameRecord | None:
        """The ``blender-gt/frame`` header record of this frame, or ``None`` (decoded once:
        with hundreds of objects it is hundreds of kilobytes of JSON)."""
        if self._record_cache is _UNREAD:
            self._record_cache = self._read_record()
        return self._record_cache

    def _read_record(self) -> frame_record.FrameRecord | None:
        text = self.header.get(frame_record.KEY)
        if not isinstance(text, str):
            return None
        with records.reading(self.path, "frame record"):  # bounded: reader/records.py
            found = frame_record.decode(records.check_json(text))
            records.check_frame_record(found)
        if self.frame is not None and found.frame != self.frame:
            return None  # a header copied from another frame: trust nothing in it
        return found

    @property
    def poses(self) -> dict[int, poses.Pose]:
        """Every rendered object's pose in this frame, ``{instance id: Pose}`` (header
        only, no pixels decoded); empty when the file does not record them.

        Ids are those of :attr:`instance_id` and :attr:`names`. See
        :class:`blender_gt_addon.reader.poses.Pose` for the matrices' conventions.
        """
        record = self._record()
        if record is None or not record.objects:
            return {}
        return poses.poses_of(record, self.names)

    @property
    def keypoints(self) -> dict:
        """Every keypoint set the frame records, ``{object name: Located}``
        (:mod:`blender_gt_addon.reader.keypoints`): names, skeleton, ``uv`` (pixels,
        integers at pixel centres), ``world`` and ``camera`` 3D, the visibility layers and
        COCO's ``v``; empty when the file records none. Decodes depth and instance ids."""
        from .keypoints import keypoints_of

        return keypoints_of(self)

    def _need_camera(self, what: str) -> cammod.Camera:
        cam = self.camera
        if cam is None:
            raise GroundTruthError(f"{self.path}: {what} needs the camera, which the header lacks")
        return cam

    @property
    def flow_forward(self) -> np.ndarray:
        return conventions.forward_flow(self.vector)

    @property
    def flow_backward(self) -> np.ndarray:
        return conventions.backward_flow(self.vector)

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
        if "normal" in self.passes:
            self._decode_arrays()
        if "normal_unit" not in self._arrays:
            # From the planes as decoded: the raw (H, W, 3) array is never built.
            raw = self._arrays.get("normal")
            self._shrink()
            self._arrays["normal_unit"] = convert.unit_normals(
                [raw[..., i] for i in range(3)] if raw is not None else self._planes("normal"))
            if raw is None:
                self._release("normal")
        return self._arrays["normal_unit"]

    @property
    def normal_camera(self) -> np.ndarray:
        rotation = self._need_camera("normal_camera").world_to_camera[:3, :3]
        return (self.normal @ rotation.T.astype(np.float32)).astype(np.float32)

    # -- Objects: ids and names (reader/ids.py); per-object answers in frame_objects.py

    @property
    def names(self) -> dict[int, str]:
        """Instance id -> name (header only): the Cryptomatte manifest's object names,
        each instanced object's name replaced by its copies' names (see
        :mod:`blender_gt_addon.reader.instances`), sorted, numbered from 1."""
        if self._names is None:
            self._names = instances.numbering([n for n, _ in self._manifest()],
                                              self._instanced())
        return self._names

    def _manifest(self) -> list[tuple[str, int]]:
        """(object name, 32-bit hash) of the Cryptomatte object layer, sorted by name."""
        return ids.without_background_light(
            ids.read_manifest(self.header, self.layer, self.path), self._record)

    def _instanced(self) -> tuple:
        """The record's objects when some of them are copies made by instancing."""
        record = self._record()
        objects = record.objects if record is not None else ()
        return objects if any(o.instance_of is not None for o in objects) else ()

    @property
    def instance_id(self) -> np.ndarray:
        if "instance_id" not in self._arrays:
            if "cryptomatte_object" not in self.passes:
                has = ", ".join(self.passes) or "no ground-truth outputs"
                raise GroundTruthError(f"{self.path}: instance_id needs the Cryptomatte "
                                       f"object layer (cryptomatte_object); it has: {has}")
            self._decode_arrays()
            manifest = self._manifest()
            if "cryptomatte_object" in self._arrays:
                found = ids.instance_ids(self._arrays["cryptomatte_object"], manifest)
            else:
                found = self._shrink_ids(force=True)
            objects = self._instanced()
            if objects:
                found = instances.split(found, [n for n, _ in manifest], self.names, objects,
                                        self._surface_points(), self.camera)
            self._arrays["instance_id"] = found
        return self._arrays["instance_id"]

    def _held(self, layer: str) -> bool:
        """Whether the decoded planes of ``layer`` are all still held."""
        return (layer in self.passes and self._pixels is not None
                and all(n in self._pixels for n in self._sources[layer]))

    def _shrink(self, but: str = "") -> None:
        """Before a new array is allocated: build the arrays that take less memory than
        the decoded planes they come from (the Cryptomatte ids: a quarter; emission and
        albedo: three of four channels) and let go of those planes, so reading every
        pass never holds both (peak memory about 1.3x the arrays returned, not 1.45x).
        ``but``: the layer about to be built anyway.
        """
        self._shrink_ids(force=False)
        for layer in ("emission", "albedo"):
            if layer == but or layer in self._arrays or not self._held(layer):
                continue
            planes = self._planes(layer)
            dtype = self._dtype if layer == "emission" else np.dtype(np.float32)
            if 3 * planes[0].size * dtype.itemsize < sum(p.nbytes for p in planes):
                self._arrays[layer] = planes_to_array(layer, planes, self._dtype)
                self._release(layer)

    def _shrink_ids(self, force: bool = False) -> np.ndarray | None:
        """The ids of the Cryptomatte object layer (:func:`.ids.instance_ids`), computed
        band by band from its decoded planes, which are then let go: by
        :attr:`instance_id` (``force``), or by :meth:`_shrink` while the planes are held.
        """
        if self._raw_ids is None and "cryptomatte_object" in self.passes and (
                force or self._held("cryptomatte_object")):
            planes: list[np.ndarray | None] = list(self._planes("cryptomatte_object"))
            # Let go of the plane the ids do not use first: less memory held meanwhile.
            unused = self._sources["cryptomatte_object"][2]
            if self._pixels is not None and self._pixels.pop(unused, None) is not None:
                self._released.add(unused)
            planes[2] = None
            self._raw_ids = convert.instance_ids(planes, self._manifest())
            self._release("cryptomatte_object")
        return self._raw_ids

    def _surface_points(self) -> np.ndarray | None:
        """(H, W, 3) world points of the surfaces seen (position, or depth and the
        camera), NaN where none; ``None`` when the file has neither."""
        if "position" in self.passes:
            return self.position
        camera = self.camera
        if "depth" in self.passes and camera is not None and (
                (camera.width, camera.height) == (self.width, self.height)):
            return camera.points_from_depth(self.depth)
        return None

    def _ids(self, source: str | None) -> tuple[np.ndarray, dict[int, str]]:
        if source is None:
            source = "instance_id" if "cryptomatte_object" in self.passes else "object_index"
        if source not in ("instance_id", "object_index"):
            raise GroundTruthError(f"{self.path}: ids come from instance_id or object_index, "
                                   f"not {source!r}")
        return getattr(self, source), (self.names if source == "instance_id" else {})
