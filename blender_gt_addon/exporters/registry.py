# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one table of export formats: a row per format, read by the driver
(:func:`~blender_gt_addon.exporters.export`) and the command line (``--to`` choices,
help, install hints). A new format is a module in this package plus a row here.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, fields

from . import (
    bop,
    coco,
    coco_amodal,
    coco_keypoints,
    colmap,
    flo,
    flyingthings3d,
    hdf5,
    hdf5_sequence,
    kins,
    kitti_depth,
    kitti_stereo,
    mask_png,
    middlebury,
    nerf,
    npz,
    ply,
    spring,
    webdataset,
)
from .common import ExportError, Options

__all__ = ["EXPORTERS", "FORMATS", "ID_SOURCES", "OPTIONS", "Exporter", "get",
           "install_hint"]

# Where the id formats (option "ids") take ids from: {id source: the pass it needs}.
ID_SOURCES = {"object_index": "object_index", "instance_id": "cryptomatte_object"}

# The options a format may take ({name: what it means}); a row lists the ones it uses.
OPTIONS = {
    "ids": "where the ids come from: 'object_index' (the objects' pass index, set by hand) "
           "or 'instance_id' (every object its own id, with its name, from the Cryptomatte "
           "pass)",
    "names": "{object index: name} to name categories by",
    "fuse": "one file for every frame together instead of one a frame",
    "models": "a folder of BOP object models obj_NNNNNN.ply in mm (the obj_id = pass index); "
              "without it, the files' amodal masks give the full silhouettes (and objects "
              "whose pose is not rigid are left out; with it, their scale is baked into "
              "new models)",
    "amodal_masks": "also write each object's full silhouette, occlusion ignored",
    "depth_scale": "mm per step of the 16-bit depth PNG",
    "layers": "the layers to write (default: every one a frame has), e.g. image,depth,flow",
    "pairs": "a sample per frame pair t, t + 1 (frame t's layers, next_<layer> of t + 1) "
             "instead of per frame, for flow training",
    "shard_samples": "the most samples in one shard (default: samples // 8, at least 1: "
                     "8 shards or more, so 8 DataLoader workers each get one)",
    "shard_bytes": "the most bytes in one shard (default 256 MiB when no limit is given)",
    "points_per_frame": "about how many pixels a frame become 3D points (from depth)",
}


@dataclass(frozen=True)
class Exporter:
    """One export format.

    Attributes:
        name: what ``--to`` and :func:`export` take, e.g. ``"kitti-depth"``.
        help: one line for ``blender-gt export --help``.
        write: per frame, ``write(frame, path, options) -> notes`` writes one file for
            one :class:`~blender_gt_addon.reader.GroundTruthFrame`; for the whole
            folder, ``write(frames, path, options, jobs, progress) -> notes`` writes one
            file for every frame (headers given; decode in ``jobs`` processes).
            ``path`` is a temporary name that becomes the target when ``write``
            returns; ``notes`` is ``{what: count}`` for the summary.
        per_frame: one file a frame (True) or one file for the folder (False).
        suffix: per frame, the suffix after each EXR file's stem (``".png"``); for the
            whole folder, the name of the file written when the output is a folder.
        needs: the output (layer) every file must hold, or None (any output). Formats
            taking ``ids`` need the pass of :data:`ID_SOURCES` instead.
        extra: the ``pip install 'blender-gt[extra]'`` that brings ``modules``.
        modules: Python modules ``write`` imports; checked before any work.
        options: which of :data:`OPTIONS` the format uses.
        fused: with option ``"fuse"``, the whole-folder writer that replaces ``write``
            (``fused(frames, path, options, jobs, progress) -> notes``), and
            ``fused_suffix`` the name of its file.
    """

    name: str
    help: str
    write: Callable[..., dict[str, int]]
    per_frame: bool = True
    suffix: str = ""
    needs: str | None = None
    extra: str | None = None
    modules: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    fused: Callable[..., dict[str, int]] | None = None
    fused_suffix: str = ""

    def plan(self, options: Options) -> tuple[Callable[..., dict[str, int]], bool, str]:
        """``(write, per_frame, suffix)`` of this export: :attr:`fused` for ``fuse``."""
        if options.fuse and self.fused is not None:
            return self.fused, False, self.fused_suffix
        return self.write, self.per_frame, self.suffix

    def check_options(self, options: Options) -> None:
        """Refuse an option (set to other than its default) the format does not take
        (``ids`` and ``names`` are ignored by formats without them, as always).

        Raises:
            ExportError: names the option and the formats that take it.
        """
        for item in fields(Options):
            name = item.name
            if name in ("ids", "object_names"):
                continue
            if getattr(options, name) != item.default and name not in self.options:
                takers = [n for n, row in EXPORTERS.items() if name in row.options]
                raise ExportError(f"{self.name} does not take the option {name!r} (only "
                                  f"{', '.join(takers) or 'no format'} does)")

    def needed_layer(self, options: Options) -> str | None:
        """The layer every input file must hold for this export."""
        return ID_SOURCES[options.ids] if "ids" in self.options else self.needs

    def check_installed(self) -> None:
        """Import :attr:`modules`; ``ModuleNotFoundError`` names the one missing."""
        for module in self.modules:
            importlib.import_module(module)


