# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The library side of ``blender-gt info``, ``preview`` and ``export``, under the names
it has always had. No ``bpy`` here; the code lives in:

- :func:`describe`: what a file holds (``blender-gt info``): :mod:`.describe`;
- :func:`preview_frames` and :func:`contact_sheet`: pictures (``blender-gt preview``):
  :mod:`.pictures.sheet`;
- :func:`export`: converters (``blender-gt export``), one of :data:`FORMATS`:
  :mod:`.exporters` (a module a format behind :mod:`.exporters.registry`; the formats
  and their precision are listed there).
"""

from __future__ import annotations

from .describe import describe
from .exporters import (
    FLO_MAGIC,
    FORMATS,
    ID_SOURCES,
    ExportError,
    ExportResult,
    export,
    read_flo,
    rle_decode,
    rle_encode,
    rle_from_string,
    rle_to_string,
    write_flo,
)
from .exporters.kitti_depth import KITTI_SCALE, kitti_depth
from .pictures.sheet import contact_sheet, preview_frames

__all__ = [
    "FLO_MAGIC",
    "FORMATS",
    "ID_SOURCES",
    "KITTI_SCALE",
    "ExportError",
    "ExportResult",
    "contact_sheet",
    "describe",
    "export",
    "kitti_depth",
    "preview_frames",
    "read_flo",
    "rle_decode",
    "rle_encode",
    "rle_from_string",
    "rle_to_string",
    "write_flo",
]
