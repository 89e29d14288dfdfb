# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``kins``: one json for all frames in the annotation layout of KINS (Qi et al., "Amodal
Instance Segmentation with KINS Dataset", CVPR 2019; qqlu/Amodal-Instance-Segmentation-
through-KINS-Dataset: COCO style, masks decoded by the COCO API).

An annotation per object (and instanced copy) with a pass index above 0 and at least
one visible pixel (KINS annotates what can be seen; wholly hidden objects are counted
in the summary):

- ``a_segm``: the **amodal** mask as COCO polygons, ``[[x0, y0, x1, y1, ...], ...]`` in
  COCO's continuous coordinates (pixel (col, row) covers [col, col + 1] x [row, row + 1]):
  one rectangle per block of rows sharing a run of columns, so that
  ``pycocotools.mask.frPyObjects(a_segm, h, w)`` merged and decoded gives the mask
  exactly (holes included, which outlines merged as a union could not);
- ``i_segm``: the inmodal (visible) mask the same way: the object's ``instance_id``
  pixels inside its amodal mask;
- ``a_bbox``, ``i_bbox``: ``[x, y, w, h]`` of each, COCO's (``w = x_max - x_min + 1``);
  ``a_area``, ``i_area``: their pixels in the image;
- ``category_id``: the pass index (named from ``names``, else ``"object N"``);
  ``iscrowd`` 0; ``instance_id`` and ``name``: the file's id and object name.

Images: ``file_name`` the picture ``images/0001.png`` beside the json (8-bit sRGB RGB
over black, as ``--to coco`` writes it; the EXR file's name for frames without the
image output, as the summary says), ``id``, ``frame``, ``width``, ``height``.

Not written: KINS's ``oco_id`` / ``ico_id`` (occlusion and layer order; the dataset's
own description of their numbering was not found to follow).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .coco import frame_image
from .coco_amodal import (
    amodal_objects,
    assemble,
    check_frames,
    coco_box,
    picture_jobs,
    with_pictures,
)
from .common import Options

__all__ = ["mask_polygons", "write"]


def mask_polygons(mask: np.ndarray) -> list[list[float]]:
    """COCO polygons (rectangles) whose union is exactly ``mask`` (H, W): each run of
    columns of a row, joined with the rows below that hold the same run."""
    mask = np.asarray(mask, dtype=bool)
    padded = np.zeros((mask.shape[0], mask.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = mask
    step = np.diff(padded, axis=1)
    open_runs: dict[tuple[int, int], int] = {}  # (first col, end col) -> first row
    polygons = []

    def close(c0: int, c1: int, r0: int, r1: int) -> None:
        polygons.append([float(v) for v in (c0, r0, c1, r0, c1, r1, c0, r1)])

    for row in range(mask.shape[0] + 1):
        if row < mask.shape[0]:
            starts = np.flatnonzero(step[row] == 1)
            ends = np.flatnonzero(step[row] == -1)
            runs = set(zip(starts.tolist(), ends.tolist(), strict=True))
        else:
            runs = set()
        for run in [r for r in open_runs if r not in runs]:
            close(run[0], run[1], open_runs.pop(run), row)
        for run in runs:
            open_runs.setdefault(run, row)
    return polygons


def _frame(job: tuple[str, str, str, bool, bool]) -> dict[str, Any]:
    path, root, stem, with_image, _ = job
    frame = reader.read(path)
    notes: dict[str, int] = {}
    annotations = []
    for number, name, pass_index, amodal, visible in amodal_objects(frame, notes):
        if not visible.any():
            key = "objects wholly hidden (no visible pixel) left out"
            notes[key] = notes.get(key, 0) + 1
            continue
        annotations.append({
            "category_id": int(pass_index), "instance_id": int(number), "name": name,
            "a_segm": mask_polygons(amodal), "i_segm": mask_polygons(visible),
            "a_bbox": coco_box(amodal), "i_bbox": coco_box(visible),
            "a_area": int(amodal.sum()), "i_area": int(visible.sum()), "iscrowd": 0,
        })
    done = frame_image(frame, root, stem, with_image)
    return {**done, "annotations": annotations, "notes": notes}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the KINS-style json of ``frames`` (headers) to ``path``."""
    check_frames(frames, "kins")
    results = parallel_map(_frame, picture_jobs(frames, path.parent, depth=False),
                           jobs=jobs, progress=progress, desc="export kins")
    data, notes = assemble(results, frames, options,
                           "blender-gt ground truth, amodal (KINS layout): a_segm = amodal, "
                           "i_segm = inmodal (visible), COCO polygons; category = pass index")
    path.write_text(json.dumps(data))
    return with_pictures(notes, results, frames, depth=False)
