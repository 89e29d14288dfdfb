# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenes with known geometry, built and rendered in a child Python with real ``bpy``.

Each public function here is a job for ``blender_gt_addon.bpyjob.run``; it returns
JSON-able facts that the tests compare with what the files say.

The analytic scene (all distances in metres = scene units):
camera at the origin looking down -Z (image up = +Y), 50 mm lens on a 36 mm wide
sensor, 64x48 pixels, so the focal length is 50/36*64 = 88.888... px.

- back plane, facing the camera at z = -10, x in [-2.5, 6], y in [-4, 4]:
  object pass_index 1, material pass_index 3;
- a unit cube turned 45 degrees about Y at (0.9, 1.0, -6): object 2, material 4;
- a cube of side 0.8, centre at z = -8.4 (front face at distance 8), moving
  +0.45 in x and -0.27 in y per frame: 5 px right and 3 px down per frame;
  object 5, material 6;
- an emitting square (colour (1, 0.5, 0.25), strength 2.5) facing the camera at
  (1.5, -0.8, -5): object 7, material 8.
"""

from __future__ import annotations

import math
import os

import bpy
from geometry import (
    BACK,
    BACK_RECT,
    BACK_Z,
    FOCAL_MM,
    HEIGHT,
    LAMP,
    LAMP_CENTRE,
    LAMP_COLOR,
    LAMP_HALF,
    LAMP_STRENGTH,
    MOVING,
    MOVING_HALF,
    MOVING_START,
    SENSOR_MM,
    TILTED,
    TILTED_CENTRE,
    WIDTH,
    moving_centre,
)


def _reset() -> bpy.types.Scene:
    bpy.ops.wm.read_factory_settings(use_empty=True)
    import blender_gt_addon

    blender_gt_addon.register()
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 4
    scene.cycles.use_denoising = False
    scene.cycles.use_adaptive_sampling = False
    scene.render.resolution_x, scene.render.resolution_y = WIDTH, HEIGHT
    scene.render.resolution_percentage = 100
    scene.render.use_motion_blur = False
    scene.frame_start, scene.frame_end = 1, 3
    return scene


def _material(name: str, pass_index: int, emission=None):
    mat = bpy.data.materials.new(name)
    mat.use_nodes = True
    mat.pass_index = pass_index
    if emission is not None:
        color, strength = emission
        nodes = mat.node_tree.nodes
        for node in list(nodes):
            nodes.remove(node)
        emit = nodes.new("ShaderNodeEmission")
        emit.inputs["Color"].default_value = (*color, 1.0)
        emit.inputs["Strength"].default_value = strength
        out = nodes.new("ShaderNodeOutputMaterial")
        mat.node_tree.links.new(emit.outputs[0], out.inputs["Surface"])
    return mat


def _object(name, mesh, location, pass_index, material, rotation=(0, 0, 0)):
    mesh.materials.append(material)
    obj = bpy.data.objects.new(name, mesh)
    obj.location = location
    obj.rotation_euler = rotation
    obj.pass_index = pass_index
    bpy.context.scene.collection.objects.link(obj)
    return obj


def pinhole_camera(scene, focal_mm: float, sensor_mm: float, sun: bool = True):
    """The scene's camera: at the origin looking down -Z (image up = +Y), a ``focal_mm``
    lens on a ``sensor_mm`` wide sensor fitted horizontally; and a sun shining down -Z
    (along the view) unless ``sun`` is False. Returns the camera object."""
    cam_data = bpy.data.cameras.new("Camera")
    cam_data.lens, cam_data.sensor_width, cam_data.sensor_fit = focal_mm, sensor_mm, "HORIZONTAL"
    cam = bpy.data.objects.new("Camera", cam_data)
    scene.collection.objects.link(cam)
    scene.camera = cam
    if sun:
        light = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
        scene.collection.objects.link(light)
    return cam


def _rect(name, x0, x1, y0, y1):
    """A rectangle in the XY plane whose normal is +Z (towards the camera)."""
    mesh = bpy.data.meshes.new(name)
    mesh.from_pydata([(x0, y0, 0), (x1, y0, 0), (x1, y1, 0), (x0, y1, 0)], [], [(0, 1, 2, 3)])
    mesh.update()
    return mesh


def _cube(name, size):
    import bmesh

    mesh = bpy.data.meshes.new(name)
    bm = bmesh.new()
    bmesh.ops.create_cube(bm, size=size)
    bm.to_mesh(mesh)
    bm.free()
    return mesh


def build_analytic_scene() -> bpy.types.Scene:
    """The scene described in the module docstring, on frame 1."""
    scene = _reset()
    pinhole_camera(scene, FOCAL_MM, SENSOR_MM, sun=False)

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    sun.rotation_euler = (0.3, 0.2, 0)
    scene.collection.objects.link(sun)

    name, ob_index, ma_index = BACK
    _object(name, _rect(name, *BACK_RECT), (0, 0, BACK_Z), ob_index,
            _material(name + "Mat", ma_index))
    name, ob_index, ma_index = TILTED
    _object(name, _cube(name, 1.0), TILTED_CENTRE, ob_index, _material(name + "Mat", ma_index),
            rotation=(0, math.radians(45), 0))
    name, ob_index, ma_index = MOVING
    moving = _object(name, _cube(name, 2 * MOVING_HALF), MOVING_START, ob_index,
                     _material(name + "Mat", ma_index))
    for frame in (1, 2, 3):
        moving.location = moving_centre(frame)
        moving.keyframe_insert("location", frame=frame)
    for fcurve in _fcurves(moving):
        for key in fcurve.keyframe_points:
            key.interpolation = "LINEAR"
    name, ob_index, ma_index = LAMP
    h = LAMP_HALF
    _object(name, _rect(name, -h, h, -h, h), LAMP_CENTRE, ob_index,
            _material(name + "Mat", ma_index, emission=(LAMP_COLOR, LAMP_STRENGTH)))
    scene.frame_set(1)
    return scene


def _fcurves(obj):
    from blender_gt_addon.blender import compat

    return compat.action_fcurves(obj.animation_data.action)


def _all_outputs() -> tuple[str, ...]:
    from blender_gt_addon import outputs

    return tuple(o.key for o in outputs.OUTPUTS if o.key not in outputs.ROLLING_KEYS)


# Every row of the output table but the rolling-shutter ones: without a rolling shutter
# they are depth, position and object index again (tests/test_motion_blur.py has them).
ALL_OUTPUTS = _all_outputs()


def _enable_all(scene, directory, prefix="gt_", **overrides):
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = prefix
    for key in ALL_OUTPUTS:
        setattr(gt, f"use_{key}", overrides.get(key, True))


def scene_tree(scene):
    from blender_gt_addon.blender import compat

    return compat.compositor_tree(scene, create=False)[0]


def _inventory(scene) -> dict:
    """The compositor as data: nodes with their marks, and links."""
    from blender_gt_addon.blender import compat

    # The user's compositor and the add-on's (the same tree before 5.3).
    trees = [compat.user_compositor_tree(scene), compat.compositor_tree(scene, create=False)[0]]
    trees = [t for i, t in enumerate(trees) if t is not None and t not in trees[:i]]
    nodes = [
        {
            "name": n.name,
            "type": n.bl_idname,
            "owner": n.get("blender_gt"),
            "location": [round(v, 3) for v in n.location],
            "label": n.label,
            "mute": n.mute,
        }
        for tree in trees for n in tree.nodes
    ]
    links = sorted(
        [link.from_node.name, link.from_socket.identifier, link.to_node.name,
         link.to_socket.identifier]
        for tree in trees for link in tree.links
    )
    return {"nodes": nodes, "links": links}


def render_analytic(directory: str, animation: bool = True, prefix: str = "gt_",
                    precision: str = "HALF", codec: str = "ZIP", off: tuple = ()) -> dict:
    """Render the analytic scene with every output but ``off`` on; frames 1-3 or frame 2."""
    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    _enable_all(scene, directory, prefix, **{key: False for key in off})
    scene.groundtruth.precision = precision
    scene.groundtruth.codec = codec
    import time

    start = time.perf_counter()
    if animation:
        bpy.ops.render.render(animation=True)
    else:
        scene.frame_set(2)
        bpy.ops.render.render(write_still=True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "files": sorted(os.listdir(directory)),
        "version": bpy.app.version_string,
        "owned_passes": scene.groundtruth.owned_passes,
    }


def _user_compositor(scene, elsewhere: str) -> None:
    """A compositor the user built by hand: their nodes must survive the add-on."""
    from blender_gt_addon.blender import compat

    tree = compat.user_compositor_tree(scene, create=True)
    for node in list(tree.nodes):
        tree.nodes.remove(node)
    rl = tree.nodes.new("CompositorNodeRLayers")
    rl.name = "My Render Layers"
    rl.location = (-300, 0)
    glare = tree.nodes.new("CompositorNodeGlare")
    glare.name = "My Glare"
    glare.location = (0, 0)
    tree.links.new(rl.outputs["Image"], glare.inputs["Image"])
    for node in compat.add_beauty_output(tree, glare.outputs["Image"]):
        node.name = "My Output"
        node.location = (300, 0)
    viewer = tree.nodes.new("CompositorNodeViewer")
    viewer.name = "My Viewer"
    viewer.location = (300, -200)
    tree.links.new(rl.outputs["Image"], viewer.inputs[0])
    mine = tree.nodes.new("CompositorNodeOutputFile")
    mine.name = "My File Output"
    mine.location = (300, -400)
    compat.clear_file_output_inputs(mine)
    compat.configure_file_output(mine, elsewhere, "mine_####", "32", "PIZ")
    tree.links.new(rl.outputs["Image"], compat.add_file_output_input(mine, "mine", "color", 4))
    frame = tree.nodes.new("NodeFrame")
    frame.name = "My Frame"
    frame.label = "keep me"
    glare.parent = frame
    group = tree.nodes.new("CompositorNodeGroup")
    group.name = "My Group"
    group.node_tree = bpy.data.node_groups.new("My Group Tree", "CompositorNodeTree")
    group.location = (0, -300)


def _node_settings(node) -> dict:
    """A node's own settings as text: its properties and its unlinked inputs (Blender
    5.0 turned many node properties, e.g. the Glare type, into inputs)."""
    base = {p.identifier for p in bpy.types.Node.bl_rna.properties}
    out = {p.identifier: str(getattr(node, p.identifier)) for p in node.bl_rna.properties
           if p.identifier not in base and p.type in {"BOOLEAN", "INT", "FLOAT", "ENUM", "STRING"}}
    for i, socket in enumerate(node.inputs):
        if not socket.is_linked and hasattr(socket, "default_value"):
            value = socket.default_value
            if hasattr(value, "__len__") and not isinstance(value, str):
                value = tuple(value)
            out[f"input {i} {socket.name}"] = str(value)
    return out


def _snapshot(scene) -> dict:
    """Everything about the compositor and passes that a test compares."""
    from blender_gt_addon.blender import compat, compositor

    inv = _inventory(scene)
    tree, _ = compat.compositor_tree(scene, create=False)  # the add-on's nodes
    layer = compositor.target_view_layer(scene)
    out = {
        **inv,
        "passes": {p: getattr(layer, p) for p in (
            "use_pass_z", "use_pass_normal", "use_pass_vector", "use_pass_emit",
            "use_pass_object_index", "use_pass_material_index",
            "use_pass_cryptomatte_object")},
        "file_output_inputs": [],
        "user_settings": {},
    }
    if tree is not None:
        for node in compositor.owned_nodes(tree, compositor.ROLE_FILE_OUTPUT):
            out["file_output_inputs"].append(compat.file_output_inputs(node))
    user_tree = compat.user_compositor_tree(scene)
    if user_tree is not None:
        for node in user_tree.nodes:
            if node.get("blender_gt") is None:
                settings = {"parent": node.parent.name if node.parent else None}
                if node.bl_idname == "CompositorNodeGlare":
                    settings["glare"] = _node_settings(node)
                if node.bl_idname == "CompositorNodeOutputFile":
                    settings["inputs"] = compat.file_output_inputs(node)
                    settings["codec"] = node.format.exr_codec
                    settings["color_depth"] = node.format.color_depth
                out["user_settings"][node.name] = settings
    return out


def toggle_story(directory: str, elsewhere: str) -> dict:
    """Toggle outputs the way a user would, with a hand-made compositor, and record it all."""
    import blender_gt_addon

    scene = build_analytic_scene()
    layer = scene.view_layers[0]
    layer.use_pass_normal = True  # the user's own choice, before the add-on
    _user_compositor(scene, elsewhere)
    story = {"before": _snapshot(scene)}
    _enable_all(scene, directory)
    story["all_on"] = _snapshot(scene)
    gt = scene.groundtruth
    for _ in range(20):
        for key in ALL_OUTPUTS:
            setattr(gt, f"use_{key}", False)
            setattr(gt, f"use_{key}", True)
    story["after_toggling"] = _snapshot(scene)
    gt.use_depth = False
    gt.use_normal = False
    story["depth_normal_off"] = _snapshot(scene)
    blender_gt_addon.unregister()
    blender_gt_addon.register()
    story["reregistered_settings"] = {
        "use_depth": scene.groundtruth.use_depth,
        "use_flow": scene.groundtruth.use_flow,
        "file_prefix": scene.groundtruth.file_prefix,
    }
    story["reregistered"] = _snapshot(scene)
    for key in ALL_OUTPUTS:
        setattr(scene.groundtruth, f"use_{key}", False)
    story["all_off"] = _snapshot(scene)
    scene.groundtruth.use_depth = True
    scene.frame_set(2)
    scene.render.filepath = os.path.join(directory, "beauty_")
    bpy.ops.render.render(write_still=True)
    story["files"] = sorted(os.listdir(directory))
    story["elsewhere_files"] = sorted(os.listdir(elsewhere)) if os.path.isdir(elsewhere) else []
    return story


def fresh_scene_story(directory: str) -> dict:
    """A scene with no compositor at all: enabling must create one and keep the beauty."""
    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.groundtruth.directory = directory
    scene.groundtruth.use_depth = True
    story = {"after_enable": _snapshot(scene)}
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    story["files"] = sorted(os.listdir(directory))
    return story


def persist_story(directory: str, blend: str) -> dict:
    """Settings saved in a .blend, reloaded, and rendered again: same files."""
    scene = build_analytic_scene()
    first, second = os.path.join(directory, "first"), os.path.join(directory, "second")
    _enable_all(scene, first + "/", prefix="p_", normal=False)
    scene.groundtruth.precision = "FULL"
    scene.groundtruth.codec = "PIZ"
    scene.frame_set(2)
    scene.render.filepath = os.path.join(directory, "beauty_")
    bpy.ops.render.render(write_still=True)
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    bpy.ops.wm.open_mainfile(filepath=blend)
    scene = bpy.context.scene
    gt = scene.groundtruth
    loaded = {name: getattr(gt, name) for name in (
        "use_image", "use_depth", "use_normal", "use_flow", "use_emission", "use_object_index",
        "use_material_index", "directory", "file_prefix", "precision", "codec")}
    gt.directory = second + "/"  # the only change: where to write
    bpy.ops.render.render(write_still=True)
    return {"loaded": loaded, "first": sorted(os.listdir(first)),
            "second": sorted(os.listdir(second)), "frame": scene.frame_current}


def problem_render(directory: str, case: str) -> dict:
    """Render with a setting that breaks the ground truth; return what the add-on said."""
    from blender_gt_addon.blender import checks

    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    target = directory
    if case == "unwritable":
        blocker = os.path.join(directory, "afile")
        with open(blocker, "w") as f:
            f.write("not a folder")
        target = os.path.join(blocker, "gt") + "/"
    elif case == "motion_blur":
        scene.render.use_motion_blur = True
    _enable_all(scene, target)
    problems = [(p.level, p.message) for p in checks.problems(scene)]
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    return {"problems": problems, "files": sorted(os.listdir(directory))}


class _RecordingLayout:
    """Stands in for ``UILayout`` (which exists only with a window) and records the drawing."""

    def __init__(self, log):
        self.log = log

    def _child(self, *_args, **_kwargs):
        return _RecordingLayout(self.log)

    column = row = box = split = _child

    def prop(self, data, name, **_kwargs):
        if name not in data.bl_rna.properties:
            raise AttributeError(f"panel draws unknown property {name!r}")
        self.log.append(("prop", name))

    def label(self, text="", icon="NONE", **_kwargs):
        self.log.append(("label", text, icon))

    def operator(self, idname, **_kwargs):
        category, _, name = idname.partition(".")
        if not hasattr(getattr(bpy.ops, category), name):
            raise AttributeError(f"panel draws unknown operator {idname!r}")
        self.log.append(("operator", idname))
        return type("Props", (), {})()


def panel_story(directory: str) -> dict:
    """Draw the panel as it looks with every output on, with and without problems."""
    from blender_gt_addon.blender import panel

    scene = build_analytic_scene()
    _enable_all(scene, directory)
    scene.frame_set(7)

    def draw():
        log = []
        fake = type("PanelSelf", (), {"layout": _RecordingLayout(log)})()
        context = type("Context", (), {"scene": scene})()
        panel.VIEW3D_PT_groundtruth.draw(fake, context)
        return log

    clean = draw()
    scene.render.use_motion_blur = True
    blurred = draw()
    bpy.ops.groundtruth.sync()
    synced = draw()
    return {"clean": clean, "blurred": blurred, "synced": synced,
            "space": panel.VIEW3D_PT_groundtruth.bl_space_type,
            "region": panel.VIEW3D_PT_groundtruth.bl_region_type,
            "category": panel.VIEW3D_PT_groundtruth.bl_category}


def tracking_camera(scene, locations: dict, target_location) -> bpy.types.Object:
    """The scene's camera, keyed at ``{frame: location}`` and tracking an empty at
    ``target_location`` (Track To: -Z to the target, +Y up)."""
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    scene.collection.objects.link(cam)
    scene.camera = cam
    target = bpy.data.objects.new("Target", None)
    target.location = target_location
    scene.collection.objects.link(target)
    track = cam.constraints.new("TRACK_TO")
    track.target = target
    track.track_axis, track.up_axis = "TRACK_NEGATIVE_Z", "UP_Y"
    for frame, location in locations.items():
        cam.location = location
        cam.keyframe_insert("location", frame=frame)
    return cam


def render_markers(directory: str, as_from_the_window: bool = False) -> dict:
    """Frames 1-2 of the marker scene (see geometry.py), depth, index and camera written;
    ``as_from_the_window``: under the constraint of a render started in Blender's window."""
    from geometry import (
        GROUND_COLOR,
        GROUND_INDEX,
        MARKER_CAMERA,
        MARKER_LENS,
        MARKER_PIXEL_ASPECT,
        MARKER_RADIUS,
        MARKER_RES,
        MARKER_SENSOR,
        MARKER_SHIFT,
        MARKER_TARGET,
        MARKERS,
    )

    scene = _reset()
    render = scene.render
    render.resolution_x, render.resolution_y, render.resolution_percentage = MARKER_RES
    render.pixel_aspect_x, render.pixel_aspect_y = MARKER_PIXEL_ASPECT
    render.filepath = os.path.join(directory, "beauty_")
    scene.cycles.samples = 2
    # A near-zero filter puts the first sample at the pixel centre, so depth is
    # taken exactly where the intrinsics say the pixel centre is.
    scene.cycles.filter_width = 0.01
    scene.frame_start, scene.frame_end = 1, 2

    cam = tracking_camera(scene, MARKER_CAMERA, MARKER_TARGET)
    cam.data.lens, cam.data.sensor_width, cam.data.sensor_fit = (MARKER_LENS, MARKER_SENSOR,
                                                                  "AUTO")
    cam.data.shift_x, cam.data.shift_y = MARKER_SHIFT

    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    ground_material = _material("GroundMat", 1)
    nodes = ground_material.node_tree.nodes
    for node in list(nodes):  # a plain Diffuse BSDF: its colour is the whole albedo
        nodes.remove(node)
    diffuse = nodes.new("ShaderNodeBsdfDiffuse")
    diffuse.inputs["Color"].default_value = (*GROUND_COLOR, 1.0)
    ground_material.node_tree.links.new(
        diffuse.outputs[0], nodes.new("ShaderNodeOutputMaterial").inputs["Surface"])
    _object("Ground", _rect("Ground", -50, 50, -50, 50), (0, 0, 0), GROUND_INDEX,
            ground_material)
    import bmesh

    for i, centre in enumerate(MARKERS, start=1):
        mesh = bpy.data.meshes.new(f"Marker{i}")
        bm = bmesh.new()
        bmesh.ops.create_uvsphere(bm, u_segments=32, v_segments=16, radius=MARKER_RADIUS)
        bm.to_mesh(mesh)
        bm.free()
        _object(f"Marker{i}", mesh, centre, i, _material(f"MarkerMat{i}", 2))
    scene.frame_set(1)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "m_"
    gt.use_depth = gt.use_object_index = gt.use_position = gt.use_albedo = True
    if not as_from_the_window:
        bpy.ops.render.render(animation=True)
        return {"files": sorted(os.listdir(directory))}
    # Ctrl+F12 in Blender's window: the handlers run on a render thread, where no
    # frame may be evaluated. Reproduce that constraint, then run the step that a
    # timer runs on the main thread after the render.
    from blender_gt_addon import reader
    from blender_gt_addon.blender import metadata

    metadata.on_render_thread = lambda: True
    bpy.ops.render.render(animation=True)
    files = sorted(os.listdir(directory))
    during = {f: reader.read(os.path.join(directory, f"m_{f:04d}.exr")).camera is not None
              for f in (1, 2)}
    pending = {name: [f for f, _ in frames] for name, frames in metadata._pending.items()}
    ready = sorted(metadata._ready)
    metadata.on_render_thread = lambda: False  # the timer runs on the main thread
    metadata.poll_pending()
    return {"files": files, "camera_before_the_step": during, "pending": pending,
            "ready": ready, "frame_after": scene.frame_current}


