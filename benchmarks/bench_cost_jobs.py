# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Blender jobs of ``bench_cost.py`` (issue 20): what each output costs a frame, and
where that cost goes. Runs in a child Python through ``bpyjob.run``.

A *mode* says what one render writes:

- ``off``: no ground truth, the plain render (every output unticked: the scene as it
  was before the add-on, no compositor; checked, see ``plain_runs_compositor``);
- ``passes``: the view-layer passes of every output switched on by hand, no
  ground truth written (Cycles' share: computing and accumulating the passes);
- ``every``: every output of the table (amodal masks included) with the add-on's
  defaults; ``every@NONE`` (or another codec) the same with that codec;
- ``alone:<key>``: that output alone (``alone:amodal`` is the image and the masks,
  since the masks need a file to go into);
- ``keys:<a>,<b>``: just those outputs.

Inside each render the add-on's frame step is timed by wrapping its functions
(``metadata.finish_frame``, ``_record_now``: the frame record and the masks;
``_write``: the header rewrite), so the breakdown comes from the same renders as
the totals. Only this module and ``bench_scenes`` import ``bpy``.
"""

from __future__ import annotations

import os
import time

import bench_scenes
import bpy

from blender_gt_addon import outputs
from blender_gt_addon.blender import amodal_masks, compat, metadata

# Every output but the crisp image: without motion blur (these scenes) it is the image
# written again, so "every output" measures what it did before that row was added.
ALL_KEYS = tuple(o.key for o in outputs.OUTPUTS if o.key != "crisp_image")
# The frame step's functions timed inside each render: (module, name). finish_frame
# holds the rest; _record_now the frame record (poses, mesh hashes) and the masks.
STEPS = ((metadata, "finish_frame"), (metadata, "_record_now"), (metadata, "geometry_hash"),
         (amodal_masks, "mask_of"), (metadata, "_write"))


class _StepTimer:
    """Accumulates the seconds spent in the frame step's functions during a render."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys((name for _, name in STEPS), 0.0)
        for module, name in STEPS:
            setattr(module, name, self._wrapped(name, getattr(module, name)))

    def _wrapped(self, name, function):
        def timed(*args, **kwargs):
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - start
        return timed

    def take(self) -> dict[str, float]:
        taken, self.seconds = self.seconds, dict.fromkeys(self.seconds, 0.0)
        return taken


def _mode_settings(mode: str) -> tuple[list[str], str, bool | list[str]]:
    """``(output keys, codec, passes switched on by hand)`` of ``mode``."""
    mode = mode.split("~", 1)[0].split("#", 1)[0]
    name, _, codec = mode.partition("@")
    codec = codec or outputs.DEFAULT_CODEC
    if name == "off":
        return [], codec, False
    if name == "passes":
        return [], codec, True
    if name.startswith("passes:"):
        return [], codec, name.split(":", 1)[1].split(",")
    if name == "every":
        return list(ALL_KEYS), codec, False
    if name.startswith("alone:"):
        key = name.split(":", 1)[1]
        return (["image", key] if key == "amodal" else [key]), codec, False
    if name.startswith("keys:"):
        return name.split(":", 1)[1].split(","), codec, False
    raise ValueError(f"unknown mode {mode!r}")


def _set_passes(scene, on) -> None:
    """Every output's pass on (``on`` True), those of the keys in ``on``, or none."""
    layer = scene.view_layers[0]
    for o in outputs.OUTPUTS:
        if o.view_layer_pass:
            setattr(layer, o.view_layer_pass, on is True or (bool(on) and o.key in on))


def _configure(scene, directory: str, mode: str) -> None:
    keys, codec, by_hand = _mode_settings(mode)
    bench_scenes._outputs(scene, os.path.join(directory, mode.replace(":", "_")), keys,
                          codec=codec)
    _set_passes(scene, by_hand)
    scene.groundtruth.use_amodal = "amodal" in keys
    if "~" in mode:
        scene.groundtruth.precision = mode.split("~", 1)[1].split("#", 1)[0]
    if "#" in mode:  # the Cryptomatte depth (levels of objects a pixel keeps)
        scene.view_layers[0].pass_cryptomatte_depth = int(mode.split("#", 1)[1])
    else:
        scene.view_layers[0].pass_cryptomatte_depth = 6


def _size_of(directory: str, mode: str) -> int:
    folder = os.path.join(directory, mode.replace(":", "_"))
    if not os.path.isdir(folder):
        return 0
    files = [f for f in os.listdir(folder) if f.endswith(".exr")]
    return max((os.path.getsize(os.path.join(folder, f)) for f in files), default=0)


def render_costs(directory: str, width: int, height: int, samples: int, denoise: bool,
                 rounds: int, modes: list[str]) -> dict:
    """Render frame 2 of the demo scene ``rounds`` times in each of ``modes``,
    interleaved (the order reversed every other round), after one warm-up render.

    Returns per mode the wall and CPU seconds of each render (``bpy.ops.render.render``
    with the beauty saved as PNG), the seconds of each frame-step function in it, and
    the size in bytes of the EXR file written.
    """
    scene = bench_scenes._scene(width, height, samples)
    scene.cycles.use_denoising = denoise
    if denoise and hasattr(scene.cycles, "denoiser"):
        scene.cycles.denoiser = "OPENIMAGEDENOISE"
    beauty = os.path.join(directory, "beauty_")
    timer = _StepTimer()
    _configure(scene, directory, "off")
    # The baseline is the scene without the add-on's compositor: the demo scene had
    # none before its outputs were ticked, and unticking them all gives that back
    # (issue 28: it used to leave 4.x's Use Nodes on, the compositor running).
    plain_runs_compositor = compat.compositor_runs(scene)
    bench_scenes._timed_render(scene, beauty)  # warm-up: kernels, scene sync
    wall = {m: [] for m in modes}
    cpu = {m: [] for m in modes}
    steps = {m: [] for m in modes}
    for r in range(rounds):
        for mode in modes if r % 2 == 0 else modes[::-1]:
            _configure(scene, directory, mode)
            timer.take()
            seconds, cpu_seconds = bench_scenes._timed_render(scene, beauty)
            wall[mode].append(seconds)
            cpu[mode].append(cpu_seconds)
            steps[mode].append(timer.take())
    _configure(scene, directory, "off")
    return {"wall": wall, "cpu": cpu, "steps": steps,
            "bytes": {m: _size_of(directory, m) for m in modes},
            "blender": bpy.app.version_string, "threads": scene.render.threads,
            "plain_runs_compositor": plain_runs_compositor}
