# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Long-range point tracks from the recorded poses (:func:`track`). No ``bpy``.

1. **Query points.** In each query frame, points are chosen on the pixels that show an
   object with a recorded pose (``instance_id`` > 0), away from edges (the 3x3
   neighbourhood holds one instance id and no depth jump, :func:`check.edge_mask`:
   there the position pass's first sample and Cryptomatte's majority name the same
   surface): ``points`` at random (``seed``) or every ``grid``-th pixel. Each point is
   the surface point the pixel saw: the ``position`` pass (its first sample; with
   Cycles' default 1.5 px filter measured within 0.0006 px of the pixel centre, depth
   on tilted faces within 2.5e-5 relative of the centre's), or with no position pass
   the point at the pixel centre from ``depth`` and the camera.
2. **Carried rigidly.** In the coordinates of its object (``inverse(object_to_world)``
   of the query frame; each copy made by instancing has its own pose), then to every
   frame with that frame's ``object_to_world`` and camera: ``world``, ``camera``
   (OpenCV axes) and ``uv = camera.project(world)``.
3. **Visibility, exactly.** The point's pixel is ``floor(uv + 0.5)`` (integer
   coordinates at pixel centres). In view: in front of the camera (z > 0) and that
   pixel inside the image. Visible: in view, the rendered ``instance_id`` there is the
   point's object, and the rendered planar ``depth`` there matches the point's z:
   ``|z - d_at_point| <= (depth_tolerance + s * filter_reach) * z``, where
   ``d_at_point`` is the rendered depth carried from the pixel centre to the point by
   the slope of inverse depth at the pixel (affine in pixels on a plane; from its
   neighbours on the same object: the smaller one-sided difference, none across a
   jump of more than half), ``s`` that slope relative to the pixel's own value (per
   pixel), and ``filter_reach`` (pixels) bounds how far off the centre Cycles' first
   sample may land (the pixel filter's width; measured, it lands far closer, see 1).
   Defaults: 1 % and 1.5 px (Cycles' default filter width).
4. **Deforming meshes.** Each frame records a hash of every object's evaluated mesh
   (``Pose.geometry``). Where it differs from the query frame's, the point's entry is
   invalid (``deforms``: uv and positions NaN, not visible); where a frame has no
   hash (older files, objects that are no mesh) it is invalid too (``no geometry
   record``) unless ``assume_rigid``. An object missing from a frame: ``no pose``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np

from .. import reader
from ..check import edge_mask
from .points import DEFORMS, NO_POSE, NO_RECORD, Tracks

__all__ = ["DEFAULT_DEPTH_TOLERANCE", "DEFAULT_FILTER_REACH", "query_points", "track"]

DEFAULT_DEPTH_TOLERANCE = 0.01  # of the point's depth
DEFAULT_FILTER_REACH = 1.5  # pixels: how far from the centre Cycles' first sample may land
_JUMP = 0.5  # a neighbour's inverse depth this much (relative) away: an edge


def _need(frame, what: str) -> None:
    if frame.camera is None:
        raise reader.GroundTruthError(f"{frame.path}: no camera in the header, which "
                                      f"{what} need")
    for layer in ("depth", "cryptomatte_object"):
        if layer not in frame.passes:
            name = "instance_id" if layer == "cryptomatte_object" else layer
            raise reader.GroundTruthError(f"{frame.path}: has no {name!r} output, which "
                                          f"{what} need")


def query_points(frame, *, points: int | None = 1000, grid: int | None = None,
                 seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The query points of one frame (step 1 of the module docstring).

    Returns:
        ``(pixels, world, ids)``: (M, 2) int (col, row) of the pixels chosen, in row-major
        order; (M, 3) float64 world points; (M,) int their instance ids. M is ``points``
        (fewer when fewer pixels qualify) or the grid's qualifying pixels.

    Raises:
        GroundTruthError: the frame lacks depth, instance ids, a camera or poses.
    """
    _need(frame, "point tracks")
    poses = frame.poses
    if not poses:
        raise reader.GroundTruthError(f"{frame.path}: records no object poses (files "
                                      "written before poses were recorded), which point "
                                      "tracks need")
    ids, depth, camera = frame.instance_id, frame.depth, frame.camera
    if "position" in frame.passes:
        world = frame.position.astype(np.float64)
    else:
        world = camera.points_from_depth(depth)
    good = (np.isin(ids, list(poses)) & np.isfinite(world).all(axis=-1)
            & ~edge_mask(depth, ids, orthographic=camera.type == "ORTHO"))
    if grid is not None:
        on_grid = np.zeros_like(good)
        on_grid[grid // 2::grid, grid // 2::grid] = True
        good &= on_grid
    rows, cols = np.nonzero(good)
    if grid is None and points is not None and rows.size > points:
        chosen = np.sort(np.random.default_rng(seed).choice(rows.size, points, replace=False))
        rows, cols = rows[chosen], cols[chosen]
    return (np.stack([cols, rows], axis=-1).astype(np.int64), world[rows, cols],
            ids[rows, cols].astype(np.int64))


def _slope(value, ids, rows, cols, own, axis: int) -> np.ndarray:
    """Change of ``value`` (inverse depth, or depth for an orthographic camera) per pixel
    along ``axis`` (1: columns, 0: rows) at each point's pixel, from its neighbours
    showing its object: the smaller one-sided difference; 0 where neither neighbour
    qualifies (another object, nothing hit, a jump of more than half the value)."""
    height, width = value.shape
    here = value[rows, cols]
    best = np.full(rows.shape, np.inf)
    for step in (-1, 1):
        r = rows + (step if axis == 0 else 0)
        c = cols + (step if axis == 1 else 0)
        inside = (r >= 0) & (r < height) & (c >= 0) & (c < width)
        r, c = np.clip(r, 0, height - 1), np.clip(c, 0, width - 1)
        there = value[r, c]
        with np.errstate(invalid="ignore"):
            difference = (there - here) * step
            usable = (inside & (ids[r, c] == own) & np.isfinite(there)
                      & (np.abs(difference) <= _JUMP * np.abs(here)))
        better = usable & (np.abs(difference) < np.abs(best))
        best = np.where(better, difference, best)
    return np.where(np.isfinite(best), best, 0.0)


def visibility(uv, z, own, depth, ids, camera, *, depth_tolerance=DEFAULT_DEPTH_TOLERANCE,
               filter_reach=DEFAULT_FILTER_REACH) -> tuple[np.ndarray, np.ndarray]:
    """``(in_view, visible)`` (N,) bool of points at ``uv`` (N, 2) pixels with planar
    depth ``z`` (N,) on objects ``own`` (N,) int ids of this frame (0: none), against
    the frame's rendered ``depth`` and ``ids`` (step 3 of the module docstring).

    The rendered depth is carried from the pixel centre to the point in inverse depth
    (affine in pixel coordinates on a plane seen in perspective; depth itself for an
    orthographic camera), so a surface seen at a grazing angle, whose depth changes by
    many per cent from one pixel to the next, is judged as exactly as a facing one."""
    height, width = depth.shape
    with np.errstate(invalid="ignore"):
        pixel = np.floor(uv + 0.5)
        in_view = (np.isfinite(uv).all(axis=-1) & (z > 0) & (pixel[:, 0] >= 0)
                   & (pixel[:, 0] < width) & (pixel[:, 1] >= 0) & (pixel[:, 1] < height))
    visible = np.zeros(in_view.shape, dtype=bool)
    index = np.flatnonzero(in_view)
    if index.size:
        cols, rows = pixel[index, 0].astype(np.intp), pixel[index, 1].astype(np.intp)
        mine = own[index]
        same = (ids[rows, cols] == mine) & (mine > 0)
        orthographic = camera.type == "ORTHO"
        rendered = depth.astype(np.float64)
        with np.errstate(divide="ignore"):
            value = rendered if orthographic else 1.0 / rendered  # 0 where nothing hit
        here = value[rows, cols]
        gx = _slope(value, ids, rows, cols, mine, axis=1)
        gy = _slope(value, ids, rows, cols, mine, axis=0)
        offset = uv[index] - pixel[index]
        at_point = here + gx * offset[:, 0] + gy * offset[:, 1]
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = at_point if orthographic else 1.0 / at_point
            relative_slope = (np.abs(gx) + np.abs(gy)) / np.abs(here)
            tolerance = (depth_tolerance + relative_slope * filter_reach) * z[index]
            visible[index] = (same & np.isfinite(expected) & (here != 0)
                              & (np.abs(z[index] - expected) <= tolerance))
    return in_view, visible


def _frames_to_query(sequence, query_frames: Iterable[int] | None) -> list[int]:
    if query_frames is None:
        return [sequence.frames[0]]
    chosen = sorted(set(int(f) for f in query_frames))
    for number in chosen:
        sequence.index_of(number)  # GroundTruthError when not in the folder
    return chosen


def track(folder: str | os.PathLike[str], *, points: int | None = 1000,
          grid: int | None = None, query_frames: Iterable[int] | None = None,
          seed: int = 0, depth_tolerance: float = DEFAULT_DEPTH_TOLERANCE,
          filter_reach: float = DEFAULT_FILTER_REACH, assume_rigid: bool = False,
          prefix: str | None = None, progress: bool = False) -> Tracks:
    """Point tracks through every frame of ``folder`` (see the module docstring).

    Parameters:
        folder: frames with depth, instance ids, cameras and poses (``position`` too for
            exact query points).
        points: points per query frame, chosen at random (``seed``); ignored with ``grid``.
        grid: instead, every ``grid``-th pixel (rows and columns from ``grid // 2``).
        query_frames: frame numbers to choose points in (default: the first frame).
        depth_tolerance, filter_reach: the visibility test (module docstring).
        assume_rigid: track objects without a recorded mesh hash as rigid.
        prefix: the file-name prefix when the folder holds several.
        progress: a progress bar on stderr.

    Returns:
        :class:`~blender_gt_addon.tracks.points.Tracks`.

    Raises:
        GroundTruthError: no frames, a query frame not in the folder, a frame lacking
            depth, instance ids, a camera or poses, or no point to track.
    """
    from ..reader.parallel import progress_bar

    sequence = reader.open_sequence(folder, prefix=prefix)
    chosen = _frames_to_query(sequence, query_frames)
    pixels, world, names, query_frame, object_point, geometry = [], [], [], [], [], []
    for number in chosen:
        frame = sequence.frame(number)
        where, points_world, ids = query_points(frame, points=points, grid=grid, seed=seed)
        poses = frame.poses
        for value in np.unique(ids).tolist():
            rows = ids == value
            inverse = np.linalg.inv(poses[value].object_to_world)
            object_point.append(points_world[rows] @ inverse[:3, :3].T + inverse[:3, 3])
            pixels.append(where[rows])
            world.append(points_world[rows])
            names.extend([poses[value].name] * int(rows.sum()))
            geometry.extend([poses[value].geometry] * int(rows.sum()))
            query_frame.extend([number] * int(rows.sum()))
    if not names:
        raise reader.GroundTruthError(f"{folder}: no pixel of frames {chosen} shows an object "
                                      "with a pose away from edges: no point to track")
    object_point = np.concatenate(object_point)
    names_array = np.array(names, dtype=object)
    query_frame = np.array(query_frame, dtype=np.int64)
    count, length = len(names), len(sequence)
    uv = np.full((length, count, 2), np.nan, dtype=np.float32)
    world_t = np.full((length, count, 3), np.nan)
    camera_t = np.full((length, count, 3), np.nan)
    in_view = np.zeros((length, count), dtype=bool)
    visible = np.zeros((length, count), dtype=bool)
    reason = np.zeros((length, count), dtype=np.uint8)
    Ks, w2cs = np.zeros((length, 3, 3)), np.zeros((length, 4, 4))
    objects = sorted(set(names))
    which = np.array([objects.index(n) for n in names], dtype=np.intp)
    # Each point's mesh hash in its own query frame (one object can be queried in
    # several frames, deformed differently in each).
    query_hash = np.array(geometry, dtype=object)
    size = None
    with progress_bar(length, "tracking points", enabled=progress) as bar:
        for t in range(length):
            frame = sequence[t]
            _need(frame, "point tracks")
            camera = frame.camera
            size = size or (camera.width, camera.height, camera.type)
            Ks[t], w2cs[t] = camera.K, camera.world_to_camera
            by_name = {p.name: p for p in frame.poses.values()}
            matrices = np.zeros((len(objects), 4, 4))
            posed = np.zeros(len(objects), dtype=bool)
            now_hash = np.full(len(objects), None, dtype=object)
            own_ids = np.zeros(len(objects), dtype=np.int64)
            for k, name in enumerate(objects):
                pose = by_name.get(name)
                if pose is not None:
                    matrices[k], own_ids[k], posed[k] = pose.object_to_world, pose.id, True
                    now_hash[k] = pose.geometry
            pairs = list(zip(query_hash, now_hash[which], strict=True))
            unknown = np.array([a is None or b is None for a, b in pairs], dtype=bool)
            same = np.array([a == b for a, b in pairs], dtype=bool)
            status = np.where(unknown, 0 if assume_rigid else NO_RECORD,
                              np.where(same, 0, DEFORMS))
            reason[t] = np.where(posed[which], status, NO_POSE)
            # In its own query frame a point is where it was seen, deformed or not.
            reason[t, (query_frame == sequence.frames[t]) & (reason[t] != NO_POSE)] = 0
            ok = reason[t] == 0
            m = matrices[which[ok]]
            moved = np.einsum("nij,nj->ni", m[:, :3, :3], object_point[ok]) + m[:, :3, 3]
            in_camera = moved @ camera.world_to_camera[:3, :3].T + camera.world_to_camera[:3, 3]
            with np.errstate(divide="ignore", invalid="ignore"):
                projected = camera.project(moved) if moved.size else np.zeros((0, 2))
            world_t[t, ok], camera_t[t, ok] = moved, in_camera
            uv[t, ok] = projected
            seen_view, seen = visibility(
                projected, in_camera[:, 2], own_ids[which[ok]], frame.depth,
                frame.instance_id, camera, depth_tolerance=depth_tolerance,
                filter_reach=filter_reach)
            in_view[t, ok], visible[t, ok] = seen_view, seen
            bar.update(1)
    frames = np.array(sequence.frames, dtype=np.int64)
    query_index = np.searchsorted(frames, query_frame)
    notes = []
    unseen = ~visible[query_index, np.arange(count)]
    if unseen.any():
        notes.append(f"{int(unseen.sum())} of {count} query points fail the visibility "
                     "test in their own frame (a depth sample far off the pixel centre: "
                     "raise filter_reach, or render with a smaller pixel filter)")
    if "position" not in sequence.frame(chosen[0]).passes:
        notes.append("no position output: query points are taken at pixel centres from "
                     "depth (with Cycles' default filter its sample was measured within "
                     "0.0006 px of the centre)")
    return Tracks(frames=frames, width=int(size[0]), height=int(size[1]),
                  query_frame=query_frame, query_index=query_index,
                  query_pixel=np.concatenate(pixels), object_name=names_array,
                  object_point=object_point, uv=uv, world=world_t, camera=camera_t,
                  in_view=in_view, visible=visible, valid=reason == 0, reason=reason,
                  K=Ks, world_to_camera=w2cs, camera_type=str(size[2]),
                  depth_tolerance=depth_tolerance, notes=tuple(notes))
