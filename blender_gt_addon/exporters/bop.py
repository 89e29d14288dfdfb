# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``bop``: a scene folder in the BOP format (BOP toolkit, ``docs/bop_datasets_format.md``,
the BOP-scenewise layout), for 6D object pose estimation.

The output folder is one scene (``train|val|test/SCENE_ID`` of a BOP dataset)::

    scene_camera.json   {image id: {cam_K, depth_scale, cam_R_w2c, cam_t_w2c}}
    scene_gt.json       {image id: [{cam_R_m2c, cam_t_m2c, obj_id}, ...]}
    scene_gt_info.json  {image id: [{bbox_obj, bbox_visib, px_count_all,
                                     px_count_valid, px_count_visib, visib_fract}, ...]}
    rgb/NNNNNN.png      8-bit RGB: the image sRGB-encoded (colour.srgb), over black
    depth/NNNNNN.png    16-bit: planar depth in mm / depth_scale, rounded; 0 = no data
    mask_visib/NNNNNN_MMMMMM.png   8-bit, 255 on the visible pixels of annotation MMMMMM
    mask/NNNNNN_MMMMMM.png         (option amodal_masks) 255 on its full silhouette
    models/obj_MMMMMM.ply          (with models) the models of scaled objects, baked

Conventions, as BOP's:

- Image id NNNNNN: the frame number (frames numbered 0 or more, all different),
  else 0, 1, ... in frame order. Annotation MMMMMM: the index in the image's list of
  ``scene_gt.json`` (objects in instance-id order).
