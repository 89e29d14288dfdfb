# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the crisp ground truth of a motion-blurred render costs (issue 26).

    .venvs/bpy-4.5/bin/python benchmarks/bench_blur.py [--size 320x240] [--samples 64]
        [--crisp 1,16,128] [--rounds 3] [--rolling [--rows 240,480,1080] [--repeats 3]]

The demo's street scene (``bench_scenes``), Cycles on the CPU, adaptive sampling off,
motion blur on (shutter 0.5, centred), frame 2. One Blender process renders, round
by round (the order reversed every other round) after a warm-up render:

- ``image``: only the Image output ticked: the blurred render and its file, no data
  layer (the baseline);
- ``crisp@N`` for each ``--crisp`` N: every pass output ticked (image, depth, normal,
  flow, emission, indices, albedo, position, instance id): the data come from the
  add-on's crisp view layer rendered with N samples a pixel, and the header step
  evaluates the scene at the shutter's opening and closing.

With ``--rolling``, also:

- ``rolling@N`` for each ``--crisp`` N: as ``crisp@N`` with Cycles' rolling shutter
  on (``rolling_shutter_type = "TOP"``, duration 0), so the header step also
  evaluates the scene once per image row's time to record the camera of each row;
- after the renders, ``exposure.shutter_now`` alone (no render) on the same scene at
  each ``--rows`` image height (4:3), ``--repeats`` times, rolling shutter on and off.

Printed: each mode's median wall and CPU time and what it adds to ``image`` (median
of the differences within a round), and the header step (``finish_frame``) timed
inside the same renders; with ``--rolling``, the header step of each ``rolling@N``
against ``crisp@N`` (median of the differences within a round), and the medians of
``shutter_now`` alone: with and without the rolling shutter, the difference (the
row-camera loop) per frame and per row.
"""

from __future__ import annotations

import statistics
import sys

import common

from blender_gt_addon import bpyjob


def blur_costs(directory: str, width: int, height: int, samples: int, crisp: list[int],
               rounds: int, rolling: bool = False, rows: tuple[int, ...] = (),
               repeats: int = 3) -> dict:
    """The child's job: times of each mode, per round (see the module docstring)."""
    import os
    import time

    import bench_scenes

    from blender_gt_addon.blender import metadata

    scene = bench_scenes._scene(width, height, samples)
    scene.render.use_motion_blur = True
    scene.render.motion_blur_shutter = 0.5
    scene.render.motion_blur_position = "CENTER"
    every = [k for k in bench_scenes.ALL_KEYS if k != "amodal"]
    header: dict[str, list[float]] = {}
    finish = metadata.finish_frame

    def timed_finish(scene_):  # the header step, timed inside the render
        start = time.perf_counter()
        finish(scene_)
        header.setdefault(mode, []).append(time.perf_counter() - start)

    metadata.finish_frame = timed_finish
    modes = ["image"] + [f"crisp@{n}" for n in crisp]
    if rolling:
        modes += [f"rolling@{n}" for n in crisp]
    times: dict[str, list[tuple[float, float]]] = {m: [] for m in modes}
    for round_ in range(rounds + 1):  # round 0 warms up
        for mode in (modes if round_ % 2 else modes[::-1]):
            folder = os.path.join(directory, mode.replace("@", "_"))
            bench_scenes._outputs(scene, folder, ["image"] if mode == "image" else every)
            if mode != "image":
                scene.groundtruth.crisp_samples = int(mode.split("@")[1])
            if rolling:
                scene.cycles.rolling_shutter_type = ("TOP" if mode.startswith("rolling@")
                                                     else "NONE")
                scene.cycles.rolling_shutter_duration = 0.0
            wall_cpu = bench_scenes._timed_render(scene, os.path.join(directory, "beauty_"))
            if round_:
                times[mode].append(wall_cpu)
    metadata.finish_frame = finish
    layers = [(v.name, v.samples, v.use_motion_blur) for v in scene.view_layers]
    result = {"times": times, "header": header, "layers": layers}
    if rolling:
        result["shutter_now"] = _shutter_now_times(scene, width / height, rows, repeats)
    return result


