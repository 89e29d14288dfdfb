# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The keypoint scenes: their numbers and geometry (importable without ``bpy``) and
:func:`render_keypoints`, a job that renders both in a child Python with ``bpy``.

Camera at the origin looking down -Z (image up = +Y), 50 mm lens on a 36 mm sensor over
64 x 48 px: f = 88.89 px, principal point (31.5, 23.5) (integers at pixel centres).
Frames 1-3, 2 samples, Cycles' default pixel filter (1.5 px).

``cube/``: ``Cube`` (side 1, pass index 1), its pose keyed in every frame
(:func:`cube_pose`: it moves right and turns about y; one corner leaves the image on
the right in frame 3); eight empties ``C<x><y><z>`` (``p``/``n`` for the sign of each
local coordinate) parented to it at its corners; vertex groups ``Top`` (the four
vertices of local z = +0.5, weight 1) and ``Weighted`` (local (-h, -h, -h) weight
0.25 and (h, -h, -h) weight 0.75, Blender's weights being at most 1: centre
(0.25, -0.5, -0.5)); ``Occluder``, a rectangle facing the camera at z = -3, x in
[-3, OCCLUDER_X1], y in [-3, 3] (pass index 2), which hides the cube's left corners in
frame 1 only.

``rig/``: ``Rig``, an armature at (0, 0, -6) with bones (armature space) ``Root``
(-1, 0, 0) -> (0, 0, 0), ``Arm`` (0, 0, 0) -> (1, 0, 0) connected to Root, ``Hand``
(1, 0, 0) -> (1.3, 0, 0) connected to Arm, ``Behind`` (-0.2, 0, -0.6) -> (-0.8, 0, -0.6)
(child of Root, behind the body), all deforming, and ``Control`` (not deforming);
``Body``: a box x in [-1.2, 0.8], y in [-0.25, 0.25], z in [-0.2, 0.2] in 10 segments
along x, its vertices of x >= 0 in group ``Arm`` and the others in ``Root``, bent by
the armature; ``Arm`` turns about the armature's z axis by :data:`ARM_ANGLES` degrees.
The rig is rendered as from Blender's window (its records written after the render, on
the main thread), the cube as from a script.
"""

from __future__ import annotations

import math
import os

import numpy as np

WIDTH, HEIGHT = 64, 48
FOCAL_MM, SENSOR_MM = 50.0, 36.0
FOCAL_PX = FOCAL_MM / SENSOR_MM * WIDTH
CX, CY = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
FRAMES = (1, 2, 3)
OCCLUDER_Z = -3.0
OCCLUDER_X1 = (24.0 - CX) * -OCCLUDER_Z / FOCAL_PX  # its right edge at column 24
OCCLUDER_RECT = (-3.0, OCCLUDER_X1, -3.0, 3.0)
HALF = 0.5
RIG_LOCATION = (0.0, 0.0, -6.0)
ARM_ANGLES = {1: 0.0, 2: 30.0, 3: 60.0}
DEFORMING = ("Root", "Arm", "Hand", "Behind")


def corner_names() -> dict[str, tuple[float, float, float]]:
    """Empty name -> its corner in the cube's coordinates."""
    found = {}
    for x in (-HALF, HALF):
        for y in (-HALF, HALF):
            for z in (-HALF, HALF):
                name = "C" + "".join("p" if c > 0 else "n" for c in (x, y, z))
                found[name] = (x, y, z)
    return found


def cube_pose(frame: int) -> tuple[tuple[float, float, float], tuple[float, float, float]]:
    """(location, Euler XYZ rotation in radians) of the cube in ``frame``."""
    return (-0.4 + 0.92 * (frame - 1), 0.05, -6.0), (0.45, 0.5 + 0.15 * (frame - 1), 0.2)


def euler_xyz(rx: float, ry: float, rz: float) -> np.ndarray:
    """Blender's XYZ Euler rotation matrix (x applied first): Rz @ Ry @ Rx."""
    cx_, sx = math.cos(rx), math.sin(rx)
    cy_, sy = math.cos(ry), math.sin(ry)
    cz, sz = math.cos(rz), math.sin(rz)
    rot_x = np.array([[1, 0, 0], [0, cx_, -sx], [0, sx, cx_]])
    rot_y = np.array([[cy_, 0, sy], [0, 1, 0], [-sy, 0, cy_]])
    rot_z = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    return rot_z @ rot_y @ rot_x


