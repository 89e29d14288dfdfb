# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""A motion-blurred scene with known motion, rendered in a child Python with real ``bpy``.

Camera at the origin looking down -Z, 50 mm lens on a 36 mm sensor, 64x48 pixels:
f = 88.888... px, principal point (31.5, 23.5) (pixel centres at integers), so a
point at depth 5 moves 1 px for every 5 / f = 0.05625 m.

- a black back plane facing the camera at z = -10 (object index 1), no light:
  only the bar is bright in the image;
- an emitting bar (strength :data:`BAR_RADIANCE`), :data:`BAR_WIDTH_PX` wide and 20 px
  tall at depth 5, moving :data:`BAR_STEP_PX` px right per frame (linear keys), its centre at
  column :data:`BAR_U2` in frame 2 (object index 2);
- a black square at depth 7, lower left, deforming (a keyed shape key; index 3).
"""

from __future__ import annotations

import os

# bpy is imported inside the jobs: the tests import this module's constants in a
# Python without Blender too (there the render tests are skipped).

FOCAL_MM, SENSOR_MM = 50.0, 36.0
WIDTH, HEIGHT = 64, 48
F_PX = FOCAL_MM / SENSOR_MM * WIDTH
CX, CY = (WIDTH - 1) / 2, (HEIGHT - 1) / 2
BAR_Z = 5.0  # distance in front of the camera
BAR_STEP_PX = 20.0  # image motion per frame, right
BAR_WIDTH_PX = 2.0
BAR_RADIANCE = 4.0  # the bar's emission strength (white): a fully covered pixel's value
BAR_U2 = 30.0  # the bar's centre column in frame 2
BAR_ROWS = (14, 34)  # rows fully inside the bar (it spans 24 - 10 .. 24 + 10 in y)
SAMPLES = 32
CAMERA_STEP_PX = 5.0  # render_rolling: the camera's motion a frame, right, in px at BAR_Z
BACK_Z = 10.0  # the back plane's distance in frame 2
BACK_STEP = 1.0  # render_rolling: the back plane's motion a frame towards the camera, m
DOLLY_STEP = 1.0  # render_rolling_dolly: the camera's motion a frame towards the back, m


def back_depth(time):
    """render_rolling: the back plane's depth at ``time`` (frames, a number or an
    array; linear keys)."""
    return BACK_Z - BACK_STEP * (time - 2.0)


def _px_to_x(u: float) -> float:
    return (u - CX) * BAR_Z / F_PX


def _bar_x(frame: float) -> float:
    return _px_to_x(BAR_U2 + (frame - 2) * BAR_STEP_PX)


def build(samples: int = SAMPLES):
    """The scene (see the module docstring), frame range 1-3."""
    from scenes import _material, _object, _rect, _reset, pinhole_camera

    from blender_gt_addon.blender import compat

    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.cycles.samples = samples
    scene.cycles.max_bounces = 0
    pinhole_camera(scene, FOCAL_MM, SENSOR_MM, sun=False)
    # Black (an emission of strength 0): the bar does not light it.
    _object("Back", _rect("Back", -8, 8, -6, 6), (0, 0, -10), 1,
            _material("BackMat", 3, emission=((0.0, 0.0, 0.0), 0.0)))
    half_w = BAR_WIDTH_PX / 2 * BAR_Z / F_PX
    half_h = 10 * BAR_Z / F_PX
    bar = _object("Bar", _rect("Bar", -half_w, half_w, -half_h, half_h), (0, 0, -BAR_Z), 2,
                  _material("BarMat", 4, emission=((1.0, 1.0, 1.0), BAR_RADIANCE)))
    for frame in (1, 3):
        bar.location = (_bar_x(frame), 0.0, -BAR_Z)
        bar.keyframe_insert("location", frame=frame)
    for curve in compat.action_fcurves(bar.animation_data.action):
        for key in curve.keyframe_points:  # constant speed (Bezier eases in and out)
            key.interpolation = "LINEAR"
    # A black square at the lower left whose shape key grows it over frames 1-3: a
    # deforming mesh (its exposure motion is unknown, not guessed).
    blob = _object("Blob", _rect("Blob", -0.5, 0.5, -0.5, 0.5), (-2.8, -1.6, -7), 3,
                   _material("BlobMat", 5, emission=((0.0, 0.0, 0.0), 0.0)))
    blob.shape_key_add(name="Basis")
    grow = blob.shape_key_add(name="Grow")
    for point in grow.data:
        point.co = point.co * 1.3
    for frame, value in ((1, 0.0), (3, 1.0)):
        grow.value = value
        grow.keyframe_insert("value", frame=frame)
    return scene


def _tick(scene, directory: str) -> None:
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "gt_"
    gt.precision = "FULL"
    for key in ("image", "depth", "normal", "flow", "object_index", "position",
                "instance_id", "crisp_image"):
        setattr(gt, f"use_{key}", True)


def _user_layer(scene) -> dict:
    layer = scene.view_layers[0]
    return {"name": layer.name, "use_motion_blur": layer.use_motion_blur,
            "samples": layer.samples,
            "passes": sorted(p for p in ("use_pass_z", "use_pass_normal", "use_pass_vector",
                                         "use_pass_object_index", "use_pass_position",
                                         "use_pass_cryptomatte_object")
                             if getattr(layer, p))}


def render_blur(directory: str) -> dict:
    """Frame 2 rendered four ways into ``<directory>/<case>/``, the crisp image ticked
    too: ``off`` (motion blur off), ``center`` (box shutter 0.5 centred on the frame;
    motion blur switched on after the outputs were ticked, so the render's own check
    must set up the crisp layer; frame 3 too), ``start`` (shutter 0.5 opening at the
    frame, switched on before ticking) and ``end`` (shutter 0.25 closing at the
    frame). Then every output is unticked."""
    import bpy

    from blender_gt_addon.blender import checks, compositor

    facts: dict = {}
    scene = build()
    for case, position, shutter in (("off", None, 0.5), ("center", "CENTER", 0.5),
                                    ("start", "START", 0.5), ("end", "END", 0.25)):
        scene.render.motion_blur_shutter = shutter
        if position is not None:
            scene.render.motion_blur_position = position
        target = os.path.join(directory, case) + "/"
        if case == "start":
            for key in compositor.enabled_map(scene.groundtruth):
                setattr(scene.groundtruth, f"use_{key}", False)
            scene.render.use_motion_blur = True
        _tick(scene, target)
        scene.groundtruth.crisp_samples = SAMPLES
        before = []
        if case == "center":
            scene.render.use_motion_blur = True  # no sync runs: the layer is stale
            before = [(p.level, p.message) for p in checks.problems(scene)]
        scene.render.filepath = os.path.join(directory, f"beauty_{case}_")
        for frame in (2, 3) if case == "center" else (2,):  # frame 3: for check
            scene.frame_set(frame)
            bpy.ops.render.render(write_still=True)
        layer = compositor.data_layer(scene)
        facts[case] = {
            "problems_before": before,
            "problems": [(p.level, p.message) for p in checks.problems(scene)],
            "layers": [(v.name, v.use, v.samples, v.use_motion_blur)
                       for v in scene.view_layers],
            "data_layer": None if layer is None else layer.name,
            "user_layer": _user_layer(scene),
            "files": sorted(os.listdir(target)),
        }
    for key in compositor.enabled_map(scene.groundtruth):
        setattr(scene.groundtruth, f"use_{key}", False)
    facts["unticked"] = {"layers": [v.name for v in scene.view_layers],
                         "user_layer": _user_layer(scene)}
    return facts


def render_rolling(directory: str, duration: float = 0.0) -> dict:
    """Frames 2 and 3 with Cycles' rolling shutter (top to bottom, ``duration``), motion blur
    on (box shutter 0.5, centred), the bar made taller than the image (every row sees
    it), the camera moving :data:`CAMERA_STEP_PX` px a frame (at the bar's depth)
    to the right and the back plane :data:`BACK_STEP` a frame towards the camera
    (:func:`back_depth`), the rolling-shutter outputs ticked too, into
    ``<directory>/``; frame 3 too."""
    import bpy

    from blender_gt_addon.blender import checks, compat

    scene = build()
    bpy.data.objects["Bar"].scale.y = 3.0
    camera, back, bar = scene.camera, bpy.data.objects["Back"], bpy.data.objects["Bar"]
    # Keys up to frame 4: frame 3's exposure goes past frame 3 (Blender holds the last
    # key's value after it).
    bar.location = (_bar_x(4), 0.0, -BAR_Z)
    bar.keyframe_insert("location", frame=4)
    for frame in (1, 4):
        camera.location = ((frame - 2) * CAMERA_STEP_PX * BAR_Z / F_PX, 0.0, 0.0)
        camera.keyframe_insert("location", frame=frame)
        # The back plane moves along the view axis: its depth changes from row to row.
        back.location = (0.0, 0.0, -back_depth(frame))
        back.keyframe_insert("location", frame=frame)
    for thing in (camera, back, bar):
        for curve in compat.action_fcurves(thing.animation_data.action):
            for key in curve.keyframe_points:
                key.interpolation = "LINEAR"
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = 0.5
    scene.render.motion_blur_position = "CENTER"
    scene.cycles.rolling_shutter_type = "TOP"
    scene.cycles.rolling_shutter_duration = duration
    _tick(scene, directory.rstrip("/") + "/")
    for key in ("rolling_depth", "rolling_position", "rolling_object_index"):
        setattr(scene.groundtruth, f"use_{key}", True)
    scene.render.filepath = os.path.join(directory, "beauty_")
    for frame in (2, 3):  # frame 3: the rolling flow's next frame
        scene.frame_set(frame)
        bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory)),
            "problems": [(p.level, p.message) for p in checks.problems(scene)]}


def render_rolling_dolly(directory: str, position: str = "START") -> dict:
    """Frame 2 with Cycles' rolling shutter (duration 0, shutter 0.5 at ``position``),
    the camera moving :data:`DOLLY_STEP` a frame towards the still back plane (along
    its own axis; keys at frames 1 and 4, linear), the rolling-shutter outputs ticked,
    into ``<directory>/``."""
    import bpy

    from blender_gt_addon.blender import compat

    scene = build()
    camera = scene.camera
    for frame in (1, 4):
        camera.location = (0.0, 0.0, -(frame - 2) * DOLLY_STEP)
        camera.keyframe_insert("location", frame=frame)
    for curve in compat.action_fcurves(camera.animation_data.action):
        for key in curve.keyframe_points:
            key.interpolation = "LINEAR"
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = 0.5
    scene.render.motion_blur_position = position
    scene.cycles.rolling_shutter_type = "TOP"
    scene.cycles.rolling_shutter_duration = 0.0
    _tick(scene, directory.rstrip("/") + "/")
    for key in ("rolling_depth", "rolling_position", "rolling_object_index"):
        setattr(scene.groundtruth, f"use_{key}", True)
    scene.frame_set(2)
    scene.render.filepath = os.path.join(directory, "beauty_")
    bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory))}


def render_blur_stereo(directory: str, rolling: bool = False) -> dict:
    """Frame 2 as a stereo pair (the add-on's Stereo pair, parallel rig) with motion
    blur on (box shutter 0.5, centred), into ``<directory>/``; with ``rolling``, Cycles'
    rolling shutter too (duration 0, the rolling-shutter outputs ticked)."""
    import bpy

    scene = build()
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = 0.5
    _tick(scene, directory.rstrip("/") + "/")
    if rolling:
        scene.cycles.rolling_shutter_type = "TOP"
        scene.cycles.rolling_shutter_duration = 0.0
        for key in ("rolling_depth", "rolling_position", "rolling_object_index"):
            setattr(scene.groundtruth, f"use_{key}", True)
    scene.groundtruth.use_stereo = True
    scene.frame_set(2)
    scene.render.filepath = os.path.join(directory, "beauty_")
    bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory)), "error": scene.groundtruth.last_error}
