# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``coco-keypoints``: one COCO keypoint json for all frames (person_keypoints layout).

Needs frames recording keypoints (the panel's Keypoints setting) with the ``depth`` and
``instance_id`` outputs (visibility). Beside the json, ``images/0001.png`` as ``--to
coco`` writes them (when the frames have an image).

- ``categories``: one per keypoint set's object (an armature, or the object the
  empties and vertex groups belong to), ``keypoints`` its keypoint names and
  ``skeleton`` its edges as **1-based** index pairs, as COCO's ``person``.
- ``annotations``: one per object and frame: ``keypoints`` ``[x1, y1, v1, ...]`` with
  x, y float pixels in COCO's convention, **the pixel centre at integer coordinates**
  (x = column, y = row, as blender-gt's own ``uv``; detectron2 adds 0.5 when it reads
  them), ``v`` 2 visible, 1 in the image but occluded, 0 out of view (then x = y = 0);
  ``num_keypoints`` (v > 0); ``bbox`` ``[x, y, w, h]`` (from the top-left pixel's
  corner), ``area`` and ``segmentation`` (compressed RLE) from the ``instance_id``
  pixels of its bodies (the keypoints' box, area 0, when no body pixel is seen).
  Extra fields: ``keypoints_uv`` (K x [x, y] float, also out of view; null behind the
  camera), ``keypoints_world`` and ``keypoints_camera`` (K x [x, y, z], scene units;
  Blender world axes, OpenCV camera axes), ``keypoints_visibility`` (K of
  ``"visible"``, ``"occluded_other"``, ``"occluded_self"``, ``"out_of_view"``) and
  ``keypoints_on_surface`` (K bool), see :mod:`blender_gt_addon.keypoints`.
"""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..keypoints import Located
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .coco import frame_image, picture_notes, rle_encode, rle_to_string
from .common import ExportError, Options
from .images import frame_names, picture_folders

__all__ = ["annotation", "write"]


def _state(located: Located, k: int) -> str:
    if not located.in_image[k]:
        return "out_of_view"
    if located.occluded_other[k]:
        return "occluded_other"
    if located.occluded_self[k]:
        return "occluded_self"
    return "visible"


def _finite(values) -> list | None:
    values = [float(x) for x in values]
    return values if all(math.isfinite(x) for x in values) else None


def annotation(located: Located, ids: np.ndarray) -> dict[str, Any]:
    """The COCO annotation of one keypoint set in one frame (without ``id``,
    ``image_id`` and ``category_id``); ``ids`` the frame's (H, W) ``instance_id``."""
    v = located.v
    flat: list[float] = []
    for k in range(len(located.names)):
        if v[k]:
            flat += [float(located.uv[k, 0]), float(located.uv[k, 1]), int(v[k])]
        else:
            flat += [0, 0, 0]
    mask = np.isin(ids, list(located.ids)) if located.ids else np.zeros(ids.shape, bool)
    if mask.any():
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        bbox = [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
                int(rows[-1] - rows[0] + 1)]
    elif (v > 0).any():  # no body pixel: the labelled keypoints' box (pixel edges)
        uv = located.uv[v > 0]
        low, high = uv.min(axis=0) + 0.5, uv.max(axis=0) + 0.5
        bbox = [float(low[0]), float(low[1]), float(high[0] - low[0]),
                float(high[1] - low[1])]
    else:
        bbox = [0, 0, 0, 0]
    rle = rle_encode(mask)
    return {
        "keypoints": flat,
        "num_keypoints": int((v > 0).sum()),
        "bbox": bbox,
        "area": int(mask.sum()),
        "segmentation": {"size": rle["size"], "counts": rle_to_string(rle["counts"])},
        "iscrowd": 0,
        "keypoints_uv": [_finite(p) for p in located.uv],
        "keypoints_world": located.world.tolist(),
        "keypoints_camera": located.camera.tolist(),
        "keypoints_visibility": [_state(located, k) for k in range(len(located.names))],
        "keypoints_on_surface": [bool(x) for x in located.on_surface],
    }


def _frame(job: tuple[str, str, str, bool]) -> dict[str, Any]:
    """The image and keypoint annotations of one file (in a worker process)."""
    path, root, name, with_image = job
    frame = reader.read(path)
    found = frame.keypoints
    ids = frame.instance_id if found else None
    done = frame_image(frame, root, name, with_image)
    sets = []
    for obj, located in found.items():
        sets.append({"object": obj, "names": list(located.names),
                     "skeleton": located.skeleton.tolist(),
                     "annotation": annotation(located, ids)})
    return {"image": done.pop("image"), "sets": sets, **done}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write one COCO keypoint json of ``frames`` (headers) to ``path``.

    Raises:
        ExportError: no frame records keypoints, or one object's keypoint names differ
            between frames.
    """
    numbers = [f.frame for f in frames]
    use_frame_ids = None not in numbers and len(set(numbers)) == len(numbers)
    root = path.parent
    with_image, _ = picture_folders(frames, root)
    results = parallel_map(_frame, [(str(f.path), str(root), name, with_image)
                                    for f, name in zip(frames, frame_names(frames),
                                                       strict=True)],
                           jobs=jobs, progress=progress, desc="export coco-keypoints")
    categories: dict[str, dict[str, Any]] = {}
    images, annotations = [], []
    for i, done in enumerate(results):
        image = done["image"]
        if not use_frame_ids:
            image["id"] = i + 1
        images.append(image)
        for item in done["sets"]:
            name = item["object"]
            if name not in categories:
                categories[name] = {
                    "id": len(categories) + 1, "name": name, "supercategory": "object",
                    "keypoints": item["names"],
                    "skeleton": [[a + 1, b + 1] for a, b in item["skeleton"]]}
            elif categories[name]["keypoints"] != item["names"]:
                raise ExportError(f"{frames[i].path}: the keypoints of {name!r} differ from "
                                  "an earlier frame's; one COCO category cannot hold both")
            ann = item["annotation"]
            ann.update(id=len(annotations) + 1, image_id=image["id"],
                       category_id=categories[name]["id"])
            annotations.append(ann)
    if not categories:
        raise ExportError(f"{frames[0].path.parent}: no frame records keypoints (tick "
                          "Keypoints in the panel before rendering)")
    coco = {
        "info": {"description": "blender-gt keypoints: x, y pixels with the pixel centre "
                 "at integer coordinates; v 2 visible, 1 occluded, 0 out of view",
                 "date_created": time.strftime("%Y-%m-%d %H:%M:%S")},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": list(categories.values()),
    }
    path.write_text(json.dumps(coco))
    notes = picture_notes(results, with_image, False)
    notes["keypoint annotations"] = len(annotations)
    return notes
