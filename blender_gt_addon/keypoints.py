# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Keypoints: what the frame record holds, and their 2D/3D positions and exact
visibility in one frame. No ``bpy``.

**Sources** (chosen in the panel, ``scene.groundtruth.keypoints``; recorded per frame
at render time by :mod:`blender_gt_addon.blender.keypoints`, as float64 world
coordinates of the frame Blender rendered):

- ``BONES``: each armature's **deforming** bones (``use_deform``), two keypoints a
  bone, ``"<bone>:head"`` and ``"<bone>:tail"``, from the evaluated pose; the
  skeleton: each bone's head to its tail, and its nearest deforming ancestor's tail to
  its head. The set is named after the armature; its *bodies* are the rendered objects
  whose Armature modifier uses it or whose parent it is.
- ``EMPTIES``: each empty whose parent is an object (e.g. a ``nose`` empty parented to
  a head), one keypoint named after the empty at the empty's evaluated origin. It
  joins its parent's set (an armature's, when parented to one or to one of its bones).
- ``GROUPS``: for each vertex group named in ``keypoint_groups`` (comma-separated),
  each mesh object holding it gives one keypoint named after the group: the group's
  **weighted centre**, ``sum(w_i p_i) / sum(w_i)`` over its vertices ``p_i`` of the
  evaluated mesh (after shape keys, armatures and modifiers that keep the vertex
  count), in world coordinates. A single vertex of weight 1 is that vertex exactly.

``keypoint_names`` (comma-separated, settable from scripts) keeps only the keypoints
so named (bones by their bone name, which keeps both ends); empty keeps all.

**Record** (an item of the frame record's ``"keypoints"`` list)::

    {"object": "Armature", "bodies": ["Body"], "names": ["Arm:head", ...],
     "skeleton": [[0, 1], ...], "world": [[x, y, z], ...]}

``skeleton`` holds 0-based index pairs into ``names``; ``world`` float64 scene units.

**Per keypoint and frame** (:func:`locate`):

- ``uv``: (K, 2) float64 pixels, OpenCV convention as everywhere in blender-gt
  (docs/conventions.md): **integer coordinates are pixel centres**, pixel (col, row)
  covers ``[col - 0.5, col + 0.5] x [row - 0.5, row + 0.5]``; its pixel is
  ``floor(uv + 0.5)``. COCO's keypoint x/y use the same numbers (pixel indices,
  centre at integer coordinates, as detectron2 reads them before adding 0.5).
- ``camera``: (K, 3) float64 OpenCV camera axes (x right, y down, z forward);
  ``world``: (K, 3) float64 Blender world axes (z up).
- Layers, each (K,) bool: ``in_image`` (in front of the camera, z > clip start, and its
  pixel inside the image); ``visible``: in the image and nothing in front of it at its
  pixel (the rendered planar depth ``d`` there is not nearer than the keypoint's own
  depth ``z`` by more than the tolerance ``t``); ``on_surface``: in the image, the
  rendered ``instance_id`` at its pixel is one of its own bodies and ``|d - z| <= t``
  (the pixel sees the very surface the keypoint is on); ``occluded_other``: in the
  image and ``d < z - t`` with another object (or a copy) at the pixel;
  ``occluded_self``: ``d < z - t`` with one of its own bodies at the pixel (a bone
  behind the body, and a joint centre inside the body, which is not visible though its
  body is what the pixel sees); ``out_of_view`` = not ``in_image``. ``occluder``: the
  instance id seen at the pixel (0: nothing, or out of view).
- Tolerance: ``t = depth_tolerance * z + filter_reach * s``, where ``s`` (scene units
  per pixel) is the larger of the two one-sided depth differences to the 4-neighbours
  showing the same object as the pixel (a jump of more than half the depth is an edge,
  not a slope), summed over both axes: the keypoint lies up to 0.71 px from the pixel
  centre, and Cycles' first sample (which depth is) up to the filter's reach from it.
  Defaults 1 % and 1.5 px. A keypoint within ``t`` of a surface in front of it counts
  as visible: on a face seen at a grazing angle, depth cannot tell more finely.
