# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bounded parsing of the header attributes the reader interprets. No ``bpy``.

Every attribute the reader parses (the ``Frame`` number, the frame record, the amodal
record, the camera in the Note, the Cryptomatte manifest, the keypoints) goes through
these helpers, so that a hostile header gives one :class:`GroundTruthError` naming the
file and the attribute, never a ``RecursionError``, ``LinAlgError``, ``OverflowError``
or an allocation the header alone decides (issue 24).

How to use it (e.g. a new part of the frame record)::

    from . import records

    with records.reading(path, "frame record"):       # -> "<path>: unreadable frame
        data = records.load_json(text)                #    record in the header (...)"
        items = records.field(data, "keypoints", list, default=[])
        for item in records.items(items, "keypoints"):
            name = records.string(records.field(item, "name", str), "keypoint name")
            xy = records.matrix(records.field(item, "xy", list), (None, 2), "keypoint xy")

Inside :func:`reading`, the helpers raise :class:`RecordError` with the reason, and
:func:`reading` turns it (and ``KeyError``, ``TypeError``, ``IndexError``,
``ValueError``, ``ArithmeticError``, ``RecursionError`` from other code in the block)
into ``GroundTruthError("<path>: unreadable <attribute> in the header (<reason>)")``.

Bounds: a JSON text of at most :data:`MAX_CHARS` characters (callers may pass less),
nested at most :data:`MAX_DEPTH` deep (checked by a linear scan before ``json``,
whose parser recurses), no ``NaN``/``Infinity``; integers within +-2**53; numbers
finite; matrices of the stated shape, finite, and well-conditioned where they are
inverted (:data:`MAX_CONDITION`); boxes inside the canvas they belong to.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from .errors import GroundTruthError

__all__ = ["MAX_CHARS", "MAX_CONDITION", "MAX_DEPTH", "RecordError", "box", "check_json",
           "field", "frame_number", "integer", "items", "load_json", "matrix", "number",
           "reading", "string"]

# The longest attribute text parsed (characters). A frame record of 1000 objects is
# about 0.5 MB; the amodal record of a thousand 1080p masks tens of MB.
MAX_CHARS = 256 << 20
# JSON nesting: the add-on's records nest 4 deep (record, objects, object, matrix row).
MAX_DEPTH = 32
# The largest condition number of a matrix that is inverted (float64 keeps ~4 digits).
MAX_CONDITION = 1e12
# Integers: the range float64 holds exactly.
_MAX_INT = 2**53
# JSON strings (escapes included), removed before the brackets are counted.
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
# The Frame attribute: an ASCII decimal integer (Blender writes e.g. "0012").
_FRAME = re.compile(r"-?[0-9]{1,15}")


class RecordError(ValueError):
    """A header record is damaged; the message is the reason (no path)."""


@contextlib.contextmanager
def reading(path: Path, attribute: str) -> Iterator[None]:
    """Turn any failure of the block into ``GroundTruthError`` naming ``path`` and
    ``attribute`` (see the module docstring)."""
    try:
        yield
    except GroundTruthError:
        raise
    except (KeyError, TypeError, IndexError, ValueError, ArithmeticError,
            RecursionError) as exc:  # RecordError is a ValueError
        reason = str(exc) if isinstance(exc, RecordError) else f"{type(exc).__name__}: {exc}"
        raise GroundTruthError(
            f"{path}: unreadable {attribute} in the header ({reason[:300]})") from None


