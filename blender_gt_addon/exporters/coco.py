# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``coco``: one COCO json for all frames, its pictures, and COCO's run-length encoding.

Beside the json (COCO's image root: ``CocoDetection(root=<the json's folder>,
annFile=<the json>)``, as torchvision, detectron2 and COCO viewers open
``os.path.join(root, file_name)`` with PIL)::

    annotations.json
    images/0001.png     the frame's image, 8-bit sRGB RGB over black (one a frame,
                        named as ``--to nerf`` names them: frame number, 4 digits)

An image per frame (``id`` = frame number when the numbers are known and distinct,
else 1, 2, ...; ``frame`` = the frame number; ``file_name`` = ``images/0001.png``,
or the EXR file's name when a frame has no image output, which is said in the
summary), an annotation per id present in a
frame with its box ``[x, y, w, h]`` in pixels (x right, y down, from the top-left
pixel's corner), its area in pixels and its mask as compressed RLE.

- ``ids="object_index"``: one category per object index (named from
  ``object_names`` when given, else ``"object N"``);
- ``ids="instance_id"``: an annotation per object (Cryptomatte), one category per
  object name, the same in every frame; ``instance_id`` keeps the file's id.

The RLE functions are COCO's own (``pycocotools/maskApi.c``), written in numpy, so
``pycocotools`` reads the masks back bit for bit without being installed here.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..sequence import frame_array, parallel_map
from .common import Notes, Options
from .images import frame_names, picture_folders, write_frame_pictures

__all__ = ["frame_image", "picture_notes", "rle_decode", "rle_encode", "rle_from_string",
           "rle_to_string", "write"]


# ------------------------------------------------------------------------- RLE


def rle_encode(mask: np.ndarray) -> dict[str, Any]:
    """COCO's uncompressed RLE of a binary (H, W) mask.

    ``counts`` are the lengths of alternating runs of 0 and 1 over the pixels in
    column-major order (down the first column, then the next), starting with 0s
    (so the first count is 0 when the top-left pixel is set).
    """
    mask = np.asarray(mask, dtype=bool)
    flat = mask.ravel(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def rle_to_string(counts: Sequence[int]) -> str:
    """COCO's compressed RLE string (``maskApi.c: rleToString``).

    Each count (minus the count two before it, from the third on) is written in
    5-bit groups, least significant first, as characters ``48 + group``, with bit
    0x20 set while more groups follow and 0x10 carrying the sign.
    """
    out = []
    for i, count in enumerate(counts):
        x = int(count) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_from_string(text: str) -> list[int]:
    """The counts of a compressed RLE string (``maskApi.c: rleFrString``)."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            c = ord(text[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def rle_decode(rle: Mapping[str, Any]) -> np.ndarray:
    """A binary (H, W) mask from COCO RLE (``counts`` a list or a compressed string)."""
    height, width = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, (str, bytes)):
        counts = rle_from_string(counts.decode() if isinstance(counts, bytes) else counts)
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    if flat.size != height * width:
        raise ValueError(f"RLE counts cover {flat.size} pixels, not {height}x{width}")
    return flat.reshape((height, width), order="F")


# ---------------------------------------------------------------------- export


def frame_image(frame: GroundTruthFrame, root: str, name: str,
                with_image: bool, with_depth: bool = False) -> dict[str, Any]:
    """The ``images`` entry of one frame (without its final ``id``), its picture (and
    depth map) written under ``root`` when ``with_image``: ``file_name`` the picture
    relative to the json's folder, else the EXR file's name."""
    image: dict[str, Any] = {"id": frame.frame, "frame": frame.frame,
                             "file_name": frame.path.name}
    written: dict[str, Any] = {"files": [], "lost": 0}
    if with_image:
        written = write_frame_pictures(frame, Path(root), name, with_depth)
        image["file_name"] = written["image"]
        if with_depth:
            image["depth_file_name"] = written["depth"]
    image.update(width=frame.width, height=frame.height)
    return {"image": image, "files": written["files"], "lost": written["lost"]}


def picture_notes(done: list[dict[str, Any]], with_image: bool,
                  with_depth: bool) -> Notes:
    """The summary's notes of the pictures written, and the files."""
    notes = Notes(files=[p for d in done for p in d["files"]])
    if with_image:
        notes["images (8-bit sRGB PNG)"] = len(done)
    else:
        notes["frames without the image output (file_name names the EXR)"] = len(done)
    if with_depth:
        notes["depth maps (16-bit PNG, mm)"] = len(done)
        lost = sum(d["lost"] for d in done)
        if lost:
            notes["depth pixels outside 0.0005..65.535 scene units (written as 0)"] = lost
    return notes


def _coco_frame(job: tuple[str, str, str, str, bool]) -> dict[str, Any]:
    """The image and annotations of one file (in a worker process)."""
    path, ids_from, root, name, with_image = job
    frame = reader.read(path)
    ids = frame_array(frame, ids_from)
    names = frame.names if ids_from == "instance_id" else {}
    done = frame_image(frame, root, name, with_image)
    image = done.pop("image")
    annotations = []
    for object_id in np.unique(ids):
        if object_id == 0:
            continue
        mask = ids == object_id
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        rle = rle_encode(mask)
        annotations.append({
            "category_id": int(object_id),
            "name": names.get(int(object_id)),
            "bbox": [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
                     int(rows[-1] - rows[0] + 1)],
            "area": int(mask.sum()),
            "segmentation": {"size": rle["size"], "counts": rle_to_string(rle["counts"])},
            "iscrowd": 0,
        })
    return {"image": image, "annotations": annotations, **done}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write one COCO json of ``frames`` (headers) to ``path``."""
    ids_from = options.ids
    numbers = [f.frame for f in frames]
    use_frame_ids = None not in numbers and len(set(numbers)) == len(numbers)
    root = path.parent
    with_image, _ = picture_folders(frames, root)
    results = parallel_map(_coco_frame, [(str(f.path), ids_from, str(root), name, with_image)
                                         for f, name in zip(frames, frame_names(frames),
                                                            strict=True)],
                           jobs=jobs, progress=progress, desc="export coco")
    by_name = ids_from == "instance_id"
    if by_name:  # instance ids are per file; names are the same in every frame
        every = sorted({a["name"] or f"instance {a['category_id']}"
                        for done in results for a in done["annotations"]})
        category_of = {name: i for i, name in enumerate(every, start=1)}
        categories = [{"id": i, "name": name, "supercategory": "object"}
                      for name, i in category_of.items()]
    else:
        names = {int(k): str(v) for k, v in options.object_names.items()}
        present = sorted({a["category_id"] for done in results for a in done["annotations"]})
        categories = [{"id": c, "name": names.get(c, f"object {c}"), "supercategory": "object"}
                      for c in present]
    images, annotations = [], []
    for i, done in enumerate(results):
        image = done["image"]
        if not use_frame_ids:
            image["id"] = i + 1
        images.append(image)
        for ann in done["annotations"]:
            name = ann.pop("name")
            if by_name:
                ann["instance_id"] = ann["category_id"]
                ann["category_id"] = category_of[name or f"instance {ann['category_id']}"]
            ann["id"] = len(annotations) + 1
            ann["image_id"] = image["id"]
            annotations.append(ann)
    source = ("object (Cryptomatte instance id, by name)" if by_name
              else "object index (pass_index)")
    coco = {
        "info": {"description": f"blender-gt ground truth: one category per {source}; "
                 "masks as compressed RLE",
                 "date_created": time.strftime("%Y-%m-%d %H:%M:%S")},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    path.write_text(json.dumps(coco))
    return picture_notes(results, with_image, False)
