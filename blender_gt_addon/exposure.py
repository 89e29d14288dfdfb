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
- ``at_open`` and ``at_close``: the scene evaluated at those (sub-frame) times: a
  frame record of its own (``frame``: the frame number, ``time``: the instant in
  frames, ``camera``, ``objects`` with their poses and mesh hashes), written by the
  add-on on the main thread after the frame.

The reader turns these into :attr:`GroundTruthFrame.shutter` and
:attr:`GroundTruthFrame.exposure_motion` (``reader/exposure.py``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from . import frame_record
from .camera import Camera

__all__ = ["POSITIONS", "Instant", "Shutter", "parse", "times", "to_json"]

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
    """

    position: str
    length: float
    time: float
    open: float
    close: float
    curve: tuple[tuple[float, float], ...] = ()
    at_open: Instant | None = None
    at_close: Instant | None = None

    @property
    def is_box(self) -> bool:
        """Whether the shutter is open fully over the whole exposure (a flat curve)."""
        return len({y for _, y in self.curve}) <= 1


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
    except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
        raise ValueError(f"damaged shutter record ({exc})") from None
    length, time, start, end = numbers
    if not all(map(_finite, numbers)) or length < 0 or end < start:
        raise ValueError(f"damaged shutter record (exposure {start}..{end}, length {length})")
    return Shutter(position=position, length=length, time=time, open=start, close=end,
                   curve=curve, at_open=instants[0], at_close=instants[1])


def _finite(value: float) -> bool:
    return value == value and abs(value) != float("inf")
