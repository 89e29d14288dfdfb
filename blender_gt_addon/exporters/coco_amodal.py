# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``coco-amodal``: one COCO json for all frames with amodal annotations, in the layout
UOAIS reads (gist-ailab/uoais ``adet/data/uoais.py: load_uoais_json`` and
``adet/data/detection_utils.py: annotations_to_instances``).

From the files' amodal masks (the Amodal masks output, ``gt.amodal``) and instance
ids: an annotation per object (and instanced copy) with a pass index above 0 whose
amodal mask covers a pixel of the image:

- ``segmentation``: the **amodal** mask (the whole silhouette in the image, occlusion
  ignored), COCO compressed RLE;
- ``visible_mask``: its visible pixels (the object's ``instance_id`` pixels inside the
  amodal mask), RLE; ``occluded_mask``: amodal minus visible, RLE;
- ``occluded_rate``: occluded / amodal pixels, both counted in the image (a part out
  of the image is neither: truncation is not occlusion; UOAIS calls an object
  occluded at ``occluded_rate >= 0.05``);
- ``bbox``: the amodal mask's box ``[x, y, w, h]`` in the image (COCO: from the
  top-left pixel's corner, ``w = x_max - x_min + 1``), ``visible_bbox`` the visible
  one (``[0, 0, 0, 0]`` when nothing shows); ``area``: amodal pixels in the image;
- ``category_id``: the object's pass index (its class; named from ``names``, else
  ``"object N"``); ``instance_id``, ``name``: the file's id and object name; ``iscrowd`` 0.

Images: ``id`` (frame number when known and distinct, else 1, 2, ...), ``file_name``
the picture ``images/0001.png`` (8-bit sRGB RGB over black, written beside the json,
which is the image root UOAIS and COCO tools join ``file_name`` to), and
``depth_file_name`` ``depth/0001.png`` (16-bit grey, planar depth ``round(depth *
1000)``, mm when the scene unit is the metre, 0 = no data: nothing hit, nearer than
0.5 mm or farther than 65.535 m; written when every frame has depth), ``width``,
``height``, ``frame``. Frames without the image output keep the EXR file's name in
``file_name`` (and no ``depth_file_name``), as the summary says. Pictures are named
as ``--to nerf`` names them (frame number, 4 digits or more).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .coco import frame_image, picture_notes, rle_encode, rle_to_string
from .common import ExportError, Notes, Options
from .images import frame_names, picture_folders

__all__ = ["amodal_objects", "check_frames", "coco_box", "picture_jobs", "with_pictures",
           "write"]


def coco_box(mask: np.ndarray) -> list[int]:
    """``[x, y, w, h]`` of a mask, COCO's way (``w = x_max - x_min + 1``); zeros when empty."""
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    if not len(rows):
        return [0, 0, 0, 0]
    return [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
            int(rows[-1] - rows[0] + 1)]


def check_frames(frames: list[GroundTruthFrame], name: str) -> None:
    """Refuse frames without amodal masks or instance ids (before any pixel)."""
    for frame in frames:
        if not frame.amodal_masks:
            raise ExportError(f"{frame.path}: has no amodal masks, which {name} needs: "
                              "render with the Amodal masks output ticked")
        if "cryptomatte_object" not in frame.passes:
            raise ExportError(f"{frame.path}: has no instance_id output, which {name} needs "
                              "for the visible masks")


def amodal_objects(frame: GroundTruthFrame, notes: dict[str, int]):
    """``(id, name, pass index, amodal (H, W) bool, visible (H, W) bool)`` of each object
    with a pass index above 0 whose amodal mask reaches the image, in id order;
    ``visible`` = its ``instance_id`` pixels inside ``amodal``."""
    ids = frame.instance_id
    poses = frame.poses
    for number in frame.amodal_masks:
        pose = poses.get(number)
        if pose is None or pose.pass_index <= 0:
            key = "objects with pass index 0 (no category) left out"
            notes[key] = notes.get(key, 0) + 1
            continue
        amodal = frame.amodal(number)
        if not amodal.any():
            continue  # out of view
        yield number, pose.name, pose.pass_index, amodal, amodal & (ids == number)


