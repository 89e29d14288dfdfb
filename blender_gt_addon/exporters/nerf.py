# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``nerf``: a ``transforms.json`` as nerfstudio and instant-ngp read it, with the
images and depth maps beside it. No ``bpy``; Pillow for the PNGs.

The folder::

    transforms.json
    images/0001.png    8-bit sRGB (RGBA with a transparent film), one a frame
    depth/0001.png     16-bit grey, planar depth in millimetres, 0 = no data

``transforms.json`` (one entry a frame in ``frames``; every value float64)::

    {"camera_model": "OPENCV", "depth_unit_scale_factor": 0.001,
     "integer_depth_scale": 0.001,
     "frames": [{"file_path": "images/0001.png", "depth_file_path": "depth/0001.png",
                 "depth_path": "depth/0001.png", "fl_x": ..., "fl_y": ..., "cx": ...,
                 "cy": ..., "w": W, "h": H, "transform_matrix": [[...] x 4]}, ...]}

Conventions, each as the readers define it (nerfstudio, commit 50e0e3c:
``docs/quickstart/data_conventions.md``, ``nerfstudio/cameras/cameras.py``,
``nerfstudio/data/dataparsers/nerfstudio_dataparser.py``,
``nerfstudio/models/depth_nerfacto.py``; instant-ngp, commit abe236e:
``src/nerf_loader.cu``, ``src/testbed_nerf.cu``):

- ``transform_matrix``: camera to world, 4x4, in OpenGL camera axes (x right, y up,
  z backward: the camera looks down its -z), scene units, no scaling or recentring:
  :attr:`blender_gt_addon.camera.Camera.camera_to_world_opengl`. nerfstudio then
  re-orients, centres and scales the poses itself (its dataparser options).
- Intrinsics per frame (both readers take per-frame ``fl_x fl_y cx cy w h``), in
  pixels. Pixel centres: nerfstudio shoots the ray of pixel (col, row) through
  (col + 0.5, row + 0.5) (``Cameras.get_image_coords(pixel_offset=0.5)``, then
  ``(x - cx) / fx``); instant-ngp takes ``cx / w`` as the principal point on an image
  spanning [0, 1]. Our ``K`` puts pixel centres at integers, so ``cx = K[0, 2] + 0.5``,
  ``cy = K[1, 2] + 0.5`` (:func:`.images.corner_intrinsics`); ``fl_x = K[0, 0]``,
  ``fl_y = K[1, 1]`` (they differ for non-square pixels).
- Depth: **planar** (z-depth along the camera axis), as both expect by default:
  nerfstudio's depth-nerfacto has ``is_euclidean_depth = False`` ("z-distances") and
  multiplies by the ray's direction norm; instant-ngp multiplies the depth by the
  length of the unnormalised ray (z = 1). Stored as ``round(depth * 1000)`` in a
  16-bit PNG, 0 = no data (nothing hit, nearer than 0.5 mm, farther than 65.535 m;
  the last two are counted in the summary), so in millimetres when the scene unit is
  the metre. nerfstudio reads ``depth_file_path`` and scales by its
  ``depth_unit_scale_factor`` option, whose default is 1e-3 (the key of that name in
  the file only records it; nerfstudio takes it from its command line);
  instant-ngp reads ``depth_path`` and the file's ``integer_depth_scale``.
