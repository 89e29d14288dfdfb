# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What one ground-truth file holds, as JSON-able data: what ``blender-gt info`` prints
(``--json`` as it is, text through :mod:`.cli`). No ``bpy`` here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from . import reader
from .conventions import forward_flow
from .exporters.common import file_size
from .outputs import OUTPUTS_BY_LAYER
from .sequence import quiet_native_stderr

__all__ = ["describe"]


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
        "passes": {layer: {"channels", and with ranges "dtype", "shape", then "ids"
        (id layers) or "min", "max" (finite values), "nonfinite", "inf_fraction"
        (depth: share of pixels where nothing was hit), "max_forward_flow" (vector:
        the longest forward flow, pixels)}}}``.

    Raises:
        GroundTruthError: a missing, damaged or non-EXR file.
    """
    with quiet_native_stderr():
        frame = reader.read(path)
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
    return info


def _value_range(layer: str, array: np.ndarray) -> dict[str, Any]:
    """dtype, shape and values of one layer's array: the ids present for id layers,
    else the finite min and max, how many values are not finite, and for ``depth``
    the share that is inf, for ``vector`` (raw pass) the longest forward flow."""
    out: dict[str, Any] = {"dtype": str(array.dtype), "shape": list(array.shape)}
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