def _rle(mask: np.ndarray) -> dict[str, Any]:
    rle = rle_encode(mask)
    return {"size": rle["size"], "counts": rle_to_string(rle["counts"])}


def _frame(job: tuple[str, str, str, bool, bool]) -> dict[str, Any]:
    path, root, stem, with_image, with_depth = job
    frame = reader.read(path)
    notes: dict[str, int] = {}
    annotations = []
    for number, name, pass_index, amodal, visible in amodal_objects(frame, notes):
        area = int(amodal.sum())
        occluded = amodal & ~visible
        annotations.append({
            "category_id": int(pass_index), "instance_id": int(number), "name": name,
            "bbox": coco_box(amodal), "area": area, "segmentation": _rle(amodal),
            "visible_mask": _rle(visible), "visible_bbox": coco_box(visible),
            "occluded_mask": _rle(occluded), "occluded_rate": int(occluded.sum()) / area,
            "iscrowd": 0,
        })
    done = frame_image(frame, root, stem, with_image, with_depth)
    return {**done, "annotations": annotations, "notes": notes}


def picture_jobs(frames: list[GroundTruthFrame], root: Path,
                 depth: bool) -> list[tuple[str, str, str, bool, bool]]:
    """``(EXR path, root, picture name, with image, with depth)`` a frame, the folders
    made (pictures when every frame has the image, depth maps when ``depth`` and
    every frame has depth)."""
    with_image, with_depth = picture_folders(frames, root, depth)
    return [(str(f.path), str(root), name, with_image, with_depth)
            for f, name in zip(frames, frame_names(frames), strict=True)]


def with_pictures(notes: dict[str, int], results: list[dict[str, Any]],
                  frames: list[GroundTruthFrame], depth: bool) -> Notes:
    """``notes`` and the pictures' notes and files (:func:`.coco.picture_notes`)."""
    with_image = all("image" in f.passes for f in frames)
    with_depth = depth and with_image and all("depth" in f.passes for f in frames)
    out = picture_notes(results, with_image, with_depth)
    out.update(notes)
    return out


def assemble(results: list[dict[str, Any]], frames: list[GroundTruthFrame],
             options: Options, description: str) -> tuple[dict[str, Any], dict[str, int]]:
    """The COCO dict of per-frame ``results`` (image, annotations, notes): image ids,
    annotation ids, categories; and the summed notes."""
    numbers = [f.frame for f in frames]
    use_frame_ids = None not in numbers and len(set(numbers)) == len(numbers)
    names = {int(k): str(v) for k, v in options.object_names.items()}
    images, annotations, notes = [], [], {}
    for i, done in enumerate(results):
        image = done["image"]
        if not use_frame_ids:
            image["id"] = i + 1
        images.append(image)
        for ann in done["annotations"]:
            ann["id"] = len(annotations) + 1
            ann["image_id"] = image["id"]
            annotations.append(ann)
        for what, count in done["notes"].items():
            notes[what] = notes.get(what, 0) + count
    present = sorted({a["category_id"] for a in annotations})
    categories = [{"id": c, "name": names.get(c, f"object {c}"), "supercategory": "object"}
                  for c in present]
    return {"info": {"description": description,
                     "date_created": time.strftime("%Y-%m-%d %H:%M:%S")},
            "licenses": [], "images": images, "annotations": annotations,
            "categories": categories}, notes


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the UOAIS-style COCO json of ``frames`` (headers) to ``path``."""
    check_frames(frames, "coco-amodal")
    results = parallel_map(_frame, picture_jobs(frames, path.parent, depth=True), jobs=jobs,
                           progress=progress, desc="export coco-amodal")
    coco, notes = assemble(results, frames, options,
                           "blender-gt ground truth, amodal (UOAIS layout): segmentation = "
                           "amodal mask, visible_mask, occluded_mask (compressed RLE), "
                           "occluded_rate; category = pass index")
    path.write_text(json.dumps(coco))
    return with_pictures(notes, results, frames, depth=True)
