# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Arguments of the ``blender-gt`` command: its parser class, argument types, and the
flags of the export options, one row each. No ``bpy``.

A new export option is a field of :class:`.exporters.common.Options`, a line of
``exporters.registry.OPTIONS`` (its help) and a row of :data:`EXPORT_FLAGS` here.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

PROG = "blender-gt"


class Parser(argparse.ArgumentParser):
    """argparse, but its errors are one line: ``blender-gt: error: ...``."""

    def error(self, message: str):  # type: ignore[override]
        hint = f" (see {self.prog} --help)"
        self.exit(2, f"{PROG}: error: {message}{hint}\n")


def number(cast, what: str, low: float, high: float | None = None, low_inclusive=True):
    """An argparse type: ``cast(text)`` within [low, high) (or (low, high) when not inclusive)."""

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {what}, not {text!r}") from None
        if low_inclusive and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, not {value}")
        if not low_inclusive and value <= low:
            raise argparse.ArgumentTypeError(f"must be more than {low}, not {value}")
        if high is not None and value >= high:
            raise argparse.ArgumentTypeError(
                f"must be more than {low} and below {high}, not {value}")
        return value

    return parse


jobs = number(int, "a number of processes", 1)
whole = number(int, "a whole number", 1)
positive_float = number(float, "seconds", 0, low_inclusive=False)
fps = number(float, "frames a second", 0, 1000, low_inclusive=False)


def names_list(text: str) -> tuple[str, ...]:
    """``"image, depth"`` -> ``("image", "depth")`` (an argparse type)."""
    names = tuple(part.strip() for part in text.split(",") if part.strip())
    if not names:
        raise argparse.ArgumentTypeError(f"expected names separated by commas, not {text!r}")
    return names


def size(text: str) -> int:
    """``"500M"``, ``"2G"``, ``"65536"`` -> bytes (powers of 1024; an argparse type)."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]?)i?B?\s*", text, re.IGNORECASE)
    if match is None or float(match[1]) <= 0:
        raise argparse.ArgumentTypeError(f"expected a size such as 500M or 2G, not {text!r}")
    return int(float(match[1]) * 1024 ** " KMG".index(match[2].upper() or " "))


def listed(names: list[str]) -> str:
    """``"a, b and c"``."""
    return " and ".join(", ".join(names).rsplit(", ", 1))


# Export option -> (flag, argparse settings, what the help adds). ``ids`` and
# ``names`` are read by the command itself (a choice and a JSON file).
EXPORT_FLAGS: dict[str, tuple[str, dict, str]] = {
    "fuse": ("--fuse", {"action": "store_true"}, ""),
    "models": ("--models", {"type": Path, "metavar": "DIR"}, ""),
    "amodal_masks": ("--amodal-masks", {"action": "store_true"}, ""),
    "depth_scale": ("--depth-scale", {"type": number(float, "millimetres", 0,
                                                      low_inclusive=False),
                                      "metavar": "MM"}, " (default 1)"),
    "layers": ("--layers", {"type": names_list, "metavar": "A,B"}, ""),
    "pairs": ("--pairs", {"action": "store_true"}, ""),
    "shard_samples": ("--shard-samples", {"type": whole, "metavar": "N"}, ""),
    "shard_bytes": ("--shard-bytes", {"type": size, "metavar": "SIZE"},
                    "; e.g. 500M or 2G (powers of 1024)"),
    "points_per_frame": ("--points", {"type": whole, "metavar": "N"}, " (default 2000)"),
}


def add_export_options(parser: argparse.ArgumentParser, taking: dict[str, str]) -> None:
    """Add a flag a row of :data:`EXPORT_FLAGS`; ``taking[option]`` names the formats
    that take it."""
    from .exporters.registry import OPTIONS

    for option, (flag, settings, extra) in EXPORT_FLAGS.items():
        parser.add_argument(flag, dest=option, default=None, **settings,
                            help=f"for {taking[option]}: {OPTIONS[option]}{extra}")


def export_options(args: argparse.Namespace) -> dict:
    """The export options given on the command line (unset flags left out)."""
    given = {option: getattr(args, option) for option in EXPORT_FLAGS}
    if given["models"] is not None:
        given["models"] = str(given["models"])
    return {option: value for option, value in given.items() if value not in (None, False)}
