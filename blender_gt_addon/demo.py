# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The demo: render a small street scene with every output, read it back, draw a preview.

    python -m blender_gt_addon.demo [--out DIR] [--frames N] [--size WxH] [--samples S]

A car (a box body with a cabin and wheels) drives to the right across a ground
plane, past a crate and a post; its two red brake lights switch on halfway
through. Blender renders it with Cycles on the CPU in a child process (see
:mod:`blender_gt_addon.bpyjob`); this process then reads every EXR back with
:mod:`blender_gt_addon.reader`, prints a table of what it found and writes
``<out>/preview.png`` for the middle frame with :mod:`blender_gt_addon.preview`.

Files in ``<out>``: ``0001.exr`` ... (the ground truth), ``beauty_0001.png`` ...
(Blender's ordinary render output), ``preview.png`` and ``render.log`` (Blender's
output, for when something goes wrong).

Scene units are metres; the car moves 0.6 m per frame along +x; the brake lights
are on from frame ``1 + frames // 2`` (the middle frame) on.

This module is the command line; the scene is built and rendered by
:func:`blender_gt_addon.blender.demo_scene.render_demo` (re-exported here, with the
scene's constants), which imports ``bpy`` only when it runs, in the child process.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import bpyjob, outputs, preview, reader
from .blender.demo_scene import BRAKE_STRENGTH, CAR_SPEED, MATERIALS, OBJECTS, render_demo
from .conventions import forward_flow

__all__ = ["BRAKE_STRENGTH", "CAR_SPEED", "MATERIALS", "OBJECTS", "main", "render_demo"]

# What the child runs ("module:function").
JOB_TARGET = "blender_gt_addon.blender.demo_scene:render_demo"


def _size(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected WIDTHxHEIGHT, e.g. 320x240, not {text!r}") from None
    if not (8 <= w <= 4096 and 8 <= h <= 4096):
        raise argparse.ArgumentTypeError(f"size {w}x{h} is outside 8..4096 pixels")
    return w, h


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, not {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m blender_gt_addon.demo",
        description="Render a small demo scene with every ground-truth output, read the "
        "files back and draw a preview.",
    )
    parser.add_argument("--out", type=Path, default=Path("demo_output"),
                        help="output folder (default: %(default)s)")
    parser.add_argument("--frames", type=_positive, default=5,
                        help="number of frames, from 1 (default: %(default)s)")
    parser.add_argument("--size", type=_size, default=(320, 240), metavar="WxH",
                        help="render size in pixels (default: 320x240)")
    parser.add_argument("--samples", type=_positive, default=16,
                        help="Cycles samples per pixel (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds before the render is abandoned (default: %(default)s)")
    return parser


def _range(values) -> str:
    return f"{values[0]:.2f}-{values[1]:.2f}" if values else "-"


def _summarise(frame: reader.GroundTruthFrame) -> dict:
    import numpy as np

    depth = frame.depth
    finite = depth[np.isfinite(depth)]
    flow = forward_flow(frame.vector)
    magnitude = np.hypot(flow[..., 0], flow[..., 1])
    return {
        "passes": frame.passes,
        "depth": (float(finite.min()), float(finite.max())) if finite.size else None,
        "objects": [int(i) for i in np.unique(frame.object_index) if i != 0],
        "flow": float(np.nanmax(magnitude)) if magnitude.size else 0.0,
        "emission": float(frame.emission.max()),
    }


class _Failed(Exception):
    """The demo cannot go on; the message is printed as ``demo: error: ...``."""


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        _run(args)
    except _Failed as exc:
        print(f"demo: error: {exc}", file=sys.stderr)
        return 1
    return 0


def _run(args: argparse.Namespace) -> None:
    out = args.out.resolve()
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _Failed(f"cannot create {out}: {exc.strerror}") from None
    log = out / "render.log"
    facts, started = _render(args, out, log)
    paths = [out / outputs.file_name("", n) for n in range(1, args.frames + 1)]
    frames, summaries = _read_back(paths, started, log)
    _print_table(paths, summaries, facts)
    png, number = _save_preview(frames, facts, args, out)
    print(f"\nGround truth:  {out}/{outputs.file_name('', 1)} ... "
          f"{outputs.file_name('', args.frames)}")
    print(f"Beauty PNGs:   {out}/beauty_0001.png ...")
    print(f"Preview:       {png}  (frame {number})")
    print(f"Blender log:   {log}")


def _render(args: argparse.Namespace, out: Path, log: Path) -> tuple[dict, float]:
    """Render the scene in a child Blender; its facts, and when it started (epoch s)."""
    width, height = args.size
    plural = "s" if args.frames > 1 else ""
    print(f"Rendering {args.frames} frame{plural} at {width}x{height}, {args.samples} samples, "
          f"into {out} ...", flush=True)
    started = time.time()
    try:
        job = bpyjob.run(
            JOB_TARGET,
            {"directory": str(out), "frames": args.frames, "width": width, "height": height,
             "samples": args.samples},
            timeout=args.timeout, python=sys.executable, log_path=log,
        )
    except bpyjob.BlenderJobError as exc:
        first = str(exc).splitlines()[0]
        raise _Failed(f"{first} (Blender's output: {log})") from None
    facts = job.value
    total = time.time() - started
    print(f"Blender {facts['blender']} rendered in {facts['seconds']:.1f} s "
          f"({total:.1f} s with start-up).\n")
    return facts, started


def _read_back(paths: list[Path], started: float, log: Path) -> tuple[list, list[dict]]:
    """Every frame this run wrote, read with the reader, and its summary."""
    stale = [p.name for p in paths if not p.exists() or p.stat().st_mtime < started - 1]
    if stale:
        raise _Failed(f"Blender did not write {', '.join(stale)} (see {log})")
    try:
        frames = [reader.read(p) for p in paths]
        return frames, [_summarise(f) for f in frames]
    except reader.GroundTruthError as exc:
        raise _Failed(str(exc)) from None


def _print_table(paths: list[Path], summaries: list[dict], facts: dict) -> None:
    header = ("file", "KB", "passes", "depth [m]", "object ids", "max flow [px]",
              "max emission")
    rows = [
        (p.name, f"{p.stat().st_size / 1024:.0f}", str(len(s["passes"])), _range(s["depth"]),
         ",".join(map(str, s["objects"])), f"{s['flow']:.1f}", f"{s['emission']:.2f}")
        for p, s in zip(paths, summaries, strict=True)
    ]
    widths = [max(len(r[i]) for r in (header, *rows)) for i in range(len(header))]
    for row in (header, *rows):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w)
                        for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    all_passes = {s["passes"] for s in summaries}
    if len(all_passes) == 1:
        print(f"passes in every file: {', '.join(all_passes.pop())}")
    print(f"brake lights on from frame {facts['brake_lights_on_from']}; object ids: "
          + ", ".join(f"{i} {n}" for n, i in sorted(facts["objects"].items(),
                                                     key=lambda kv: kv[1])))


def _save_preview(frames: list, facts: dict, args: argparse.Namespace,
                  out: Path) -> tuple[Path, int]:
    """``<out>/preview.png`` of the middle frame; its path and frame number."""
    width, height = args.size
    middle = frames[len(frames) // 2]
    number = middle.frame if middle.frame is not None else len(frames) // 2 + 1
    lights = "on" if number >= facts["brake_lights_on_from"] else "off"
    png = preview.save_preview(
        middle, out / "preview.png",
        title=f"blender-gt demo: frame {number} of {args.frames} "
        f"({width}x{height} px, brake lights {lights})",
        object_names={i: n for n, i in facts["objects"].items()},
        material_names={i: n for n, i in facts["materials"].items()},
    )
    return png, number


if __name__ == "__main__":
    sys.exit(main())
