# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``kitti-stereo``: KITTI 2015's stereo and scene-flow layout. No ``bpy``; Pillow for
the grey PNGs, pypng for the 16-bit RGB flow PNGs (which Pillow cannot write).

The folder (``NNNNNN``: the sample, 0, 1, ... in frame order; ``_10`` the frame,
``_11`` the next frame's images where it is in the folder)::

    frames.txt                         sample -> source frame number, one a line
    image_2/NNNNNN_10.png              left view, 8-bit sRGB   (and NNNNNN_11.png)
    image_3/NNNNNN_10.png              right view              (and NNNNNN_11.png)
    disp_occ_0/NNNNNN_10.png           left disparity, every pixel that hit something
    disp_noc_0/NNNNNN_10.png           left disparity, non-occluded pixels only
    disp_occ_1/NNNNNN_10.png           the pixel's disparity at the next frame (disp2)
    disp_noc_1/NNNNNN_10.png           ... where both views see it now and the left view next
    flow_occ/NNNNNN_10.png             left view's flow to the next frame, every pixel hit
    flow_noc/NNNNNN_10.png             ... where the next frame sees the point
    calib_cam_to_cam/NNNNNN.txt        P_rect_02, P_rect_03 (3x4), R_rect_0x, S_rect_0x

Conventions, as KITTI's devkit (``devkit_scene_flow``, ``readme.txt``,
``io_disp.h``) and its Python readers (e.g. RAFT-Stereo's ``readDispKITTI``:
``cv2.imread(f, IMREAD_ANYDEPTH) / 256.0``, valid where > 0) read them:

- disparity: 16-bit grey PNG, ``round(d * 256)``, **0 = invalid** (no ground truth):
  here where nothing was hit (the disparity of infinity, 0, is KITTI's invalid value
  too), and in ``disp_noc_0`` also where the right view does not see the point
  (:attr:`GroundTruthFrame.non_occluded`); disparities of 255.998 px or more cannot
  be stored and are written as 0 and counted;
- ``disp_occ_1``: each left pixel's point's disparity at the next frame, stored at its
  pixel in this frame (:mod:`blender_gt_addon.reader.sceneflow`): 0 where nothing was hit and
  where it is not known (an object that deforms or has no pose in both frames);
  ``disp_noc_1``: only where the right view sees the point now and the left view sees
  it in the next frame (:func:`blender_gt_addon.reader.sceneflow.seen_in`); both only for
  frames whose next frame is in the folder;
- ``P_rect_02 = K [I | 0]``, ``P_rect_03 = K [I | (-B, 0, 0)]``: the left camera is
  the reference, ``B = -P_rect_03[0, 3] / P_rect_03[0, 0]`` in scene units (KITTI's
  are metres); K with pixel centres at integer coordinates.

