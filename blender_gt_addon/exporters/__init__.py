# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Export formats (``blender-gt export``): one module a format behind one registry.
No ``bpy`` here.

- :mod:`.registry`: the table of formats, a row each (what it needs, one file a frame
  or one for the folder, suffix, the pip extra it needs, its options, its help, its
  writer); the driver and the command line read nothing else.
- :mod:`.driver`: :func:`export`, which checks the request and every header, then runs
  the writer in a process pool with a progress bar and returns an :class:`ExportResult`.
- :mod:`.common`: what writers share (atomic writes, folders, the arrays of a frame,
  16-bit PNGs, the result).
- a module a format: :mod:`.npz`, :mod:`.hdf5`, :mod:`.hdf5_sequence`, :mod:`.flo`,
  :mod:`.kitti_depth`, :mod:`.mask_png`, :mod:`.coco` (with COCO's RLE), :mod:`.nerf`,
  :mod:`.colmap`, :mod:`.bop` (with :mod:`.bop_models`, :mod:`.bop_poses` and
  :mod:`.raster`),
  :mod:`.coco_amodal`, :mod:`.kins`, :mod:`.ply`,
  :mod:`.webdataset`; :mod:`.images` holds what the image formats share (8-bit sRGB
  images, 16-bit depth PNGs, frame names).

Formats (precision of each, compared with the reader's arrays):

- ``npz``: one compressed ``.npz`` a frame with every layer as the reader returns it,
  ``flow`` (forward flow, (H, W, 2), pixels, x right, y down) and ``frame``. Exact.
- ``hdf5``: one ``.h5`` a frame, the same datasets, chunked and gzip-compressed. Exact.
- ``hdf5-sequence``: one ``.h5`` for all frames: each layer a (N, H, W[, C]) dataset
  chunked one frame at a time, and ``frame`` (N,) with the frame numbers. Exact.
- ``flo``: Middlebury ``.flo`` a frame, forward flow: ``dx = -vector[..., 2]``,
  ``dy = +vector[..., 3]``, pixels, image y down. Exact (float32).
- ``kitti-depth``: 16-bit grey PNG a frame in the KITTI convention: ``round(depth * 256)``,
  0 = no data (nothing hit, or farther than 255.996 scene units, or nearer than 1/512).
  Within 1/512 scene units.
- ``mask-png``: 16-bit grey PNG a frame holding the object index (pass index per pixel,
  0 = background), or with ``ids="instance_id"`` the instance id. Exact.
- ``coco``: one COCO json for all frames: an image per frame (``id`` = frame number), an
  annotation per object index present in a frame with its box ``[x, y, w, h]`` in pixels,
  its area in pixels and its mask as compressed RLE; one category per object index
  (named from ``object_names`` when given, else ``"object N"``). With
  ``ids="instance_id"``: an annotation per object (Cryptomatte), one category per
  object name. The frames' images as 8-bit sRGB PNGs in ``images/`` beside the json,
  named by each image's ``file_name``.
- ``nerf``: ``transforms.json`` as nerfstudio and instant-ngp read it (per-frame
  intrinsics with the pixel-centre +0.5, OpenGL camera-to-world), 8-bit sRGB images,
  planar depth as 16-bit PNG in mm.
- ``colmap``: a COLMAP text model (PINHOLE cameras, world-to-camera poses, 3D points
  from depth with their tracks) and the images; read back by pycolmap.
- ``bop``: a BOP scene (scene_camera, scene_gt, scene_gt_info, rgb, depth, visible
  masks; amodal masks as an option), poses in mm, obj_id = pass index; the full
  silhouettes from the files' amodal masks, or from the objects' models (``models``);
  objects whose matrix is not rigid get a model with their scale baked in (with
  ``models``) or are left out and named (without).
- ``coco-amodal``: one COCO json in UOAIS's layout: ``segmentation`` the amodal mask,
  ``visible_mask``, ``occluded_mask`` (compressed RLE), ``occluded_rate``; needs the
  Amodal masks output. Exact (the masks as the reader gives them). Pictures in
  ``images/`` and 16-bit depth PNGs (mm) in ``depth/`` beside the json.
- ``kins``: one json in KINS's layout: ``a_segm``, ``i_segm`` as COCO polygons that
  decode exactly, ``a_bbox``, ``i_bbox``, ``a_area``, ``i_area``. Exact. Pictures in
  ``images/``.
- ``ply``: a coloured point cloud a frame in world coordinates (``fuse``: one for all).
- ``webdataset``: tar shards of uncompressed ``.npy`` samples, a frame or a frame pair
  each, with camera and names, read by the ``webdataset`` library; at least 8 shards
  (or one a sample) unless ``shard_samples`` says otherwise.

How to add a format (one module, one registry line):

1. ``exporters/depth_npy.py`` with a ``write`` function. One file a frame:
   ``write(frame, path, options) -> notes`` writes ``path`` for one
   :class:`~blender_gt_addon.reader.GroundTruthFrame`; one file for the folder:
   ``write(frames, path, options, jobs, progress) -> notes``. ``path`` is a temporary
   name beside the target (renamed when ``write`` returns, removed if it raises), so
   the writer just writes it; ``notes`` is ``{what: count}`` for the summary line (a
   whole-folder writer that writes more files beside ``path`` returns
   :class:`.common.Notes` listing them, so the result counts them).
2. In :mod:`.registry`, import it (``from . import ..., depth_npy``) and add its row
   to ``EXPORTERS``::

       Exporter("depth-npy", "one .npy a frame: planar depth, inf = nothing hit",
                depth_npy.write, suffix=".npy", needs="depth"),

Nothing else changes: ``blender-gt export --to`` and its help, the install hint
(``extra=``, ``modules=``), the check that every file holds what the format
``needs``, temporary names, the output folder and the process pool all come from the
row. Tests go in ``tests/exporters/test_depth_npy.py``; ``tests/exporters/
test_registry.py`` already checks the row against the command line.

A format's own helpers stay in its module (``kitti_depth.kitti_depth``,
``flo.read_flo``, ``coco.rle_encode``); the common ones are re-exported here.
"""

from __future__ import annotations

from .coco import rle_decode, rle_encode, rle_from_string, rle_to_string
from .common import ExportError, ExportResult, Options
from .driver import export
from .flo import FLO_MAGIC, read_flo, write_flo
from .registry import EXPORTERS, FORMATS, ID_SOURCES, Exporter

__all__ = [
    "EXPORTERS",
    "FLO_MAGIC",
    "FORMATS",
    "ID_SOURCES",
    "ExportError",
    "ExportResult",
    "Exporter",
    "Options",
    "export",
    "read_flo",
    "rle_decode",
    "rle_encode",
    "rle_from_string",
    "rle_to_string",
    "write_flo",
]
