# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``bop`` export's poses: each object's rigid BOP pose, and what to do with the
objects whose matrix is not rigid. No ``bpy``; ``plyfile`` to read and write models.

BOP poses are rigid (``cam_R_m2c`` a rotation, ``cam_t_m2c`` in mm) and a model is
one mesh in mm. An object's object-to-camera matrix ``[L | t]`` splits (polar
decomposition, by SVD) into ``L = R P``: R a rotation, P symmetric (the object's
scale, stretch and shear in its own axes; a mirror is a negative eigenvalue of P).

- The model ``obj_N.ply`` of pass index N is taken as the mesh at the scale ``s0`` of
  the obj_id's objects whose P is a uniform scale (the first such object seen, in
  frame order; ``s0 = 1`` when none is): ``P = s0 I`` is rigid, written as ``(R, t)``.
- Every other object (scaled non-uniformly, sheared, mirrored, or uniformly by
  another factor than ``s0``): with ``models``, its model is baked, ``P / s0`` applied
  to the vertices of ``obj_N.ply`` (triangles turned over when that mirrors), and
  written as a new model ``OUT/models/obj_M.ply`` (M from one above every pass index
  and model in use; one M for each distinct ``(N, P / s0)``), so its pose is
  ``(R, t)`` with obj_id M; without models (no mesh to bake), it is left out, and the
  summary names it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..reader import GroundTruthFrame
from .bop_models import model_path, read_model, write_model_ply
from .common import ExportError

__all__ = ["MM_PER_UNIT", "PosePlan", "plan_poses", "polar"]

MM_PER_UNIT = 1000.0  # scene units are metres
TOLERANCE = 1e-6  # relative: a uniform scale, the same scale, the same baked model
BAKED_FOLDER = "models"
_MODEL_NAME = re.compile(r"^obj_(\d+)\.ply$")


