# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Long-range point tracks from the recorded poses, with exact visibility, and their
formats (TAP-Vid, TAPVid-3D, PointOdyssey). No ``bpy``.

>>> from blender_gt_addon import tracks
>>> result = tracks.track("groundtruth/", points=500)          # doctest: +SKIP
>>> result.uv.shape, result.visible.shape                     # doctest: +SKIP
((48, 500, 2), (48, 500))
>>> tracks.write(result, "tapvid", "davis_like.pkl", folder="groundtruth/")  # doctest: +SKIP

See :mod:`.tracker` for how points are chosen, carried and judged visible, and
``docs/conventions.md`` ("Point tracks") for every field and format.
"""

from __future__ import annotations

from .points import REASONS, Tracks
from .tracker import query_points, track

__all__ = ["FORMATS", "REASONS", "Tracks", "query_points", "track", "write"]


def __getattr__(name):
    if name in ("FORMATS", "write"):
        from . import formats

        return getattr(formats, name)
    raise AttributeError(name)