- COCO ``v``: 2 visible, 1 in the image but occluded (by another object or itself),
  0 out of view (not labelled, x = y = 0 in COCO files).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_DEPTH_TOLERANCE", "DEFAULT_FILTER_REACH", "SOURCES", "KeypointSet",
           "Located", "locate", "parse", "to_json", "visibility"]

SOURCES = ("BONES", "EMPTIES", "GROUPS")
DEFAULT_DEPTH_TOLERANCE = 0.01  # of the keypoint's depth
DEFAULT_FILTER_REACH = 1.5  # pixels
_JUMP = 0.5  # a neighbour's depth this much (relative) away: an edge, not a slope
# Bounds on a recorded set, so a damaged header cannot ask for unbounded work.
_MAX_POINTS = 1 << 20
_MAX_NAME = 4096


@dataclass(frozen=True)
class KeypointSet:
    """One object's keypoints in one frame, as recorded.

    Attributes:
        object: the armature, or the object the empties / vertex groups belong to.
        bodies: names of the rendered objects that are its body (an armature's
            deformed meshes; the object itself for a mesh).
        names: (K,) keypoint names.
        skeleton: (E, 2) int64, 0-based index pairs into ``names``.
        world: (K, 3) float64 world positions (Blender axes, scene units).
    """

    object: str
    bodies: tuple[str, ...]
    names: tuple[str, ...]
    skeleton: np.ndarray
    world: np.ndarray


def to_json(item: KeypointSet) -> dict:
    """The record entry of ``item`` (float64 at full precision)."""
    world = np.asarray(item.world, dtype=np.float64).reshape(-1, 3)
    if not np.isfinite(world).all():
        raise ValueError(f"keypoints of {item.object!r} are not finite")
    return {"object": item.object, "bodies": list(item.bodies), "names": list(item.names),
            "skeleton": np.asarray(item.skeleton, dtype=np.int64).reshape(-1, 2).tolist(),
            "world": world.tolist()}


def _text(value, what: str) -> str:
    if not isinstance(value, str) or len(value) > _MAX_NAME:
        raise ValueError(f"{what} is not a string of at most {_MAX_NAME} characters")
    return value


def parse(raw) -> list[KeypointSet]:
    """The keypoint sets of the frame record's ``"keypoints"`` entry (a list of JSON
    objects as :func:`to_json` writes them).

    Raises:
        ValueError: a wrong type, shape, a non-finite number or an index out of range
            (the reader turns it into ``GroundTruthError`` naming the file).
    """
    if not isinstance(raw, list | tuple):
        raise ValueError("keypoints: not a list")
    found = []
    total = 0
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError("keypoints: an entry that is not an object")
        name = _text(item.get("object"), "keypoints: object")
        bodies, names = item.get("bodies", []), item.get("names")
        if not isinstance(bodies, list) or not isinstance(names, list):
            raise ValueError(f"keypoints of {name!r}: bodies or names not a list")
        total += len(names)
        if total > _MAX_POINTS:
            raise ValueError(f"keypoints: more than {_MAX_POINTS}")
        bodies = tuple(_text(b, "keypoints: body") for b in bodies)
        names = tuple(_text(n, "keypoints: name") for n in names)
        world = _array(item.get("world"), (len(names), 3), np.float64, name, "world")
        if not np.isfinite(world).all():
            raise ValueError(f"keypoints of {name!r}: world not finite")
        edges = item.get("skeleton", [])
        if not isinstance(edges, list) or len(edges) > 4 * len(names) + 4:
            raise ValueError(f"keypoints of {name!r}: skeleton not a list of pairs")
        skeleton = _array(edges, (len(edges), 2), np.float64, name, "skeleton")
        if skeleton.size and (np.any(skeleton != np.round(skeleton)) or skeleton.min() < 0
                              or skeleton.max() >= len(names)):
            raise ValueError(f"keypoints of {name!r}: skeleton index out of range")
        found.append(KeypointSet(object=name, bodies=bodies, names=names,
                                 skeleton=skeleton.astype(np.int64).reshape(-1, 2),
                                 world=world.reshape(-1, 3)))
    return found


