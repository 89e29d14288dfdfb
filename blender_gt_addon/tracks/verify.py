# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt check --tracks N``: point tracks against the rendered flow, and what a
depth-ratio visibility heuristic would have said. No ``bpy``.

**Chained flow.** Each point visible in its query frame t0 starts at ``uv[t0]`` and is
moved frame by frame by the rendered forward flow (``flow_forward`` of frame t,
bilinear between the four pixel centres around it): ``p(t+1) = p(t) + flow_t(p(t))``.
The chain goes on while the point stays visible, all four pixels show its object and
none is an edge pixel (:func:`blender_gt_addon.check.edge_mask`: flow is averaged over
a pixel's samples, so it blends two surfaces there). Error: ``|p(t) - uv[t]|``, pixels.
Flow comes from Cycles' Vector pass; the tracks from the recorded poses: they agree
when both are right. (The chain accumulates the flow's own rounding, float32 and
bilinear interpolation, so its error grows slowly with the number of frames.)

**Depth-ratio heuristic.** Kubric and PointOdyssey decide visibility from depth alone
(the issue cites PointOdyssey's ratio 0.97): a point counts as visible when the rendered
depth at its pixel is at least ``ratio`` times its own depth. Over every valid, in-view
(frame, point) entry this module counts where that heuristic disagrees with the exact
visibility of :mod:`.tracker` (instance id and a slope-aware depth test).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np

from .. import reader
from ..check import edge_mask
from .points import Tracks
from .tracker import track

__all__ = ["HEURISTIC_RATIO", "TrackCheck", "check_tracks", "chained_flow",
           "heuristic_disagreement"]

HEURISTIC_RATIO = 0.97


@dataclass(frozen=True)
class TrackCheck:
    """Tracks against chained flow and the depth-ratio heuristic.

    Attributes:
        points: points tracked.
        steps: (frame, point) entries compared with chained flow.
        median_error, max_error: chained-flow error over them, pixels (``None`` if none).
        median_by_frames: frames chained (1, 2, ...) -> median error, pixels.
        tolerance: the largest median error that passes, pixels.
        ratio: the heuristic's depth ratio.
        in_view: valid, in-view entries judged by the heuristic.
        visible, occluded: how many of them are exactly visible / occluded.
        false_occluded: exactly visible entries the heuristic calls occluded.
        false_visible: exactly occluded entries the heuristic calls visible.
        tracks: the :class:`Tracks` checked.
    """

    points: int
    steps: int
    median_error: float | None
    max_error: float | None
    median_by_frames: dict[int, float]
    tolerance: float
    ratio: float
    in_view: int
    visible: int
    occluded: int
    false_occluded: int
    false_visible: int
    tracks: Tracks

    @property
    def passed(self) -> bool:
        return self.median_error is not None and self.median_error <= self.tolerance

    @property
    def heuristic_wrong(self) -> float | None:
        """Share of the valid in-view entries the heuristic gets wrong."""
        wrong = self.false_occluded + self.false_visible
        return wrong / self.in_view if self.in_view else None

    def as_dict(self) -> dict:
        return {"points": self.points, "steps": self.steps,
                "median_error": self.median_error, "max_error": self.max_error,
                "median_by_frames": {str(k): v for k, v in self.median_by_frames.items()},
                "tolerance": self.tolerance, "passed": self.passed, "ratio": self.ratio,
                "in_view": self.in_view, "visible": self.visible, "occluded": self.occluded,
                "false_occluded": self.false_occluded, "false_visible": self.false_visible,
                "heuristic_wrong": self.heuristic_wrong}

    def report(self) -> str:
        lines = []
        if self.median_error is None:
            lines.append(f"tracks: {self.points} points, none could be followed by the "
                         "flow (no point visible away from edges in consecutive frames): "
                         "FAILED")
        else:
            shown = list(self.median_by_frames.items())
            if len(shown) > 4:  # the first two and the last
                shown = [*shown[:2], None, shown[-1]]
            by = ", ".join("..." if item is None else
                           f"{item[0]} frame{'s' if item[0] > 1 else ''} {item[1]:.4f} px"
                           for item in shown)
            verdict = "ok" if self.passed else f"FAILED (above {self.tolerance:g} px)"
            lines.append(f"tracks: {self.points} points, {self.steps} steps against the "
                         f"forward flow chained over frames: median error "
                         f"{self.median_error:.4f} px, largest {self.max_error:.3g} px "
                         f"({by}): {verdict}")
        share = self.heuristic_wrong
        if share is not None:
            lines.append(
                f"tracks: a depth-ratio heuristic ({self.ratio:g}, PointOdyssey's) gets "
                f"{share:.2%} of {self.in_view} in-view entries wrong: "
                f"{self.false_occluded} of {self.visible} exactly visible called occluded "
                f"({self.false_occluded / max(self.visible, 1):.2%}), "
                f"{self.false_visible} of {self.occluded} exactly occluded called visible "
                f"({self.false_visible / max(self.occluded, 1):.2%})")
        return "\n".join(lines)


def _bilinear(field: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``field`` (H, W, C) at points ``p`` (M, 2) (x, y), bilinear between pixel centres;
    and the (M, 4, 2) int (col, row) of the four pixels used."""
    height, width = field.shape[:2]
    base = np.floor(p).astype(np.intp)
    frac = p - base
    corners = np.stack([base + [0, 0], base + [1, 0], base + [0, 1], base + [1, 1]], axis=1)
    corners[..., 0] = np.clip(corners[..., 0], 0, width - 1)
    corners[..., 1] = np.clip(corners[..., 1], 0, height - 1)
    weights = np.stack([(1 - frac[:, 0]) * (1 - frac[:, 1]), frac[:, 0] * (1 - frac[:, 1]),
                        (1 - frac[:, 0]) * frac[:, 1], frac[:, 0] * frac[:, 1]], axis=1)
    values = field[corners[..., 1], corners[..., 0]].astype(np.float64)
    return np.einsum("mk,mkc->mc", weights, values), corners


def chained_flow(tracks: Tracks, sequence) -> tuple[np.ndarray, np.ndarray]:
    """``(errors, frames_chained)``: each compared entry's chained-flow error (pixels)
    and after how many frames of chaining (module docstring). ``sequence``: the
    frames the tracks were made from (:func:`reader.open_sequence`)."""
    count = len(tracks)
    position = np.full((count, 2), np.nan)
    alive = np.zeros(count, dtype=bool)
    errors, chained = [], []
    for t in range(len(tracks.frames) - 1):
        starting = (tracks.query_index == t) & tracks.visible[t]
        position[starting] = tracks.uv[t, starting]
        alive |= starting
        alive &= tracks.visible[t] & tracks.visible[t + 1]
        if not alive.any() or not sequence.has_successor(t):
            alive[:] = False
            continue
        frame = sequence[t]
        if "vector" not in frame.passes:
            raise reader.GroundTruthError(f"{frame.path}: has no flow output, which the "
                                          "tracks check needs")
        ids, names = frame.instance_id, {n: i for i, n in frame.names.items()}
        edges = edge_mask(frame.depth, ids, orthographic=tracks.camera_type == "ORTHO")
        index = np.flatnonzero(alive)
        flow, corners = _bilinear(frame.flow_forward, position[index])
        own = np.array([names.get(n, -1) for n in tracks.object_name[index]])
        cols, rows = corners[..., 0], corners[..., 1]
        clean = ((ids[rows, cols] == own[:, None]) & ~edges[rows, cols]).all(axis=1)
        alive[index[~clean]] = False
        index = index[clean]
        position[index] += flow[clean]
        errors.append(np.hypot(*(position[index] - tracks.uv[t + 1, index]).T))
        chained.append(t + 1 - tracks.query_index[index])
    if not errors:
        return np.zeros(0), np.zeros(0, dtype=np.int64)
    return np.concatenate(errors), np.concatenate(chained)


def heuristic_disagreement(tracks: Tracks, sequence, ratio: float = HEURISTIC_RATIO
                           ) -> tuple[int, int, int, int, int]:
    """``(in_view, visible, occluded, false_occluded, false_visible)`` counts over the
    valid in-view entries (module docstring)."""
    counts = np.zeros(5, dtype=np.int64)
    for t in range(len(tracks.frames)):
        entries = np.flatnonzero(tracks.valid[t] & tracks.in_view[t])
        if not entries.size:
            continue
        depth = sequence[t].depth
        pixel = np.floor(tracks.uv[t, entries].astype(np.float64) + 0.5).astype(np.intp)
        rendered = depth[pixel[:, 1], pixel[:, 0]].astype(np.float64)
        heuristic = rendered >= ratio * tracks.camera[t, entries, 2]
        exact = tracks.visible[t, entries]
        counts += [entries.size, exact.sum(), (~exact).sum(), (exact & ~heuristic).sum(),
                   (~exact & heuristic).sum()]
    return tuple(int(c) for c in counts)


def check_tracks(folder: str | os.PathLike[str], *, points: int = 500,
                 tolerance: float = 0.5, ratio: float = HEURISTIC_RATIO,
                 prefix: str | None = None, progress: bool = False, **options
                 ) -> TrackCheck:
    """Track ``points`` points from the first frame (:func:`.tracker.track`, ``options``
    passed on) and check them (module docstring). ``tolerance``: the largest median
    chained-flow error that passes, pixels."""
    sequence = reader.open_sequence(folder, prefix=prefix)
    tracks = track(folder, points=points, prefix=prefix, progress=progress, **options)
    errors, chained = chained_flow(tracks, sequence)
    by_frames = {int(k): float(np.median(errors[chained == k]))
                 for k in np.unique(chained).tolist()}
    return TrackCheck(
        points=len(tracks), steps=int(errors.size),
        median_error=float(np.median(errors)) if errors.size else None,
        max_error=float(errors.max()) if errors.size else None,
        median_by_frames=by_frames, tolerance=tolerance, ratio=ratio,
        **dict(zip(("in_view", "visible", "occluded", "false_occluded", "false_visible"),
                   heuristic_disagreement(tracks, sequence, ratio), strict=True)),
        tracks=tracks)
