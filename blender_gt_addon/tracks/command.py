# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt tracks`` and ``blender-gt check --tracks``: their arguments and what they
print. No ``bpy``; :mod:`blender_gt_addon.cli` adds them to its parser."""

from __future__ import annotations

import argparse
import textwrap
import time
from pathlib import Path

from ..cli_args import number, whole


def frame_list(text: str) -> tuple[int, ...]:
    """``"1,5,9"`` or ``"1-3,7"`` -> frame numbers (an argparse type)."""
    found: list[int] = []
    try:
        for part in text.split(","):
            part = part.strip()
            if "-" in part[1:]:
                first, last = part[0] + part[1:].split("-", 1)[0], part[1:].split("-", 1)[1]
                found.extend(range(int(first), int(last) + 1))
            elif part:
                found.append(int(part))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected frame numbers such as 1,5 or 1-3, "
                                         f"not {text!r}") from None
    if not found:
        raise argparse.ArgumentTypeError(f"expected frame numbers, not {text!r}")
    return tuple(found)


def add_parser(sub) -> None:
    """The ``tracks`` subcommand."""
    from .formats import FORMATS
    from .tracker import DEFAULT_DEPTH_TOLERANCE, DEFAULT_FILTER_REACH

    tracks = sub.add_parser(
        "tracks", help="long-range point tracks with exact visibility (TAP-Vid, TAPVid-3D, "
        "PointOdyssey)",
        description=textwrap.fill(
            "Choose points on the objects seen in the query frames, carry each with its "
            "object's recorded poses through every frame, project them with each frame's "
            "camera and decide visibility from the instance id and depth at the point's "
            "pixel. Points on a mesh that deforms are marked invalid (and said so).", 80)
        + "\nFormats:\n" + "\n".join(f"  {name:13s} {row.help}"
                                      for name, row in FORMATS.items()),
        formatter_class=argparse.RawDescriptionHelpFormatter)
    tracks.add_argument("source", type=Path, metavar="FOLDER",
                        help="frames with depth, instance ids, cameras and poses (and "
                        "position, for exact query points)")
    tracks.add_argument("-o", "--output", type=Path, required=True, metavar="OUT",
                        help="the file to write, or a folder (it gets the format's name)")
    tracks.add_argument("--to", choices=list(FORMATS), default="npz", metavar="FORMAT",
                        help="one of: " + ", ".join(FORMATS) + " (default: %(default)s)")
    choose = tracks.add_mutually_exclusive_group()
    choose.add_argument("--points", type=whole, default=1000, metavar="N",
                        help="points per query frame, at random (default: %(default)s)")
    choose.add_argument("--grid", type=whole, default=None, metavar="STEP",
                        help="instead, every STEP-th pixel in rows and columns")
    tracks.add_argument("--query-frames", type=frame_list, default=None, metavar="F,F",
                        help="frames to choose points in, e.g. 1,25 or 1-3 (default: the "
                        "first)")
    tracks.add_argument("--seed", type=int, default=0, help="of the random choice")
    tracks.add_argument("--depth-tolerance", type=number(float, "a share", 0,
                                                          low_inclusive=False),
                        default=DEFAULT_DEPTH_TOLERANCE, metavar="SHARE",
                        help="visibility: depth difference allowed, relative "
                        "(default: %(default)s)")
    tracks.add_argument("--filter-reach", type=number(float, "pixels", 0),
                        default=DEFAULT_FILTER_REACH, metavar="PX",
                        help="visibility: how far from the pixel centre Cycles' depth "
                        "sample may land (default: %(default)s, Cycles' default filter)")
    tracks.add_argument("--assume-rigid", action="store_true",
                        help="track objects whose frames record no mesh hash (older "
                        "files) as rigid instead of marking them invalid")
    tracks.add_argument("--name", default=None,
                        help="the video's name in the TAP-Vid pickle (default: the folder's)")


def cmd_tracks(args) -> int:
    from .formats import write
    from .tracker import track

    if not args.source.exists():
        raise FileNotFoundError(2, "no such folder", str(args.source))
    started = time.perf_counter()
    result = track(args.source, points=args.points, grid=args.grid,
                   query_frames=args.query_frames, seed=args.seed,
                   depth_tolerance=args.depth_tolerance, filter_reach=args.filter_reach,
                   assume_rigid=args.assume_rigid, progress=True)
    seconds = time.perf_counter() - started
    path, notes = write(result, args.to, args.output, folder=args.source, name=args.name)
    print(result.summary())
    extra = "".join(f", {what} {count}" for what, count in notes.items()
                    if what != "points" and count)
    print(f"wrote {args.to} {path}: {notes.get('points', len(result))} points{extra} "
          f"({seconds:.1f} s tracking, {seconds / len(result.frames) * 1000:.0f} ms a frame)")
    return 0


def add_check_option(check) -> None:
    """``check --tracks N``."""
    check.add_argument("--tracks", type=whole, default=None, metavar="N",
                       help="also track N points from the first frame and compare them "
                       "with the forward flow chained over frames (median error within "
                       "--tolerance), and count where a depth-ratio visibility heuristic "
                       "(PointOdyssey's 0.97) disagrees with the exact visibility")


def check_tracks(args) -> tuple[dict, str, bool]:
    """``(as JSON, report, passed)`` of ``check --tracks``."""
    from .verify import check_tracks as run

    result = run(args.source, points=args.tracks, tolerance=args.tolerance,
                 progress=not args.json)
    return result.as_dict(), result.report(), result.passed