def render_instances(directory: str) -> dict:
    """Objects sharing one mesh, a collection instanced twice, user pass indices."""
    scene = _reset()
    scene.render.filepath = os.path.join(directory, "beauty_")
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    cam.location = (0, 0, 12)
    scene.collection.objects.link(cam)
    scene.camera = cam
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    shared = _cube("Shared", 1.5)
    shared.materials.append(_material("SharedMat", 3))
    for name, x in (("ShareA", -3.0), ("ShareB", -1.0)):
        obj = bpy.data.objects.new(name, shared)
        obj.location = (x, 1.5, 0)
        obj.pass_index = 4  # the user's class id, the same for both
        scene.collection.objects.link(obj)
    tree = bpy.data.collections.new("Tree")
    trunk = bpy.data.objects.new("Trunk", _cube("Trunk", 1.2))
    trunk.data.materials.append(_material("TrunkMat", 5))
    trunk.pass_index = 6
    tree.objects.link(trunk)  # only inside the collection, not in the scene
    for name, x in (("TreeLeft", 1.0), ("TreeRight", 3.0)):
        empty = bpy.data.objects.new(name, None)
        empty.instance_type = "COLLECTION"
        empty.instance_collection = tree
        empty.location = (x, -1.5, 0)
        scene.collection.objects.link(empty)
    gt = scene.groundtruth
    gt.directory = directory
    gt.use_object_index = gt.use_instance_id = True
    bpy.ops.render.render(write_still=True)
    return {
        "files": sorted(os.listdir(directory)),
        "pass_index": {o.name: o.pass_index for o in bpy.data.objects},
    }


