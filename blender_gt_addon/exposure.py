# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shutter of a motion-blurred frame, and the scene at its opening and closing.
No ``bpy`` here.

With the scene's motion blur on, the image is Cycles' blurred render and every data
output comes from the add-on's crisp view layer (``blender/compositor.py``): the
scene **at the frame's time** ``t`` (the frame number). The frame record
(:mod:`blender_gt_addon.frame_record`) then holds an optional ``"shutter"`` entry:

``{"position": "CENTER", "length": 0.5, "time": 2, "open": 1.75, "close": 2.25,
"curve": [[0, 1], [0.5, 1], [1, 1]], "at_open": {...}, "at_close": {...}}``

- ``position``: Blender's Render Properties > Motion Blur > Position; ``length`` its
  Shutter, in frames. Cycles exposes the image over ``[open, close]`` (measured on
  a real render, ``tests/test_motion_blur.py``): ``CENTER``: ``[t - s/2, t + s/2]``;
  ``START``: ``[t, t + s]``; ``END``: ``[t - s, t]``. So the crisp ground truth is
  the middle of the exposure (``CENTER``), its opening (``START``) or its closing
  (``END``).
- ``curve``: Blender's shutter curve, ``[x, y]`` points: the shutter's openness ``y``
  at ``x`` in [0, 1] of the exposure (all ``y`` equal: a box shutter, the default).
- ``rolling`` (only with Cycles' rolling shutter on): ``{"type": "TOP", "duration": d,
  "world_to_camera": [...], "objects": {name: [...]}}``, the camera at each row's time
  (:func:`row_times`), one 4x4 matrix a row, top row first, and the same for the
  ``object_to_world`` pose of every object that moves during the exposure (its pose at
  the opening, the frame or the closing differs; instanced copies are not in it), and
  ``"depth_world_to_camera"``, the camera at the exposure's middle (whose axis the
  image layer's depth pass measures along). The
  data outputs stay at the frame's time (a layer without motion blur has no rolling
  shutter in Cycles); the ``rolling_*`` outputs are each row's at the row's time.
- ``at_open`` and ``at_close``: the scene evaluated at those (sub-frame) times: a
  frame record of its own (``frame``: the frame number, ``time``: the instant in
  frames, ``camera``, ``objects`` with their poses and mesh hashes), written by the
  add-on on the main thread after the frame.

