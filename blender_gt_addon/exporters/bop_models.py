# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""BOP object models: ``models/obj_NNNNNN.ply``, triangle meshes in millimetres.
No ``bpy``; ``plyfile`` to read.

BOP's models are PLY files whose vertices are in mm in the model's own axes (z up
when the object stands upright; BOP puts the origin at the centre of the 3D bounding
box, which this module does not enforce), triangles only, with vertex normals
(``bop_datasets_format.md``). ``obj_id`` N names ``obj_{N:06d}.ply``.

For a Blender object, the model is its mesh in object coordinates times 1000 (metres
to mm) times the object's scale: ``cam_t_m2c``/``cam_R_m2c`` of the ``bop`` export
then map model points to camera points in mm.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

__all__ = ["model_path", "read_model", "triangles", "vertex_normals", "write_model_ply"]


def model_path(models: str | os.PathLike[str], obj_id: int) -> Path:
    """``models/obj_NNNNNN.ply`` of ``obj_id``."""
    return Path(models) / f"obj_{int(obj_id):06d}.ply"


def triangles(faces) -> np.ndarray:
    """(F', 3) int64 triangles of polygons (a list of index lists, or an (F, k)
    array), each polygon split into a fan around its first vertex."""
    out = []
    for face in faces:
        face = [int(i) for i in face]
        out.extend((face[0], face[i], face[i + 1]) for i in range(1, len(face) - 1))
    return np.array(out, dtype=np.int64).reshape(-1, 3)


def vertex_normals(vertices: np.ndarray, faces: np.ndarray) -> np.ndarray:
    """(N, 3) float64 unit vertex normals: the sum of the incident faces' unit normals,
    each weighted by the face's angle at the vertex (as BOP's models, computed with
    MeshLab). (0, 0, 0) for a vertex of no face. Counter-clockwise faces (seen from
    outside) give outward normals."""
    v = np.asarray(vertices, dtype=np.float64)
    f = np.asarray(faces, dtype=np.int64).reshape(-1, 3)
    corners = v[f]  # (F, 3, 3)
    normal = np.cross(corners[:, 1] - corners[:, 0], corners[:, 2] - corners[:, 0])
    length = np.linalg.norm(normal, axis=1, keepdims=True)
    normal = np.divide(normal, length, out=np.zeros_like(normal), where=length > 0)
    out = np.zeros_like(v)
    for k in range(3):
        e1 = corners[:, (k + 1) % 3] - corners[:, k]
        e2 = corners[:, (k + 2) % 3] - corners[:, k]
        cos = np.einsum("ij,ij->i", e1, e2) / np.maximum(
            np.linalg.norm(e1, axis=1) * np.linalg.norm(e2, axis=1), 1e-300)
        angle = np.arccos(np.clip(cos, -1.0, 1.0))
        np.add.at(out, f[:, k], normal * angle[:, None])
    length = np.linalg.norm(out, axis=1, keepdims=True)
    return np.divide(out, length, out=np.zeros_like(out), where=length > 0)


def write_model_ply(path: str | os.PathLike[str], vertices_mm, faces) -> Path:
    """Write a BOP model: ASCII PLY, ``x y z nx ny nz`` float per vertex and
    ``vertex_indices`` (uchar count, int indices) per triangle, as BOP ships them.

    Parameters:
        path: the file (``models/obj_NNNNNN.ply``; see :func:`model_path`).
        vertices_mm: (N, 3) vertex coordinates in mm, model axes.
        faces: polygons as index lists or an (F, k) array; split into triangles.

    Returns:
        ``path`` as a :class:`~pathlib.Path`.
    """
    path = Path(path)
    v = np.asarray(vertices_mm, dtype=np.float64).reshape(-1, 3)
    tri = triangles(faces)
    if tri.size and (tri.min() < 0 or tri.max() >= len(v)):
        raise ValueError(f"face indices outside the {len(v)} vertices")
    normals = vertex_normals(v, tri)
    lines = ["ply", "format ascii 1.0", "comment blender-gt BOP model, units mm",
             f"element vertex {len(v)}", "property float x", "property float y",
             "property float z", "property float nx", "property float ny",
             "property float nz", f"element face {len(tri)}",
             "property list uchar int vertex_indices", "end_header"]
    lines += [" ".join(f"{x:.9g}" for x in row) for row in np.hstack([v, normals])]
    lines += [f"3 {a} {b} {c}" for a, b, c in tri]
    path.write_text("\n".join(lines) + "\n")
    return path


def read_model(path: str | os.PathLike[str]) -> tuple[np.ndarray, np.ndarray]:
    """``(vertices, faces)`` of a PLY model: (N, 3) float64 in the file's units (mm for
    BOP) and (F, 3) int64 triangles (polygons split into fans).

    Raises:
        ValueError: the file has no vertex element with x, y, z.
    """
    from plyfile import PlyData

    data = PlyData.read(str(path))
    names = [e.name for e in data.elements]
    if "vertex" not in names:
        raise ValueError(f"{path}: no vertex element")
    vertex = data["vertex"].data
    vertices = np.stack([np.asarray(vertex[a], dtype=np.float64) for a in "xyz"], axis=1)
    if "face" not in names:
        return vertices, np.empty((0, 3), dtype=np.int64)
    face = data["face"].data
    field = "vertex_indices" if "vertex_indices" in face.dtype.names else "vertex_index"
    lists = face[field]
    try:
        stacked = np.stack(lists)
        faces = stacked if stacked.shape[1] == 3 else triangles(stacked)
    except ValueError:  # polygons of different sizes
        faces = triangles(lists)
    return vertices, np.asarray(faces, dtype=np.int64).reshape(-1, 3)