def _top_view() -> bpy.types.Scene:
    """An empty scene at 160 x 120 seen from above (z = 10) by an orthographic camera
    8 scene units wide: 20 px a unit, +x right, +y up in the image."""
    scene = _reset()
    scene.render.resolution_x, scene.render.resolution_y = 160, 120
    cam_data = bpy.data.cameras.new("Camera")
    cam_data.type, cam_data.ortho_scale = "ORTHO", 8.0
    cam = bpy.data.objects.new("Camera", cam_data)
    cam.location = (0, 0, 10)
    scene.collection.objects.link(cam)
    scene.camera = cam
    return scene


def render_scatter(directory: str) -> dict:
    """20 copies of a small cube scattered by Geometry Nodes on a 5 x 4 grid (spacing
    1), seen from above by an orthographic camera; the scattering object moves +0.5
    in x from frame 1 to 2. Depth, position, object index and instance ids."""
    scene = _top_view()
    scene.frame_start, scene.frame_end = 1, 2
    _object("Ground", _rect("Ground", -6, 6, -5, 5), (0, 0, -1), 1, _material("GroundMat", 1))
    part = bpy.data.objects.new("Part", _cube("Part", 0.5))
    part.data.materials.append(_material("PartMat", 2))
    scene.collection.objects.link(part)
    part.hide_render = True  # only its copies render
    holder = bpy.data.objects.new("Scatter", bpy.data.meshes.new("ScatterPoints"))
    holder.pass_index = 3
    scene.collection.objects.link(holder)
    group = bpy.data.node_groups.new("Scatter", "GeometryNodeTree")
    group.interface.new_socket("Geometry", in_out="OUTPUT", socket_type="NodeSocketGeometry")
    grid = group.nodes.new("GeometryNodeMeshGrid")
    grid.inputs["Vertices X"].default_value, grid.inputs["Vertices Y"].default_value = 5, 4
    grid.inputs["Size X"].default_value, grid.inputs["Size Y"].default_value = 4.0, 3.0
    on_points = group.nodes.new("GeometryNodeInstanceOnPoints")
    info = group.nodes.new("GeometryNodeObjectInfo")
    info.inputs["Object"].default_value = part
    output = group.nodes.new("NodeGroupOutput")
    group.links.new(grid.outputs["Mesh"], on_points.inputs["Points"])
    group.links.new(info.outputs["Geometry"], on_points.inputs["Instance"])
    group.links.new(on_points.outputs["Instances"], output.inputs[0])
    holder.modifiers.new("Scatter", "NODES").node_group = group
    for frame, x in ((1, -0.5), (2, 0.0)):
        holder.location = (x, 0.0, 0.0)
        holder.keyframe_insert("location", frame=frame)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "s_"
    gt.use_depth = gt.use_position = gt.use_object_index = gt.use_instance_id = True
    centres = {}
    for frame in (1, 2):  # the copies' centres, from Blender's own instance list
        scene.frame_set(frame)
        depsgraph = bpy.context.evaluated_depsgraph_get()
        centres[str(frame)] = {
            f"Scatter#0.{inst.persistent_id[1]}": list(inst.matrix_world.translation)
            for inst in depsgraph.object_instances
            if inst.is_instance and inst.parent.name == "Scatter"}
    scene.frame_set(1)
    bpy.ops.render.render(animation=True)
    return {"files": sorted(os.listdir(directory)), "centres": centres}