def cube_points(frame: int, local) -> np.ndarray:
    """World coordinates (N, 3) of points given in the cube's coordinates."""
    location, rotation = cube_pose(frame)
    return np.asarray(local, dtype=np.float64) @ euler_xyz(*rotation).T + np.array(location)


def project(world) -> np.ndarray:
    """(N, 2) OpenCV pixel coordinates of world points (z < 0)."""
    world = np.asarray(world, dtype=np.float64).reshape(-1, 3)
    return np.stack([CX + FOCAL_PX * world[:, 0] / -world[:, 2],
                     CY - FOCAL_PX * world[:, 1] / -world[:, 2]], axis=-1)


def bone_ends(frame: int) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """World (head, tail) of each deforming bone in ``frame``, from the geometry."""
    angle = math.radians(ARM_ANGLES[frame])
    along = np.array([math.cos(angle), math.sin(angle), 0.0])
    origin = np.array(RIG_LOCATION)
    ends = {"Root": ((-1.0, 0.0, 0.0), (0.0, 0.0, 0.0)),
            "Arm": ((0.0, 0.0, 0.0), tuple(along)),
            "Hand": (tuple(along), tuple(1.3 * along)),
            "Behind": ((-0.2, 0.0, -0.6), (-0.8, 0.0, -0.6))}
    return {k: (np.array(h) + origin, np.array(t) + origin) for k, (h, t) in ends.items()}


# -- Rendering (bpy only from here on) -----------------------------------------------


def _settings(scene, directory: str, sources: set, groups: str = "") -> None:
    scene.render.filepath = os.path.join(directory, "beauty_")
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "k_"
    gt.use_depth = gt.use_instance_id = gt.use_position = True
    gt.keypoints = sources
    gt.keypoint_groups = groups


def _cube_scene(directory: str) -> None:
    import bpy
    from scenes import _cube, _material, _object, _rect, _reset, pinhole_camera

    scene = _reset()
    scene.cycles.samples = 2
    pinhole_camera(scene, FOCAL_MM, SENSOR_MM)
    cube = _object("Cube", _cube("Cube", 2 * HALF), (0, 0, -6), 1, _material("CubeMat", 1))
    for frame in FRAMES:
        cube.location, cube.rotation_euler = cube_pose(frame)
        cube.keyframe_insert("location", frame=frame)
        cube.keyframe_insert("rotation_euler", frame=frame)
    top = cube.vertex_groups.new(name="Top")
    weighted = cube.vertex_groups.new(name="Weighted")
    for vertex in cube.data.vertices:
        x, y, z = vertex.co
        if z > 0:
            top.add([vertex.index], 1.0, "REPLACE")
        if y < 0 and z < 0:
            weighted.add([vertex.index], 0.25 if x < 0 else 0.75, "REPLACE")
    for name, corner in corner_names().items():
        empty = bpy.data.objects.new(name, None)
        scene.collection.objects.link(empty)
        empty.parent = cube
        empty.location = corner
    _object("Occluder", _rect("Occluder", *OCCLUDER_RECT), (0, 0, OCCLUDER_Z), 2,
            _material("OccluderMat", 2))
    _settings(scene, directory, {"EMPTIES", "GROUPS"}, "Top, Weighted")
    scene.groundtruth.use_flow = True  # for blender-gt check (flow) --keypoints
    scene.frame_set(FRAMES[0])
    bpy.ops.render.render(animation=True)


def _body_mesh():
    import bpy

    rings = 10
    vertices, faces = [], []
    for i in range(rings + 1):
        x = -1.2 + 0.2 * i
        vertices += [(x, -0.25, -0.2), (x, 0.25, -0.2), (x, 0.25, 0.2), (x, -0.25, 0.2)]
    for i in range(rings):
        a, b = 4 * i, 4 * (i + 1)
        for k in range(4):
            faces.append((a + k, a + (k + 1) % 4, b + (k + 1) % 4, b + k))
    faces += [(3, 2, 1, 0), (4 * rings, 4 * rings + 1, 4 * rings + 2, 4 * rings + 3)]
    mesh = bpy.data.meshes.new("Body")
    mesh.from_pydata(vertices, [], faces)
    mesh.update()
    return mesh


