# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``middlebury``: Middlebury 2014 stereo scenes, one folder a frame. No ``bpy``;
Pillow for the PNGs.

The folder (``NNNN``: the frame number)::

    middlebury.txt         the scene folders, one a line
    NNNN/im0.png           left view, 8-bit sRGB
    NNNN/im1.png           right view
    NNNN/disp0.pfm         left disparity, float32 PFM, pixels; inf = unknown
    NNNN/disp1.pfm         right disparity
    NNNN/mask0nocc.png     left: 255 non-occluded, 128 occluded, 0 invalid
    NNNN/mask1nocc.png     right, the same
    NNNN/calib.txt         cam0, cam1, doffs, baseline, width, height, ndisp, ...

Conventions, as the Middlebury 2014 dataset states them (vision.middlebury.edu,
``stereo/data/scenes2014``, "calib.txt" and the PFM page):

- disparity positive in both views (im1's match of left pixel x is x - d), ``inf``
  where it is unknown: here where nothing was hit (the disparity of infinity is 0,
  which Middlebury never stores) ;
- ``Z = baseline * f / (d + doffs)``: ``doffs`` is the x-difference of the principal
  points, ``cx1 - cx0``, 0 for the parallel rig with one camera model; ``baseline``
  in millimetres, written as ``B * 1000`` (the scene unit taken as the metre, Blender's
  default), so Z comes out in millimetres;
- ``cam0``, ``cam1``: ``[f 0 cx; 0 f cy; 0 0 1]`` with the add-on's K (pixel centres
  at integer coordinates, as OpenCV's calibration gives them);
- ``ndisp``: the largest disparity rounded up to a multiple of 16 (a bound for
  matchers), ``vmin``/``vmax`` the smallest and largest finite disparity rounded,
  ``isint=0``, ``dyavg=0``, ``dymax=0`` (rows match exactly);
- ``mask0nocc.png`` (MiddEval3's name): 255 where the right view sees the point
  (:attr:`GroundTruthFrame.non_occluded`), 128 where it does not, 0 where nothing
  was hit; ``mask1nocc.png`` the same for the right view.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..sequence import parallel_map
from .common import Notes, Options, atomic_path, make_folder
from .images import image_8bit, write_png8
from .stereo_pairs import pairs, view_arrays, write_pfm

__all__ = ["FILES", "calib_text", "write"]

FILES = ("im0.png", "im1.png", "disp0.pfm", "disp1.pfm", "mask0nocc.png", "mask1nocc.png",
         "calib.txt")
MM_PER_UNIT = 1000.0
NOC, OCCLUDED, INVALID = 255, 128, 0


def calib_text(K: np.ndarray, baseline: float, width: int, height: int,
               disparities: np.ndarray) -> str:
    """The ``calib.txt`` of one scene: ``K`` (float64, both views), ``baseline`` in
    scene units, the size, and the finite disparities (for ndisp, vmin, vmax)."""
    def cam(k: np.ndarray) -> str:
        a = [repr(float(v)) for v in np.ravel(k)[:6]]  # shortest round-trip text
        return f"[{a[0]} {a[1]} {a[2]}; {a[3]} {a[4]} {a[5]}; 0 0 1]"

    finite = disparities[np.isfinite(disparities)]
    largest = float(finite.max()) if finite.size else 0.0
    return "\n".join([
        f"cam0={cam(K)}", f"cam1={cam(K)}", "doffs=0",
        f"baseline={float(baseline) * MM_PER_UNIT!r}",
        f"width={width}", f"height={height}", f"ndisp={max(16, 16 * math.ceil(largest / 16))}",
        "isint=0", f"vmin={math.floor(float(finite.min())) if finite.size else 0}",
        f"vmax={math.ceil(largest)}", "dyavg=0", "dymax=0", ""])


def _scene(job: tuple[str, str, str]) -> dict[str, int]:
    """Write one frame's scene folder (in a worker process)."""
    from PIL import Image

    left_path, right_path, folder = job
    folder = Path(folder)
    views = [reader.read(left_path), reader.read(right_path)]
    finite, occluded = [], 0
    for n, frame in enumerate(views):
        disparity, hit, noc = view_arrays(frame, views[1 - n])
        with atomic_path(folder / f"im{n}.png") as partial:
            write_png8(partial, image_8bit(frame.image))
        stored = np.where(hit, disparity, np.inf).astype(np.float32)
        with atomic_path(folder / f"disp{n}.pfm") as partial:
            write_pfm(partial, stored)
        mask = np.where(hit, np.where(noc, NOC, OCCLUDED), INVALID).astype(np.uint8)
        with atomic_path(folder / f"mask{n}nocc.png") as partial:
            Image.fromarray(mask).save(partial, format="PNG", optimize=False)
        finite.append(stored[hit])
        occluded += int((mask == OCCLUDED).sum())
    camera = views[0].camera
    text = calib_text(camera.K, views[0].stereo.baseline, camera.width, camera.height,
                      np.concatenate(finite))
    with atomic_path(folder / "calib.txt") as partial:
        partial.write_text(text)
    return {"occluded": occluded}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write a Middlebury 2014 scene folder for each stereo pair of ``frames`` beside
    ``path`` (the list of scene folders).

    Raises:
        ExportError: a frame is no stereo pair, has no perspective camera or no depth.
    """
    found = pairs(frames, "middlebury")  # the driver saw every file has the image
    root = path.parent
    for pair in found:
        make_folder(root / pair.name)
    done = parallel_map(_scene, [(str(p.left), str(p.right), str(root / p.name))
                                 for p in found],
                        jobs=jobs, progress=progress, desc="export middlebury")
    path.write_text("".join(f"{p.name}\n" for p in found))
    notes = Notes({"stereo pairs": len(found)},
                  files=[root / p.name / f for p in found for f in FILES])
    occluded = sum(d["occluded"] for d in done)
    if occluded:
        notes["occluded pixels (mask 128)"] = occluded
    return notes
