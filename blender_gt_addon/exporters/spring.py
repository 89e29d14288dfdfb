# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``spring``: one sequence laid out as the Spring benchmark (Mehl et al. 2023) lays
out its training scenes. No ``bpy``; h5py for the HDF5 files, Pillow for the PNGs.

The folder (``NNNN``: the frame number; ``V``: ``left`` or ``right``)::

    frame_V/frame_V_NNNN.png              8-bit sRGB
    disp1_V/disp1_V_NNNN.dsp5             HDF5, key "disparity": (H, W) float32
    disp2_FW_V/disp2_FW_V_NNNN.dsp5       the pixel's disparity at t + 1 (where frame t + 1 is here)
    disp2_BW_V/disp2_BW_V_NNNN.dsp5       ... at t - 1
    flow_FW_V/flow_FW_V_NNNN.flo5         HDF5, key "flow": (H, W, 2) float32 to t + 1
    flow_BW_V/flow_BW_V_NNNN.flo5         ... to t - 1
    cam_data/intrinsics.txt               a line a frame: fx fy cx cy
    cam_data/extrinsics.txt               a line a frame: 16 values, the left camera's 4x4
    spring.txt                            the frame numbers, a line each

Conventions, as Spring's ``flow_IO.py`` (``readDsp5Disp``, ``readFlo5Flow``: the
dataset under the key, gzip level 5) and its users read them:

- disparity positive, pixels; **0 where nothing was hit** (Spring's sky);
  ``disp2`` (Spring's, KITTI's ``disp_occ_1``) is stored at the pixel of frame t;
  **NaN where it is not known** (an object that deforms or has no pose in both
  frames: :mod:`blender_gt_addon.reader.sceneflow`), as Spring marks missing ground truth;
- flow: pixels, x right, y down, Blender's Vector pass; NaN where nothing was hit;
- **resolution**: the frames' own. Spring's own ground truth has twice the width and
  height of its images (values in image pixels); loaders that subsample it with
  ``[::2, ::2]`` must not do so here;
- ``intrinsics.txt``: ``fx fy cx cy`` with pixel centres at integer coordinates (our
  K); ``extrinsics.txt``: the left camera's **world-to-camera** matrix, row-major,
  OpenCV axes (x right, y down, z forward), as loaders of Spring invert it to get
  camera-to-world; the baseline is in each file's stereo record (Spring's is 0.065 m).
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
from .stereo_pairs import neighbours, pairs, view_path

__all__ = ["write"]

VIEWS = ("left", "right")


def _h5(path: Path, key: str, array: np.ndarray) -> None:
    import h5py

    with h5py.File(path, "w") as out:
        out.create_dataset(key, data=np.asarray(array, dtype=np.float32),
                           compression="gzip", compression_opts=5)


def _frame(job: tuple) -> dict[str, int]:
    """Write one frame of both views (in a worker process)."""
    root, name, paths, before, after = job
    root = Path(root)
    unknown = 0
    for view in VIEWS:
        frame = reader.read(paths[view])
        hit = np.isfinite(frame.depth)
        with atomic_path(root / f"frame_{view}" / f"frame_{view}_{name}.png") as partial:
            write_png8(partial, image_8bit(frame.image))
        with atomic_path(root / f"disp1_{view}" / f"disp1_{view}_{name}.dsp5") as partial:
            _h5(partial, "disparity", frame.disparity)
        for step, other in (("FW", after), ("BW", before)):
            if "vector" in frame.passes:
                flow = frame.flow_forward if step == "FW" else frame.flow_backward
                flow = np.where(hit[..., None], flow, np.nan)
                target = root / f"flow_{step}_{view}" / f"flow_{step}_{view}_{name}.flo5"
                with atomic_path(target) as partial:
                    _h5(partial, "flow", flow)
            if other is not None:
                flows = scene_flow(frame, reader.read(other[view]))
                unknown += int((flows.hit & ~flows.valid).sum())
                target = root / f"disp2_{step}_{view}" / f"disp2_{step}_{view}_{name}.dsp5"
                with atomic_path(target) as partial:
                    _h5(partial, "disparity", flows.disparity_other)
    return {"unknown": unknown}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the Spring sequence of ``frames``' stereo pairs beside ``path`` (the list
    of frame numbers).

    Raises:
        ExportError: a frame is no stereo pair, has no perspective camera or no depth.
    """
    found = pairs(frames, "spring")  # the driver saw every file has the image
    root = path.parent
    with_flow = all("vector" in f.passes for f in frames)
    for view in VIEWS:
        for folder in (f"frame_{view}", f"disp1_{view}", f"disp2_FW_{view}",
                       f"disp2_BW_{view}") + ((f"flow_FW_{view}", f"flow_BW_{view}")
                                              if with_flow else ()):
            make_folder(root / folder)
    make_folder(root / "cam_data")
    jobs_list, written, intrinsics, extrinsics = [], [], [], []
    for pair, before, after in neighbours(found):
        def both(p):
            return None if p is None else {v: str(view_path(p, v)) for v in VIEWS}

        jobs_list.append((str(root), pair.name, both(pair), both(before), both(after)))
        camera = reader.read(pair.left).camera
        K = camera.K
        intrinsics.append(" ".join(repr(float(v)) for v in (K[0, 0], K[1, 1], K[0, 2],
                                                             K[1, 2])))
        extrinsics.append(" ".join(repr(float(v)) for v in np.ravel(camera.world_to_camera)))
        n = pair.name
        for view in VIEWS:
            written += [root / f"frame_{view}" / f"frame_{view}_{n}.png",
                        root / f"disp1_{view}" / f"disp1_{view}_{n}.dsp5"]
            for step, other in (("FW", after), ("BW", before)):
                if with_flow:
                    written.append(root / f"flow_{step}_{view}" / f"flow_{step}_{view}_{n}.flo5")
                if other is not None:
                    written.append(root / f"disp2_{step}_{view}" / f"disp2_{step}_{view}_{n}.dsp5")
    done = parallel_map(_frame, jobs_list, jobs=jobs, progress=progress, desc="export spring")
    for name, lines in (("intrinsics.txt", intrinsics), ("extrinsics.txt", extrinsics)):
        with atomic_path(root / "cam_data" / name) as partial:
            partial.write_text("\n".join(lines) + "\n")
        written.append(root / "cam_data" / name)
    path.write_text("".join(f"{p.name}\n" for p in found))
    notes = Notes({"stereo pairs": len(found)}, files=written)
    unknown = sum(d["unknown"] for d in done)
    if unknown:
        notes["disp2 values not known (NaN: deforming or unposed objects)"] = unknown
    return notes
