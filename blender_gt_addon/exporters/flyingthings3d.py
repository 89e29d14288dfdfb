# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``flyingthings3d``: one sequence laid out as FlyingThings3D / the Scene Flow
datasets (Mayer et al. 2016) lay out theirs. No ``bpy``; Pillow for the PNGs.

The folder (``NNNN``: the frame number; ``X``: ``L`` or ``R``)::

    frames_cleanpass/{left,right}/NNNN.png                          8-bit sRGB
    disparity/{left,right}/NNNN.pfm                                 grey PFM, pixels
    disparity_change/into_future/{left,right}/NNNN.pfm              where frame NNNN + 1 is here
    disparity_change/into_past/{left,right}/NNNN.pfm                where frame NNNN - 1 is here
    optical_flow/into_future/{left,right}/OpticalFlowIntoFuture_NNNN_X.pfm
    optical_flow/into_past/{left,right}/OpticalFlowIntoPast_NNNN_X.pfm
    camera_data.txt

(The dataset keeps each kind in its own tree, ``disparity/TRAIN/A/0000/left/...``;
this is one sequence's share of each.) Conventions, as the dataset's readme states
them and its readers (e.g. RAFT-Stereo's ``readPFM``: rows flipped, little-endian
for a negative scale; flow is the first two of three channels) take them:

- disparity positive in both views, pixels; 0 where nothing was hit (the disparity
  of infinity; the dataset has no empty pixels);
- ``disparity_change`` into the future: the disparity of the pixel's point at t + 1
  minus its disparity at t (:mod:`blender_gt_addon.reader.sceneflow`), into the past at
  t - 1 likewise; **NaN where it is not known** (an object that deforms, or that has
  no pose in both frames): never a made-up value;
- optical flow: 3-channel PFM, (dx, dy, 0), pixels, x right, y down, Blender's
  Vector pass (:attr:`GroundTruthFrame.flow_forward` / ``flow_backward``), 0 where
  nothing was hit;
- ``camera_data.txt``: for each frame ``Frame N``, then ``L`` and ``R`` each with the
  16 values of that camera's **camera-to-world** 4x4 matrix, row-major, in Blender's
  camera axes (x right, y up, z backward: the dataset was rendered in Blender), then a
  blank line.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..reader.sceneflow import scene_flow
from ..sequence import parallel_map
from .common import Notes, Options, atomic_path, make_folder
from .images import image_8bit, write_png8
from .stereo_pairs import neighbours, pairs, view_path, write_pfm

__all__ = ["camera_lines", "write"]

VIEWS = {"left": "L", "right": "R"}
DIRECTIONS = {"into_future": ("IntoFuture", 1), "into_past": ("IntoPast", -1)}


def camera_lines(number: int, left, right) -> str:
    """The ``camera_data.txt`` block of one frame: its left and right cameras."""
    rows = [f"Frame {number}"]
    for tag, camera in (("L", left), ("R", right)):
        values = np.asarray(camera.camera_to_world_opengl, dtype=np.float64).ravel()
        rows.append(tag + " " + " ".join(repr(float(v)) for v in values))
    return "\n".join(rows) + "\n\n"


def _frame(job: tuple) -> dict[str, int]:
    """Write one frame of both views (in a worker process)."""
    root, name, paths, before, after = job
    root = Path(root)
    unknown = 0
    for view, letter in VIEWS.items():
        frame = reader.read(paths[view])
        with atomic_path(root / "frames_cleanpass" / view / f"{name}.png") as partial:
            write_png8(partial, image_8bit(frame.image))
        with atomic_path(root / "disparity" / view / f"{name}.pfm") as partial:
            write_pfm(partial, frame.disparity)
        for direction, other in (("into_future", after), ("into_past", before)):
            label, _ = DIRECTIONS[direction]
            if "vector" in frame.passes:
                flow = frame.flow_forward if direction == "into_future" else frame.flow_backward
                stored = np.dstack([flow, np.zeros(flow.shape[:2], np.float32)])
                target = (root / "optical_flow" / direction / view
                          / f"OpticalFlow{label}_{name}_{letter}.pfm")
                with atomic_path(target) as partial:
                    write_pfm(partial, stored)
            if other is not None:
                flows = scene_flow(frame, reader.read(other[view]))
                unknown += int((flows.hit & ~flows.valid).sum())
                target = root / "disparity_change" / direction / view / f"{name}.pfm"
                with atomic_path(target) as partial:
                    write_pfm(partial, flows.disparity_change)
    return {"unknown": unknown}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the sequence of ``frames``' stereo pairs beside ``path``
    (``camera_data.txt``).

    Raises:
        ExportError: a frame is no stereo pair, has no perspective camera or no depth.
    """
    found = pairs(frames, "flyingthings3d")  # the driver saw every file has the image
    root = path.parent
    with_flow = all("vector" in f.passes for f in frames)
    for view in VIEWS:
        for folder in ("frames_cleanpass", "disparity"):
            make_folder(root / folder / view)
        for direction in DIRECTIONS:
            make_folder(root / "disparity_change" / direction / view)
            if with_flow:
                make_folder(root / "optical_flow" / direction / view)
    jobs_list, written, text = [], [], []
    for pair, before, after in neighbours(found):
        def both(p):
            return None if p is None else {v: str(view_path(p, v)) for v in VIEWS}

        jobs_list.append((str(root), pair.name, both(pair), both(before), both(after)))
        left, right = reader.read(pair.left).camera, reader.read(pair.right).camera
        text.append(camera_lines(int(pair.name), left, right))
        for view, letter in VIEWS.items():
            written += [root / "frames_cleanpass" / view / f"{pair.name}.png",
                        root / "disparity" / view / f"{pair.name}.pfm"]
            for direction, other in (("into_future", after), ("into_past", before)):
                label, _ = DIRECTIONS[direction]
                if with_flow:
                    written.append(root / "optical_flow" / direction / view
                                   / f"OpticalFlow{label}_{pair.name}_{letter}.pfm")
                if other is not None:
                    written.append(root / "disparity_change" / direction / view
                                   / f"{pair.name}.pfm")
    done = parallel_map(_frame, jobs_list, jobs=jobs, progress=progress,
                        desc="export flyingthings3d")
    path.write_text("".join(text))
    notes = Notes({"stereo pairs": len(found)}, files=written)
    unknown = sum(d["unknown"] for d in done)
    if unknown:
        notes["disparity changes not known (NaN: deforming or unposed objects)"] = unknown
    return notes