def check_json(text: Any, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> str:
    """``text`` if it is a string of at most ``max_chars`` characters whose JSON
    brackets nest at most ``max_depth`` deep; else :class:`RecordError`. Linear time,
    no recursion (strings are removed first, so brackets in names do not count)."""
    if not isinstance(text, str):
        raise RecordError(f"not text but {type(text).__name__}")
    if len(text) > max_chars:
        raise RecordError(f"{len(text)} characters, more than the {max_chars} allowed")
    brackets = _STRING.sub("", text).translate(_KEEP_BRACKETS)
    if brackets:
        steps = np.frombuffer(brackets.encode("ascii"), np.uint8)
        depth = np.cumsum(np.where((steps == 91) | (steps == 123), 1, -1), dtype=np.int64)
        if depth.max() > max_depth:
            raise RecordError(f"nested {int(depth.max())} deep, more than {max_depth}")
    return text


class _Brackets(dict):
    """str.translate table keeping only ``[]{}``."""

    def __missing__(self, key: int) -> int | None:
        return key if key in (91, 93, 123, 125) else None


_KEEP_BRACKETS = _Brackets()


def _no_constant(name: str) -> float:
    raise RecordError(f"{name} is not a number JSON allows")


def load_json(text: Any, max_chars: int = MAX_CHARS, max_depth: int = MAX_DEPTH) -> Any:
    """The JSON value of ``text`` after :func:`check_json` (``NaN``, ``Infinity``
    refused; integers of more than 4300 digits are refused by Python itself)."""
    return json.loads(check_json(text, max_chars, max_depth), parse_constant=_no_constant)


_MISSING = object()


def field(data: Any, key: str, kind: type | tuple[type, ...], default: Any = _MISSING) -> Any:
    """``data[key]``, which must be of ``kind`` (``data`` a dict); ``default`` if given
    and the key is absent (or ``None``)."""
    if not isinstance(data, dict):
        raise RecordError(f"expected an object holding {key!r}, got {type(data).__name__}")
    value = data.get(key)
    if value is None:
        if default is not _MISSING:
            return default
        raise RecordError(f"no {key!r}")
    if not isinstance(value, kind) or isinstance(value, bool) and bool not in (
            kind if isinstance(kind, tuple) else (kind,)):
        raise RecordError(f"{key!r} is {type(value).__name__}")
    return value


def items(value: Any, what: str, max_items: int | None = None) -> list:
    """``value`` if it is a list (of at most ``max_items``)."""
    if not isinstance(value, list):
        raise RecordError(f"{what}: not a list but {type(value).__name__}")
    if max_items is not None and len(value) > max_items:
        raise RecordError(f"{what}: {len(value)} items, more than {max_items}")
    return value


def string(value: Any, what: str, max_chars: int = 4096) -> str:
    """``value`` if it is a string of at most ``max_chars`` characters."""
    if not isinstance(value, str):
        raise RecordError(f"{what}: not text but {type(value).__name__}")
    if len(value) > max_chars:
        raise RecordError(f"{what}: {len(value)} characters, more than {max_chars}")
    return value


def integer(value: Any, what: str, low: int = -_MAX_INT, high: int = _MAX_INT) -> int:
    """``value`` if it is an integer (a float with an integral value too) in
    ``low..high``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise RecordError(f"{what}: not an integer but {value!r:.40}")
    if not low <= value <= high:
        raise RecordError(f"{what}: {value} is outside {low}..{high}")
    return value


def number(value: Any, what: str, low: float = -np.inf, high: float = np.inf) -> float:
    """``value`` as a finite float in ``low..high``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RecordError(f"{what}: not a number but {value!r:.40}")
    try:
        found = float(value)
    except OverflowError:
        raise RecordError(f"{what}: {value!r:.40} is too large") from None
    if not (np.isfinite(found) and low <= found <= high):
        raise RecordError(f"{what}: {found!r} is not a finite number in {low}..{high}")
    return found


def matrix(value: Any, shape: tuple[int | None, ...], what: str,
           invertible: bool = False) -> np.ndarray:
    """``value`` (nested lists of numbers, or an array) as a finite float64 array of
    ``shape`` (``None``: any length); with ``invertible``, a square matrix whose
    condition number is at most :data:`MAX_CONDITION`."""
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "iuf":
            raise RecordError(f"{what}: an array of {value.dtype}")
        array = value.astype(np.float64)
    else:
        _check_nested(value, len(shape), what)
        try:
            array = np.array(value, dtype=np.float64)
        except (ValueError, TypeError, OverflowError):
            raise RecordError(f"{what}: not a {shape} array of numbers") from None
    if array.ndim != len(shape) or any(s is not None and s != n
                                       for s, n in zip(shape, array.shape, strict=True)):
        raise RecordError(f"{what}: of shape {array.shape}, not {shape}")
    if not np.isfinite(array).all():
        raise RecordError(f"{what}: holds values that are not finite")
    if invertible:
        if array.ndim != 2 or array.shape[0] != array.shape[1]:
            raise RecordError(f"{what}: not a square matrix")
        with np.errstate(all="ignore"):
            condition = np.linalg.cond(array)
        if not condition <= MAX_CONDITION:  # NaN too
            raise RecordError(f"{what}: singular or nearly so (condition {condition:.3g})")
    return array


def _check_nested(value: Any, depth: int, what: str) -> None:
    """Lists ``depth`` deep with numbers (not bools or text) at the bottom."""
    level = [value]
    for _ in range(depth):
        nxt = []
        for each in level:
            if not isinstance(each, (list, tuple)):
                raise RecordError(f"{what}: not nested lists of numbers")
            nxt.extend(each)
        level = nxt
    if any(isinstance(x, bool) or not isinstance(x, (int, float)) for x in level):
        raise RecordError(f"{what}: holds something else than numbers")


def box(value: Any, what: str, canvas: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    """``(x0, y0, x1, y1)`` integers with ``x0 <= x1``, ``y0 <= y1``, inside
    ``canvas`` (its own ``(x0, y0, x1, y1)``, exclusive ends); ``(0, 0, 0, 0)`` (an
    empty box) is always allowed."""
    if not isinstance(value, (list, tuple)) or len(value) != 4:
        raise RecordError(f"{what}: not 4 numbers but {value!r:.60}")
    x0, y0, x1, y1 = (integer(v, what) for v in value)
    if (x0, y0, x1, y1) == (0, 0, 0, 0):
        return (0, 0, 0, 0)
    cx0, cy0, cx1, cy1 = canvas
    if not (cx0 <= x0 <= x1 <= cx1 and cy0 <= y0 <= y1 <= cy1):
        raise RecordError(f"{what}: box {[x0, y0, x1, y1]} is not inside the canvas "
                          f"{list(canvas)}")
    return (x0, y0, x1, y1)


def frame_number(value: Any, path: Path) -> int | None:
    """The frame number of the ``Frame`` header attribute: ``None`` when there is none
    (or it is not text: other tools' files); an ASCII decimal integer of at most 15
    digits, optionally negative, else ``GroundTruthError``."""
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not _FRAME.fullmatch(text):
        raise GroundTruthError(f"{path}: unreadable Frame attribute in the header "
                               f"({value[:40]!r} is not a frame number)")
    return int(text)


# -- The add-on's records, checked after they were decoded -------------------------


def check_camera(camera: Any, what: str = "camera") -> None:
    """A decoded :class:`blender_gt_addon.camera.Camera` usable by every answer the
    reader derives from it: ``K`` and ``world_to_camera`` finite and invertible, a
    size of 1 .. 2**31 - 1 pixels each way, finite clip distances."""
    matrix(camera.K, (3, 3), f"{what} K", invertible=True)
    matrix(camera.world_to_camera, (4, 4), f"{what} world_to_camera", invertible=True)
    integer(camera.width, f"{what} width", 1, 2**31 - 1)
    integer(camera.height, f"{what} height", 1, 2**31 - 1)
    number(camera.clip_start, f"{what} clip start")
    number(camera.clip_end, f"{what} clip end")
    string(camera.type, f"{what} type", 16)


def check_frame_record(record: Any) -> None:
    """A decoded :class:`blender_gt_addon.frame_record.FrameRecord` the reader can
    use: its frame number an integer, its camera :func:`check_camera`, each object's
    name text, pass index an int32, ``object_to_world`` finite and invertible (the
    instanced copies' pixels are found in object coordinates), bounds finite."""
    integer(record.frame, "frame")
    if record.camera is not None:
        check_camera(record.camera)
    for i, obj in enumerate(record.objects):
        string(obj.name, f"object {i} name")
        integer(obj.pass_index, f"object {i} pass_index", -2**31, 2**31 - 1)
        matrix(obj.object_to_world, (4, 4), f"object {obj.name[:40]!r} object_to_world",
               invertible=True)
        if obj.bounds is not None:
            matrix(obj.bounds, (2, 3), f"object {obj.name[:40]!r} bounds")
