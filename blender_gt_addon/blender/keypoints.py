# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Collect the keypoints of the frame being recorded (:func:`keypoints_now`).

Called by :mod:`.metadata` on the main thread with the frame already evaluated (an F12
render's frames wait for the main thread there, never evaluated on the render thread).
The sources, the names and the skeleton are those of :mod:`blender_gt_addon.keypoints`;
positions are the evaluated data of this frame (pose bones, empties' ``matrix_world``,
the evaluated mesh's vertices), multiplied out in float64.
"""

from __future__ import annotations

import sys

import numpy as np

from .. import keypoints as core

# Object types Cycles renders (a keypoint set's body is one of them).
_RENDERED = {"MESH", "CURVE", "SURFACE", "META", "FONT", "CURVES", "POINTCLOUD", "VOLUME"}


def _names(text: str) -> set[str]:
    return {part.strip() for part in text.split(",") if part.strip()}


def wanted(settings) -> bool:
    """Whether the settings ask for any keypoints."""
    return bool(set(settings.keypoints))


def _matrix(value) -> np.ndarray:
    return np.array([list(row) for row in value], dtype=np.float64)


def _apply(matrix: np.ndarray, point) -> list[float]:
    return (matrix[:3, :3] @ np.array(tuple(point), dtype=np.float64) + matrix[:3, 3]).tolist()


class _Set:
    def __init__(self, name: str, bodies: list[str]):
        self.name, self.bodies = name, bodies
        self.names: list[str] = []
        self.world: list[list[float]] = []
        self.skeleton: list[tuple[int, int]] = []

    def add(self, name: str, world: list[float]) -> int:
        self.names.append(name)
        self.world.append(world)
        return len(self.names) - 1

    def done(self) -> core.KeypointSet:
        return core.KeypointSet(object=self.name, bodies=tuple(self.bodies),
                                names=tuple(self.names),
                                skeleton=np.array(self.skeleton, dtype=np.int64).reshape(-1, 2),
                                world=np.array(self.world, dtype=np.float64).reshape(-1, 3))


def _bodies_of_armature(armature, objects) -> list[str]:
    """The rendered objects deformed by ``armature`` (an Armature modifier using it) or
    parented to it (to the armature or one of its bones: rigid parts of the body)."""
    found = []
    for obj in objects:
        if obj.type not in _RENDERED or obj.hide_render:
            continue
        if obj.parent == armature or any(m.type == "ARMATURE" and m.object == armature
                                         for m in obj.modifiers):
            found.append(obj.name)
    return found


def _bones(target: _Set, evaluated, keep: set[str]) -> None:
    matrix = _matrix(evaluated.matrix_world)
    bones = evaluated.pose.bones
    ends: dict[str, tuple[int, int]] = {}
    for pose_bone in bones:
        bone = pose_bone.bone
        if not bone.use_deform or (keep and bone.name not in keep):
            continue
        head = target.add(f"{bone.name}:head", _apply(matrix, pose_bone.head))
        tail = target.add(f"{bone.name}:tail", _apply(matrix, pose_bone.tail))
        ends[bone.name] = (head, tail)
        target.skeleton.append((head, tail))
    for pose_bone in bones:
        if pose_bone.bone.name not in ends:
            continue
        parent = pose_bone.bone.parent
        while parent is not None and parent.name not in ends:
            parent = parent.parent
        if parent is not None:
            target.skeleton.append((ends[parent.name][1], ends[pose_bone.bone.name][0]))


def _group_centre(obj, evaluated, group_index: int) -> list[float] | None:
    """World position of the weighted centre of a vertex group, or None when the group
    has no vertex of positive weight or the modifiers changed the vertex count."""
    original = obj.data.vertices
    mesh = evaluated.data
    if len(mesh.vertices) != len(original):
        print(f"blender-gt: keypoint group of {obj.name!r} skipped: its modifiers change "
              "the vertex count", file=sys.stderr, flush=True)
        return None
    indices, weights = [], []
    for vertex in original:
        for element in vertex.groups:
            if element.group == group_index and element.weight > 0:
                indices.append(vertex.index)
                weights.append(element.weight)
    if not indices:
        return None
    coordinates = np.empty(len(mesh.vertices) * 3, dtype=np.float32)
    mesh.vertices.foreach_get("co", coordinates)
    points = coordinates.reshape(-1, 3)[indices].astype(np.float64)
    w = np.array(weights, dtype=np.float64)
    centre = (w[:, None] * points).sum(axis=0) / w.sum()
    return _apply(_matrix(evaluated.matrix_world), centre)


def keypoints_now(scene, layer, depsgraph) -> list[dict]:
    """The frame record's ``"keypoints"`` entry for the frame as evaluated now
    (empty when the settings ask for none)."""
    settings = scene.groundtruth
    sources = set(settings.keypoints)
    if not sources:
        return []
    keep = _names(settings.keypoint_names)
    groups = _names(settings.keypoint_groups)
    objects = list(layer.objects)
    sets: dict[str, _Set] = {}

    def set_of(obj) -> _Set:
        if obj.name not in sets:
            if obj.type == "ARMATURE":
                bodies = _bodies_of_armature(obj, objects)
            else:
                bodies = [obj.name] if obj.type in _RENDERED else []
            sets[obj.name] = _Set(obj.name, bodies)
        return sets[obj.name]

    for obj in objects:
        if obj.type == "ARMATURE" and "BONES" in sources and not obj.hide_render:
            _bones(set_of(obj), obj.evaluated_get(depsgraph), keep)
    if "EMPTIES" in sources:
        for obj in objects:
            if obj.type != "EMPTY" or obj.parent is None or (keep and obj.name not in keep):
                continue
            evaluated = obj.evaluated_get(depsgraph)
            set_of(obj.parent).add(obj.name, _matrix(evaluated.matrix_world)[:3, 3].tolist())
    if "GROUPS" in sources and groups:
        for obj in objects:
            if obj.type != "MESH" or obj.hide_render:
                continue
            for group in obj.vertex_groups:
                if group.name not in groups or (keep and group.name not in keep):
                    continue
                centre = _group_centre(obj, obj.evaluated_get(depsgraph), group.index)
                if centre is not None:
                    set_of(obj).add(group.name, centre)
    return [core.to_json(s.done()) for s in sets.values() if s.names]