def _rig_scene(directory: str) -> list[int]:
    import bpy
    from mathutils import Matrix
    from scenes import _material, _object, _reset, pinhole_camera

    scene = _reset()
    scene.cycles.samples = 2
    pinhole_camera(scene, FOCAL_MM, SENSOR_MM)
    rig = bpy.data.objects.new("Rig", bpy.data.armatures.new("Rig"))
    scene.collection.objects.link(rig)
    rig.location = RIG_LOCATION
    bpy.context.view_layer.objects.active = rig
    rig.select_set(True)
    bpy.ops.object.mode_set(mode="EDIT")
    bones = rig.data.edit_bones
    spec = (("Root", (-1, 0, 0), (0, 0, 0), None, False),
            ("Arm", (0, 0, 0), (1, 0, 0), "Root", True),
            ("Hand", (1, 0, 0), (1.3, 0, 0), "Arm", True),
            ("Behind", (-0.2, 0, -0.6), (-0.8, 0, -0.6), "Root", False),
            ("Control", (0, -1, 0), (0, -1.2, 0), None, False))
    for name, head, tail, parent, connect in spec:
        bone = bones.new(name)
        bone.head, bone.tail = head, tail
        if parent is not None:
            bone.parent = bones[parent]
            bone.use_connect = connect
    bones["Control"].use_deform = False
    bpy.ops.object.mode_set(mode="OBJECT")

    body = _object("Body", _body_mesh(), RIG_LOCATION, 1, _material("BodyMat", 1))
    root, arm = body.vertex_groups.new(name="Root"), body.vertex_groups.new(name="Arm")
    for vertex in body.data.vertices:
        (arm if vertex.co.x >= -1e-9 else root).add([vertex.index], 1.0, "REPLACE")
    modifier = body.modifiers.new("Armature", "ARMATURE")
    modifier.object = rig

    pose_bone = rig.pose.bones["Arm"]
    pose_bone.rotation_mode = "QUATERNION"
    rest = rig.data.bones["Arm"].matrix_local.to_3x3()
    for frame, degrees in ARM_ANGLES.items():
        turn = Matrix.Rotation(math.radians(degrees), 3, "Z")
        pose_bone.rotation_quaternion = (rest.inverted() @ turn @ rest).to_quaternion()
        pose_bone.keyframe_insert("rotation_quaternion", frame=frame)
    _settings(scene, directory, {"BONES"})
    scene.frame_set(FRAMES[0])
    # As an F12 render in Blender's window: the handlers run on a render thread, where
    # no frame may be evaluated; each frame waits for the step a timer runs on the main
    # thread after the render (blender/metadata.py), which records its keypoints.
    from blender_gt_addon.blender import metadata

    metadata.on_render_thread = lambda: True
    try:
        bpy.ops.render.render(animation=True)
        pending = sorted(f for frames in metadata._pending.values() for f, _ in frames)
    finally:
        metadata.on_render_thread = lambda: False
    metadata.poll_pending()
    return pending


def _rig_selection(scene) -> list:
    """The rig's keypoints in frame 2 as a script picks them, without rendering: bones
    and empties, only "Arm" and "Nose", where "Nose" is an empty parented to the bone
    "Hand" (so at its tail)."""
    import bpy

    from blender_gt_addon.blender import keypoints

    rig = bpy.data.objects["Rig"]
    nose = bpy.data.objects.new("Nose", None)
    scene.collection.objects.link(nose)
    nose.parent, nose.parent_type, nose.parent_bone = rig, "BONE", "Hand"
    gt = scene.groundtruth
    gt.keypoints = {"BONES", "EMPTIES"}
    gt.keypoint_names = "Arm, Nose"
    scene.frame_set(2)
    return keypoints.keypoints_now(scene, bpy.context.view_layer,
                                   bpy.context.evaluated_depsgraph_get())


def render_keypoints(directory: str) -> dict:
    """Frames 1-3 of the cube scene into ``<directory>/cube`` and of the rig scene into
    ``<directory>/rig``."""
    import bpy

    cube_dir = os.path.join(directory, "cube", "")
    rig_dir = os.path.join(directory, "rig", "")
    _cube_scene(cube_dir)
    import blender_gt_addon

    blender_gt_addon.unregister()  # _reset registers the add-on again
    pending = _rig_scene(rig_dir)
    selection = _rig_selection(bpy.context.scene)
    return {"cube": sorted(os.listdir(cube_dir)), "rig": sorted(os.listdir(rig_dir)),
            "rig_pending": pending, "rig_selection": selection,
            "version": bpy.app.version_string}
