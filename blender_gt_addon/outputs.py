# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ground-truth outputs, their file layout and file names. No ``bpy`` here.

This table is the single description of what the add-on can write and of what
the reader finds in the files: the Blender side turns it into view-layer passes
and File Output inputs, the reader turns it back into numpy arrays.

File layout: one multilayer OpenEXR file per frame, ``<directory>/<prefix><frame:04d>.exr``.
Each output is one layer whose channels are named ``<layer>.<channel>``,
e.g. ``depth.V`` or ``normal.X``; the channel suffixes come from the kind of the
File Output input (colour: R G B A, value: V, vector: X Y Z [W]).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

__all__ = [
    "OUTPUTS",
    "OUTPUTS_BY_KEY",
    "OUTPUTS_BY_LAYER",
    "Output",
    "ROLLING_KEYS",
    "Problem",
    "check_settings",
    "file_name",
    "file_pattern",
    "pass_outputs",
    "planned_outputs",
]


@dataclass(frozen=True)
class Output:
    """One ground-truth output.

    Attributes:
        key: the user's word for it; the settings flag is ``use_<key>``.
        label: checkbox label in the panel.
        description: tooltip, in the user's words.
        view_layer_pass: the ``ViewLayer`` boolean that makes Cycles compute it,
            or ``None`` when it is always there (the beauty image).
        sockets: names of the Render Layers output socket, newest Blender last
            (Blender 5.0 renamed some of them).
        kind: ``"color"``, ``"value"`` or ``"vector"``: the File Output input type.
        layer: the layer name in the EXR file and the reader's attribute for the raw data.
        channels: channel suffixes in the file, in the order the reader stacks them.
        is_data: data, not a picture: written as 32-bit float whatever the precision
            setting, because half floats round depth, flow and large indices.
        render_passes, render_channels: the pass names and channel suffixes of the
            same data in Blender's own multilayer render output, which the reader
            also reads (``<view layer>.<pass>.<channel>``).
        header_key: for an output computed by the add-on itself after the frame rather
            than rendered as a pass, the EXR header attribute that holds it (then
            ``view_layer_pass`` is ``None`` and ``sockets`` and ``channels`` are
            empty: no File Output input, no layer); ``None`` for a pass.
        of_image: taken from the image's own view layer (the user's, blurred as the
            image is) even with motion blur on, when every other pass comes from the
            add-on's crisp layer (``blender/compositor.py``): the image itself and the
            rolling-shutter outputs, which show what the image's rows saw.
        like: the layer whose conventions (decoding, units, background) this one
            follows, e.g. ``"depth"`` for ``rolling_depth``; ``None``: its own.
    """

    key: str
    label: str
    description: str
    view_layer_pass: str | None
    sockets: tuple[str, ...]
    kind: str
    layer: str
    channels: tuple[str, ...]
    is_data: bool
    # How Blender's own render output (Output Properties > OpenEXR MultiLayer) names
    # it: pass names (4.x, then 5.0) and channel suffixes, in our order.
    render_passes: tuple[str, ...] = ()
    render_channels: tuple[str, ...] = ()
    header_key: str | None = None
    of_image: bool = False
    like: str | None = None

    @property
    def is_pass(self) -> bool:
        """Rendered by Cycles as a pass and written as a layer of the file."""
        return self.header_key is None