def render_particles(directory: str) -> dict:
    """A particle system on a 4 x 3 grid (12 vertices, one particle each, no physics)
    instancing a small cube, seen from above by an orthographic camera; frame 2 with
    depth, object index and instance ids."""
    import bmesh

    scene = _top_view()
    part = bpy.data.objects.new("Pebble", _cube("Pebble", 0.5))
    part.data.materials.append(_material("PebbleMat", 2))
    part.location = (100, 100, 0)  # away from the view: only its copies are seen
    scene.collection.objects.link(part)
    mesh = bpy.data.meshes.new("Field")
    bm = bmesh.new()
    for x in range(4):
        for y in range(3):
            bm.verts.new((x - 1.5, y - 1.0, 0.0))
    bm.to_mesh(mesh)
    bm.free()
    emitter = bpy.data.objects.new("Emitter", mesh)
    scene.collection.objects.link(emitter)
    emitter.modifiers.new("Particles", "PARTICLE_SYSTEM")
    settings = emitter.particle_systems[0].settings
    settings.count, settings.emit_from, settings.use_emit_random = 12, "VERT", False
    settings.frame_start = settings.frame_end = 1
    settings.lifetime = 1000
    settings.physics_type = "NO"
    settings.render_type, settings.instance_object = "OBJECT", part
    settings.particle_size, settings.use_rotation_instance = 1.0, False
    emitter.show_instancer_for_render = False
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "p_"
    gt.use_depth = gt.use_object_index = gt.use_instance_id = True
    scene.frame_set(2)
    depsgraph = bpy.context.evaluated_depsgraph_get()
    centres = {}
    for inst in depsgraph.object_instances:
        if inst.is_instance and inst.parent.name == "Emitter":
            index = ".".join(str(i) for i in inst.persistent_id if i != 2**31 - 1)
            centres[f"Emitter/Pebble#{index}"] = list(inst.matrix_world.translation)
    bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory)), "centres": centres}


