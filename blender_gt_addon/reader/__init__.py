# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read blender-gt multilayer OpenEXR files into numpy arrays. No ``bpy`` needed.

>>> from blender_gt_addon import reader
>>> gt = reader.read("groundtruth/0001.exr")      # doctest: +SKIP
>>> gt.passes                                     # header only, no pixels decoded
('image', 'depth', 'normal', 'vector', 'emission', 'object_index', 'material_index')
>>> gt.depth.shape, gt.depth.dtype                # doctest: +SKIP
((480, 640), dtype('float32'))

Conventions of every array: row 0 is the top of the image, column 0 its left
edge; shape ``(H, W)`` or ``(H, W, C)``. The conventions that turn Blender's raw
passes into computer-vision arrays (flow, depth, normals, ids) are defined once,
in :mod:`blender_gt_addon.conventions`.

Every failure (missing file, not an EXR, damaged file, an output the file does
not have) raises :class:`GroundTruthError` (a ``ValueError``), whose message names
the file and says why; no other exception comes out of a damaged file. That holds
for files that are empty, cut short anywhere (e.g. by a render killed mid-frame),
have bytes overwritten in their header or chunk table, declare a data window far
larger than the file could hold (refused from the header, before any pixel memory
is allocated), or are EXRs from other tools without the add-on's layers
(``passes == ()``). The header is checked by :func:`read`; damage in the pixel data
shows when the arrays are first read. Corruption the format itself cannot detect
(changed bytes of uncompressed pixels, or compressed ones that still decompress)
reads as changed values, never as a crash.

The package, each module importing only those above it (no cycle):

- ``errors``: :class:`GroundTruthError`.
- ``parallel``: progress bars, worker processes, the core count.
- ``decode``: opening and decoding EXR files, size checks, OpenEXR's thread pool.
- ``layouts``: where each output's channels are (ours, Blender's render output,
  single-pass files) and how planes become arrays.
- ``convert``: planes into arrays in bands of rows (the C kernels of ``_kernels.c``
  where they are built, numpy otherwise).
- ``native``: every output decoded straight into its array in one decode (OpenEXR's
  Core through ``_exrread.c``), where the C module is built and openexr's Core is 3.5.
- ``ids``: instance ids from Cryptomatte, boxes, emitting objects; :class:`Box`.
- ``frame``: :func:`read` and :class:`GroundTruthFrame`.
- ``read_pass``: :func:`read_pass` for single-pass files.
- ``dataset``: a frame's arrays by name; :class:`GroundTruthDataset`.
- ``sequence``: folders of frames, :func:`open_sequence`, flow pairs.
"""

from __future__ import annotations

from .errors import GroundTruthError
from .frame import GroundTruthFrame, read
from .ids import Box
from .read_pass import read_pass
from .sequence import open_sequence

__all__ = ["Box", "GroundTruthError", "GroundTruthFrame", "open_sequence", "read", "read_pass"]