# ---------------------------------------------------------------------- formats
# One row a format, in the order ``--help`` lists them.

EXPORTERS: dict[str, Exporter] = {row.name: row for row in (
    Exporter("npz", "one compressed .npz a frame: every layer, forward 'flow' and 'frame'",
             npz.write, suffix=".npz"),
    Exporter("hdf5", "one .h5 a frame: every layer and forward 'flow', chunked, gzip",
             hdf5.write, suffix=".h5", extra="export", modules=("h5py",)),
    Exporter("hdf5-sequence", "one .h5 for all frames: (N, H, W[, C]) datasets, one chunk a "
             "frame", hdf5_sequence.write, per_frame=False, suffix="sequence.h5",
             extra="export", modules=("h5py",)),
    Exporter("flo", "Middlebury .flo a frame: forward flow in pixels, y down",
             flo.write, suffix=".flo", needs="vector"),
    Exporter("kitti-depth", "16-bit PNG a frame: depth x 256, 0 = no data (KITTI)",
             kitti_depth.write, suffix=".png", needs="depth", extra="export",
             modules=("PIL",)),
    Exporter("mask-png", "16-bit PNG a frame: object index (or --ids instance_id)",
             mask_png.write, suffix=".png", extra="export", modules=("PIL",),
             options=("ids",)),
    Exporter("coco", "one COCO json: boxes and RLE masks from the object index (or --ids), "
             "images/ 8-bit sRGB PNG",
             coco.write, per_frame=False, suffix="annotations.json", extra="export",
             modules=("PIL",), options=("ids", "names")),
    Exporter("coco-amodal", "one COCO json, amodal (UOAIS layout): segmentation = full "
             "silhouette, visible_mask, occluded_mask, occluded_rate, images/ and depth/ "
             "PNGs; needs amodal masks",
             coco_amodal.write, per_frame=False, suffix="annotations.json",
             needs="cryptomatte_object", extra="export", modules=("PIL",),
             options=("names",)),
    Exporter("coco-keypoints", "one COCO keypoint json: categories with keypoints and 1-based "
             "skeleton, x/y float (pixel centre at integers), v from exact visibility, boxes "
             "and masks of the bodies; needs keypoints, depth and instance ids",
             coco_keypoints.write, per_frame=False, suffix="annotations.json",
             needs="cryptomatte_object"),
    Exporter("kins", "one json, amodal (KINS layout): a_segm, i_segm as COCO polygons, a_bbox, "
             "i_bbox, a_area, i_area; needs amodal masks", kins.write, per_frame=False,
             suffix="annotations.json", needs="cryptomatte_object", extra="export",
             modules=("PIL",), options=("names",)),
    Exporter("nerf", "transforms.json (nerfstudio, instant-ngp): OpenGL camera-to-world, "
             "images/ 8-bit sRGB PNG, depth/ 16-bit PNG in mm", nerf.write, per_frame=False,
             suffix="transforms.json", needs="image", extra="export", modules=("PIL",)),
    Exporter("colmap", "COLMAP text model (PINHOLE, world-to-camera poses, points from "
             "depth), images/ 8-bit sRGB PNG; -o SCENE/sparse/0 for 3DGS", colmap.write,
             per_frame=False, suffix=colmap.SUFFIX, needs="image", extra="export",
             modules=("PIL",), options=("points_per_frame",)),
    Exporter("ply", "coloured point cloud a frame, world coordinates (--fuse: one for all "
             "frames), binary PLY", ply.write, suffix=".ply", needs="depth", extra="export",
             modules=("plyfile",), options=("fuse",), fused=ply.write_fused,
             fused_suffix="points.ply"),
    Exporter("bop", "BOP scene folder (6D poses in mm, obj_id = pass index, gt info, "
             "depth/rgb/mask_visib PNGs); silhouettes from the amodal masks, or --models",
             bop.write, per_frame=False,
             suffix="scene_gt.json", needs="cryptomatte_object", extra="export",
             modules=("plyfile", "PIL"), options=("models", "amodal_masks", "depth_scale")),
    Exporter("middlebury", "Middlebury 2014 stereo scenes, a folder a frame: im0/im1.png, "
             "disp0/disp1.pfm (inf = unknown), mask0nocc/mask1nocc.png, calib.txt; needs a "
             "stereo pair", middlebury.write, per_frame=False, suffix="middlebury.txt",
             needs="image", extra="export", modules=("PIL",)),
    Exporter("kitti-stereo", "KITTI 2015 stereo and scene flow: image_2/_3, disp_occ/noc_0/1 "
             "16-bit PNG (d x 256, 0 = invalid), flow_occ/noc, calib_cam_to_cam; needs a "
             "stereo pair", kitti_stereo.write, per_frame=False, suffix="frames.txt",
             needs="image", extra="export", modules=("PIL", "png")),
    Exporter("flyingthings3d", "FlyingThings3D sequence: frames_cleanpass, disparity, "
             "disparity_change and optical_flow into_future/into_past as PFM, camera_data.txt; "
             "needs a stereo pair", flyingthings3d.write, per_frame=False,
             suffix="camera_data.txt", needs="image", extra="export", modules=("PIL",)),
    Exporter("spring", "Spring sequence: frame_left/right PNG, disp1, disp2_FW/BW (.dsp5) and "
             "flow_FW/BW (.flo5) as HDF5, cam_data; needs a stereo pair", spring.write,
             per_frame=False, suffix="spring.txt", needs="image", extra="export",
             modules=("h5py", "PIL")),
    Exporter("webdataset", "WebDataset tar shards for training: a sample a frame (or --pairs), "
             "arrays as .npy, camera and names as json", webdataset.write, per_frame=False,
             suffix=webdataset.INDEX,
             options=("layers", "pairs", "shard_samples", "shard_bytes")),
)}

# {name: help}: the formats in one line each (``blender_gt_addon.export.FORMATS``).
FORMATS: dict[str, str] = {name: row.help for name, row in EXPORTERS.items()}


def get(name: str) -> Exporter:
    """The row of format ``name``.

    Raises:
        ExportError: no such format; the message lists the known ones.
    """
    try:
        return EXPORTERS[name]
    except (KeyError, TypeError):
        raise ExportError(f"unknown format {name!r}; choose one of: "
                          f"{', '.join(EXPORTERS)}") from None


def install_hint(module: str) -> str | None:
    """The pip extra that installs ``module`` (a top-level name such as ``"h5py"``) for
    some format, or None when no format needs it."""
    for row in EXPORTERS.values():
        if module in row.modules and row.extra:
            return row.extra
    return None