def note_story(directory: str, burn_in: bool = False) -> dict:
    """The user's own stamp Note survives a render that records the camera."""
    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.render.use_stamp_note = True
    scene.render.stamp_note_text = "take 7, lens check"
    scene.render.use_stamp = burn_in
    scene.groundtruth.directory = directory
    scene.groundtruth.use_depth = True
    scene.frame_set(2)
    bpy.ops.render.render(animation=True)
    return {
        "after": [scene.render.use_stamp_note, scene.render.stamp_note_text],
        "frame_after": scene.frame_current,
        "files": sorted(os.listdir(directory)),
    }


def render_clean_edges(directory: str, clean: bool = True) -> dict:
    """Frame 2 of the analytic scene with 16 samples, with or without clean edges."""
    import time

    scene = build_analytic_scene()
    scene.cycles.samples = 16
    scene.render.filepath = os.path.join(directory, "beauty_")
    _enable_all(scene, directory)
    scene.groundtruth.clean_edges = clean
    scene.frame_set(2)
    start = time.perf_counter()
    bpy.ops.render.render(write_still=True)
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "layers": [(v.name, v.use, v.samples) for v in scene.view_layers],
        "owned": sorted(n.get("blender_gt") for n in scene_tree(scene).nodes
                        if n.get("blender_gt")),
        "main_passes": {p: getattr(scene.view_layers[0], p) for p in (
            "use_pass_z", "use_pass_normal", "use_pass_vector", "use_pass_emit")},
    }


