# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the add-on records about each frame in its file's header. No ``bpy`` here.

One string attribute, :data:`KEY` (``"blender-gt/frame"``), holds compact JSON:

``{"v": 1, "frame": 7, "camera": {"type": "PERSP", "size": [W, H],
"K": [[...], [...], [...]], "world_to_camera": [[...] x 4], "clip": [start, end]},
"objects": [{"name": "Cube", "pass_index": 7, "object_to_world": [[...] x 4]}, ...]}``

``objects`` (optional) lists every object the frame rendered, with its
``object_to_world`` matrix as Blender evaluated it for that frame (scale included)
and the bounds of its geometry in object coordinates (``"bounds": [[min x, y, z],
[max x, y, z]]``). Each copy made by instancing (a collection instance, Geometry
Nodes instances, particles) is an object of its own, named
``<instancer>/<object>#<index>`` (``<instancer>#<index>`` when Blender names the
copy after its instancer, as for Geometry Nodes), with ``"instance_of"``: the name
Cryptomatte gives all the copies; the index is Blender's persistent instance id,
stable from frame to frame.

``"geometry"`` (optional, absent in files of earlier versions): a short hash (16 hex
digits, BLAKE2b of the float32 vertex coordinates in object coordinates) of the
object's evaluated mesh in that frame, after shape keys, armatures and modifiers.
It changes from frame to frame exactly when the mesh deforms (its vertices move
relative to ``object_to_world``), which is what point tracks need to know
(:mod:`blender_gt_addon.tracks`); ``None`` where the object has no mesh to hash.

``"shutter"`` (optional, only in motion-blurred frames): the exposure and the scene
at its opening and closing, written and checked by :mod:`blender_gt_addon.exposure`;
kept here as the parsed JSON.

``"keypoints"`` (optional, absent unless keypoints were asked for): a list of
keypoint sets, each a JSON object written and checked by
:mod:`blender_gt_addon.keypoints` (its object, names, skeleton and world positions
at float64 for this frame); kept here as the parsed JSON, not interpreted.

Matrices are written at full float64 precision (Python's shortest round-trip
repr), in the conventions of :mod:`blender_gt_addon.camera` (OpenCV ``K`` whose
integer pixel coordinates are pixel centres; world to OpenCV camera axes, x right,
y down, z forward). Unlike Blender's stamp Note (511 bytes, which older files used,
see :func:`blender_gt_addon.camera.decode`), a header attribute has no length limit.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np

from .camera import Camera

__all__ = ["KEY", "FrameRecord", "ObjectRecord", "decode", "encode"]

KEY = "blender-gt/frame"
_VERSION = 1


@dataclass(frozen=True)
class ObjectRecord:
    """One rendered object in one frame.

    Attributes:
        name: the object's name (Cryptomatte's, so it matches ``names``).
        pass_index: the object's pass index (its class, set by the user; 0 if unset).
        object_to_world: (4, 4) float64, Blender's evaluated ``matrix_world``.
        bounds: (2, 3) float64, the corners (min, max) of its geometry's bounding box
            in object coordinates, or ``None`` when not recorded.
        instance_of: for a copy made by instancing, the name that Cryptomatte (and
            so ``instance_id`` before splitting) gives every copy; else ``None``.
        geometry: hash (16 hex digits) of the evaluated mesh's vertex coordinates in
            object coordinates, or ``None`` when not recorded (older files, objects
            without a mesh). Equal hashes in two frames: the mesh did not deform.
    """

    name: str
    pass_index: int
    object_to_world: np.ndarray
    bounds: np.ndarray | None = None
    instance_of: str | None = None
    geometry: str | None = None


@dataclass(frozen=True)
class FrameRecord:
    """The metadata of one frame: its number, camera (``None`` when unknown) and the
    rendered objects (empty when not recorded)."""

    frame: int
    camera: Camera | None
    objects: tuple[ObjectRecord, ...] = ()
    # The raw "keypoints" entry (a tuple of JSON objects when well formed), checked by
    # blender_gt_addon.keypoints.parse.
    keypoints: object = ()
    # The raw "shutter" entry of a motion-blurred frame (parsed JSON), or None; checked
    # by blender_gt_addon.exposure.parse.
    shutter: object = None


