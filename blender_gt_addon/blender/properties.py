# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The settings, ``scene.groundtruth``: saved in the .blend, applied on every change."""

from __future__ import annotations

import bpy

from .. import outputs
from . import compositor


def _on_change(self, context) -> None:
    # Setting a value from a script runs this too, so scripts behave like clicks.
    scene = self.id_data
    try:
        compositor.sync(scene)
    except Exception as exc:  # never a traceback in the UI: say it in the panel
        self.last_error = f"Could not update the compositor: {exc}"
        print(f"blender-gt: {self.last_error}")
    else:
        if self.last_error:
            self.last_error = ""


def _on_stereo_change(self, context) -> None:
    from . import stereo

    try:
        stereo.apply(self.id_data)
    except Exception as exc:  # never a traceback in the UI: say it in the panel
        self.last_error = f"Could not set up the stereo pair: {exc}"
        print(f"blender-gt: {self.last_error}")


def _annotations() -> dict:
    notes = {}
    for o in outputs.OUTPUTS:
        notes[f"use_{o.key}"] = bpy.props.BoolProperty(
            name=o.label, description=o.description, default=False, update=_on_change
        )
    notes["directory"] = bpy.props.StringProperty(
        name="Folder",
        description="Folder for the ground-truth files; '//' is the folder of the .blend file",
        default="//groundtruth/",
        subtype="DIR_PATH",
        update=_on_change,
    )
    notes["file_prefix"] = bpy.props.StringProperty(
        name="File prefix",
        description="Start of each file name; the frame number and .exr follow "
        "(prefix 'gt_' gives gt_0001.exr)",
        default="",
        update=_on_change,
    )
    notes["precision"] = bpy.props.EnumProperty(
        name="Precision",
        description="Float precision of the image and emission; data outputs are always 32-bit",
        items=outputs.PRECISIONS,
        default="HALF",
        update=_on_change,
    )
    notes["codec"] = bpy.props.EnumProperty(
        name="Codec",
        description="EXR compression (all choices are lossless)",
        items=outputs.CODECS,
        default=outputs.DEFAULT_CODEC,
        update=_on_change,
    )
    notes["use_stereo"] = bpy.props.BoolProperty(
        name="Stereo pair",
        description="Render a left and a right view (Blender's Stereo 3D, parallel rig, "
        "the camera's Interocular Distance as the baseline); every ticked output is "
        "written for each view, <prefix><frame>_L.exr and _R.exr",
        default=False,
        update=_on_stereo_change,
    )
    notes["clean_edges"] = bpy.props.BoolProperty(
        name="Clean edges",
        description="Never blend two surfaces in one pixel: depth, normal, flow and ids come "
        "from a second, 1-sample render of the scene (adds that render's time)",
        default=False,
        update=_on_change,
    )
    notes["crisp_samples"] = bpy.props.IntProperty(
        name="Crisp samples",
        description="With motion blur on, the data outputs (depth, flow, ids, ...) come "
        "from a render of their own without motion blur, at the frame's time: its samples "
        "per pixel (data needs few; Clean edges makes it 1)",
        default=16, min=1, max=65536, soft_max=1024,
        update=_on_change,
    )
    # Keypoints (blender_gt_addon.keypoints): recorded in the frame record, no pass.
    notes["keypoints"] = bpy.props.EnumProperty(
        name="Keypoints",
        description="Keypoints recorded in each frame's header with their exact "
        "visibility (needs depth and instance ids for visibility)",
        items=(("BONES", "Bones", "Head and tail of every deforming bone of each armature"),
               ("EMPTIES", "Empties", "Every empty parented to an object, at its origin"),
               ("GROUPS", "Vertex groups", "The weighted centre of each vertex group "
                "named in Keypoint groups")),
        options={"ENUM_FLAG"},
        default=set(),
    )
    notes["keypoint_groups"] = bpy.props.StringProperty(
        name="Keypoint groups",
        description="Vertex group names, comma-separated: each mesh holding one gives a "
        "keypoint at the group's weighted centre",
        default="",
    )
    notes["keypoint_names"] = bpy.props.StringProperty(
        name="Only keypoints",
        description="Comma-separated bone, empty or vertex group names to keep; empty "
        "keeps every keypoint",
        default="",
    )
    # Bookkeeping, not shown: which view-layer passes the add-on switched on, so
    # unticking turns off only those and never one the user had on.
    notes["owned_passes"] = bpy.props.StringProperty(options={"HIDDEN"})
    # Whether the add-on switched the scene's multiview on (Stereo pair), so that
    # unticking switches off only what it switched on.
    notes["owned_multiview"] = bpy.props.BoolProperty(options={"HIDDEN"})
    # What the add-on switched on because compositing was off (compat.switch_compositing_on),
    # given back when nothing is ticked; and the user's compositor node group while
    # the add-on's own one is the scene's (5.0-5.2).
    notes["owned_compositing"] = bpy.props.StringProperty(options={"HIDDEN"})
    notes["user_compositor"] = bpy.props.PointerProperty(type=bpy.types.NodeTree,
                                                         options={"HIDDEN"})
    notes["last_error"] = bpy.props.StringProperty(options={"HIDDEN", "SKIP_SAVE"})
    return notes


class GroundTruthSettings(bpy.types.PropertyGroup):
    """Ground-truth outputs of one scene."""

    __annotations__ = _annotations()


def register() -> None:
    bpy.types.Scene.groundtruth = bpy.props.PointerProperty(type=GroundTruthSettings)


def unregister() -> None:
    # Only the Python attribute goes: the values stay in the .blend for next time.
    del bpy.types.Scene.groundtruth