OUTPUTS: tuple[Output, ...] = (
    Output(
        "image", "Image",
        "The beauty render, linear RGBA as Cycles computed it (before the view transform)",
        None, ("Image",), "color", "image", ("R", "G", "B", "A"), False,
        ("Combined",), ("R", "G", "B", "A"), of_image=True,
    ),
    Output(
        "depth", "Depth",
        "Distance from the camera plane to the surface, in scene units (Z pass); "
        "infinite where no surface was hit",
        "use_pass_z", ("Depth",), "value", "depth", ("V",), True, ("Depth",), ("Z",),
    ),
    Output(
        "normal", "Normal",
        "Surface normal in world space, one unit vector per pixel (Normal pass)",
        "use_pass_normal", ("Normal",), "vector", "normal", ("X", "Y", "Z"), True,
        ("Normal",), ("X", "Y", "Z"),
    ),
    Output(
        "flow", "Flow",
        "Optical flow in pixels to the previous and the next frame (Blender's Vector "
        "pass; with motion blur on, from a render of its own without blur)",
        "use_pass_vector", ("Vector",), "vector", "vector", ("X", "Y", "Z", "W"), True,
        ("Vector",), ("X", "Y", "Z", "W"),
    ),
    Output(
        "emission", "Emission",
        "Light emitted by surfaces, colour times strength (Emit pass), e.g. lamps and brake lights",
        "use_pass_emit", ("Emit", "Emission"), "color", "emission", ("R", "G", "B", "A"), False,
        ("Emit", "Emission"), ("R", "G", "B"),
    ),
    Output(
        "object_index", "Object index",
        "Each object's Pass Index (Object Properties > Relations), 0 where no object",
        "use_pass_object_index", ("IndexOB", "Object Index"), "value", "object_index", ("V",),
        True, ("IndexOB", "Object Index"), ("X",),
    ),
    Output(
        "material_index", "Material index",
        "Each material's Pass Index (Material Properties > Settings), 0 where no surface",
        "use_pass_material_index", ("IndexMA", "Material Index"), "value", "material_index",
        ("V",), True, ("IndexMA", "Material Index"), ("X",),
    ),
    Output(
        "albedo", "Albedo",
        "The surfaces' diffuse colour, without light or shadow (Cycles' Diffuse Color "
        "pass): what a BSDF's base colour gives, not glossy, transmission or emission",
        "use_pass_diffuse_color", ("DiffCol", "Diffuse Color"), "color", "albedo",
        ("R", "G", "B", "A"), False, ("DiffCol", "Diffuse Color"), ("R", "G", "B"),
    ),
    Output(
        "position", "Position",
        "World coordinates of the surface seen by each pixel, in scene units (Position "
        "pass); not a number where no surface was hit",
        "use_pass_position", ("Position",), "vector", "position", ("X", "Y", "Z"), True,
        ("Position",), ("X", "Y", "Z"),
    ),
    Output(
        "instance_id", "Instance id",
        "Every object its own id with its name, no set-up needed (Cycles' Cryptomatte "
        "object pass); the file is then written in full float",
        # Blender names Cryptomatte channels in lower case.
        "use_pass_cryptomatte_object", ("CryptoObject00",), "color", "cryptomatte_object",
        ("r", "g", "b", "a"), True, ("CryptoObject00",), ("r", "g", "b", "a"),
    ),
    Output(
        "amodal", "Amodal masks",
        "Every object's full silhouette as if nothing hid it, from its evaluated mesh "
        "(coverage of pixel centres), written into the file's header after the frame; "
        "needs another output ticked",
        None, (), "header", "amodal", (), True, header_key="blender-gt/amodal",
    ),
    Output(
        "crisp_image", "Crisp image",
        "With motion blur on: the image without blur at the frame's time, from the "
        "add-on's crisp render (Crisp samples, not denoised), beside the blurred image: "
        "a deblurring pair in one file. With motion blur off it is the image itself",
        # No pass of its own: the Combined of the data layer (blender/compositor.py).
        None, ("Image",), "color", "crisp_image", ("R", "G", "B", "A"), False,
    ),
    # What the rows of a rolling-shutter image saw, each at its own time: the passes of
    # the image's own (blurred) layer, where Cycles puts a row's samples at the row's
    # time when the Rolling Shutter Duration is 0 (docs/conventions.md). Not read from
    # Blender's own render output (its passes are the plain outputs' there).
    Output(
        "rolling_depth", "Rolling-shutter depth",
        "With Cycles' rolling shutter (Duration 0): the depth each image row saw at its "
        "own time, as the image's rows saw the scene; like Depth otherwise",
        "use_pass_z", ("Depth",), "value", "rolling_depth", ("V",), True,
        of_image=True, like="depth",
    ),
    Output(
        "rolling_position", "Rolling-shutter position",
        "With Cycles' rolling shutter (Duration 0): the world position each image row saw "
        "at its own time; like Position otherwise",
        "use_pass_position", ("Position",), "vector", "rolling_position", ("X", "Y", "Z"),
        True, of_image=True, like="position",
    ),
    Output(
        "rolling_object_index", "Rolling-shutter object index",
        "With Cycles' rolling shutter (Duration 0): the object index each image row saw at "
        "its own time; like Object index otherwise",
        "use_pass_object_index", ("IndexOB", "Object Index"), "value", "rolling_object_index",
        ("V",), True, of_image=True, like="object_index",
    ),
)

ROLLING_KEYS: tuple[str, ...] = tuple(o.key for o in OUTPUTS if o.key.startswith("rolling_"))

OUTPUTS_BY_KEY: dict[str, Output] = {o.key: o for o in OUTPUTS}
OUTPUTS_BY_LAYER: dict[str, Output] = {o.layer: o for o in OUTPUTS}

