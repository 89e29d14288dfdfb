# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The one table of point-track formats, and :func:`write`. No ``bpy``.

A row a format: its name (``blender-gt tracks --to``), one line of help, the file name
written when the output is a folder, whether it needs the rendered image (a video),
and the writer ``write(tracks, path, frames, name) -> notes`` (``frames``: the
sequence the tracks came from, for the video; ``path``: a temporary name that
becomes the target; ``notes``: ``{what: count}`` for the summary). A new format is a
module in this package plus a row here. ``docs/conventions.md`` ("Point tracks")
sets the formats' conventions side by side.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import reader
from . import pointodyssey, tapvid, tapvid3d
from .points import REASONS, Tracks

__all__ = ["FORMATS", "TrackFormat", "write", "write_npz"]


@dataclass(frozen=True)
class TrackFormat:
    name: str
    help: str
    file_name: str
    needs_video: bool
    write: Callable[..., dict]


def write_npz(tracks: Tracks, path: Path, frames=None, name: str = "") -> dict:
    """Every field of :class:`Tracks` under its own name in one ``.npz`` (numpy's
    ``np.load`` reads it without pickles): ``frames`` (T,), ``width``, ``height``,
    ``query_frame`` (N,), ``query_index`` (N,), ``query_pixel`` (N, 2), ``object_name``
    (N,) str, ``object_point`` (N, 3), ``uv`` (T, N, 2) float32, ``world`` and
    ``camera`` (T, N, 3) float64, ``in_view``, ``visible``, ``valid`` (T, N) bool,
    ``reason`` (T, N) uint8 and ``reasons`` (the names of its codes 1, 2, ...), ``K``
    (T, 3, 3), ``world_to_camera`` (T, 4, 4), ``camera_type``, ``depth_tolerance``."""
    fields = {key: getattr(tracks, key) for key in (
        "frames", "query_frame", "query_index", "query_pixel", "object_point", "uv",
        "world", "camera", "in_view", "visible", "valid", "reason", "K", "world_to_camera")}
    with open(path, "wb") as out:
        np.savez_compressed(
            out, **fields, width=np.int64(tracks.width), height=np.int64(tracks.height),
            object_name=tracks.object_name.astype(str), reasons=np.array(REASONS),
            camera_type=np.array(tracks.camera_type),
            depth_tolerance=np.float64(tracks.depth_tolerance))
    return {"points": len(tracks)}


FORMATS: dict[str, TrackFormat] = {row.name: row for row in (
    TrackFormat("npz", "every field of the tracks, float64 positions (blender-gt's own)",
                "tracks.npz", False, write_npz),
    TrackFormat("tapvid", "TAP-Vid (DAVIS pickle): video, points (N, T, 2) in [0, 1], "
                "occluded", "tapvid.pkl", True, tapvid.write),
    TrackFormat("tapvid3d", "TAPVid-3D .npz: tracks_XYZ, visibility, queries_xyt, "
                "fx_fy_cx_cy, extrinsics_w2c, images_jpeg_bytes", "tapvid3d.npz", True,
                tapvid3d.write),
    TrackFormat("pointodyssey", "PointOdyssey sequence folder as pips2 loads it: anno.npz "
                "(trajs_2d, trajs_3d, visibs, valids, visibilities, intrinsics, extrinsics), "
                "info.npz, rgbs/, depths/, masks/, normals/", "anno.npz", True,
                pointodyssey.write),
)}


def write(tracks: Tracks, fmt: str, out: str | os.PathLike[str], *,
          folder: str | os.PathLike[str] | None = None, prefix: str | None = None,
          name: str | None = None) -> tuple[Path, dict]:
    """Write ``tracks`` as format ``fmt`` (a key of :data:`FORMATS`) to ``out`` (a file,
    or a folder that gets the format's file name). ``folder``: the frames the tracks
    came from (formats with a video need it); ``name``: the video's name where the
    format keeps one (default: the folder's name). Returns ``(path, notes)``.

    Raises:
        GroundTruthError: an unknown format, or a video format without ``folder`` or
            without the image output.
    """
    from ..exporters.common import atomic_path

    row = FORMATS.get(fmt)
    if row is None:
        raise reader.GroundTruthError(f"no track format {fmt!r}; formats: "
                                      f"{', '.join(FORMATS)}")
    frames = None
    if row.needs_video:
        if folder is None:
            raise reader.GroundTruthError(f"{fmt} holds the video: give the folder of frames")
        frames = reader.open_sequence(folder, prefix=prefix)
        if "image" not in frames[0].passes:
            raise reader.GroundTruthError(f"{frames.paths[0]}: has no image output, which "
                                          f"{fmt} needs for its video")
    out = Path(out)
    if out.is_dir() or (not out.suffix and not out.exists()):
        out.mkdir(parents=True, exist_ok=True)
        out = out / row.file_name
    out.parent.mkdir(parents=True, exist_ok=True)
    name = name or (Path(folder).resolve().name if folder is not None else out.stem)
    with atomic_path(out) as temporary:
        notes = row.write(tracks, temporary, frames, name)
    return out, notes

