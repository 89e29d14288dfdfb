# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``blender-gt`` command (also ``python -m blender_gt_addon``).

    blender-gt info FILE|FOLDER... [--json] [--header-only]
    blender-gt preview FILE|FOLDER -o PNG|FOLDER [--jobs N]
    blender-gt export FOLDER --to FORMAT -o OUT [--jobs N] [--names NAMES.json]
    blender-gt render SCENE.blend -o FOLDER [--frames 1-240] [--shard I/N] [--resume]
    blender-gt video FOLDER -o OUT.mp4|OUT.gif [--layout image+boxes,emission,flow,depth]
    blender-gt check FOLDER [--tolerance 0.5] [--min-share 0.99] [--error-png OUT.png] [--json]
                     [--stereo] [--rows]
                     [--tracks N]
    blender-gt tracks FOLDER -o OUT [--to npz|tapvid|tapvid3d|pointodyssey]
                      [--points N | --grid STEP] [--query-frames 1,25]

Each command is a thin layer over a library function (:mod:`.describe`,
:mod:`.pictures.sheet`, :mod:`.exporters`, :mod:`.batch`, :mod:`.video`); this module
only parses arguments and prints. The export formats, their help and the packages
they need come from :mod:`.exporters.registry`. Problems the user can fix end the
command with one line on stderr, ``blender-gt: error: ...``, and exit code 1
(2 for a malformed command line), never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from pathlib import Path

from . import __version__
from .cli_args import (
    PROG,
    Parser,
    add_export_options,
    export_options,
    fps,
    jobs,
    listed,
    number,
    positive_float,
    whole,
)


class UserError(Exception):
    """A problem to report in one line."""


