# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Finish each frame's file: one channel layout on every version, the frame's camera
and the pose of every rendered object.

After Blender writes a frame (``render_post``), :func:`finish_frame` rewrites the
file's header (``exr.header``): the channel and manifest fix-ups of ``compat``, and
the frame record in the ``blender-gt/frame`` attribute
(:mod:`blender_gt_addon.frame_record`): the camera and every rendered object's
``matrix_world`` at full float64 precision; with Amodal masks ticked, each one's
full silhouette in the ``blender-gt/amodal`` attribute (:mod:`.amodal_masks`, from the
same walk over the objects); with motion blur on, the shutter and the scene at its
opening and closing (``exposure.py``, evaluated at those sub-frames). The user's
stamp Note is not touched.

The record of the frame just rendered is exact whoever started the render:
- On the main thread (scripts, the command line, ``blender-gt render``) the frame
  is evaluated on the spot.
- An F12 / Ctrl+F12 render in Blender's window runs its handlers on the render
  thread, where no frame may be evaluated and the window may use the scene's
  dependency graph at the same time. There nothing of the scene is read: each frame
  waits in a list, and a step on the main thread after the render
  (:func:`finish_pending`, called by :func:`poll_pending`, a timer on the main thread,
  once ``render_complete`` or ``render_cancel`` has marked the scene) evaluates each
  of them and writes its record.
:func:`on_render_thread` tells the two apart; tests replace it to reproduce the
window's constraint in a background process and then call :func:`finish_pending`
as the timer would.
"""

from __future__ import annotations

import dataclasses
import sys
import threading

import bpy

from .. import amodal, exposure, frame_record, stereo
from .. import camera as cammod
from ..exr import header
from . import amodal_masks, checks, compositor, keypoints
from . import exposure as blender_exposure
from .stereo import views as stereo_views

# _record_now's default: the scene camera as it is now.
_SCENE_CAMERA = object()
# Per scene name: the frames whose record could not be known on the render thread,
# as (frame, file path), waiting for finish_pending on the main thread.
_pending: dict[str, list[tuple[int, str]]] = {}
# Object types that Cycles renders as surfaces, volumes or points.
_RENDERED_TYPES = {"MESH", "CURVE", "SURFACE", "META", "FONT", "CURVES", "POINTCLOUD",
                   "VOLUME"}


def on_render_thread() -> bool:
    """Whether the handlers run on a render thread (an F12 render in the window)."""
    return threading.current_thread() is not threading.main_thread()


def _camera_now(scene) -> cammod.Camera:
    """The scene camera as the scene's objects hold it now."""
    cam = scene.camera
    data = cam.data
    render = scene.render
    K, width, height = cammod.intrinsics(
        lens=data.lens,
        sensor_width=data.sensor_width,
        sensor_height=data.sensor_height,
        sensor_fit=data.sensor_fit,
        shift_x=data.shift_x,
        shift_y=data.shift_y,
        resolution_x=render.resolution_x,
        resolution_y=render.resolution_y,
        resolution_percentage=render.resolution_percentage,
        pixel_aspect_x=render.pixel_aspect_x,
        pixel_aspect_y=render.pixel_aspect_y,
        camera_type=data.type,
        ortho_scale=data.ortho_scale,
    )
    return cammod.Camera(
        K=K,
        world_to_camera=cammod.world_to_camera_cv([list(row) for row in cam.matrix_world]),
        width=width,
        height=height,
        clip_start=data.clip_start,
        clip_end=data.clip_end,
        type=data.type,
    )


def _objects_now(scene) -> list[frame_record.ObjectRecord]:
    """Every object the view layer renders, and every copy that instancing makes of
    one, with its evaluated ``matrix_world`` and bounds (see frame_record)."""
    return [record for record, _, _ in _rendered(scene)]