def _array(value, shape, dtype, name: str, what: str) -> np.ndarray:
    if not isinstance(value, list) or len(value) != shape[0]:
        raise ValueError(f"keypoints of {name!r}: {what} is not a list of {shape[0]}")
    for row in value:
        if (not isinstance(row, list) or len(row) != shape[1]
                or not all(isinstance(x, int | float) and not isinstance(x, bool)
                           for x in row)):
            raise ValueError(f"keypoints of {name!r}: {what} rows are not {shape[1]} numbers")
    return np.array(value, dtype=dtype).reshape(shape)


@dataclass(frozen=True)
class Located:
    """One keypoint set in one frame: positions and visibility (module docstring).

    Arrays have K rows, one per keypoint in ``names``' order.
    """

    object: str
    ids: tuple[int, ...]  # instance ids of its bodies in this frame
    names: tuple[str, ...]
    skeleton: np.ndarray  # (E, 2) int64, 0-based
    world: np.ndarray  # (K, 3) float64
    camera: np.ndarray  # (K, 3) float64, OpenCV camera axes
    uv: np.ndarray  # (K, 2) float64 pixels, integers at pixel centres; NaN behind
    in_image: np.ndarray
    visible: np.ndarray
    on_surface: np.ndarray
    occluded_other: np.ndarray
    occluded_self: np.ndarray
    occluder: np.ndarray  # (K,) int64 instance id seen at the pixel, 0 out of view
    tolerance: np.ndarray  # (K,) float64 the depth tolerance t used (scene units)

    @property
    def out_of_view(self) -> np.ndarray:
        return ~self.in_image

    @property
    def v(self) -> np.ndarray:
        """(K,) uint8 COCO flags: 2 visible, 1 in the image but occluded, 0 out of view."""
        return np.where(self.visible, 2, np.where(self.in_image, 1, 0)).astype(np.uint8)


def _slope(depth: np.ndarray, ids: np.ndarray, rows, cols) -> np.ndarray:
    """Per pixel (rows, cols): depth change per pixel, summed over both axes, each
    the larger one-sided difference to a neighbour showing the same id (edges excluded)."""
    height, width = depth.shape
    here = depth[rows, cols]
    total = np.zeros(rows.shape)
    for dr, dc in (((-1, 0), (1, 0)), ((0, -1), (0, 1))):
        best = np.zeros(rows.shape)
        for step_r, step_c in (dr, dc):
            r, c = rows + step_r, cols + step_c
            inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
            r, c = np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)
            there = depth[r, c]
            with np.errstate(invalid="ignore"):
                difference = np.abs(there - here)
                usable = (inside & (ids[r, c] == ids[rows, cols]) & np.isfinite(there)
                          & np.isfinite(here) & (difference <= _JUMP * np.abs(here)))
            best = np.maximum(best, np.where(usable, difference, 0.0))
        total += best
    return total