- Units: mm (scene units are taken as metres: x 1000). Rotations row-major 3x3,
  translations 3-vectors. Camera axes OpenCV (x right, y down, z forward); ``cam_K``
  row-major with integer pixel coordinates at pixel centres (as BOP's renderer).
- ``obj_id``: the object's pass index (its class: instances of one model share it).
  Objects with pass index 0 are left out, and counted in the summary.
- ``cam_R_m2c``, ``cam_t_m2c``: ``gt.poses[id].object_to_camera``. BOP poses are
  rigid: a uniform object scale s is taken out of the rotation (the model must then
  be the mesh scaled by s, in mm). An object scaled non-uniformly, sheared, mirrored,
  or scaled unlike the other objects of its obj_id (:mod:`.bop_poses`): with
  ``models``, its scale is baked into a new model ``models/obj_MMMMMM.ply`` written
  in the scene folder (a new obj_id M above every one in use; copy it to the
  dataset's ``models/``) and its pose is rigid; without, it is left out of the json
  files and masks, and the summary names it.
- ``px_count_all``, ``bbox_obj``: the object's full silhouette on a canvas 3 times
  the image (as the toolkit's ``calc_gt_info.py``), so parts out of the image count:
  with ``models``, the model ``models/obj_NNNNNN.ply`` (mm) in its pose rasterised at
  pixel centres; without, the file's amodal masks (the Amodal masks output:
  ``gt.amodal_masks``, the evaluated mesh rasterised the same way when rendering).
  Visible pixels: the object's ``instance_id`` pixels inside that silhouette
  (rendered visibility, no depth tolerance ``delta``).
- ``px_count_valid``: silhouette pixels in the image with depth data (non-zero PNG).
- ``visib_fract`` = px_count_visib / px_count_all (0 when px_count_all is 0).
- Boxes ``[x, y, w, h]`` as the toolkit's ``misc.calc_2d_bbox``: x, y the top-left
  pixel, w = x_max - x_min and h = y_max - y_min (pixel indices, so a one-pixel
  object is ``[x, y, 0, 0]``; COCO's w would be 1), ``bbox_obj`` not clipped to the
  image; ``[-1, -1, -1, -1]`` for both when no pixel is visible (as the toolkit).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..pictures.colour import srgb, to_uint8
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .bop_models import model_path, read_model
from .bop_poses import MM_PER_UNIT, plan_poses
from .common import ExportError, Notes, Options, atomic_path, make_folder, write_png16
from .images import depth_png16, write_png8
from .raster import project_vertices, silhouette

__all__ = ["bop_box", "pose_mm", "write"]

_SCALE_TOLERANCE = 1e-6  # relative: scale 1, uniform, no shear


def pose_mm(object_to_camera: np.ndarray, name: str = "object") -> tuple[np.ndarray,
                                                                          np.ndarray, float]:
    """``(R, t_mm, scale)`` of a 4x4 object-to-camera matrix: R (3, 3) a rotation,
    t (3,) in mm, the object's uniform scale taken out.

    Raises:
        ExportError: the matrix scales non-uniformly or shears (no rigid BOP pose).
    """
    m = np.asarray(object_to_camera, dtype=np.float64)
    linear = m[:3, :3]
    scales = np.linalg.norm(linear, axis=0)
    scale = float(scales.mean())
    rotation = linear / scale
    if (np.abs(scales - scale).max() > _SCALE_TOLERANCE * scale
            or np.abs(rotation.T @ rotation - np.eye(3)).max() > _SCALE_TOLERANCE
            or np.linalg.det(rotation) < 0):
        raise ExportError(f"{name}: scaled by {np.round(scales, 6).tolist()} (non-uniform, "
                          "sheared or mirrored): BOP poses are rigid; apply the scale in "
                          "Blender (Ctrl+A > Scale) and write the model from the scaled mesh")
    return rotation, m[:3, 3] * MM_PER_UNIT, scale


def bop_box(mask: np.ndarray, offset: tuple[int, int] = (0, 0)) -> list[int]:
    """``[x, y, w, h]`` of a mask as the BOP toolkit computes it (``w = x_max - x_min``),
    in image pixels (``offset`` = the canvas margin); ``[-1] * 4`` when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return [-1, -1, -1, -1]
    x, y = int(cols[0]) - offset[0], int(rows[0]) - offset[1]
    return [x, y, int(cols[-1] - cols[0]), int(rows[-1] - rows[0])]


def _image_ids(frames: list[GroundTruthFrame]) -> list[int]:
    numbers = [f.frame for f in frames]
    if None not in numbers and len(set(numbers)) == len(numbers) and min(numbers) >= 0:
        return [int(n) for n in numbers]
    return list(range(len(frames)))


def _check(frames: list[GroundTruthFrame], options: Options) -> None:
    """Check every header before any pixel: amodal masks or models, outputs, camera,
    poses."""
    if not options.models:
        lacking = [str(f.path) for f in frames if not f.amodal_masks]
        if lacking:
            raise ExportError(
                f"{lacking[0]}: has no amodal masks, so bop needs --models DIR: BOP models "
                "obj_NNNNNN.ply in mm, one a pass index (px_count_all and bbox_obj need "
                "each object's full silhouette; write them with blender_gt_addon."
                "exporters.bop_models.write_model_ply), or render with Amodal masks ticked")
    elif not Path(options.models).is_dir():
        raise ExportError(f"{options.models}: no such folder of BOP models")
    if not options.depth_scale > 0:
        raise ExportError(f"depth scale {options.depth_scale}: must be above 0 (mm a step)")
    for frame in frames:
        missing = [p for p in ("depth", "image") if p not in frame.passes]
        if missing:
            raise ExportError(f"{frame.path}: has no {' or '.join(missing)} output, which "
                              "bop needs (depth/ and rgb/)")
        camera = frame.camera
        if camera is None or camera.type != "PERSP":
            raise ExportError(f"{frame.path}: bop needs a perspective camera in the file "
                              f"(found {'none' if camera is None else camera.type})")
        if not frame.poses:
            raise ExportError(f"{frame.path}: records no object poses (the blender-gt/frame "
                              "header has no objects): render it again with this add-on")


_MODELS: dict[str, tuple[np.ndarray, np.ndarray]] = {}  # per worker process


def _model(path: Path) -> tuple[np.ndarray, np.ndarray]:
    stat = path.stat()  # a model rewritten since (a baked one) is read again
    key = f"{path}:{stat.st_mtime_ns}:{stat.st_size}"
    if key not in _MODELS:
        _MODELS[key] = read_model(path)
    return _MODELS[key]


def _save_png(path: Path, array: np.ndarray) -> str:
    """An 8-bit PNG (grey (H, W) or RGB (H, W, 3) uint8), written atomically; its
    path."""
    from PIL import Image

    with atomic_path(path) as partial:
        if array.ndim == 3:
            write_png8(partial, array)
        else:
            Image.fromarray(np.ascontiguousarray(array)).save(partial, optimize=False)
    return str(path)


def _bop_frame(job: tuple[str, int, str, dict, float, bool]) -> dict[str, Any]:
    """Write one image's PNGs and return its entries of the three json files."""
    src, im_id, folder, poses, depth_scale, amodal = job
    frame = reader.read(src)
    out = Path(folder)
    camera = frame.camera
    notes: dict[str, int] = {}
    stored, lost = depth_png16(frame.depth, MM_PER_UNIT / depth_scale)
    if lost:
        notes["depth pixels out of the 16-bit range (written as 0)"] = lost
    with atomic_path(out / "depth" / f"{im_id:06d}.png") as partial:
        write_png16(partial, stored)
    files = [str(out / "depth" / f"{im_id:06d}.png"),
             _save_png(out / "rgb" / f"{im_id:06d}.png", to_uint8(srgb(frame.image)))]
    w2c = camera.world_to_camera
    cam = {"cam_K": camera.K.ravel().tolist(), "depth_scale": float(depth_scale),
           "cam_R_w2c": w2c[:3, :3].ravel().tolist(),
           "cam_t_w2c": (w2c[:3, 3] * MM_PER_UNIT).tolist()}
    ids = frame.instance_id
    gts, infos = [], []
    for pose in frame.poses.values():
        if pose.id not in poses:  # pass index 0, or not rigid without models to bake
            continue
        obj_id, rotation, t_mm, models = poses[pose.id]
        rotation, t_mm = np.reshape(rotation, (3, 3)), np.asarray(t_mm)
        if models:
            px_all, bbox_obj, full = _model_silhouette(models, obj_id, rotation, t_mm,
                                                       camera, notes)
            key = "rendered pixels outside their model's silhouette (left out)"
        else:
            px_all, bbox_obj, full = _amodal_silhouette(frame, pose, notes)
            key = "rendered pixels outside their amodal mask (left out)"
        rendered = ids == pose.id
        visible = rendered & full
        outside = int((rendered & ~full).sum())
        if outside:
            notes[key] = notes.get(key, 0) + outside
        gt_id = len(gts)
        px_visib = int(visible.sum())
        gts.append({"cam_R_m2c": rotation.ravel().tolist(), "cam_t_m2c": t_mm.tolist(),
                    "obj_id": int(obj_id)})
        infos.append({
            "bbox_obj": bbox_obj if px_visib else [-1, -1, -1, -1],
            "bbox_visib": bop_box(visible),
            "px_count_all": px_all,
            "px_count_valid": int((full & (stored > 0)).sum()),
            "px_count_visib": px_visib,
            "visib_fract": px_visib / px_all if px_all else 0.0,
        })
        files.append(_save_png(out / "mask_visib" / f"{im_id:06d}_{gt_id:06d}.png",
                               visible.astype(np.uint8) * 255))
        if amodal:
            files.append(_save_png(out / "mask" / f"{im_id:06d}_{gt_id:06d}.png",
                                   full.astype(np.uint8) * 255))
    return {"im_id": im_id, "camera": cam, "gt": gts, "info": infos, "notes": notes,
            "files": files}


def _model_silhouette(models: str, obj_id: int, rotation, t_mm, camera, notes):
    """``(px_count_all, bbox_obj, (H, W) silhouette in the image)`` of model ``obj_id``
    (in the folder ``models``) in its pose, on the canvas 3 x the image."""
    width, height = camera.width, camera.height
    vertices, faces = _model(model_path(models, obj_id))
    uv, z = project_vertices(vertices, rotation, t_mm, camera.K)
    front = (z[faces] > 0).all(axis=1)
    if not front.all():
        key = "model triangles behind the camera (left out of silhouettes)"
        notes[key] = notes.get(key, 0) + int((~front).sum())
    large = silhouette(uv, faces[front], width, height, (width, height))
    return (int(large.sum()), bop_box(large, (width, height)),
            large[height:2 * height, width:2 * width])


def _amodal_silhouette(frame: GroundTruthFrame, pose, notes):
    """The same from the file's amodal mask of the object (its evaluated mesh)."""
    mask = frame.amodal_masks.get(pose.id)
    if mask is None:
        key = "objects without an amodal mask (no surface mesh; px_count_all 0)"
        notes[key] = notes.get(key, 0) + 1
        return 0, [-1, -1, -1, -1], np.zeros((frame.height, frame.width), dtype=bool)
    x0, y0, x1, y1 = mask.box
    box = [x0, y0, x1 - 1 - x0, y1 - 1 - y0] if mask.pixels else [-1, -1, -1, -1]
    return mask.pixels, box, mask.in_image(frame.width, frame.height)


def _json_text(entries: dict[int, Any]) -> str:
    """BOP's layout: one image a line, ids in numeric order, keys sorted."""
    lines = [f'  "{im_id}": {json.dumps(entries[im_id], sort_keys=True)}'
             for im_id in sorted(entries)]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the BOP scene of ``frames`` in the folder of ``path``; ``path`` (the
    temporary name of ``scene_gt.json``) last, so a complete ``scene_gt.json`` means a
    complete scene."""
    _check(frames, options)
    folder = path.parent
    plan = plan_poses(frames, options.models, folder)
    for sub in ("rgb", "depth", "mask_visib") + (("mask",) if options.amodal_masks else ()):
        make_folder(folder / sub)
    jobs_list = [(str(f.path), im_id, str(folder), poses, float(options.depth_scale),
                  bool(options.amodal_masks))
                 for f, im_id, poses in zip(frames, _image_ids(frames), plan.poses,
                                            strict=True)]
    done = parallel_map(_bop_frame, jobs_list, jobs=jobs, progress=progress,
                        desc="export bop")
    notes = Notes(files=[folder / n for n in ("scene_camera.json", "scene_gt_info.json")]
                  + plan.files + [Path(p) for d in done for p in d["files"]])
    for item in done:
        for what, count in item["notes"].items():
            notes[what] = notes.get(what, 0) + count
    for name, key in (("scene_camera.json", "camera"), ("scene_gt_info.json", "info")):
        with atomic_path(folder / name) as partial:
            partial.write_text(_json_text({d["im_id"]: d[key] for d in done}))
    path.write_text(_json_text({d["im_id"]: d["gt"] for d in done}))
    notes.update(plan.notes())
    return notes
