# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stereo pairs through Blender's own multiview (:mod:`blender_gt_addon.stereo`).

Ticking *Stereo pair* turns on the scene's multiview (*Stereo 3D*, views ``left`` and
``right``) and sets the camera's stereo convergence mode to *Parallel*; the baseline
is the camera's own *Interocular Distance* and its pivot (``LEFT`` by default) says
which view is the scene camera. Blender then writes one file per view through the
add-on's File Output (``<prefix><frame>_L.exr``, ``_R.exr``); :func:`views` says
which files a frame wrote and with which camera offset, so that each gets its own
view's camera. Unticking gives back what the add-on switched on (multiview), never
what the user had on before.

A scene whose multiview the user turned on without the add-on is finished the same
way, as long as its rig is a parallel one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .. import stereo


@dataclass(frozen=True)
class View:
    """One view's file of a frame: its path, its camera's offset along the scene
    camera's x axis (``None``: the rig is refused, the file gets no camera) and the
    rig record to write into it (``None`` likewise)."""

    path: str
    offset: float | None
    rig: stereo.Rig | None


def _stereo_views(scene) -> list | None:
    """The scene's left and right render views, when it renders a stereo pair."""
    render = scene.render
    if not (render.use_multiview and render.views_format == "STEREO_3D"):
        return None
    views = [render.views.get(name) for name in stereo.VIEWS]
    if any(v is None for v in views):
        return None
    return views


def problem(scene) -> str | None:
    """Why the scene's stereo rig gives no exact ground truth, or ``None`` (also when
    the scene renders no stereo pair)."""
    if _stereo_views(scene) is None or scene.camera is None:
        return None
    data = scene.camera.data
    if data.type != "PERSP":
        return f"stereo: the camera is {data.type.lower()}, stereo pairs need a perspective one"
    rig = data.stereo
    return stereo.rig_problem(rig.convergence_mode, rig.pivot, rig.interocular_distance)


def views(scene, path: str) -> list[View]:
    """The files the current frame wrote for ``path`` (the File Output's name without
    a view), one per view, with each view's camera offset; ``[]`` when the scene
    renders one view only."""
    found = _stereo_views(scene)
    if found is None:
        return []
    stem = path[:-4] if path.lower().endswith(".exr") else path
    files = {name: f"{stem}{view.file_suffix}.exr" for name, view in zip(stereo.VIEWS, found,
                                                                         strict=True)}
    names = {name: _basename(p) for name, p in files.items()}
    refused = problem(scene) is not None or scene.camera is None
    result = []
    for name in stereo.VIEWS:
        if refused:
            result.append(View(files[name], None, None))
            continue
        rig = scene.camera.data.stereo
        baseline = float(rig.interocular_distance)
        result.append(View(files[name], stereo.view_offset(name, rig.pivot, baseline),
                           stereo.Rig(view=name, baseline=baseline, pivot=rig.pivot,
                                      files=names)))
    return result


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]


def apply(scene) -> None:
    """Turn the scene's stereo pair on or off as ``scene.groundtruth.use_stereo`` says."""
    settings = scene.groundtruth
    render = scene.render
    if settings.use_stereo:
        if not render.use_multiview:
            render.use_multiview = True
            settings.owned_multiview = True
        render.views_format = "STEREO_3D"
        for name in stereo.VIEWS:
            render.views[name].use = True
        if scene.camera is not None and scene.camera.type == "CAMERA":
            scene.camera.data.stereo.convergence_mode = "PARALLEL"
    elif settings.owned_multiview:
        render.use_multiview = False
        settings.owned_multiview = False
