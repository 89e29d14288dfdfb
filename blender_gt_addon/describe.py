# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What one ground-truth file holds, as JSON-able data (:func:`describe`), and the text
``blender-gt info`` prints of it (:func:`text`; ``--json`` prints the data). No ``bpy``.

A file of another tool, with none of the layers the reader knows (a plain OpenEXR,
Blender's single-pass output), is described by its layers and channels, with the
``reader.read_pass`` kinds its channels fit.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import reader
from .conventions import forward_flow
from .exporters.common import file_size, human_bytes
from .outputs import OUTPUTS_BY_LAYER
from .reader.decode import declared_size, open_exr
from .reader.errors import GroundTruthError, note_file
from .reader.layouts import SINGLE_PASS_CHANNELS, conventions_of
from .sequence import quiet_native_stderr

__all__ = ["describe", "text"]


def describe(path: str | os.PathLike[str], ranges: bool = True) -> dict[str, Any]:
    """What one file holds, as JSON-able data (``blender-gt info``).

    The header gives the size, frame, passes, compression and Blender's stamp
    (scene, camera, .blend file, render time). With ``ranges`` the pixels are decoded
    (once) for each layer's value range; without, nothing but the header is read.

    Returns:
        ``{"path", "bytes", "width", "height", "frame" (None when unknown),
        "compression" (e.g. "ZIP"), "stamp": {"Scene", "Camera", "File", "RenderTime",
        "Date"} (those set), "camera": {"type", "K" (3x3, OpenCV, pixels),
        "world_to_camera" (4x4, OpenCV axes), "position" (world, scene units),
        "clip"} (with a camera), "instances": {"id": name} (with Cryptomatte),
        "keypoints": {object: number of keypoints} (frames recording keypoints),
        "stereo": {"view", "baseline", "pivot", "files"} (a view of a stereo pair),
        "shutter": {"position", "length", "time", "open", "close" (frames), "rolling"
        ("NONE" or "TOP"), "rolling_duration", "moving" (the objects with a pose per
        row)} (a motion-blurred frame),
        "passes": {layer: {"channels", and with ranges "dtype", "shape", then "ids"
        (id layers) or "min", "max" (finite values), "nonfinite", "inf_fraction"
        (depth: share of pixels where nothing was hit), "max_forward_flow" (vector:
        the longest forward flow, pixels)}}}``. A file without any of those
        outputs (``passes`` empty) also has ``"foreign": {"layers": {layer (the
        channel names' prefix before the last dot, "" for bare names; "part:layer"
        in parts after the first): {"width", "height", "channels": [{"name" (after
        the prefix), and with ranges "dtype", "min", "max" (finite values, None if
        none)}]}}, "read_pass": [the ``reader.read_pass`` kinds whose channels the
        file has]}``.

    Raises:
        GroundTruthError: a missing, damaged or non-EXR file.
    """
    try:
        return _describe(path, ranges)
    except GroundTruthError:
        raise
    except Exception as exc:  # a bug: the command line's message still names the file
        note_file(exc, path)
        raise


def _describe(path: str | os.PathLike[str], ranges: bool = True) -> dict[str, Any]:
    """:func:`describe`'s work."""
    foreign = None
    with quiet_native_stderr():
        frame = reader.read(path)
        if not frame.passes:
            foreign = _foreign(frame, ranges)
        if ranges:
            for layer in frame.passes:
                frame.get(layer)
            if "cryptomatte_object" in frame.passes:
                _ = frame.instance_id
    stamp = {k: v for k in ("Scene", "Camera", "File", "RenderTime", "Date")
             if isinstance(v := frame.header.get(k), str) and v not in ("", "<none>")}
    compression = frame.header.get("compression")
    info: dict[str, Any] = {
        "path": str(frame.path),
        "bytes": file_size(frame.path),
        "width": frame.width,
        "height": frame.height,
        "frame": frame.frame,
        "compression": getattr(compression, "name", str(compression)).replace(
            "_COMPRESSION", ""),
        "stamp": stamp,
        "passes": {},
    }
    camera = frame.camera
    if camera is not None:
        centre = camera.camera_to_world[:3, 3]
        info["camera"] = {
            "type": camera.type, "K": np.asarray(camera.K).tolist(),
            "world_to_camera": np.asarray(camera.world_to_camera).tolist(),
            "position": [float(v) for v in centre],
            "clip": [camera.clip_start, camera.clip_end],
        }
    if "cryptomatte_object" in frame.passes:
        info["instances"] = {str(i): name for i, name in sorted(frame.names.items())}
    from .reader.keypoints import recorded_sets

    sets = recorded_sets(frame)
    if sets:  # {object: number of keypoints}, from the header
        info["keypoints"] = {s.object: len(s.names) for s in sets}
    rig = frame.stereo
    if rig is not None:
        info["stereo"] = {"view": rig.view, "baseline": rig.baseline, "pivot": rig.pivot,
                          "files": dict(rig.files)}
    shutter = frame.shutter
    if shutter is not None:
        info["shutter"] = {"position": shutter.position, "length": shutter.length,
                           "time": shutter.time, "open": shutter.open, "close": shutter.close,
                           "rolling": shutter.rolling,
                           "rolling_duration": shutter.rolling_duration,
                           "moving": sorted(shutter.row_object_to_world)}
    for layer in frame.passes:
        output = OUTPUTS_BY_LAYER[layer]
        entry: dict[str, Any] = {"channels": "".join(output.channels)}
        if layer == "emission":
            entry["channels"] = "RGB"
        if ranges:
            if layer == "cryptomatte_object":
                entry.update(_value_range("instance_id", frame.instance_id))
            else:
                entry.update(_value_range(layer, frame.get(layer)))
        info["passes"][layer] = entry
    if foreign is not None:
        info["foreign"] = foreign
    return info


def _foreign(frame: reader.GroundTruthFrame, ranges: bool) -> dict[str, Any]:
    """The layers and channels of a file without our outputs (see :func:`describe`)."""
    pixels = frame._decoded() if ranges else {}
    layers: dict[str, dict[str, Any]] = {}
    names = set()
    for index, part in enumerate(open_exr(frame.path, header_only=True).parts):
        width, height = declared_size(part.header)[:2]
        for channel in part.header["channels"]:
            names.add(channel.name)
            prefix, _, short = channel.name.rpartition(".")
            key = f"{part.name()}:{prefix}" if index else prefix
            entry = layers.setdefault(key, {"width": width, "height": height, "channels": []})
            item: dict[str, Any] = {"name": short}
            array = pixels.get(channel.name)
            if array is not None:
                values = array[np.isfinite(array)] if array.dtype.kind == "f" else array
                item.update(dtype=str(array.dtype),
                            min=float(values.min()) if values.size else None,
                            max=float(values.max()) if values.size else None)
            entry["channels"].append(item)
    kinds = [kind for kind, options in SINGLE_PASS_CHANNELS.items()
             if any(all(c in names for c in option) for option in options)]
    return {"layers": layers, "read_pass": kinds}


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.4g}"