- Images: the beauty image (linear, premultiplied) through
  :func:`.images.image_8bit`: sRGB-encoded (:func:`..pictures.colour.srgb`: clipped
  to [0, 1], the IEC 61966-2-1 curve, Blender's *Standard* view without dither),
  rounded to 8 bits. PNG only: no option chooses EXR yet.
- ``camera_model`` ``OPENCV`` with no distortion terms: a pinhole (nerfstudio's
  ``PERSPECTIVE``). Frames are named by frame number (:func:`.images.frame_names`);
  nerfstudio sorts frames by file name.

Every frame needs the image output and a perspective camera; depth is written when
every frame has it (nerfstudio takes depth for all frames or none).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .. import reader
from ..camera import Camera
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .common import Notes, Options, atomic_path, make_folder, write_png16
from .images import (
    corner_intrinsics,
    depth_png16,
    frame_names,
    image_8bit,
    perspective_cameras,
    write_png8,
)

__all__ = ["DEPTH_FOLDER", "DEPTH_STEPS_PER_UNIT", "IMAGE_FOLDER", "frame_entry",
           "transforms", "write"]

IMAGE_FOLDER = "images"
DEPTH_FOLDER = "depth"
DEPTH_STEPS_PER_UNIT = 1000.0  # depth PNG steps per scene unit: mm for metres
DEPTH_UNIT_SCALE = 1.0 / DEPTH_STEPS_PER_UNIT  # nerfstudio's depth_unit_scale_factor


def frame_entry(camera: Camera, name: str, depth: bool) -> dict[str, Any]:
    """The ``frames`` entry of one frame: its image (and depth) file, intrinsics in
    the pixel-corner convention and ``transform_matrix`` (camera to world, OpenGL
    camera axes)."""
    fx, fy, cx, cy = corner_intrinsics(camera)
    entry: dict[str, Any] = {"file_path": f"{IMAGE_FOLDER}/{name}.png"}
    if depth:
        entry["depth_file_path"] = entry["depth_path"] = f"{DEPTH_FOLDER}/{name}.png"
    entry.update({"fl_x": fx, "fl_y": fy, "cx": cx, "cy": cy, "w": int(camera.width),
                  "h": int(camera.height),
                  "transform_matrix": camera.camera_to_world_opengl.tolist()})
    return entry


def transforms(cameras: list[Camera], names: list[str], depth: bool) -> dict[str, Any]:
    """The whole ``transforms.json`` of frames with these cameras and names."""
    doc: dict[str, Any] = {"camera_model": "OPENCV"}
    if depth:
        doc["depth_unit_scale_factor"] = DEPTH_UNIT_SCALE
        doc["integer_depth_scale"] = DEPTH_UNIT_SCALE
    doc["frames"] = [frame_entry(c, n, depth) for c, n in zip(cameras, names, strict=True)]
    return doc


def _nerf_frame(job: tuple[str, str, str, bool]) -> dict[str, int]:
    """Write one frame's image (and depth) PNG (in a worker process)."""
    src, folder, name, with_depth = job
    frame = reader.read(src)
    root = Path(folder)
    with atomic_path(root / IMAGE_FOLDER / f"{name}.png") as partial:
        write_png8(partial, image_8bit(frame.image))
    lost = 0
    if with_depth:
        stored, lost = depth_png16(frame.depth, DEPTH_STEPS_PER_UNIT)
        with atomic_path(root / DEPTH_FOLDER / f"{name}.png") as partial:
            write_png16(partial, stored)
    return {"lost": lost}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write ``transforms.json`` to ``path`` and the PNGs into ``images/`` and
    ``depth/`` beside it, for ``frames`` (headers; pixels decoded in ``jobs``
    processes).

    Raises:
        ExportError: a frame without a camera, or with an orthographic one.
    """
    cameras = perspective_cameras(frames, "nerf")
    names = frame_names(frames)
    with_depth = all("depth" in f.passes for f in frames)
    root = path.parent
    make_folder(root / IMAGE_FOLDER)
    if with_depth:
        make_folder(root / DEPTH_FOLDER)
    done = parallel_map(_nerf_frame, [(str(f.path), str(root), n, with_depth)
                                      for f, n in zip(frames, names, strict=True)],
                        jobs=jobs, progress=progress, desc="export nerf")
    path.write_text(json.dumps(transforms(cameras, names, with_depth), indent=2) + "\n")
    notes = Notes({"images": len(frames)},
                  files=[root / folder / f"{n}.png" for n in names
                         for folder in (IMAGE_FOLDER, DEPTH_FOLDER)
                         if folder == IMAGE_FOLDER or with_depth])
    if with_depth:
        notes["depth maps"] = len(frames)
        lost = sum(d["lost"] for d in done)
        if lost:
            notes["depth pixels outside 0.0005..65.535 scene units (written as 0)"] = lost
    return notes