def render_foreign(directory: str) -> dict:
    """One animation written three ways: the add-on's file, Blender's multilayer render
    output, and single-pass EXRs from File Output nodes wired by hand."""
    scene = build_analytic_scene()
    _enable_all(scene, os.path.join(directory, "ours") + "/")
    settings = scene.render.image_settings
    if hasattr(settings, "media_type"):  # Blender 5.0
        settings.media_type = "MULTI_LAYER_IMAGE"
    settings.file_format = "OPEN_EXR_MULTILAYER"
    settings.color_depth = "32"
    scene.render.filepath = os.path.join(directory, "render", "ro_")
    single = os.path.join(directory, "single") + "/"
    tree = scene_tree(scene)
    rl = next(n for n in tree.nodes if n.bl_idname == "CompositorNodeRLayers")
    blender_5 = bpy.app.version >= (5, 0, 0)
    sockets = {"Depth": "Depth", "Normal": "Normal", "Vector": "Vector",
               "IndexOB": "Object Index" if blender_5 else "IndexOB",
               "Emit": "Emission" if blender_5 else "Emit"}
    for name, socket in sockets.items():
        node = tree.nodes.new("CompositorNodeOutputFile")
        source = rl.outputs[socket]
        if blender_5:
            node.format.media_type = "IMAGE"
            node.format.file_format = "OPEN_EXR"
            node.format.color_depth = "32"
            node.directory, node.file_name = single, name + "####"
            kind = {"VALUE": "FLOAT", "VECTOR": "VECTOR", "RGBA": "RGBA"}[source.type]
            item = node.file_output_items.new(kind, name)
            if name == "Vector":
                item.vector_socket_dimensions = 4
        else:
            node.format.file_format = "OPEN_EXR"
            node.format.color_depth = "32"
            node.base_path = single
            node.file_slots[0].path = name
        tree.links.new(source, node.inputs[0])
    bpy.ops.render.render(animation=True)
    return {"render": sorted(os.listdir(os.path.join(directory, "render"))),
            "single": sorted(os.listdir(single)),
            "ours": sorted(os.listdir(os.path.join(directory, "ours")))}