def _rendered(scene):
    """``(record, evaluated object, matrix_world)`` of each object of :func:`_objects_now`,
    in its order; an instanced copy's object is valid only until the next item."""
    layer = compositor.target_view_layer(scene)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    hashes: dict[int, str | None] = {}  # geometry hash per evaluated data-block, this frame
    for obj in layer.objects:
        if obj.type not in _RENDERED_TYPES or obj.hide_render:
            continue
        evaluated = obj.evaluated_get(depsgraph)
        record = _record(obj.name, obj.pass_index, evaluated, hashes=hashes)
        if record.bounds[0] != record.bounds[1]:  # e.g. a holder of instances only
            yield record, evaluated, evaluated.matrix_world
    for instance in depsgraph.object_instances:
        if not instance.is_instance or instance.object.type not in _RENDERED_TYPES:
            continue
        parent, obj = instance.parent, instance.object
        if parent.original.hide_render or obj.original.hide_render:
            continue
        index = ".".join(str(i) for i in instance.persistent_id if i != _NO_INDEX)
        base = parent.name if obj.name == parent.name else f"{parent.name}/{obj.name}"
        matrix = instance.matrix_world.copy()
        yield (_record(f"{base}#{index}", obj.pass_index, obj, matrix=matrix,
                       instance_of=obj.name, hashes=hashes), obj, matrix)


def geometry_hash(obj) -> str | None:
    """16 hex digits: BLAKE2b of the evaluated mesh's vertex coordinates (float32, object
    coordinates, after shape keys, armatures and modifiers). Curves, text and metaballs
    are hashed through the mesh Blender makes of them (``to_mesh``); ``None`` where
    there is no mesh to make (volumes, point clouds, hair curves: point tracks then
    treat the object as of unknown deformation)."""
    import hashlib

    import numpy as np

    vertices = getattr(obj.data, "vertices", None)
    made = None
    if vertices is None:
        if obj.type not in _MESH_LIKE:  # to_mesh() would print an error
            return None
        try:
            made = obj.to_mesh()
        except RuntimeError:  # an object type with no mesh
            return None
        if made is None:
            return None
        vertices = made.vertices
    try:
        coordinates = np.empty(len(vertices) * 3, dtype=np.float32)
        vertices.foreach_get("co", coordinates)
    finally:
        if made is not None:
            obj.to_mesh_clear()
    return hashlib.blake2b(coordinates.tobytes(), digest_size=8).hexdigest()


# Object types whose evaluated data Blender turns into a mesh (to_mesh).
_MESH_LIKE = {"CURVE", "SURFACE", "FONT", "META"}
# Blender fills unused levels of an instance's persistent id with this.
_NO_INDEX = 2**31 - 1


def _record(name: str, pass_index: int, obj, matrix=None,
            instance_of: str | None = None, hashes=None) -> frame_record.ObjectRecord:
    corners = [tuple(corner) for corner in obj.bound_box]
    bounds = [[min(c[i] for c in corners) for i in range(3)],
              [max(c[i] for c in corners) for i in range(3)]]
    # Copies of one object share its evaluated data: hashed once a frame.
    hashes = {} if hashes is None else hashes
    key = obj.data.as_pointer() if obj.data is not None else 0
    if key not in hashes:
        hashes[key] = geometry_hash(obj) if key else None
    return frame_record.ObjectRecord(
        name=name, pass_index=pass_index,
        object_to_world=[list(row) for row in (obj.matrix_world if matrix is None else matrix)],
        bounds=bounds, instance_of=instance_of, geometry=hashes[key])


def _keypoints_now(scene) -> list:
    """The keypoint sets of the frame the scene is at (none when not asked for)."""
    if not keypoints.wanted(scene.groundtruth):
        return []
    return keypoints.keypoints_now(scene, compositor.target_view_layer(scene),
                                   bpy.context.evaluated_depsgraph_get())


def _record_now(scene, frame: int, camera: object = _SCENE_CAMERA,
                shutter: exposure.Shutter | None = None,
                points: list | None = None) -> dict[str, str]:
    """The header attributes of ``frame``: its record (with its keypoints, when asked
    for, and the ``shutter`` of a motion-blurred frame) and, when ticked and the camera
    is a pinhole or orthographic one, its amodal masks. ``points``: the keypoints when
    the caller has them already (a stereo pair's views share them)."""
    if camera is _SCENE_CAMERA:  # else a stereo view's camera (or None: refused)
        camera = _camera_now(scene) if scene.camera is not None else None
    if points is None:
        points = _keypoints_now(scene)
    blur = None if shutter is None else exposure.to_json(shutter)
    if not (scene.groundtruth.use_amodal and camera is not None
            and camera.type in ("PERSP", "ORTHO")):
        return {frame_record.KEY: frame_record.encode(frame, camera, _objects_now(scene),
                                                      points, blur)}
    records, masks, meshes = [], [], {}
    for record, obj, matrix in _rendered(scene):
        records.append(record)
        mask = amodal_masks.mask_of(record.name, obj, matrix, camera, meshes)
        if mask is not None:
            masks.append(mask)
    return {frame_record.KEY: frame_record.encode(frame, camera, records, points, blur),
            amodal.KEY: amodal.encode(frame, (camera.width, camera.height), masks)}


