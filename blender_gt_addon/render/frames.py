# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Which frames to render: frame lists, shards, and the one normaliser for both.

Frames are Blender frame numbers (integers, negative allowed), always returned sorted
and without repeats. A shard ``(i, n)`` holds the frames ``f`` with ``f % n == i``
(Python's modulo, so negative frames belong to a shard too), so ``n`` machines sharing
a folder render every frame exactly once. Nothing here imports ``bpy``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

__all__ = ["normalise_frames", "normalise_shard", "parse_frames", "parse_shard",
           "shard_frames"]

_RANGE = re.compile(r"^\s*(-?\d+)\s*(?:(?:-|\.\.)\s*(-?\d+)\s*)?$")
_SHARD = re.compile(r"\s*(\d+)\s*/\s*(\d+)\s*")

T = TypeVar("T")


def parse_frames(text: str) -> list[int]:
    """Frame numbers from ``"1-240"``, ``"7"``, ``"1-10,20,30-40"`` (ends included).

    ``"1..240"`` is read as ``"1-240"``. Returns the frames sorted, each once.

    Raises:
        ValueError: not such a list, or a range that holds no frame (e.g. ``"10-5"``).
    """
    frames: list[int] = []
    for part in text.split(","):
        match = _RANGE.match(part)
        if match is None:
            raise ValueError(f"frames {text!r}: expected FIRST-LAST, a number, or a "
                             "comma-separated list of those, e.g. 1-240")
        first = int(match[1])
        last = int(match[2]) if match[2] is not None else first
        if last < first:
            raise ValueError(f"frames {part.strip()!r} is an empty frame range "
                             f"(last frame {last} before first frame {first})")
        frames.extend(range(first, last + 1))
    return sorted(set(frames))


def _is_shard(index: int, count: int) -> bool:
    return count >= 1 and 0 <= index < count


def parse_shard(text: str) -> tuple[int, int]:
    """``"I/N"`` -> ``(I, N)`` with ``0 <= I < N``.

    Raises:
        ValueError: not ``I/N``, or ``I`` outside ``0..N-1``.
    """
    match = _SHARD.fullmatch(text)
    if match is None:
        raise ValueError(f"shard {text!r}: expected I/N, e.g. 0/4 (the first of 4 shards)")
    index, count = int(match[1]), int(match[2])
    if not _is_shard(index, count):
        raise ValueError(f"shard {text!r}: I must be 0..N-1 and N at least 1, "
                         f"e.g. 0/{max(count, 2)}")
    return index, count


def shard_frames(frames: Sequence[int], shard: tuple[int, int] | None) -> list[int]:
    """The frames of shard ``(i, n)``: those with ``f % n == i`` (all of them for ``None``)."""
    if shard is None:
        return list(frames)
    index, count = shard
    return [f for f in frames if f % count == index]


def _normalised(value: str | Any | None, parse: Callable[[str], T],
                build: Callable[[Any], T]) -> T | None:
    """``None`` stays ``None``; text goes through ``parse``, anything else through ``build``."""
    if value is None:
        return None
    return parse(value) if isinstance(value, str) else build(value)


def _frames_from(values: Sequence[int]) -> list[int]:
    frames = sorted({int(f) for f in values})
    if not frames:
        raise ValueError("empty frame range: no frames to render")
    return frames


def _shard_from(pair: Sequence[int]) -> tuple[int, int]:
    index, count = int(pair[0]), int(pair[1])
    if not _is_shard(index, count):
        raise ValueError(f"shard {index}/{count}: I must be 0..N-1")
    return index, count


def normalise_frames(frames: Sequence[int] | str | None) -> list[int] | None:
    """Frames given as text (``"1-240"``) or numbers -> sorted unique frame numbers.

    ``None`` (the scene's own range) stays ``None``.

    Raises:
        ValueError: bad text, or no frame at all; the message is one line for the user.
    """
    return _normalised(frames, parse_frames, _frames_from)


def normalise_shard(shard: tuple[int, int] | str | None) -> tuple[int, int] | None:
    """A shard given as text (``"0/4"``) or a pair -> ``(i, n)`` with ``0 <= i < n``.

    ``None`` (no sharding) stays ``None``.

    Raises:
        ValueError: bad text or ``i`` outside ``0..n-1``; the message is one line.
    """
    return _normalised(shard, parse_shard, _shard_from)