def encode(frame: int, camera: Camera | None, objects=(), keypoints=(), shutter=None) -> str:
    """The header text for ``frame``, its ``camera``, ``objects`` (ObjectRecords),
    ``keypoints`` (JSON-able keypoint sets of :func:`blender_gt_addon.keypoints.to_json`)
    and ``shutter`` (:func:`blender_gt_addon.exposure.to_json`, motion-blurred frames)."""
    data: dict = {"v": _VERSION, "frame": int(frame)}
    if shutter is not None:
        data["shutter"] = shutter
    if objects:
        data["objects"] = [_object_json(o) for o in objects]
    if keypoints:
        data["keypoints"] = list(keypoints)
    if camera is not None:
        data["camera"] = {
            "type": camera.type,
            "size": [int(camera.width), int(camera.height)],
            "K": np.asarray(camera.K, dtype=np.float64).tolist(),
            "world_to_camera": np.asarray(camera.world_to_camera, dtype=np.float64).tolist(),
            "clip": [float(camera.clip_start), float(camera.clip_end)],
        }
    return json.dumps(data, separators=(",", ":"), allow_nan=False)


def decode(text: str) -> FrameRecord:
    """The record in ``text`` as :func:`encode` wrote it.

    Raises:
        ValueError: not a record of a version this reader knows, or damaged.
    """
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("v") != _VERSION:
            raise ValueError(f"not a blender-gt frame record of version {_VERSION}")
        cam = data.get("camera")
        camera = None
        if cam is not None:
            K = np.array(cam["K"], dtype=np.float64)
            w2c = np.array(cam["world_to_camera"], dtype=np.float64)
            if K.shape != (3, 3) or w2c.shape != (4, 4):
                raise ValueError(f"matrices of shape {K.shape} and {w2c.shape}")
            camera = Camera(K=K, world_to_camera=w2c, width=int(cam["size"][0]),
                            height=int(cam["size"][1]), clip_start=float(cam["clip"][0]),
                            clip_end=float(cam["clip"][1]), type=str(cam["type"]))
        objects = [_object_from_json(item) for item in data.get("objects", ())]
        # Kept as parsed: a damaged keypoints entry is refused when keypoints are asked
        # for (blender_gt_addon.keypoints.parse), not when the camera or poses are.
        keypoints = data.get("keypoints", ())
        keypoints = tuple(keypoints) if isinstance(keypoints, list) else keypoints
        return FrameRecord(frame=int(data["frame"]), camera=camera, objects=tuple(objects),
                           keypoints=keypoints, shutter=data.get("shutter"))
    except (KeyError, TypeError, IndexError, ArithmeticError) as exc:
        raise ValueError(f"damaged blender-gt frame record ({exc!r})") from None


def _object_json(obj: ObjectRecord) -> dict:
    item = {"name": obj.name, "pass_index": int(obj.pass_index),
            "object_to_world": np.asarray(obj.object_to_world, dtype=np.float64).tolist()}
    if obj.bounds is not None:
        item["bounds"] = np.asarray(obj.bounds, dtype=np.float64).tolist()
    if obj.instance_of is not None:
        item["instance_of"] = obj.instance_of
    if obj.geometry is not None:
        item["geometry"] = obj.geometry
    return item


def _object_from_json(item: dict) -> ObjectRecord:
    matrix = np.array(item["object_to_world"], dtype=np.float64)
    if matrix.shape != (4, 4):
        raise ValueError(f"object matrix of shape {matrix.shape}")
    bounds = item.get("bounds")
    if bounds is not None:
        bounds = np.array(bounds, dtype=np.float64)
        if bounds.shape != (2, 3):
            raise ValueError(f"object bounds of shape {bounds.shape}")
    instance_of = item.get("instance_of")
    geometry = item.get("geometry")
    return ObjectRecord(name=str(item["name"]), pass_index=int(item["pass_index"]),
                        object_to_world=matrix, bounds=bounds,
                        instance_of=None if instance_of is None else str(instance_of),
                        geometry=None if geometry is None else str(geometry))
