# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The amodal masks of a frame, from the evaluated meshes (see :mod:`..amodal`).

Called by ``metadata`` on the main thread while it walks the rendered objects and
instanced copies for the frame record (never from a render thread: a window render
defers the whole step to the main thread, see ``metadata``). Each object's evaluated
mesh (modifiers, Geometry Nodes, shape keys and armatures applied, as Cycles renders
it) is triangulated by Blender (``loop_triangles``), read with ``foreach_get``, taken
to OpenCV camera coordinates and rasterised in numpy.
"""

from __future__ import annotations

import numpy as np

from .. import amodal
from .. import camera as cammod


def mask_of(name: str, obj, matrix_world, camera: cammod.Camera,
            cache: dict | None = None) -> amodal.Mask | None:
    """The amodal mask of evaluated object ``obj`` placed by ``matrix_world`` (a copy
    made by instancing is placed by its instance's matrix), or ``None`` when it has no
    surface to rasterise (hair curves, point clouds, volumes, empty meshes) or is not
    seen by camera rays (Object Properties > Visibility > Camera unticked).

    ``cache``: a dict kept for one frame step, so that copies sharing one evaluated
    data-block (a collection instanced many times) are triangulated once."""
    if not obj.original.visible_camera:
        return None
    key = obj.data.as_pointer() if cache is not None and obj.data is not None else None
    if key is not None and key in cache:
        triangles = cache[key]
    else:
        triangles = _local_triangles(obj)
        if key is not None:
            cache[key] = triangles
    if triangles is None:
        return None
    vertices, corners = triangles
    to_camera = camera.world_to_camera @ np.array([list(r) for r in matrix_world],
                                                  dtype=np.float64)
    return amodal.mask_of_triangles(name, amodal.camera_triangles(vertices, corners, to_camera),
                                    camera)


def _local_triangles(obj) -> tuple[np.ndarray, np.ndarray] | None:
    """(N, 3) float32 vertices (object coordinates) and (F, 3) int32 triangles of
    evaluated object ``obj``'s mesh, or ``None`` when it has none."""
    try:
        mesh = obj.to_mesh()
    except RuntimeError:  # an object type without a mesh form
        return None
    if mesh is None:
        return None
    try:
        mesh.calc_loop_triangles()
        count, points = len(mesh.loop_triangles), len(mesh.vertices)
        if not count or not points:
            return None
        corners = np.empty(count * 3, dtype=np.int32)
        mesh.loop_triangles.foreach_get("vertices", corners)
        vertices = np.empty(points * 3, dtype=np.float32)
        mesh.vertices.foreach_get("co", vertices)
    finally:
        obj.to_mesh_clear()
    return vertices.reshape(-1, 3), corners.reshape(-1, 3)