# Lossless EXR codecs only: lossy ones (DWAA/DWAB, PXR24, B44) damage data passes,
# DWAA even at 32 bits (it treats ``.Y`` channels as luminance).
CODECS: tuple[tuple[str, str, str], ...] = (
    ("ZIP", "ZIP", "Lossless, zlib in blocks of 16 scanlines: small files, fast enough"),
    ("ZIPS", "ZIPS", "Lossless, zlib per scanline: slightly larger than ZIP"),
    ("PIZ", "PIZ", "Lossless wavelet: good on noisy images"),
    ("RLE", "RLE", "Lossless run-length: fast, large files"),
    ("NONE", "None", "Uncompressed: fastest to write and read, largest files"),
)
DEFAULT_CODEC = "ZIP"

PRECISIONS: tuple[tuple[str, str, str], ...] = (
    ("HALF", "Half", "16-bit float for the image and emission; depth, normal, flow and "
     "indices stay 32-bit"),
    ("FULL", "Full", "32-bit float for every output"),
)

# Characters that Blender would read as a frame-number placeholder or a folder.
_BAD_PREFIX_CHARS = "#/\\"


def planned_outputs(enabled: dict[str, bool]) -> list[Output]:
    """The outputs to write, in table order, from ``{key: is_enabled}``."""
    unknown = set(enabled) - set(OUTPUTS_BY_KEY)
    if unknown:
        raise KeyError(f"unknown ground-truth outputs: {sorted(unknown)}")
    return [o for o in OUTPUTS if enabled.get(o.key, False)]


def pass_outputs(chosen: list[Output]) -> list[Output]:
    """The outputs of ``chosen`` that are passes (File Output inputs, layers)."""
    return [o for o in chosen if o.is_pass]


def file_pattern(prefix: str) -> str:
    """The File Output file name for ``prefix``: the prefix, then ``####`` for the frame.

    Blender replaces ``####`` by the zero-padded frame number on every version
    (without it, 5.0 writes still renders with no number at all). Characters that
    Blender would take as a placeholder or a folder are replaced by ``_``.
    """
    safe = "".join("_" if c in _BAD_PREFIX_CHARS else c for c in prefix)
    return safe + "####"


def file_name(prefix: str, frame: int) -> str:
    """The name of the file written for ``frame``, e.g. ``file_name("gt_", 7) == "gt_0007.exr"``.

    Negative frames are written by Blender as ``-001``; we follow it.
    """
    pattern = file_pattern(prefix)
    number = f"-{abs(frame):03d}" if frame < 0 else f"{frame:04d}"
    return pattern.replace("####", number) + ".exr"


@dataclass(frozen=True)
class Problem:
    """Something that keeps the ground truth from being right, said to the user.

    ``level`` is ``"ERROR"`` (the files will be missing or wrong) or ``"WARNING"``.
    """

    level: str
    message: str