def polar(object_to_camera: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(R, t_mm, P)`` of a 4x4 object-to-camera matrix: R (3, 3) a rotation (det
    +1), t (3,) in mm, P (3, 3) symmetric with ``L = R P`` (L the matrix's 3x3).

    Raises:
        ExportError: the matrix is not finite.
    """
    m = np.asarray(object_to_camera, dtype=np.float64)
    if not np.isfinite(m).all():
        raise ExportError("an object's matrix is not finite")
    u, sigma, vt = np.linalg.svd(m[:3, :3])
    flip = np.diag([1.0, 1.0, np.sign(np.linalg.det(u @ vt)) or 1.0])
    rotation = u @ flip @ vt
    stretch = vt.T @ flip @ np.diag(sigma) @ vt
    return rotation, m[:3, 3] * MM_PER_UNIT, (stretch + stretch.T) / 2


def uniform(stretch: np.ndarray) -> float | None:
    """The factor s when ``stretch`` is ``s I`` with s > 0 (within :data:`TOLERANCE`),
    else None."""
    s = float(np.trace(stretch)) / 3
    if s > 0 and np.abs(stretch - s * np.eye(3)).max() <= TOLERANCE * s:
        return s
    return None


@dataclass
class PosePlan:
    """Each frame's ``{pose id: (obj_id, R row-major (9,), t_mm (3,), models folder)}``
    (objects left out are absent), and what the summary says."""

    poses: list[dict[int, tuple[int, list[float], list[float], str]]] = field(
        default_factory=list)
    skipped: set[str] = field(default_factory=set)  # pass index 0
    scaled: set[str] = field(default_factory=set)  # uniform scale != 1, taken out
    left_out: set[str] = field(default_factory=set)  # not rigid, no models to bake
    baked: dict[str, int] = field(default_factory=dict)  # name -> new obj_id
    files: list[Path] = field(default_factory=list)  # baked models written

    def notes(self) -> dict[str, int]:
        notes: dict[str, int] = {}
        if self.skipped:
            notes["objects with pass index 0 (no obj_id) left out"] = len(self.skipped)
        if self.scaled:
            notes["objects with a uniform scale != 1 (taken out of cam_R_m2c)"] = len(
                self.scaled)
        if self.left_out:
            names = ", ".join(sorted(self.left_out))
            notes["objects left out, their pose not rigid (scaled non-uniformly, sheared, "
                  "mirrored or unlike their obj_id's scale; --models bakes the scale into "
                  f"a model): {names}"] = len(self.left_out)
        if self.baked:
            names = ", ".join(f"{n} -> obj_id {i}" for n, i in sorted(self.baked.items()))
            notes[f"objects whose scale was baked into a new model in {BAKED_FOLDER}/ "
                  f"(copy them to the dataset's models): {names}"] = len(self.baked)
        return notes


def _model_ids(models: str) -> list[int]:
    return [int(m[1]) for p in Path(models).iterdir() if (m := _MODEL_NAME.match(p.name))]


def plan_poses(frames: list[GroundTruthFrame], models: str | None,
               out: Path) -> PosePlan:
    """The poses of every frame (headers only), baked models written into
    ``out/models`` when ``models`` is given (a folder of ``obj_NNNNNN.ply``).

    Raises:
        ExportError: a model the export needs is missing; a matrix is not finite.
    """
    plan = PosePlan()
    reference: dict[int, float] = {}  # obj_id -> s0
    decomposed = []
    for frame in frames:
        rows = []
        for pose in frame.poses.values():
            if pose.pass_index <= 0:
                plan.skipped.add(pose.name)
                continue
            try:
                rotation, t_mm, stretch = polar(pose.object_to_camera)
            except ExportError as exc:
                raise ExportError(f"{frame.path}: {pose.name}: {exc}") from None
            s = uniform(stretch)
            if s is not None:
                reference.setdefault(pose.pass_index, s)
            rows.append((pose, rotation, t_mm, stretch, s))
        decomposed.append(rows)
    in_use = {pose.pass_index for rows in decomposed for pose, *_ in rows}
    if models:
        for obj_id in sorted(in_use):
            if not model_path(models, obj_id).is_file():
                raise ExportError(f"{model_path(models, obj_id)}: no model for obj_id "
                                  f"{obj_id}")
    next_id = max([*in_use, *(_model_ids(models) if models else [])], default=0) + 1
    bakes: dict[int, list[tuple[np.ndarray, int]]] = {}  # obj_id -> [(P / s0, new id)]
    source = str(Path(models).resolve()) if models else ""
    for rows in decomposed:
        entries = {}
        for pose, rotation, t_mm, stretch, s in rows:
            s0 = reference.get(pose.pass_index, 1.0)
            if s is not None and abs(s - s0) <= TOLERANCE * s0:
                if abs(s - 1) > TOLERANCE:
                    plan.scaled.add(pose.name)
                entries[pose.id] = (int(pose.pass_index), rotation.ravel().tolist(),
                                    t_mm.tolist(), source)
                continue
            if not models:
                plan.left_out.add(pose.name)
                continue
            relative = stretch / s0
            known = bakes.setdefault(pose.pass_index, [])
            found = [i for p, i in known
                     if np.abs(p - relative).max() <= TOLERANCE * np.abs(relative).max()]
            if found:
                new_id = found[0]
            else:
                new_id, next_id = next_id, next_id + 1
                known.append((relative, new_id))
                plan.files.append(_bake(models, pose.pass_index, relative, out, new_id))
            plan.baked.setdefault(pose.name, new_id)
            entries[pose.id] = (new_id, rotation.ravel().tolist(), t_mm.tolist(),
                                str((out / BAKED_FOLDER).resolve()))
        plan.poses.append(entries)
    return plan


def _bake(models: str, obj_id: int, stretch: np.ndarray, out: Path, new_id: int) -> Path:
    """Write ``out/models/obj_<new_id>.ply``: model ``obj_id`` with ``stretch`` applied
    to its vertices (triangles turned over when it mirrors, so normals face out)."""
    vertices, faces = read_model(model_path(models, obj_id))
    if np.linalg.det(stretch) < 0:
        faces = faces[:, ::-1]
    folder = out / BAKED_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return write_model_ply(model_path(folder, new_id), vertices @ stretch.T, faces)