def visibility(uv, z, own, depth, ids, *, clip_start: float = 0.0,
               depth_tolerance: float = DEFAULT_DEPTH_TOLERANCE,
               filter_reach: float = DEFAULT_FILTER_REACH) -> dict[str, np.ndarray]:
    """The visibility layers (module docstring) of K keypoints.

    Parameters:
        uv: (K, 2) pixels; z: (K,) planar depth (camera z, scene units);
        own: K sets of instance ids (each keypoint's bodies);
        depth: (H, W) the rendered planar depth (``inf`` where nothing was hit);
        ids: (H, W) the rendered ``instance_id`` (0 background).

    Returns:
        ``{"in_image", "visible", "on_surface", "occluded_other", "occluded_self"}``
        (K,) bool, ``"occluder"`` (K,) int64, ``"tolerance"`` (K,) float64.
    """
    uv = np.asarray(uv, dtype=np.float64).reshape(-1, 2)
    z = np.asarray(z, dtype=np.float64).reshape(-1)
    height, width = depth.shape
    count = len(z)
    with np.errstate(invalid="ignore"):
        pixel = np.floor(uv + 0.5)
        in_image = (np.isfinite(uv).all(axis=-1) & (z > max(clip_start, 0.0))
                    & (pixel[:, 0] >= 0) & (pixel[:, 0] < width)
                    & (pixel[:, 1] >= 0) & (pixel[:, 1] < height))
    result = {key: np.zeros(count, dtype=bool) for key in
              ("visible", "on_surface", "occluded_other", "occluded_self")}
    result["in_image"] = in_image
    result["occluder"] = np.zeros(count, dtype=np.int64)
    result["tolerance"] = np.full(count, np.nan)
    index = np.flatnonzero(in_image)
    if not index.size:
        return result
    cols, rows = pixel[index, 0].astype(np.intp), pixel[index, 1].astype(np.intp)
    rendered = np.asarray(depth, dtype=np.float64)
    d = rendered[rows, cols]
    seen = np.asarray(ids)[rows, cols].astype(np.int64)
    mine = np.array([int(seen[n]) in own[k] and seen[n] > 0 for n, k in enumerate(index)],
                    dtype=bool)
    tolerance = depth_tolerance * z[index] + filter_reach * _slope(rendered, ids, rows, cols)
    with np.errstate(invalid="ignore"):
        nearer = np.isfinite(d) & (d < z[index] - tolerance)
        close = np.isfinite(d) & (np.abs(d - z[index]) <= tolerance)
    result["visible"][index] = ~nearer
    result["on_surface"][index] = mine & close
    result["occluded_self"][index] = nearer & mine
    result["occluded_other"][index] = nearer & ~mine
    result["occluder"][index] = seen
    result["tolerance"][index] = tolerance
    return result


def locate(item: KeypointSet, camera, name_to_id: dict[str, int], depth=None, ids=None,
           **options) -> Located:
    """``item``'s keypoints in a frame seen by ``camera`` (``blender_gt_addon.camera
    .Camera``): positions always, visibility from the frame's rendered ``depth`` and
    ``ids`` (both (H, W); without them every visibility layer but ``in_image`` is
    False). ``name_to_id``: object name -> instance id in this frame (its bodies)."""
    world = np.asarray(item.world, dtype=np.float64).reshape(-1, 3)
    w2c = np.asarray(camera.world_to_camera, dtype=np.float64)
    cam = world @ w2c[:3, :3].T + w2c[:3, 3]
    if camera.type not in ("PERSP", "ORTHO"):
        raise ValueError(f"keypoints need a pinhole or orthographic camera, not {camera.type}")
    with np.errstate(divide="ignore", invalid="ignore"):
        uv = camera.project(world) if len(world) else np.zeros((0, 2))
    if camera.type == "PERSP":
        uv[cam[:, 2] <= 0] = np.nan  # behind the camera: no pixel
    own_ids = tuple(sorted(name_to_id[b] for b in item.bodies if b in name_to_id))
    own = [frozenset(own_ids)] * len(world)
    if depth is not None and ids is not None:
        layers = visibility(uv, cam[:, 2], own, depth, ids, clip_start=camera.clip_start,
                            **options)
    else:
        blank = visibility(uv, cam[:, 2], own, np.full((camera.height, camera.width), np.inf),
                           np.zeros((camera.height, camera.width), dtype=np.int64),
                           clip_start=camera.clip_start)
        layers = {k: (v if k == "in_image" else np.zeros_like(v)) for k, v in blank.items()}
    return Located(object=item.object, ids=own_ids, names=item.names,
                   skeleton=item.skeleton, world=world, camera=cam, uv=uv, **layers)