def layers_story(directory: str) -> dict:
    """Several view layers (one not rendering, one renamed), a second scene, no camera."""
    from blender_gt_addon.blender import checks

    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.view_layers[0].name = "Main"
    scene.view_layers.new("Background")
    off = scene.view_layers.new("Switched off")
    off.use = False
    _enable_all(scene, directory)
    other = bpy.data.scenes.new("Other scene")
    other.groundtruth.directory = directory
    story = {"problems": [list(p) for p in ((q.level, q.message) for q in checks.problems(scene))]}
    story["other_problems"] = [(q.level, q.message) for q in checks.problems(other)]
    other.groundtruth.use_depth = True
    story["other_problems_on"] = [(q.level, q.message) for q in checks.problems(other)]
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    story["files"] = sorted(os.listdir(directory))
    return story


def undo_story(elsewhere: str) -> dict:
    """Tick outputs, then undo: the scene is as it was, the user's nodes included."""
    scene = build_analytic_scene()
    _user_compositor(scene, elsewhere)
    bpy.ops.ed.undo_push(message="before ground truth")
    story = {"before": _snapshot(scene)}
    scene.groundtruth.use_depth = True
    scene.groundtruth.use_flow = True
    bpy.ops.ed.undo_push(message="tick depth and flow")
    story["ticked"] = _snapshot(bpy.context.scene)
    bpy.ops.ed.undo()
    scene = bpy.context.scene  # undo replaces the data
    story["undone"] = _snapshot(scene)
    story["settings_undone"] = [scene.groundtruth.use_depth, scene.groundtruth.use_flow]
    bpy.ops.ed.redo()
    scene = bpy.context.scene
    story["redone"] = _snapshot(scene)
    story["settings_redone"] = [scene.groundtruth.use_depth, scene.groundtruth.use_flow]
    return story