- flow: 16-bit RGB PNG, R = ``u * 64 + 2^15``, G = ``v * 64 + 2^15`` (pixels, x right,
  y down: Blender's Vector pass, :attr:`GroundTruthFrame.flow_forward`), B = 1 where
  valid, 0 elsewhere (KITTI's ``io_flow.h``; RAFT's ``readFlowKITTI`` reads it with
  ``cv2.imread(f, ANYDEPTH | COLOR)[..., ::-1]``, ``(flow - 2^15) / 64``);
  ``flow_occ`` valid where something was hit, ``flow_noc`` where the next frame also
  sees the point (:func:`blender_gt_addon.reader.sceneflow.seen_in`; not on objects whose
  scene flow is unknown); a flow beyond +-512 px is written invalid and counted;
  both only for frames whose next frame is in the folder.

Not written: ``obj_map``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..reader.sceneflow import scene_flow, seen_in
from ..sequence import parallel_map
from .common import Notes, Options, atomic_path, make_folder, write_png16
from .images import image_8bit, write_png8
from .stereo_pairs import pairs, view_arrays

__all__ = ["FOLDERS", "calib_text", "disparity_png", "flow_png", "write", "write_png_rgb16"]

FOLDERS = ("image_2", "image_3", "disp_occ_0", "disp_noc_0", "disp_occ_1", "disp_noc_1",
           "flow_occ", "flow_noc", "calib_cam_to_cam")
FLOW_STEPS, FLOW_ZERO = 64.0, 2**15
STEPS_PER_PIXEL = 256.0


def disparity_png(disparity: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W) uint16 ``round(d * 256)`` where ``valid``, else 0; and how many valid
    pixels could not be stored (a disparity that rounds to 0 or past 65535)."""
    stored = np.rint(np.asarray(disparity, dtype=np.float64) * STEPS_PER_PIXEL)
    ok = valid & (stored >= 1) & (stored <= 65535)
    return np.where(ok, stored, 0).astype(np.uint16), int((valid & ~ok).sum())


def flow_png(flow: np.ndarray, valid: np.ndarray) -> tuple[np.ndarray, int]:
    """(H, W, 3) uint16 KITTI flow (R, G = ``d * 64 + 2^15``, B = valid) of (H, W, 2)
    ``flow`` where ``valid``; and how many valid pixels could not be stored."""
    flow = np.asarray(flow, dtype=np.float64)
    stored = np.rint(np.nan_to_num(flow, nan=0.0) * FLOW_STEPS + FLOW_ZERO)
    ok = valid & np.isfinite(flow).all(axis=-1) & ((stored >= 0) & (stored <= 65535)).all(-1)
    out = np.zeros(flow.shape[:2] + (3,), np.uint16)
    out[..., :2] = np.where(ok[..., None], stored, 0)
    out[..., 2] = ok
    return out, int((valid & ~ok).sum())


def write_png_rgb16(path: Path, array: np.ndarray) -> None:
    """A 16-bit RGB PNG of (H, W, 3) uint16 ``array`` (pypng)."""
    import png

    height, width = array.shape[:2]
    writer = png.Writer(width=width, height=height, bitdepth=16, greyscale=False)
    with open(path, "wb") as out:
        writer.write(out, np.ascontiguousarray(array, np.uint16).reshape(height, -1).tolist())


def calib_text(K: np.ndarray, baseline: float, width: int, height: int) -> str:
    """``calib_cam_to_cam/NNNNNN.txt`` of one sample (KITTI's key: values lines)."""
    def row(values) -> str:
        return " ".join(f"{float(v):.12e}" for v in np.ravel(values))

    p2 = np.hstack([K, np.zeros((3, 1))])
    p3 = p2.copy()
    p3[:, 3] = K @ np.array([-baseline, 0.0, 0.0])
    lines = []
    for cam, p in (("02", p2), ("03", p3)):
        lines += [f"S_rect_{cam}: {row([width, height])}", f"R_rect_{cam}: {row(np.eye(3))}",
                  f"P_rect_{cam}: {row(p)}"]
    return "\n".join(lines) + "\n"


def _sample(job: tuple[str, str, str | None, str | None, str, str]) -> dict[str, int]:
    """Write one sample (in a worker process)."""
    left_path, right_path, next_left, next_right, root, name = job
    root = Path(root)
    left, right = reader.read(left_path), reader.read(right_path)
    for folder, frame, step in (("image_2", left, "10"), ("image_3", right, "10")):
        with atomic_path(root / folder / f"{name}_{step}.png") as partial:
            write_png8(partial, image_8bit(frame.image))
    following = None if next_left is None else reader.read(next_left)
    for folder, frame in (("image_2", following),
                          ("image_3", None if next_right is None else reader.read(next_right))):
        if frame is not None:
            with atomic_path(root / folder / f"{name}_11.png") as partial:
                write_png8(partial, image_8bit(frame.image))
    disparity, hit, noc = view_arrays(left, right)
    maps = [("disp_occ_0", disparity, hit), ("disp_noc_0", disparity, hit & noc)]
    if following is not None:
        flows = scene_flow(left, following)
        later = np.nan_to_num(flows.disparity_other, nan=0.0)
        seen = seen_in(flows, following)
        maps += [("disp_occ_1", later, flows.valid),
                 ("disp_noc_1", later, flows.valid & noc & seen)]
    lost = 0
    if following is not None and "vector" in left.passes:
        for folder, valid in (("flow_occ", hit), ("flow_noc", seen)):
            stored, lost_here = flow_png(left.flow_forward, valid)
            lost = max(lost, lost_here)
            with atomic_path(root / folder / f"{name}_10.png") as partial:
                write_png_rgb16(partial, stored)
    for folder, values, valid in maps:
        stored, lost_here = disparity_png(values, valid)
        lost = max(lost, lost_here)
        with atomic_path(root / folder / f"{name}_10.png") as partial:
            write_png16(partial, stored)
    camera = left.camera
    with atomic_path(root / "calib_cam_to_cam" / f"{name}.txt") as partial:
        partial.write_text(calib_text(camera.K, left.stereo.baseline, camera.width,
                                      camera.height))
    return {"lost": lost, "occluded": int((hit & ~noc).sum())}


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write a KITTI 2015 stereo sample for each stereo pair of ``frames`` beside
    ``path`` (``frames.txt``: sample -> frame number).

    Raises:
        ExportError: a frame is no stereo pair, has no perspective camera or no depth.
    """
    found = pairs(frames, "kitti-stereo")  # the driver saw every file has the image
    root = path.parent
    for folder in FOLDERS:
        make_folder(root / folder)
    names = [f"{i:06d}" for i in range(len(found))]
    by_number = {p.name: p for p in found}
    jobs_list, written = [], []
    for pair, name in zip(found, names, strict=True):
        following = (by_number.get(f"{int(pair.name) + 1:0{len(pair.name)}d}")
                     if pair.name.lstrip("-").isdigit() else None)
        jobs_list.append((str(pair.left), str(pair.right),
                          None if following is None else str(following.left),
                          None if following is None else str(following.right),
                          str(root), name))
        steps = ("10", "11") if following is not None else ("10",)
        written += [root / f / f"{name}_{s}.png" for f in ("image_2", "image_3") for s in steps]
        written += [root / f / f"{name}_10.png" for f in ("disp_occ_0", "disp_noc_0")]
        if following is not None:
            written += [root / f / f"{name}_10.png" for f in ("disp_occ_1", "disp_noc_1")]
            if all("vector" in f.passes for f in frames):
                written += [root / f / f"{name}_10.png" for f in ("flow_occ", "flow_noc")]
        written.append(root / "calib_cam_to_cam" / f"{name}.txt")
    done = parallel_map(_sample, jobs_list, jobs=jobs, progress=progress,
                        desc="export kitti-stereo")
    path.write_text("".join(f"{name} {pair.name}\n"
                            for name, pair in zip(names, found, strict=True)))
    notes = Notes({"stereo pairs": len(found)}, files=written)
    lost = sum(d["lost"] for d in done)
    if lost:
        notes["disparities of 256 px or more, flows beyond 512 px (written invalid)"] = lost
    return notes