The reader turns these into :attr:`GroundTruthFrame.shutter` and
:attr:`GroundTruthFrame.exposure_motion` (``reader/exposure.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from . import frame_record
from .camera import Camera

__all__ = ["POSITIONS", "Instant", "Shutter", "parse", "row_times", "times", "to_json"]

POSITIONS = ("START", "CENTER", "END")


@dataclass(frozen=True)
class Instant:
    """The scene at one instant of the exposure.

    Attributes:
        time: the instant, in frames (e.g. 1.75).
        camera: the camera then (``None`` when the scene had none).
        objects: every rendered object and instanced copy with its pose then, named as
            in the frame record (:class:`frame_record.ObjectRecord`).
    """

    time: float
    camera: Camera | None
    objects: tuple[frame_record.ObjectRecord, ...] = ()


@dataclass(frozen=True)
class Shutter:
    """The exposure of a motion-blurred frame (times in frames).

    Attributes:
        position: ``"START"``, ``"CENTER"`` or ``"END"`` (where the frame's time, the
            ground truth's instant, falls in the exposure: its opening, middle, end).
        length: the exposure in frames (Blender's Shutter).
        time: the instant of the ground truth (the frame number).
        open, close: the exposure's first and last instant, frames.
        curve: the shutter curve, ``((x, y), ...)`` with x in [0, 1] of the exposure.
        at_open, at_close: the scene at ``open`` and ``close`` (``None`` if not recorded).
        rolling: Cycles' rolling shutter, ``"NONE"`` or ``"TOP"`` (rows read from the
            top of the image down).
        rolling_duration: Cycles' Rolling Shutter Duration: the share of the exposure
            each row is exposed for (0: each row at one instant).
        row_world_to_camera: (H, 4, 4) float64, the camera's world to OpenCV camera
            matrix at each row's time (:func:`row_times`), rows top first; ``None``
            without a rolling shutter.
        row_object_to_world: ``{name: (H, 4, 4) float64}``, Blender's evaluated
            ``matrix_world`` at each row's time of each object that moves during the
            exposure (not instanced copies); objects not in it hold one pose over the
            whole exposure (the frame record's). Empty without a rolling shutter.
        depth_world_to_camera: (4, 4) float64, the camera at the exposure's middle
            (``(open + close) / 2``): Cycles' depth pass of a motion-blurred layer is
            the planar depth along *its* axis, whatever the row (measured: a camera
            moving along its axis, shutter START, every row's depth of a still wall
            is its distance at the middle). The reader turns the ``rolling_depth``
            pass into each row's own depth with it. ``None`` without a rolling shutter.
    """

    position: str
    length: float
    time: float
    open: float
    close: float
    curve: tuple[tuple[float, float], ...] = ()
    at_open: Instant | None = None
    at_close: Instant | None = None
    rolling: str = "NONE"
    rolling_duration: float = 0.0
    row_world_to_camera: np.ndarray | None = None
    row_object_to_world: dict[str, np.ndarray] = field(default_factory=dict)
    depth_world_to_camera: np.ndarray | None = None

    @property
    def is_box(self) -> bool:
        """Whether the shutter is open fully over the whole exposure (a flat curve)."""
        return len({y for _, y in self.curve}) <= 1


def row_times(shutter: Shutter, height: int) -> np.ndarray:
    """(H,) float64, frames: the middle of each image row's exposure, top row first.

    Cycles' rolling shutter (``TOP``; measured on a real render to 0.05 px,
    ``tests/test_motion_blur.py``): row ``r`` (0 at the top) of an image ``H`` rows high
    is exposed at the fraction ``f = (r + 1) / H`` of the shutter; a duration ``d``
    (0 to 1) spreads each row over ``d`` of the shutter around
    ``0.5 + (f - 0.5) (1 - d)``. So the time is ``open + length * (0.5 + ((r + 1) / H
    - 0.5) (1 - d))``, and each row is exposed for ``length * d`` frames. Without a
    rolling shutter every row is the whole exposure: its middle.
    """
    if shutter.rolling == "NONE":
        return np.full(height, (shutter.open + shutter.close) / 2)
    share = (np.arange(1, height + 1, dtype=np.float64) / height - 0.5)
    share = 0.5 + share * (1.0 - shutter.rolling_duration)
    return shutter.open + shutter.length * share


def times(position: str, length: float, time: float) -> tuple[float, float]:
    """``(open, close)`` in frames of Cycles' exposure for shutter ``position`` and
    ``length`` (frames) around the frame's ``time`` (see the module docstring)."""
    if position not in POSITIONS:
        raise ValueError(f"unknown shutter position {position!r}")
    start = {"START": 0.0, "CENTER": -0.5, "END": -1.0}[position] * length + time
    return start, start + length


def to_json(shutter: Shutter) -> dict:
    """The ``"shutter"`` entry of the frame record for ``shutter``."""
    data = {"position": shutter.position, "length": float(shutter.length),
            "time": float(shutter.time), "open": float(shutter.open),
            "close": float(shutter.close),
            "curve": [[float(x), float(y)] for x, y in shutter.curve]}
    if shutter.rolling != "NONE":
        rows = shutter.row_world_to_camera
        data["rolling"] = {"type": shutter.rolling, "duration": float(shutter.rolling_duration),
                           "world_to_camera": None if rows is None else
                           np.asarray(rows, dtype=np.float64).tolist(),
                           "objects": {name: np.asarray(m, dtype=np.float64).tolist()
                                       for name, m in shutter.row_object_to_world.items()},
                           "depth_world_to_camera": None
                           if shutter.depth_world_to_camera is None else
                           np.asarray(shutter.depth_world_to_camera, np.float64).tolist()}
    for key, instant in (("at_open", shutter.at_open), ("at_close", shutter.at_close)):
        if instant is not None:
            # A frame record of its own (the same camera and object encoding).
            entry = json.loads(frame_record.encode(int(round(shutter.time)), instant.camera,
                                                   instant.objects))
            entry["time"] = float(instant.time)
            data[key] = entry
    return data


def parse(raw: object) -> Shutter:
    """The :class:`Shutter` of a frame record's ``"shutter"`` entry (as parsed JSON).

    Raises:
        ValueError: a damaged entry.
    """
    try:
        if not isinstance(raw, dict):
            raise ValueError("not an object")
        position = str(raw["position"])
        if position not in POSITIONS:
            raise ValueError(f"position {position!r}")
        numbers = [float(raw[k]) for k in ("length", "time", "open", "close")]
        curve = tuple((float(x), float(y)) for x, y in raw.get("curve", ()))
        instants = []
        for key in ("at_open", "at_close"):
            entry = raw.get(key)
            if entry is None:
                instants.append(None)
                continue
            if not isinstance(entry, dict):
                raise ValueError(f"{key} is not an object")
            record = frame_record.decode(json.dumps(entry, allow_nan=False))
            instants.append(Instant(time=float(entry["time"]), camera=record.camera,
                                    objects=record.objects))
        rolling, duration, rows = "NONE", 0.0, None
        row_poses: dict[str, np.ndarray] = {}
        depth_camera = None
        entry = raw.get("rolling")
        if entry is not None:
            rolling, duration = str(entry["type"]), float(entry["duration"])
            if rolling not in ("NONE", "TOP") or not 0.0 <= duration <= 1.0:
                raise ValueError(f"rolling shutter {rolling!r}, duration {duration}")
            if entry.get("world_to_camera") is not None:
                rows = _row_matrices(entry["world_to_camera"], "row cameras")
            if entry.get("depth_world_to_camera") is not None:
                depth_camera = _row_matrices([entry["depth_world_to_camera"]],
                                             "depth camera")[0]
            objects = entry.get("objects") or {}
            if not isinstance(objects, dict):
                raise ValueError("row poses are not an object")
            for name, matrices in objects.items():
                row_poses[str(name)] = _row_matrices(matrices, f"row poses of {name!r}")
                if rows is not None and len(row_poses[str(name)]) != len(rows):
                    raise ValueError(f"{len(row_poses[str(name)])} row poses of {name!r} "
                                     f"for {len(rows)} rows")
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"damaged shutter record ({exc})") from None
    length, time, start, end = numbers
    if not all(map(_finite, numbers)) or length < 0 or end < start:
        raise ValueError(f"damaged shutter record (exposure {start}..{end}, length {length})")
    return Shutter(position=position, length=length, time=time, open=start, close=end,
                   curve=curve, at_open=instants[0], at_close=instants[1], rolling=rolling,
                   rolling_duration=duration, row_world_to_camera=rows,
                   row_object_to_world=row_poses, depth_world_to_camera=depth_camera)


def _row_matrices(raw: object, what: str) -> np.ndarray:
    """(H, 4, 4) float64 finite matrices from a record's nested lists."""
    try:
        matrices = np.array(raw, dtype=np.float64)
    except (ValueError, TypeError, OverflowError):
        raise ValueError(f"{what}: not 4x4 matrices of numbers") from None
    if matrices.ndim != 3 or matrices.shape[1:] != (4, 4) or not np.isfinite(matrices).all():
        raise ValueError(f"{what} of shape {matrices.shape}")
    return matrices


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")