def _finish(scene, frame: int, path: str) -> None:
    """Write the records of ``frame`` into its file, or into each view's file of a
    stereo pair, each with its own view's camera and the rig (``blender/stereo.py``)."""
    views = stereo_views(scene, path)
    # Motion blur: the scene at the exposure's opening and closing (sub-frames).
    shutter = blender_exposure.shutter_now(scene, frame, _camera_now, _objects_now)
    if not views:
        _write(path, _record_now(scene, frame, shutter=shutter))
        return
    camera = _camera_now(scene) if scene.camera is not None else None
    points = _keypoints_now(scene)  # world positions: the same for both views
    for view in views:
        moved = (None if camera is None or view.offset is None
                 else stereo.view_camera(camera, view.offset))
        strings = _record_now(scene, frame, moved, _view_shutter(shutter, view.offset),
                              points)
        if view.rig is not None:
            strings[stereo.KEY] = stereo.encode(view.rig)
        _write(view.path, strings)


def _view_shutter(shutter, offset):
    """``shutter`` with its cameras moved to a stereo view's (``offset``, or ``None``)."""
    if shutter is None or offset is None:
        return shutter
    instants = [None if i is None or i.camera is None else
                dataclasses.replace(i, camera=stereo.view_camera(i.camera, offset))
                for i in (shutter.at_open, shutter.at_close)]
    rows, depth_camera = shutter.row_world_to_camera, shutter.depth_world_to_camera
    if rows is not None:  # each row's camera moved to the view, as the frame's is
        rows = stereo.view_shift(offset) @ rows
    if depth_camera is not None:
        depth_camera = stereo.view_shift(offset) @ depth_camera
    return dataclasses.replace(shutter, at_open=instants[0], at_close=instants[1],
                               row_world_to_camera=rows, depth_world_to_camera=depth_camera)


def _write(path: str, strings: dict[str, str]) -> None:
    header.finish_file(path, _light_names(), strings)


def _light_names() -> frozenset:
    """Names of the lights that Cryptomatte manifests may list (never in its pixels)."""
    lights = {o.name for o in bpy.data.objects if o.type == "LIGHT"}
    others = {o.name for o in bpy.data.objects if o.type != "LIGHT"}
    return frozenset(lights - others)  # a linked object may share a light's name


def finish_frame(scene) -> None:
    """render_post / render_cancel: finish the file of the frame just rendered."""
    if not compositor.has_outputs(scene):
        return
    path, frame = checks.next_file(scene), scene.frame_current
    if on_render_thread():
        # The whole file is finished once, from the main thread (channels and record).
        _pending.setdefault(scene.name, []).append((frame, path))
        return
    # The render evaluated its own copy of the scene: evaluate this frame here too.
    scene.frame_set(frame)
    _finish(scene, frame, path)


def end(scene) -> None:
    """render_complete / render_cancel: write the records that had to wait, now on the
    main thread, or from the render thread by :func:`poll_pending` (a timer)."""
    if scene.name not in _pending:
        return
    if on_render_thread():
        # No Blender call from this thread: the main thread's timer picks it up.
        _ready.add(scene.name)
    else:
        finish_pending()


# Scenes whose render has ended with frames waiting (set on the render thread).
_ready: set[str] = set()
POLL_SECONDS = 0.5


def poll_pending() -> float:
    """A persistent timer on the main thread (Blender's window only): write the records
    of renders that have ended. Returns the seconds to the next poll."""
    if _ready:
        _ready.clear()
        try:
            finish_pending()
        except Exception as exc:  # a timer must never raise into Blender
            print(f"Ground truth error: could not record the frames: {exc}",
                  file=sys.stderr, flush=True)
    return POLL_SECONDS


def finish_pending() -> None:
    """On the main thread: evaluate each waiting frame and write its record."""
    while _pending:
        name, frames = _pending.popitem()
        scene = bpy.data.scenes.get(name)
        if scene is None:
            continue
        current = scene.frame_current
        try:
            for frame, path in frames:
                scene.frame_set(frame)
                try:
                    _finish(scene, frame, path)
                except OSError as exc:  # e.g. the file was moved away since
                    print(f"Ground truth error: could not record frame {frame} in {path}: "
                          f"{exc}", file=sys.stderr, flush=True)
        finally:
            scene.frame_set(current)