def _ids(ids: list[int]) -> str:
    shown = ", ".join(str(i) for i in ids[:12])
    return f"ids {shown}" + (f", ... ({len(ids)} ids)" if len(ids) > 12 else "")


def text(info: dict[str, Any]) -> str:
    """What ``blender-gt info`` prints of one :func:`describe` result."""
    frame = "frame ?" if info["frame"] is None else f"frame {info['frame']}"
    foreign = info.get("foreign")
    if foreign is None:
        holds = f"{len(info['passes'])} outputs"
    else:
        count = sum(len(e["channels"]) for e in foreign["layers"].values())
        holds = (f"not a blender-gt file: {len(foreign['layers'])} "
                 f"layer{'s' if len(foreign['layers']) != 1 else ''}, {count} "
                 f"channel{'s' if count != 1 else ''}")
    lines = [f"{info['path']}: {info['width']}x{info['height']}, {frame}, "
             f"{holds}, {human_bytes(info['bytes'])}, {info['compression']}"]
    stamp = info["stamp"]
    said = [f"{key.lower()} {stamp[key]}" for key in ("Scene", "Camera", "File", "RenderTime")
            if key in stamp]
    if said:
        lines.append("  " + ", ".join(said).replace("rendertime", "render time"))
    camera = info.get("camera")
    if camera:
        (fx, _, cx), (_, fy, cy), _ = camera["K"]
        x, y, z = (v + 0.0 for v in camera["position"])  # no "-0"
        lines.append(f"  camera {camera['type'].lower()}: fx {fx:.6g} fy {fy:.6g} cx {cx:.6g} "
                     f"cy {cy:.6g} px, at ({x:.4g}, {y:.4g}, {z:.4g}), clip "
                     f"{camera['clip'][0]:.4g}..{camera['clip'][1]:.4g}")
    rig = info.get("stereo")
    if rig:
        lines.append(f"  stereo: the {rig['view']} view of a pair, baseline {rig['baseline']:.6g}, "
                     f"pivot {rig['pivot'].lower()}; the other view "
                     f"{rig['files']['right' if rig['view'] == 'left' else 'left']}")
    shutter = info.get("shutter")
    if shutter:
        line = (f"  motion blur: shutter {shutter['length']:g} frames, "
                f"{shutter['position'].lower()} ({shutter['open']:g}..{shutter['close']:g}); "
                f"data at {shutter['time']:g}")
        if shutter["rolling"] != "NONE":
            line += (f"; rolling shutter {shutter['rolling'].lower()}, duration "
                     f"{shutter['rolling_duration']:g}, row poses of "
                     f"{len(shutter['moving'])} moving objects")
        lines.append(line)
    instances = info.get("instances")
    if instances is not None:
        named = ", ".join(f"{i} {n}" for i, n in list(instances.items())[:20])
        more = f", ... ({len(instances)} names)" if len(instances) > 20 else ""
        lines.append(f"  instances: {named or 'none'}{more}")
    if info.get("keypoints"):
        lines.append("  keypoints: " + ", ".join(f"{name} ({count})" for name, count
                                                   in info["keypoints"].items()))
    for layer, entry in info["passes"].items():
        lines.append(_pass_line(layer, entry))
    if foreign is not None:
        lines.extend(_foreign_lines(foreign))
    return "\n".join(lines)