def _shutter_now_times(scene, aspect: float, rows: tuple[int, ...], repeats: int) -> dict:
    """Seconds of ``exposure.shutter_now`` alone (no render) at each image height in
    ``rows``, ``repeats`` times, rolling shutter ``TOP`` (duration 0) and ``NONE``, the
    two interleaved; and how many distinct row times (scene evaluations) each height has."""
    import time

    import bpy

    from blender_gt_addon import exposure as exposure_core
    from blender_gt_addon.blender import exposure, metadata

    frame = scene.frame_current
    scene.render.resolution_percentage = 100
    out: dict = {"blender": bpy.app.version_string, "rows": {}}
    for height in rows:
        scene.render.resolution_x = max(1, round(height * aspect))
        scene.render.resolution_y = height
        scene.cycles.rolling_shutter_duration = 0.0
        runs: dict[str, list[float]] = {"TOP": [], "NONE": []}
        evaluations = 0
        for repeat in range(repeats + 1):  # repeat 0 warms up
            for kind in (("TOP", "NONE") if repeat % 2 else ("NONE", "TOP")):
                scene.cycles.rolling_shutter_type = kind
                start = time.perf_counter()
                shutter = exposure.shutter_now(scene, frame, metadata._camera_now,
                                               metadata._objects_now)
                seconds = time.perf_counter() - start
                if kind == "TOP":
                    if shutter.row_world_to_camera.shape[0] != height:
                        raise RuntimeError(f"{shutter.row_world_to_camera.shape} rows")
                    evaluations = len(set(exposure_core.row_times(shutter, height).tolist()))
                if repeat:
                    runs[kind].append(seconds)
        out["rows"][height] = {"runs": runs, "evaluations": evaluations}
    scene.cycles.rolling_shutter_type = "NONE"
    return out


def main() -> None:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--size", default="320x240")
    p.add_argument("--samples", type=int, default=64, help="the beauty's samples a pixel")
    p.add_argument("--crisp", default="1,16,128", help="the crisp layer's samples a pixel")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rolling", action="store_true",
                   help="add rolling@N modes (rolling shutter TOP) and time shutter_now alone")
    p.add_argument("--rows", default="240,480,1080",
                   help="with --rolling: the image heights at which shutter_now is timed")
    p.add_argument("--repeats", type=int, default=3,
                   help="with --rolling: shutter_now calls per height and setting")
    args = p.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    crisp = [int(n) for n in args.crisp.split(",")]
    folder = args.data / f"blur_{width}x{height}"
    job = {"directory": str(folder), "width": width, "height": height,
           "samples": args.samples, "crisp": crisp, "rounds": args.rounds}
    if args.rolling:
        job.update(rolling=True, rows=[int(n) for n in args.rows.split(",")],
                   repeats=args.repeats)
    result = bpyjob.run("bench_blur:blur_costs", job, timeout=7200,
                        extra_paths=[str(common.BENCH)], python=sys.executable).value
    times = result["times"]
    base = times["image"]
    print(f"{width}x{height}, beauty {args.samples} samples, motion blur on (shutter 0.5), "
          f"{args.rounds} rounds, medians")
    print(f"{'mode':>10} {'wall s':>8} {'CPU s':>8} {'adds wall s':>12} {'adds CPU s':>11} "
          f"{'header ms':>10}")
    for mode, values in times.items():
        added = [a[0] - b[0] for a, b in zip(values, base, strict=True)]
        added_cpu = [a[1] - b[1] for a, b in zip(values, base, strict=True)]
        head = result["header"].get(mode, [0.0])[1:] or [0.0]  # warm-up left out
        print(f"{mode:>10} {statistics.median(v[0] for v in values):8.3f} "
              f"{statistics.median(v[1] for v in values):8.3f} "
              f"{statistics.median(added):12.3f} {statistics.median(added_cpu):11.3f} "
              f"{1000 * statistics.median(head):10.1f}")
    if args.rolling:
        _print_rolling(result, crisp, height)


def _print_rolling(result: dict, crisp: list[int], height: int) -> None:
    """The ``--rolling`` figures (see the module docstring)."""
    print(f"\nheader step, rolling shutter TOP (duration 0) against none, {height} rows, "
          "median of the differences within a round")
    print(f"{'mode':>11} {'header ms':>10} {'vs':>10} {'header ms':>10} {'adds ms':>9} "
          f"{'ms/row':>8}")
    for n in crisp:
        rolled = result["header"][f"rolling@{n}"][1:]  # warm-up left out
        plain = result["header"][f"crisp@{n}"][1:]
        added = statistics.median(a - b for a, b in zip(rolled, plain, strict=True))
        print(f"{f'rolling@{n}':>11} {1000 * statistics.median(rolled):10.1f} "
              f"{f'crisp@{n}':>10} {1000 * statistics.median(plain):10.1f} "
              f"{1000 * added:+9.1f} {1000 * added / height:8.3f}")
    alone = result["shutter_now"]
    print(f"\nshutter_now alone (no render), Blender {alone['blender']}, medians")
    print(f"{'rows':>6} {'evaluations':>11} {'TOP ms':>9} {'NONE ms':>9} {'rows ms':>9} "
          f"{'ms/row':>8}")
    for rows, entry in alone["rows"].items():
        top, none = entry["runs"]["TOP"], entry["runs"]["NONE"]
        loop = statistics.median(a - b for a, b in zip(top, none, strict=True))
        print(f"{int(rows):>6} {entry['evaluations']:>11} {1000 * statistics.median(top):9.1f} "
              f"{1000 * statistics.median(none):9.1f} {1000 * loop:9.1f} "
              f"{1000 * loop / int(rows):8.3f}")


if __name__ == "__main__":
    main()
