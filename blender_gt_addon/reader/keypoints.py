# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A frame's keypoints (``gt.keypoints``): the recorded sets of the frame record, their
positions and exact visibility (:mod:`blender_gt_addon.keypoints`). No ``bpy``."""

from __future__ import annotations

import numpy as np

from .. import keypoints as core
from . import records
from .errors import GroundTruthError

__all__ = ["frame_errors", "keypoint_arrays", "keypoints_json", "keypoints_of",
           "recorded_sets"]


def recorded_sets(frame) -> list[core.KeypointSet]:
    """The keypoint sets the frame's record holds, as recorded (header only: no
    positions projected, no pixels decoded); empty when it records none.

    Raises:
        GroundTruthError: a damaged keypoint record.
    """
    record = frame._record()
    if record is None or record.keypoints == ():
        return []
    with records.reading(frame.path, "keypoints record"):
        raw = record.keypoints
        return core.parse(list(raw) if isinstance(raw, tuple) else raw)


def keypoints_of(frame, *, depth_tolerance: float = core.DEFAULT_DEPTH_TOLERANCE,
                 filter_reach: float = core.DEFAULT_FILTER_REACH) -> dict[str, core.Located]:
    """``{object name: Located}`` for every keypoint set the frame records (empty when
    it records none). Positions come from the header alone; the visibility layers
    decode ``depth`` and ``instance_id``.

    Raises:
        GroundTruthError: a damaged keypoint record; keypoints without a camera (or with
            a panoramic one); or without the ``depth`` and ``instance_id`` outputs that
            visibility needs.
    """
    sets = recorded_sets(frame)
    if not sets:
        return {}
    camera = frame.camera
    if camera is None or camera.type not in ("PERSP", "ORTHO"):
        raise GroundTruthError(f"{frame.path}: keypoints need a pinhole or orthographic "
                               "camera in the header")
    missing = [name for name, layer in (("depth", "depth"),
                                        ("instance_id", "cryptomatte_object"))
               if layer not in frame.passes]
    if missing:
        raise GroundTruthError(f"{frame.path}: has no {' or '.join(missing)} output, which "
                               "keypoint visibility needs")
    ids = frame.instance_id
    name_to_id = {pose.name: key for key, pose in frame.poses.items()}
    depth = frame.depth
    return {item.object: core.locate(item, camera, name_to_id, depth, ids,
                                     depth_tolerance=depth_tolerance,
                                     filter_reach=filter_reach)
            for item in sets}


def keypoint_arrays(frame) -> dict[str, np.ndarray]:
    """The frame's keypoints as flat arrays for the array exports (npz, hdf5): every
    set's keypoints one after the other, K in all (empty dict when the frame records
    none or lacks ``depth`` or ``instance_id``):

    ``keypoint_object``, ``keypoint_name`` (K,) str; ``keypoint_uv`` (K, 2) float64
    pixels (integers at pixel centres, NaN behind the camera); ``keypoint_world``,
    ``keypoint_camera`` (K, 3) float64; ``keypoint_v`` (K,) uint8 (COCO);
    ``keypoint_in_image``, ``keypoint_visible``, ``keypoint_on_surface``,
    ``keypoint_occluded_other``, ``keypoint_occluded_self`` (K,) bool;
    ``keypoint_skeleton`` (E, 2) int64, 0-based indices into these K rows.
    """
    if not {"depth", "cryptomatte_object"} <= set(frame.passes):
        return {}
    found = keypoints_of(frame)
    if not found:
        return {}
    sets = list(found.values())
    starts = np.cumsum([0] + [len(s.names) for s in sets])
    layers = ("in_image", "visible", "on_surface", "occluded_other", "occluded_self")
    arrays = {
        "keypoint_object": np.array([s.object for s in sets for _ in s.names], dtype=str),
        "keypoint_name": np.array([n for s in sets for n in s.names], dtype=str),
        "keypoint_uv": np.concatenate([s.uv for s in sets]).astype(np.float64),
        "keypoint_world": np.concatenate([s.world for s in sets]),
        "keypoint_camera": np.concatenate([s.camera for s in sets]),
        "keypoint_v": np.concatenate([s.v for s in sets]),
        **{f"keypoint_{layer}": np.concatenate([getattr(s, layer) for s in sets])
           for layer in layers},
        "keypoint_skeleton": np.concatenate(
            [s.skeleton + start for s, start in zip(sets, starts, strict=False)]
        ).astype(np.int64).reshape(-1, 2),
    }
    return arrays


def frame_errors(frame, *, filter_reach: float = core.DEFAULT_FILTER_REACH):
    """``(object, keypoint, error, bound, checked)`` of each in-view keypoint of ``frame``:
    ``error`` the distance (scene units) from its world position to the ``position``
    pass at its pixel, ``bound`` = (its distance from the pixel centre + the filter
    reach) x one pixel's size at its depth + the depth tolerance ``t``; ``checked``
    when it is on the surface its pixel sees and that pixel has a position.

    Raises:
        GroundTruthError: the frame has no ``position`` output.
    """
    if "position" not in frame.passes:
        raise GroundTruthError(f"{frame.path}: has no position output, which checking "
                               "keypoints needs")
    found = keypoints_of(frame, filter_reach=filter_reach)
    if not found:
        return []
    camera = frame.camera
    position = frame.position
    # One pixel's size in scene units: per unit of depth (pinhole) or flat (orthographic).
    pixel_size = 1.0 / float(np.sqrt(camera.K[0, 0] * camera.K[1, 1]))
    perspective = camera.type != "ORTHO"
    rows = []
    for located in found.values():
        for k, name in enumerate(located.names):
            if not located.in_image[k]:
                continue
            pixel = np.floor(located.uv[k] + 0.5)
            seen = position[int(pixel[1]), int(pixel[0])].astype(np.float64)
            z = located.camera[k, 2]
            off = float(np.hypot(*(located.uv[k] - pixel)))
            size = pixel_size * (z if perspective else 1.0)
            bound = (off + filter_reach) * size + float(located.tolerance[k])
            error = float(np.linalg.norm(located.world[k] - seen))
            checked = bool(located.on_surface[k]) and bool(np.isfinite(seen).all())
            rows.append((located.object, name, error, bound, checked))
    return rows


def keypoints_json(frame) -> dict | None:
    """The frame's keypoints as JSON-able data (WebDataset's ``keypoints.json``), or
    ``None`` when it records none or lacks ``depth`` or ``instance_id``:
    ``{object: {"names", "skeleton" (0-based), "uv" ([x, y] pixels, integers at pixel
    centres; null behind the camera), "world", "camera" ([x, y, z]), "v" (COCO),
    "visibility" ("visible", "occluded_other", "occluded_self", "out_of_view"),
    "on_surface"}}``."""
    if not {"depth", "cryptomatte_object"} <= set(frame.passes):
        return None
    found = keypoints_of(frame)
    if not found:
        return None
    data = {}
    for obj, located in found.items():
        states = np.where(located.occluded_other, "occluded_other",
                          np.where(located.occluded_self, "occluded_self", "visible"))
        states = np.where(located.in_image, states, "out_of_view")
        data[obj] = {
            "names": list(located.names), "skeleton": located.skeleton.tolist(),
            "uv": [p.tolist() if np.isfinite(p).all() else None for p in located.uv],
            "world": located.world.tolist(), "camera": located.camera.tolist(),
            "v": located.v.tolist(), "visibility": states.tolist(),
            "on_surface": located.on_surface.tolist()}
    return data