def _pass_line(layer: str, entry: dict[str, Any]) -> str:
    line = f"  {layer:18s} {entry['channels']:5s}"
    if "dtype" in entry:
        shape = "x".join(str(v) for v in entry["shape"])
        line += f" {entry['dtype']:8s} {shape:10s} "
        if "ids" in entry:
            line += _ids(entry["ids"])
            if layer == "cryptomatte_object":
                line += " (instance_id)"
        else:
            line += f"{_fmt(entry['min'])} .. {_fmt(entry['max'])}"
            if conventions_of(layer) == "depth" and entry["inf_fraction"]:
                line += f", nothing hit (inf) on {entry['inf_fraction']:.1%}"
            elif entry["nonfinite"]:
                line += f", {entry['nonfinite']} non-finite"
            if layer == "vector":
                line += f"; forward flow up to {_fmt(entry['max_forward_flow'])} px"
    return line.rstrip()


def _foreign_lines(foreign: dict[str, Any]) -> list[str]:
    """A line a layer (its channels, their types, size, value range), then the hint."""
    lines = []
    for layer, entry in foreign["layers"].items():
        channels = entry["channels"]
        line = f"  {layer or '(no layer)':18s} {' '.join(c['name'] for c in channels):9s}"
        line += f" {entry['height']}x{entry['width']}"
        if channels and "dtype" in channels[0]:
            kinds: dict[str, list[str]] = {}
            for c in channels:
                kinds.setdefault(c["dtype"], []).append(c["name"])
            line += " " + (next(iter(kinds)) if len(kinds) == 1 else ", ".join(
                f"{dtype} {' '.join(names)}" for dtype, names in kinds.items()))
            lows = [c["min"] for c in channels if c["min"] is not None]
            highs = [c["max"] for c in channels if c["max"] is not None]
            line += f"  {_fmt(min(lows) if lows else None)} .. " \
                    f"{_fmt(max(highs) if highs else None)}"
        lines.append(line.rstrip())
    if foreign["read_pass"]:
        lines.append("  read it with reader.read_pass(path, kind), kind one of: "
                     + ", ".join(foreign["read_pass"]) + " (the ones its channels fit)")
    else:
        lines.append("  reader.read_pass reads single-pass files (channels such as V or "
                     "R G B A); read these layers with OpenEXR itself")
    return lines


def _value_range(layer: str, array: np.ndarray) -> dict[str, Any]:
    """dtype, shape and values of one layer's array: the ids present for id layers,
    else the finite min and max, how many values are not finite, and for ``depth``
    the share that is inf, for ``vector`` (raw pass) the longest forward flow."""
    out: dict[str, Any] = {"dtype": str(array.dtype), "shape": list(array.shape)}
    layer = conventions_of(layer)  # rolling_depth: as depth
    if layer in ("object_index", "material_index", "instance_id"):
        out["ids"] = [int(i) for i in np.unique(array)]
        return out
    finite = np.isfinite(array)
    values = array[finite]
    out["min"] = float(values.min()) if values.size else None
    out["max"] = float(values.max()) if values.size else None
    out["nonfinite"] = int(array.size - values.size)
    if layer == "depth":
        out["inf_fraction"] = float(np.isinf(array).mean())
    if layer == "vector":
        flow = forward_flow(array)
        length = np.hypot(flow[..., 0], flow[..., 1])
        length = length[np.isfinite(length)]
        out["max_forward_flow"] = float(length.max()) if length.size else 0.0
    return out