def check_settings(
    *,
    enabled: dict[str, bool],
    prefix: str,
    engine: str,
    use_motion_blur: bool,
    use_compositing: bool,
    directory_abs: str | None,
    blend_saved: bool,
    directory_is_relative: bool,
    has_camera: bool = True,
    compositing_switched: bool = False,
    view_layers: tuple[str, ...] = (),
    crisp_layer_stale: bool = False,
    rolling_shutter: bool = False,
    rolling_duration: float = 0.0,
    clean_edges: bool = False,
) -> list[Problem]:
    """Problems with these settings, found before rendering rather than after.

    ``directory_abs`` is the output folder resolved to an absolute path.
    The folder is checked on disk: it must exist and be writable, or be creatable
    under a writable parent. ``view_layers`` are the scene's view layers that render,
    the one written first. ``compositing_switched``: compositing was off and the
    add-on switched it on (said, so the user knows why their compositor is idle).
    With ``use_motion_blur`` the data outputs come from the add-on's crisp view layer
    (``blender/compositor.py``); ``crisp_layer_stale``: that layer is not set up for the
    settings as they are now (motion blur switched on since the last sync);
    ``rolling_shutter``: Cycles' rolling shutter is on (it acts only with motion blur),
    ``rolling_duration`` its Rolling Shutter Duration (0 to 1);
    ``clean_edges``: the data layer renders one sample a pixel (so does the crisp image).
    """
    problems: list[Problem] = []
    chosen = planned_outputs(enabled)
    if not chosen:
        return problems
    if not pass_outputs(chosen):
        problems.append(Problem(
            "ERROR",
            f"{' and '.join(o.label for o in chosen)} go into the header of the frame's "
            "file, which is written only with another output: tick one (e.g. Depth)",
        ))
    if engine != "CYCLES":
        problems.append(Problem(
            "ERROR",
            f"Render engine is {engine.title().replace('_', ' ')}: ground-truth passes need "
            "Cycles (Render Properties > Render Engine)",
        ))
    if use_motion_blur and crisp_layer_stale:
        # Motion blur went on after the outputs were ticked (no setting changed since):
        # the data would come from the blurred render, its flow all zeros.
        problems.append(Problem(
            "ERROR",
            "Motion blur was turned on after the outputs were chosen: the ground truth "
            "would be blurred and its flow all zeros; change any Ground Truth setting "
            "(or run Rebuild Ground-Truth Nodes) to render it crisp",
        ))
    problems.extend(_rolling_problems(enabled, use_motion_blur, rolling_shutter,
                                      rolling_duration))
    if use_motion_blur and clean_edges and enabled.get("crisp_image"):
        problems.append(Problem(
            "WARNING",
            "Clean edges is on: the crisp image comes from its 1-sample render, so it is "
            "noisy and aliased; untick Clean edges for a crisp image of Crisp samples",
        ))
    if not has_camera:
        problems.append(Problem("ERROR", "The scene has no camera (Scene Properties > Camera)"))
    if compositing_switched:
        problems.append(Problem(
            "WARNING",
            "Compositing was off: the add-on turned it on to write the ground truth; the "
            "rendered image stays the plain render (your compositor is kept, not applied) "
            "until no output is ticked",
        ))
    elif not use_compositing:
        problems.append(Problem(
            "ERROR",
            "Compositing is off (Output Properties > Post Processing), so no ground-truth "
            "file is written",
        ))
    if len(view_layers) > 1:
        problems.append(Problem(
            "WARNING",
            f"Ground truth is written for view layer {view_layers[0]!r} only, not for "
            f"{', '.join(repr(v) for v in view_layers[1:])}",
        ))
    if any(c in prefix for c in _BAD_PREFIX_CHARS):
        problems.append(Problem(
            "WARNING",
            f"File prefix {prefix!r} contains one of {_BAD_PREFIX_CHARS!r}; "
            "they are written as '_'",
        ))
    if directory_is_relative and not blend_saved:
        problems.append(Problem(
            "WARNING",
            "The output folder is relative to the .blend file, which is not saved yet: "
            f"files go to {directory_abs}",
        ))
    if directory_abs is not None:
        reason = folder_problem(directory_abs)
        if reason:
            problems.append(Problem("ERROR", reason))
    return problems


def _rolling_problems(enabled: dict[str, bool], use_motion_blur: bool, rolling_shutter: bool,
                      duration: float) -> list[Problem]:
    """What the rolling-shutter outputs (:data:`ROLLING_KEYS`) will and will not be.

    They are the image layer's own passes: each row at its own time under Cycles'
    rolling shutter with duration 0. Without motion blur they equal the plain outputs
    (no problem); a blurred render without rolling shutter, or a duration above 0,
    puts each pixel's first sample at a random instant of its exposure.
    """
    if not use_motion_blur:
        return []
    ticked = [OUTPUTS_BY_KEY[k].label for k in ROLLING_KEYS if enabled.get(k)]
    if not ticked:
        if not rolling_shutter:
            return []
        return [Problem(
            "WARNING",
            "Rolling shutter is on: the image's rows are exposed one after another, but "
            "the ground truth is the whole frame at the frame's time, not each row's: "
            "tick the Rolling-shutter outputs for what each row saw",
        )]
    if not rolling_shutter:
        return [Problem(
            "WARNING",
            f"{', '.join(ticked)}: Cycles' rolling shutter is off, so they come from the "
            "blurred render, each pixel at one random instant of the exposure; turn on "
            "Motion Blur > Rolling Shutter or untick them",
        )]
    if duration > 0.0:
        return [Problem(
            "WARNING",
            f"Rolling Shutter Duration is {duration:g}: each pixel of {', '.join(ticked)} "
            "is at one random instant of its row's exposure, not at the row's time; set "
            "the duration to 0 for exact rows",
        )]
    return []


def folder_problem(path: str) -> str | None:
    """Why files cannot be written into folder ``path`` (created if needed), or ``None``."""
    if os.path.isdir(path):
        if os.access(path, os.W_OK | os.X_OK):
            return None
        return f"Output folder {path} is not writable"
    if os.path.exists(path):
        return f"Output folder {path} exists but is a file"
    parent = path.rstrip("/\\") or path
    while True:
        parent = os.path.dirname(parent)
        if os.path.isdir(parent):
            break
        if os.path.exists(parent):
            return f"Output folder {path} cannot be created: {parent} is a file"
        if parent in ("", os.path.dirname(parent)):
            return f"Output folder {path} cannot be created"
    if not os.access(parent, os.W_OK | os.X_OK):
        return f"Output folder {path} cannot be created: {parent} is not writable"
    return None