def _parser() -> argparse.ArgumentParser:
    from .exporters.registry import EXPORTERS, ID_SOURCES, OPTIONS

    parser = Parser(
        prog=PROG,
        description="Look at, convert and render blender-gt ground truth (multilayer EXR "
        "files, one a frame).",
    )
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    sub.required = True

    info = sub.add_parser("info", help="what files hold: size, frame, passes, value ranges",
                          description="Print what each ground-truth file holds: size, frame, "
                          "compression, Blender's stamp, and each output's dtype and value "
                          "range. A folder stands for its frames.")
    info.add_argument("paths", nargs="+", metavar="FILE", type=Path,
                      help="EXR files or folders of them")
    info.add_argument("--json", action="store_true", help="print JSON instead of text")
    info.add_argument("--header-only", action="store_true",
                      help="read headers only: no value ranges, no pixels decoded")

    preview = sub.add_parser(
        "preview", help="pictures of the outputs: one PNG a frame, or a contact sheet",
        description="Draw every output of a frame in one PNG (preview.save_preview). For a "
        "FILE, -o is the PNG. For a FOLDER, -o is a folder that gets one PNG a frame, or a "
        "file ending in .png that gets one contact sheet (a row a frame, a column an output).")
    preview.add_argument("source", type=Path, metavar="FILE|FOLDER")
    preview.add_argument("-o", "--output", type=Path, required=True, metavar="PNG|FOLDER")
    preview.add_argument("--jobs", type=jobs, default=None, metavar="N",
                         help="processes to use (default: every core)")
    preview.add_argument("--max-frames", type=jobs, default=64, metavar="N",
                         help="rows of a contact sheet; more frames are thinned evenly "
                         "(default: %(default)s)")

    whole_folder = listed([name for name, row in EXPORTERS.items() if not row.per_frame])
    taking = {option: listed([name for name, row in EXPORTERS.items()
                               if option in row.options]) for option in OPTIONS}
    export = sub.add_parser(
        "export", help="convert to " + ", ".join(EXPORTERS),
        description="Convert a folder of ground-truth frames. Formats:\n" + "\n".join(
            f"  {name:14s} {row.help}" for name, row in EXPORTERS.items())
        + "\nOUT is a folder for the one-file-a-frame formats, the file to write for "
        + whole_folder + ".",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    export.add_argument("source", type=Path, metavar="FOLDER",
                        help="a folder of frames (or one EXR file)")
    export.add_argument("--to", required=True, choices=list(EXPORTERS), metavar="FORMAT",
                        help="one of: " + ", ".join(EXPORTERS))
    export.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    export.add_argument("--jobs", type=jobs, default=None, metavar="N",
                        help="processes to use (default: every core)")
    export.add_argument("--ids", choices=list(ID_SOURCES), default="object_index",
                        help=f"ids for {taking['ids']}: the objects' pass index "
                        "(default) or the instance id of every object, with its name (needs "
                        "the Instance id output)")
    export.add_argument("--names", type=Path, default=None, metavar="NAMES.json",
                        help=f"category names for {taking['names']}: a JSON object "
                        "{\"object index\": \"name\"}")
    add_export_options(export, taking)

    render = sub.add_parser(
        "render", help="render a .blend's ground truth headless, frame by frame",
        description="Render the ground truth that SCENE.blend's Ground Truth settings ask "
        "for into FOLDER, one frame at a time, in a child Blender (this Python must have "
        "bpy). Several machines or processes can share the frames with --shard.")
    render.add_argument("blend", type=Path, metavar="SCENE.blend")
    render.add_argument("-o", "--output", type=Path, required=True, metavar="FOLDER",
                        help="output folder (replaces the folder saved in the .blend)")
    render.add_argument("--frames", default=None, metavar="FIRST-LAST",
                        help="frames to render, e.g. 1-240 or 1-10,20 (default: the scene's "
                        "frame range)")
    render.add_argument("--shard", default=None, metavar="I/N",
                        help="render only frames f with f %% N == I (I from 0 to N-1); "
                        "default: the shard of a Slurm array task or Kubernetes Indexed Job "
                        "(BLENDER_GT_SHARD, SLURM_ARRAY_TASK_*, JOB_COMPLETION_INDEX with "
                        "BLENDER_GT_SHARD_COUNT; docs/cluster.md), else every frame")
    render.add_argument("--resume", action="store_true",
                        help="keep frames already in FOLDER that decode completely; render "
                        "missing and damaged ones")
    render.add_argument("--beauty", action="store_true",
                        help="also save Blender's usual render output of each frame (the "
                        "path and format in the .blend's Output Properties)")
    render.add_argument("--frame-timeout", type=positive_float, default=3600.0,
                        metavar="SECONDS",
                        help="give up when one frame takes longer (default: %(default).0f)")

    from .video import DEFAULT_LAYOUT, TILES

    video = sub.add_parser(
        "video", help="an MP4 or GIF of a folder: a grid of labelled outputs a frame",
        description="Make a video of a folder of frames: each video frame a grid of\n"
        "labelled tiles, one an output. Depth and flow keep one colour scale over the\n"
        "whole sequence, so colours do not flicker. Tiles:\n" + "\n".join(
            f"  {name:14s} {text}" for name, text in TILES.items())
        + "\nMP4 is H.264 (imageio-ffmpeg brings its own encoder); a GIF's frames are\n"
        "kept in memory until it is written.",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    video.add_argument("source", type=Path, metavar="FOLDER", help="a folder of frames")
    video.add_argument("-o", "--output", type=Path, required=True, metavar="OUT.mp4|OUT.gif")
    video.add_argument("--layout", default=DEFAULT_LAYOUT, metavar="TILE,TILE,...",
                       help="tiles, left to right and top to bottom (default: %(default)s)")
    video.add_argument("--fps", type=fps, default=24.0, help="frames a second (default: 24)")
    video.add_argument("--object", default=None, metavar="NAME[,NAME...]",
                       help="draw only this object's box on image+boxes (default: every "
                       "object's)")
    video.add_argument("--columns", type=whole, default=None, metavar="N",
                       help="tiles a row (default: 2 for 4 tiles, about a square grid)")
    video.add_argument("--tile-width", type=whole, default=None, metavar="PX",
                       help="width of each tile (default: the render's, enlarged to at least "
                       "320 px by a whole factor, at most 960 px)")
    video.add_argument("--jobs", type=jobs, default=None, metavar="N",
                       help="processes to use (default: every core)")

    from .check import DEFAULT_DEPTH_JUMP, DEFAULT_MIN_SHARE, DEFAULT_TOLERANCE

    check = sub.add_parser(
        "check", help="check the rendered flow against depth, cameras and object poses",
        description="Compute each frame's forward flow again from its depth, the cameras "
        "of it and the next frame and the objects' poses (rigid motion), and compare it "
        "with the rendered flow. Prints per frame the median error and the share of judged "
        "pixels within the tolerance, and which pixels cannot be judged and why. Exit code "
        "1 when a frame fails.")
    check.add_argument("source", type=Path, metavar="FOLDER", help="a folder of frames")
    check.add_argument("--tolerance", type=number(float, "pixels", 0, low_inclusive=False),
                       default=DEFAULT_TOLERANCE, metavar="PX",
                       help="largest error that counts as right (default: %(default)s)")
    check.add_argument("--min-share", type=number(float, "a share", 0, 1.000001),
                       default=DEFAULT_MIN_SHARE, metavar="SHARE",
                       help="share of judged pixels a frame needs within the tolerance, 0 to "
                       "1 (default: %(default)s)")
    check.add_argument("--depth-jump", type=number(float, "a ratio", 0, low_inclusive=False),
                       default=DEFAULT_DEPTH_JUMP, metavar="RATIO",
                       help="edges: second difference of inverse depth, relative "
                       "(default: %(default)s)")
    check.add_argument("--edge-radius", type=whole, default=1, metavar="N",
                       help="edges: the (2N+1)x(2N+1) neighbourhood; 2 for Cycles' default "
                       "pixel filter, which reaches 1.5 px (default: %(default)s)")
    check.add_argument("--assume-static", action="store_true",
                       help="take objects without a recorded pose as static (default: not "
                       "judged)")
    check.add_argument("--error-png", type=Path, default=None, metavar="OUT.png",
                       help="write a picture of each frame's error, frames top to bottom")
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.add_argument("--stereo", action="store_true",
                       help="also prove stereo pairs: each view's disparity against the other "
                       "view's positions, and disp2 against the next frame's disparity")
    check.add_argument("--rows", action="store_true",
                       help="also prove rolling-shutter frames: each row's position and depth "
                       "against that row's camera, and carried to the frame's time against "
                       "the crisp depth")
    check.add_argument("--keypoints", action="store_true",
                       help="also prove the recorded keypoints against the position pass: "
                       "each one on the surface its pixel sees lies at the position there, "
                       "within its offset plus the filter's reach")

    from .tracks.command import add_check_option, add_parser

    add_check_option(check)
    add_parser(sub)
    return parser


# ------------------------------------------------------------------------ info


def cmd_info(args) -> int:
    from .describe import describe, text
    from .sequence import frame_files

    paths: list[Path] = []
    for path in args.paths:
        if path.is_dir():
            paths.extend(p for _, p in frame_files(path))
        else:
            paths.append(path)
    infos = [describe(p, ranges=not args.header_only) for p in paths]
    if args.json:
        print(json.dumps(infos if len(infos) > 1 else infos[0], indent=2))
    else:
        print("\n".join(text(i) for i in infos))
    return 0


# --------------------------------------------------------------------- preview


def cmd_preview(args) -> int:
    from .pictures.sheet import contact_sheet, preview_frames

    started = time.perf_counter()
    source, out = args.source, args.output
    if not source.exists():
        raise UserError(f"{source}: no such file or folder")
    if source.is_dir() and out.suffix.lower() == ".png" and not out.is_dir():
        png = contact_sheet(source, out, max_frames=args.max_frames, jobs=args.jobs,
                            progress=True)
        print(f"wrote contact sheet {png} ({time.perf_counter() - started:.1f} s)")
        return 0
    written = preview_frames(source, out, jobs=args.jobs, progress=True)
    where = written[0] if len(written) == 1 else f"{written[0].parent}/"
    print(f"wrote {len(written)} preview{'s' if len(written) != 1 else ''}: {where} "
          f"({time.perf_counter() - started:.1f} s)")
    return 0


# ---------------------------------------------------------------------- export


def cmd_export(args) -> int:
    from .exporters import export

    if not args.source.exists():
        raise UserError(f"{args.source}: no such folder")
    names = None
    if args.names is not None:
        try:
            raw = json.loads(args.names.read_text())
            names = {int(k): str(v) for k, v in raw.items()}
        except OSError as exc:
            raise UserError(f"{args.names}: cannot be read ({exc.strerror})") from None
        except (ValueError, AttributeError):
            raise UserError(f"{args.names}: expected a JSON object such as "
                            '{"1": "car", "2": "tree"}') from None
    result = export(args.source, args.to, args.output, jobs=args.jobs, progress=True,
                    object_names=names, ids=args.ids,
                    **export_options(args))
    print(result.summary())
    return 0


# ---------------------------------------------------------------------- render


def _frames_text(frames: list[int]) -> str:
    if not frames:
        return "none"
    runs, start, prev = [], frames[0], frames[0]
    for f in frames[1:]:
        if f != prev + 1:
            runs.append((start, prev))
            start = f
        prev = f
    runs.append((start, prev))
    if len(runs) > 4:
        return f"{frames[0]}..{frames[-1]} ({len(frames)} frames)"
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in runs)


def cmd_render(args) -> int:
    from .batch import RenderError, render

    lines = not sys.stderr.isatty()  # a log: a line a frame instead of a bar
    shard_text = ""  # "shard 1/3: ", from the plan (--shard, or the job system's)

    def on_event(event: dict) -> None:
        nonlocal shard_text
        kind = event["event"]
        if kind == "plan":
            shard = event.get("shard")
            shard_text = f"shard {shard[0]}/{shard[1]}: " if shard else ""
            if shard and event.get("shard_source") != "--shard":
                print(f"shard {shard[0]}/{shard[1]} from {event['shard_source']}", flush=True)
            print(f"{shard_text}{len(event['frames'])} frames to render "
                  f"({_frames_text(event['frames'])}) with Blender {event['blender']}",
                  flush=True)
        elif kind == "warning":
            print(f"{PROG}: warning: {event['message']}", file=sys.stderr, flush=True)
        elif lines and kind == "frame":
            print(f"frame {event['frame']}: {event['seconds']:.1f} s -> {event['file']}",
                  flush=True)
        elif lines and kind == "skip":
            print(f"frame {event['frame']}: kept {event['file']} (complete)", flush=True)

    try:
        result = render(args.blend, args.output, frames=args.frames,
                        shard=args.shard or "auto",  # none given: the job system's
                        resume=args.resume, beauty=args.beauty, progress=True,
                        on_event=on_event, frame_timeout=args.frame_timeout)
    except RenderError as exc:
        raise UserError(str(exc)) from None
    n = len(result.rendered)
    each = f", {result.render_seconds / n:.2f} s a frame" if n else ""
    kept = f", kept {len(result.skipped)} complete" if result.skipped else ""
    if not result.planned:
        print(f"{shard_text}no frames to render (the shard holds none of them)")
    else:
        print(f"{shard_text}rendered {n} frame{'s' if n != 1 else ''}{kept} into "
              f"{result.folder} in {result.seconds:.1f} s{each}")
    return 0


# ----------------------------------------------------------------------- video


def cmd_video(args) -> int:
    from .video import make_video

    if not args.source.exists():
        raise UserError(f"{args.source}: no such folder")
    result = make_video(args.source, args.output, layout=args.layout, fps=args.fps,
                        objects=args.object, columns=args.columns,
                        tile_width=args.tile_width, jobs=args.jobs, progress=True)
    print(result.summary())
    return 0


# ----------------------------------------------------------------------- check


# The proofs ``check`` adds per flag: (flag, module, its folder function); each module
# has ``report(results, tolerance)`` and results with ``passed`` and ``as_dict()``.
_FOLDER_PROOFS = (("stereo", "check_stereo", "check_stereo_folder"),
                  ("rows", "check_rolling", "check_rows_folder"))


def cmd_check(args) -> int:
    from .check import check_folder, report, save_error_png

    result = check_folder(args.source, tolerance=args.tolerance, min_share=args.min_share,
                          depth_jump=args.depth_jump, edge_radius=args.edge_radius,
                          assume_static=args.assume_static,
                          progress=not args.json)
    if args.error_png is not None:
        save_error_png(result, args.error_png)
    found, text, passed = result.as_dict(), report(result), result.passed
    if args.tracks:
        from .tracks.command import check_tracks

        found["tracks"], more, tracks_passed = check_tracks(args)
        text, passed = f"{text}\n{more}", passed and tracks_passed
    for flag, module_name, function in _FOLDER_PROOFS:
        if getattr(args, flag):
            module = importlib.import_module(f".{module_name}", __package__)
            proved = getattr(module, function)(args.source, tolerance=args.tolerance,
                                               min_share=args.min_share)
            found[flag] = [each.as_dict() for each in proved]
            text = f"{text}\n{module.report(proved, args.tolerance)}"
            passed = passed and all(each.passed for each in proved)
    if args.keypoints:
        from .check_keypoints import check_keypoints

        proved = check_keypoints(args.source)
        found["keypoints"] = proved.as_dict()
        text, passed = f"{text}\n{proved.report()}", passed and proved.passed
    print(json.dumps(found, indent=2) if args.json else text)
    return 0 if passed else 1


def cmd_tracks(args) -> int:
    from .tracks.command import cmd_tracks as run

    return run(args)


# ------------------------------------------------------------------------ main

_COMMANDS = {"info": cmd_info, "preview": cmd_preview, "export": cmd_export,
             "render": cmd_render, "video": cmd_video, "check": cmd_check,
             "tracks": cmd_tracks}

# The pip extra bringing each package of the commands other than export (progress bars,
# pictures, video); the export formats' packages and extras are in their registry rows.
_EXTRAS = {"tqdm": "export", "PIL": "export", "matplotlib": "preview",
           "imageio": "export", "imageio_ffmpeg": "export"}


def _install_hint(module: str | None) -> str:
    """``": pip install 'blender-gt[export]'"`` for a missing top-level module, or ""."""
    from .exporters.registry import install_hint

    name = (module or "").split(".")[0]
    extra = install_hint(name) or _EXTRAS.get(name)
    return f": pip install 'blender-gt[{extra}]'" if extra else ""


def main(argv: list[str] | None = None) -> int:
    """Run ``blender-gt`` with ``argv`` (default ``sys.argv[1:]``); returns the exit code."""
    args = _parser().parse_args(argv)
    from .reader import GroundTruthError

    try:
        return _COMMANDS[args.command](args)
    except (UserError, GroundTruthError) as exc:
        message = str(exc)
    except ModuleNotFoundError as exc:
        message = (f"{args.command} needs the Python package {exc.name!r}"
                   f"{_install_hint(exc.name)}")
    except KeyboardInterrupt:
        print(f"{PROG}: error: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader of our output went away (e.g. `| head`): not an error to report.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141
    except OSError as exc:
        where = f"{exc.filename}: " if exc.filename else ""
        message = f"{where}{exc.strerror or exc}"
    except Exception as exc:
        if os.environ.get("BLENDER_GT_DEBUG"):
            raise
        from .reader.errors import file_of

        where = f"{file_of(exc)}: " if file_of(exc) else ""  # the file it was reading
        message = (f"{where}unexpected {type(exc).__name__}: {exc} (a bug in blender-gt; "
                   "BLENDER_GT_DEBUG=1 shows the traceback)")
    first = " ".join(message.split())  # one line, whatever the message held
    print(f"{PROG}: error: {first}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