def render_compositing_off(directory: str) -> dict:
    """A user's compositor (an Invert node) that the render skips: compositing off on
    5.x, Use Nodes unticked on 4.x, as older .blend files open. Ticking outputs writes
    the ground truth and keeps the plain render as the image; unticking gives it all back."""
    from blender_gt_addon.blender import compat, compositor

    scene = build_analytic_scene()
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.render.image_settings.file_format = "OPEN_EXR"
    tree = compat.user_compositor_tree(scene, create=True)
    for node in list(tree.nodes):
        tree.nodes.remove(node)
    rl = tree.nodes.new("CompositorNodeRLayers")
    rl.name = "My Render Layers"
    invert = tree.nodes.new("CompositorNodeInvert")
    invert.name = "My Invert"
    tree.links.new(rl.outputs["Image"], invert.inputs["Color"])
    for node in compat.add_beauty_output(tree, invert.outputs[0]):
        node.name = "My Output"
    _switch_compositing_off(scene)
    assert compat.compositing_is_off(scene)
    user_before = _inventory(scene)
    _enable_all(scene, directory)
    facts = {"problems": [[p.level, p.message] for p in _problems(scene)],
             "off_after_ticking": compat.compositing_is_off(scene)}
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    facts["files"] = sorted(os.listdir(directory))
    for key in ALL_OUTPUTS:
        setattr(scene.groundtruth, f"use_{key}", False)
    facts["off_after_unticking"] = compat.compositing_is_off(scene)
    facts["user_nodes_kept"] = _inventory(scene) == user_before
    facts["owned_left"] = scene.groundtruth.owned_compositing
    facts["own_nodes_left"] = [n["name"] for n in _inventory(scene)["nodes"] if n["owner"]]
    facts["own_tree"] = compat.compositor_tree(scene, create=False)[0] is not None and \
        compositor.owned_nodes(compat.compositor_tree(scene, create=False)[0],
                               compositor.ROLE_FILE_OUTPUT) != []
    return facts


def _switch_compositing_off(scene) -> None:
    from blender_gt_addon.blender import compat

    if compat.has("compositor_node_group"):
        scene.render.use_compositing = False
    else:
        scene.use_nodes = False


def _problems(scene):
    from blender_gt_addon.blender import checks

    return checks.problems(scene)


def render_many_objects(directory: str, count: int = 1024) -> dict:
    """``count`` small cubes named Part.0000... in a grid, each its own pass_index
    (index + 1): every object must come back with its own instance id and name."""
    scene = _reset()
    side = math.ceil(math.sqrt(count))
    scene.render.resolution_x = scene.render.resolution_y = side * 8
    scene.cycles.samples = 1
    scene.cycles.filter_width = 0.01  # each pixel sees one object: ids never mix
    cam_data = bpy.data.cameras.new("Camera")
    cam_data.type = "ORTHO"
    cam_data.ortho_scale = float(side)
    cam = bpy.data.objects.new("Camera", cam_data)
    cam.location = (0, 0, 10)
    scene.collection.objects.link(cam)
    scene.camera = cam
    mesh = _cube("Part", 0.6)
    mat = _material("PartMat", 1)
    mesh.materials.append(mat)
    for i in range(count):
        obj = bpy.data.objects.new(f"Part.{i:04d}", mesh)
        obj.location = ((i % side) - side / 2 + 0.5, side / 2 - 0.5 - (i // side), 0)
        obj.pass_index = i + 1
        scene.collection.objects.link(obj)
    gt = scene.groundtruth
    gt.directory = directory
    gt.use_object_index = gt.use_instance_id = True
    scene.frame_set(1)
    bpy.ops.render.render(write_still=True)
    return {"files": sorted(os.listdir(directory))}
