# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""TAPVid-3D, one ``.npz`` a video. No ``bpy``.

As google-deepmind/tapnet ``tapvid3d/README.md`` and its annotation generators
(``annotation_generation/adt_utils.py``: ``np.savez`` of ``images_jpeg_bytes``,
``queries_xyt``, ``tracks_XYZ``, ``visibility``, ``fx_fy_cx_cy``) lay it out:

- ``tracks_XYZ`` (T, N, 3) float32: the point in the camera's axes, metres (scene
  units), x right, y down, z forward (their projection ``px = X * fx / Z + cx``);
- ``visibility`` (T, N) bool;
- ``queries_xyt`` (N, 3) float32: ``(x, y, t)``, the query's pixel position and its
  frame index, in their pixel convention (``row = round(y - 0.5)``: centres at
  ``i + 0.5``): ``(u + 0.5, v + 0.5, query index)``;
- ``fx_fy_cx_cy`` (4,) float64: one camera for the video, in that convention
  (``cx + 0.5``, ``cy + 0.5`` of our ``K``); a video whose intrinsics change is refused;
- ``extrinsics_w2c`` (T, 4, 4) float64: world to camera (OpenCV axes), as the
  subsets with a moving camera add;
- ``images_jpeg_bytes`` (T,) bytes array (numpy ``S<longest>``) of JPEG files
  (8-bit sRGB, quality 95; writing needs Pillow), as the generators' ``np.savez`` of a
  list of bytes stores it: ``np.load(path)`` reads it without ``allow_pickle`` and
  ``Image.open(io.BytesIO(data["images_jpeg_bytes"][t]))`` decodes frame t.

No validity flag: only points valid in every frame are written.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reader
from .points import Tracks
from .shared import complete, jpeg, video


def arrays(tracks: Tracks) -> dict[str, np.ndarray]:
    """Every field but the images, for the points valid in every frame."""
    if not np.allclose(tracks.K, tracks.K[0], rtol=0, atol=1e-9):
        raise reader.GroundTruthError("TAPVid-3D holds one camera a video: the intrinsics "
                                      "change between frames")
    if tracks.camera_type != "PERSP":
        raise reader.GroundTruthError("TAPVid-3D is for perspective cameras")
    keep = complete(tracks)
    K = tracks.K[0]
    index = tracks.query_index[keep]
    query_uv = tracks.uv[index, np.flatnonzero(keep)].astype(np.float64) + 0.5
    return {
        "tracks_XYZ": tracks.camera[:, keep].astype(np.float32),
        "visibility": tracks.visible[:, keep].copy(),
        "queries_xyt": np.column_stack([query_uv, index]).astype(np.float32),
        "fx_fy_cx_cy": np.array([K[0, 0], K[1, 1], K[0, 2] + 0.5, K[1, 2] + 0.5]),
        "extrinsics_w2c": tracks.world_to_camera.copy(),
    }


def write(tracks: Tracks, path: Path, frames, name: str) -> dict:
    fields = arrays(tracks)
    encoded = [jpeg(picture) for picture in video(frames, len(tracks.frames))]
    # A bytes array (numpy 'S'), as TAPVid-3D's generators store the list they build,
    # so np.load reads it without pickles. 'S' drops trailing NUL bytes when an item
    # is read; a JPEG ends with its EOI marker (FF D9), so every item comes back whole.
    jpegs = np.array(encoded, dtype=np.bytes_)
    with open(path, "wb") as out:
        np.savez(out, images_jpeg_bytes=jpegs, **fields)
    kept = fields["queries_xyt"].shape[0]
    return {"points": kept, "points left out (invalid in some frame)": len(tracks) - kept}
