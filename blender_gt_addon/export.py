# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Turn ground-truth files into what people and training pipelines use. No ``bpy`` here.

Every command of ``blender-gt`` except ``render`` is a function here:

- :func:`describe`: what a file holds (``blender-gt info``);
- :func:`preview_frames` and :func:`contact_sheet`: pictures (``blender-gt preview``);
- :func:`export`: converters (``blender-gt export``), one of :data:`FORMATS`.

Formats (precision of each, compared with the reader's arrays):

- ``npz``: one compressed ``.npz`` a frame with every layer as the reader returns it,
  ``flow`` (forward flow, (H, W, 2), pixels, x right, y down) and ``frame``. Exact.
- ``hdf5``: one ``.h5`` a frame, the same datasets, chunked and gzip-compressed. Exact.
- ``hdf5-sequence``: one ``.h5`` for all frames: each layer a (N, H, W[, C]) dataset
  chunked one frame at a time, and ``frame`` (N,) with the frame numbers. Exact.
- ``flo``: Middlebury ``.flo`` a frame, forward flow: ``dx = -vector[..., 2]``,
  ``dy = +vector[..., 3]``, pixels, image y down. Exact (float32).
- ``kitti-depth``: 16-bit grey PNG a frame in the KITTI convention: ``round(depth * 256)``,
  0 = no data (nothing hit, or farther than 255.996 scene units, or nearer than 1/512).
  Within 1/512 scene units.
- ``mask-png``: 16-bit grey PNG a frame holding the object index (pass index per pixel,
  0 = background), or with ``ids="instance_id"`` the instance id. Exact.
- ``coco``: one COCO json for all frames: an image per frame (``id`` = frame number), an
  annotation per object index present in a frame with its box ``[x, y, w, h]`` in pixels,
  its area in pixels and its mask as compressed RLE; one category per object index
  (named from ``object_names`` when given, else ``"object N"``). With
  ``ids="instance_id"``: an annotation per object (Cryptomatte), one category per
  object name.

Work on several files runs in a process pool (``jobs``, default every core) with an
optional progress bar.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import reader
from .outputs import OUTPUTS_BY_LAYER
from .reader import GroundTruthError, GroundTruthFrame
from .sequence import (
    forward_flow,
    frame_array,
    frame_files,
    frame_layers,
    imap,
    parallel_map,
    progress_bar,
    quiet_native_stderr,
)

__all__ = [
    "FORMATS",
    "ExportResult",
    "contact_sheet",
    "describe",
    "export",
    "preview_frames",
    "read_flo",
    "rle_decode",
    "rle_encode",
    "rle_from_string",
    "rle_to_string",
    "write_flo",
]

FORMATS: dict[str, str] = {
    "npz": "one compressed .npz a frame: every layer, forward 'flow' and 'frame'",
    "hdf5": "one .h5 a frame: every layer and forward 'flow', chunked, gzip",
    "hdf5-sequence": "one .h5 for all frames: (N, H, W[, C]) datasets, one chunk a frame",
    "flo": "Middlebury .flo a frame: forward flow in pixels, y down",
    "kitti-depth": "16-bit PNG a frame: depth x 256, 0 = no data (KITTI)",
    "mask-png": "16-bit PNG a frame: object index (or --ids instance_id)",
    "coco": "one COCO json: boxes and RLE masks from the object index (or --ids)",
}

# What each format needs from the files.
_NEEDS = {"flo": "vector", "kitti-depth": "depth", "mask-png": "object_index",
          "coco": "object_index"}
_SUFFIX = {"npz": ".npz", "hdf5": ".h5", "flo": ".flo", "kitti-depth": ".png",
           "mask-png": ".png"}
_SINGLE_FILE = {"hdf5-sequence": "sequence.h5", "coco": "annotations.json"}
# Where mask-png and coco take ids from, and the pass each needs.
ID_SOURCES = {"object_index": "object_index", "instance_id": "cryptomatte_object"}

FLO_MAGIC = 202021.25  # 'PIEH' as a little-endian float32
KITTI_SCALE = 256.0


class ExportError(GroundTruthError):
    """The export cannot be done as asked (bad format, output or input)."""


def _sources(source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The EXR files of a folder (in frame order), of one file, or of a list of files."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if path.is_dir():
            return [p for _, p in frame_files(path)]
        if not path.exists():
            raise GroundTruthError(f"{path}: no such file or folder")
        return [path]
    paths = [Path(p) for p in source]
    if not paths:
        raise GroundTruthError("no ground-truth files given")
    return paths


def _open_all(paths: Sequence[Path]) -> list[GroundTruthFrame]:
    with quiet_native_stderr():
        return [reader.read(p) for p in paths]


def _file_size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


# -------------------------------------------------------------------------- info


def describe(path: str | os.PathLike[str], ranges: bool = True) -> dict[str, Any]:
    """What one file holds, as JSON-able data (``blender-gt info``).

    The header gives the size, frame, passes, compression and Blender's stamp
    (scene, camera, .blend file, render time). With ``ranges`` the pixels are decoded
    (once) for each layer's value range; without, nothing but the header is read.
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
        "bytes": _file_size(frame.path),
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
        flow = np.stack([-array[..., 2], array[..., 3]], axis=-1)
        length = np.hypot(flow[..., 0], flow[..., 1])
        length = length[np.isfinite(length)]
        out["max_forward_flow"] = float(length.max()) if length.size else 0.0
    return out


# ----------------------------------------------------------------------- preview


def _preview_one(job: tuple[str, str, str | None]) -> str:
    from . import preview

    path, png, title = job
    return str(preview.save_preview(reader.read(path), png, title))


def preview_frames(source, out: str | os.PathLike[str], *, jobs: int | None = None,
                   progress: bool = False) -> list[Path]:
    """One preview PNG a frame (:func:`preview.save_preview`).

    ``source`` is a file (``out`` is then the PNG, or a folder to put ``<stem>.png`` in)
    or a folder or list of files (``out`` is a folder; one ``<stem>.png`` a frame).
    """
    paths = _sources(source)
    is_file = isinstance(source, (str, os.PathLike)) and not Path(source).is_dir()
    out = Path(out)
    frames = _open_all(paths)  # headers: fail early on a bad file
    for frame in frames:
        if not frame.passes:
            raise GroundTruthError(f"{frame.path}: holds no ground-truth outputs to preview")
    if is_file and not out.is_dir() and out.suffix.lower() == ".png":
        _make_folder(out.parent)
        targets = [out]
    else:
        _make_folder(out)
        targets = [out / f"{p.stem}.png" for p in paths]
    jobs_list = [(str(p), str(t), None) for p, t in zip(paths, targets, strict=True)]
    done = parallel_map(_preview_one, jobs_list, jobs=jobs, progress=progress,
                        desc="preview")
    return [Path(p) for p in done]


def _display(linear: np.ndarray) -> np.ndarray:
    rgb = np.nan_to_num(np.asarray(linear, dtype=np.float32)[..., :3], nan=0.0)
    return (np.clip(rgb, 0.0, 1.0) ** (1 / 2.2) * 255 + 0.5).astype(np.uint8)


def _thumbnail(frame: GroundTruthFrame, layer: str) -> np.ndarray:
    """(H, W, 3) uint8 picture of one layer, coloured as :mod:`preview` draws it."""
    from . import preview

    data = frame.instance_id if layer == "cryptomatte_object" else frame.get(layer)
    if layer in ("image", "emission"):
        return _display(data)
    if layer == "normal":
        n = np.nan_to_num(data[..., :3])
        rgb = np.clip((n + 1) / 2, 0, 1)
        rgb[np.linalg.norm(n, axis=-1) < 1e-6] = 0
        return (rgb * 255 + 0.5).astype(np.uint8)
    if layer == "depth":
        import matplotlib

        finite = np.isfinite(data)
        rgb = np.full((*data.shape, 3), 200, np.uint8)
        if finite.any():
            near, far = float(data[finite].min()), float(data[finite].max())
            scaled = (data[finite] - near) / max(far - near, 1e-6)
            colours = matplotlib.colormaps["viridis_r"](scaled)[:, :3]
            rgb[finite] = (colours * 255 + 0.5).astype(np.uint8)
        return rgb
    if layer == "vector":
        return preview.flow_to_color(preview.forward_flow(data))
    ids, inverse = np.unique(data, return_inverse=True)
    colours = preview.id_colors(ids)
    palette = (np.array([colours[int(i)] for i in ids]) * 255 + 0.5).astype(np.uint8)
    return palette[inverse.reshape(data.shape)]


def _sheet_row(path: str) -> tuple[int | None, list[str], list[np.ndarray]]:
    frame = reader.read(path)
    layers = list(frame.passes)
    return frame.frame, layers, [_thumbnail(frame, layer) for layer in layers]


def contact_sheet(source, out_png: str | os.PathLike[str], *, max_frames: int = 64,
                  jobs: int | None = None, progress: bool = False) -> Path:
    """One PNG with a row per frame and a column per output (``blender-gt preview -o X.png``).

    Colours as in :mod:`preview` (depth and flow scaled per frame). More than
    ``max_frames`` frames are thinned evenly, first and last kept.
    """
    from PIL import Image, ImageDraw

    paths = _sources(source)
    frames = _open_all(paths)
    if len(paths) > max_frames:
        keep = np.unique(np.linspace(0, len(paths) - 1, max_frames).round().astype(int))
        paths = [paths[i] for i in keep]
        frames = [frames[i] for i in keep]
    columns = [layer for layer in OUTPUTS_BY_LAYER
               if any(layer in f.passes for f in frames)]
    if not columns:
        raise GroundTruthError(f"{paths[0]}: holds no ground-truth outputs to preview")
    width, height = frames[0].width, frames[0].height
    thumb_w = min(max(width, 128), 320)
    thumb_h = max(1, round(height * thumb_w / width))
    label_w, header_h, gap = 96, 22, 4
    sheet = Image.new("RGB", (label_w + len(columns) * (thumb_w + gap),
                              header_h + len(paths) * (thumb_h + gap)), "white")
    draw = ImageDraw.Draw(sheet)
    for c, layer in enumerate(columns):
        title = {"cryptomatte_object": "instance_id", "vector": "flow (forward)"}.get(layer, layer)
        draw.text((label_w + c * (thumb_w + gap) + 2, 4), title, fill="black")
    rows = parallel_map(_sheet_row, [str(p) for p in paths], jobs=jobs, progress=progress,
                        desc="contact sheet")
    for r, (path, (number, layers, pictures)) in enumerate(zip(paths, rows, strict=True)):
        y = header_h + r * (thumb_h + gap)
        label = f"frame {number}" if number is not None else path.stem
        draw.text((4, y + 2), label, fill="black")
        draw.text((4, y + 16), path.name, fill="grey")
        for layer, picture in zip(layers, pictures, strict=True):
            tile = Image.fromarray(picture, "RGB")
            if tile.size != (thumb_w, thumb_h):
                enlarge = thumb_w >= tile.size[0]
                tile = tile.resize((thumb_w, thumb_h), Image.Resampling.NEAREST if enlarge
                                   else Image.Resampling.BOX)
            sheet.paste(tile, (label_w + columns.index(layer) * (thumb_w + gap), y))
    out = Path(out_png)
    _make_folder(out.parent)
    sheet.save(out)
    return out


# -------------------------------------------------------------------- formats


def write_flo(path: str | os.PathLike[str], flow: np.ndarray) -> None:
    """Write (H, W, 2) flow as a Middlebury ``.flo`` file (little-endian float32)."""
    flow = np.asarray(flow, dtype="<f4")
    if flow.ndim != 3 or flow.shape[2] != 2:
        raise ValueError(f"expected flow of shape (H, W, 2), got {flow.shape}")
    height, width = flow.shape[:2]
    with open(path, "wb") as f:
        f.write(np.array([FLO_MAGIC], "<f4").tobytes())
        f.write(np.array([width, height], "<i4").tobytes())
        f.write(np.ascontiguousarray(flow).tobytes())


def read_flo(path: str | os.PathLike[str]) -> np.ndarray:
    """Read a Middlebury ``.flo`` file into (H, W, 2) float32."""
    data = Path(path).read_bytes()
    if len(data) < 12 or np.frombuffer(data[:4], "<f4")[0] != np.float32(FLO_MAGIC):
        raise GroundTruthError(f"{path}: not a Middlebury .flo file")
    width, height = (int(v) for v in np.frombuffer(data[4:12], "<i4"))
    flow = np.frombuffer(data[12:], "<f4")
    if flow.size != width * height * 2:
        raise GroundTruthError(f"{path}: damaged .flo file ({flow.size} values for "
                               f"{width}x{height})")
    return flow.reshape(height, width, 2).astype(np.float32)


def kitti_depth(depth: np.ndarray) -> tuple[np.ndarray, int]:
    """Depth -> KITTI uint16 (depth x 256, 0 = no data); and how many surface pixels
    could not be stored (too far or too near)."""
    scaled = np.asarray(depth, dtype=np.float64) * KITTI_SCALE
    finite = np.isfinite(scaled)
    stored = np.where(finite, np.rint(np.where(finite, scaled, 0)), 0)
    ok = finite & (stored >= 1) & (stored <= 65535)
    lost = int((finite & ~ok).sum())
    return np.where(ok, stored, 0).astype(np.uint16), lost


def _write_png16(path: Path, array: np.ndarray) -> None:
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint16)).save(path, optimize=False)


def _layers_of(frame: GroundTruthFrame) -> dict[str, np.ndarray]:
    """Every array to export: the reader's arrays, forward flow, instance ids, camera."""
    arrays = {name: frame_array(frame, name) for name in frame_layers(frame)}
    if "instance_id" in arrays:
        names = frame.names
        arrays["instance_names"] = np.array(
            [names.get(i, "") for i in range(1, max(names, default=0) + 1)], dtype=str)
    camera = frame.camera
    if camera is not None:
        arrays["K"] = np.asarray(camera.K, dtype=np.float64)
        arrays["world_to_camera"] = np.asarray(camera.world_to_camera, dtype=np.float64)
    return arrays


def _h5_options(shape: tuple[int, ...], frame_axis: bool) -> dict[str, Any]:
    """Chunks and gzip for images: tiles of up to 256 x 256 pixels (of one frame when
    the first axis is frames); small arrays (cameras, names) are stored plainly."""
    image = shape[1:] if frame_axis else shape
    if len(image) < 2 or image[0] * image[1] < 64:
        return {}
    tile = (min(image[0], 256), min(image[1], 256), *image[2:])
    chunks = (1, *tile) if frame_axis else tile
    return {"chunks": chunks, "compression": "gzip", "compression_opts": 4, "shuffle": True}


def _h5_dtype(array: np.ndarray):
    import h5py

    return h5py.string_dtype() if array.dtype.kind == "U" else array.dtype


_H5_NOTE = ("blender-gt ground truth; arrays as blender_gt_addon.reader's attributes "
            "give them (docs/conventions.md); 'flow' is forward flow (dx, dy) in pixels, "
            "y down; 'instance_names'[i - 1] names instance id i; 'K' and "
            "'world_to_camera' in OpenCV conventions")


def _export_frame(job: tuple[str, str, str, str]) -> dict[str, Any]:
    """Convert one file (in a worker process). Returns what was written."""
    fmt, src, dst, ids_from = job
    frame = reader.read(src)
    out = Path(dst)
    notes: dict[str, int] = {}
    if fmt == "npz":
        arrays = _layers_of(frame)
        np.savez_compressed(out, frame=np.int64(frame.frame if frame.frame is not None else -1),
                            **arrays)
    elif fmt == "hdf5":
        import h5py

        with h5py.File(out, "w") as h5:
            h5.attrs["frame"] = frame.frame if frame.frame is not None else -1
            h5.attrs["source"] = str(frame.path)
            h5.attrs["conventions"] = _H5_NOTE
            for name, array in _layers_of(frame).items():
                data = array.astype(object) if array.dtype.kind == "U" else array
                h5.create_dataset(name, data=data, dtype=_h5_dtype(array),
                                  **_h5_options(array.shape, False))
    elif fmt == "flo":
        write_flo(out, forward_flow(frame))
    elif fmt == "kitti-depth":
        stored, lost = kitti_depth(frame.depth)
        if lost:
            notes["depth pixels out of KITTI's range (written as 0)"] = lost
        _write_png16(out, stored)
    elif fmt == "mask-png":
        ids = frame_array(frame, ids_from)
        if ids.min() < 0 or ids.max() > 65535:
            raise GroundTruthError(f"{frame.path}: {ids_from} outside 0..65535")
        _write_png16(out, ids.astype(np.uint16))
    else:  # pragma: no cover - checked before
        raise ExportError(f"unknown format {fmt!r}")
    return {"path": str(out), "bytes": _file_size(out), "notes": notes}


# ------------------------------------------------------------------------- RLE


def rle_encode(mask: np.ndarray) -> dict[str, Any]:
    """COCO's uncompressed RLE of a binary (H, W) mask.

    ``counts`` are the lengths of alternating runs of 0 and 1 over the pixels in
    column-major order (down the first column, then the next), starting with 0s
    (so the first count is 0 when the top-left pixel is set).
    """
    mask = np.asarray(mask, dtype=bool)
    flat = mask.ravel(order="F")
    change = np.flatnonzero(flat[1:] != flat[:-1]) + 1
    bounds = np.concatenate(([0], change, [flat.size]))
    counts = np.diff(bounds).tolist()
    if flat.size and flat[0]:
        counts = [0, *counts]
    return {"size": [int(mask.shape[0]), int(mask.shape[1])], "counts": counts}


def rle_to_string(counts: Sequence[int]) -> str:
    """COCO's compressed RLE string (``maskApi.c: rleToString``).

    Each count (minus the count two before it, from the third on) is written in
    5-bit groups, least significant first, as characters ``48 + group``, with bit
    0x20 set while more groups follow and 0x10 carrying the sign.
    """
    out = []
    for i, count in enumerate(counts):
        x = int(count) - (int(counts[i - 2]) if i > 2 else 0)
        more = True
        while more:
            c = x & 0x1F
            x >>= 5
            more = (x != -1) if (c & 0x10) else (x != 0)
            if more:
                c |= 0x20
            out.append(chr(c + 48))
    return "".join(out)


def rle_from_string(text: str) -> list[int]:
    """The counts of a compressed RLE string (``maskApi.c: rleFrString``)."""
    counts: list[int] = []
    p = 0
    while p < len(text):
        x, k, more = 0, 0, True
        while more:
            c = ord(text[p]) - 48
            x |= (c & 0x1F) << (5 * k)
            more = bool(c & 0x20)
            p += 1
            k += 1
            if not more and (c & 0x10):
                x |= -1 << (5 * k)
        if len(counts) > 2:
            x += counts[-2]
        counts.append(x)
    return counts


def rle_decode(rle: Mapping[str, Any]) -> np.ndarray:
    """A binary (H, W) mask from COCO RLE (``counts`` a list or a compressed string)."""
    height, width = rle["size"]
    counts = rle["counts"]
    if isinstance(counts, (str, bytes)):
        counts = rle_from_string(counts.decode() if isinstance(counts, bytes) else counts)
    values = np.zeros(len(counts), dtype=bool)
    values[1::2] = True
    flat = np.repeat(values, counts)
    if flat.size != height * width:
        raise ValueError(f"RLE counts cover {flat.size} pixels, not {height}x{width}")
    return flat.reshape((height, width), order="F")


def _coco_frame(job: tuple[str, str]) -> dict[str, Any]:
    path, ids_from = job
    frame = reader.read(path)
    ids = frame_array(frame, ids_from)
    names = frame.names if ids_from == "instance_id" else {}
    image = {"id": frame.frame, "file_name": frame.path.name, "width": frame.width,
             "height": frame.height}
    annotations = []
    for object_id in np.unique(ids):
        if object_id == 0:
            continue
        mask = ids == object_id
        rows = np.flatnonzero(mask.any(axis=1))
        cols = np.flatnonzero(mask.any(axis=0))
        rle = rle_encode(mask)
        annotations.append({
            "category_id": int(object_id),
            "name": names.get(int(object_id)),
            "bbox": [int(cols[0]), int(rows[0]), int(cols[-1] - cols[0] + 1),
                     int(rows[-1] - rows[0] + 1)],
            "area": int(mask.sum()),
            "segmentation": {"size": rle["size"], "counts": rle_to_string(rle["counts"])},
            "iscrowd": 0,
        })
    return {"image": image, "annotations": annotations}


# ----------------------------------------------------------------------- export


@dataclass
class ExportResult:
    """What :func:`export` wrote."""

    format: str
    frames: int
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    notes: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        where = self.files[0] if len(self.files) == 1 else (
            self.files[0].parent if self.files else "")
        size = _human_bytes(self.bytes)
        rate = f", {self.frames / self.seconds:.1f} frames/s" if self.seconds > 0 else ""
        text = (f"exported {self.frames} frame{'s' if self.frames != 1 else ''} as "
                f"{self.format}: {len(self.files)} file{'s' if len(self.files) != 1 else ''}, "
                f"{size}, in {where} ({self.seconds:.1f} s{rate})")
        for what, count in self.notes.items():
            text += f"; {count} {what}"
        return text


def _human_bytes(n: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def _make_folder(path: Path) -> None:
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{path}: cannot create the folder ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ExportError(f"{path}: folder is not writable")


def _single_output(out: Path, fmt: str) -> Path:
    if out.is_dir() or (not out.exists() and not out.suffix):
        _make_folder(out)
        return out / _SINGLE_FILE[fmt]
    _make_folder(out.parent)
    return out


def export(source, fmt: str, out: str | os.PathLike[str], *, jobs: int | None = None,
           progress: bool = False, object_names: Mapping[int, str] | None = None,
           ids: str = "object_index") -> ExportResult:
    """Convert ground-truth files to ``fmt`` (one of :data:`FORMATS`).

    Parameters:
        source: a folder of frames, one file, or a list of files.
        fmt: the format; see the module docstring.
        out: a folder for the one-file-a-frame formats (created if needed); the file to
            write for ``hdf5-sequence`` and ``coco`` (or a folder to write
            ``sequence.h5`` / ``annotations.json`` in).
        jobs: worker processes (default: every core).
        progress: show a progress bar on stderr (when it is a terminal).
        object_names: ``{object index: name}`` for COCO's categories.
        ids: where ``mask-png`` and ``coco`` take the ids from: ``"object_index"``
            (the objects' pass index, set by hand) or ``"instance_id"`` (every object
            its own id, from the Cryptomatte pass; COCO then has one category per
            object name, the same in every frame).

    Raises:
        GroundTruthError: a bad format, input or output; the message says which.
    """
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    if ids not in ID_SOURCES:
        raise ExportError(f"unknown id source {ids!r}; choose one of: {', '.join(ID_SOURCES)}")
    started = time.perf_counter()
    paths = _sources(source)
    frames = _open_all(paths)  # every header, before any work: fail early
    need = _NEEDS.get(fmt)
    if fmt in ("mask-png", "coco"):
        need = ID_SOURCES[ids]
    for frame in frames:
        if need and need not in frame.passes:
            has = ", ".join(frame.passes) or "no outputs"
            raise ExportError(f"{frame.path}: has no {need!r} output, which {fmt} needs "
                              f"(it has: {has})")
        if not frame.passes:
            raise ExportError(f"{frame.path}: holds no ground-truth outputs")
    out = Path(out)
    result = ExportResult(fmt, len(frames))
    if fmt == "hdf5-sequence":
        target = _single_output(out, fmt)
        _export_h5_sequence(frames, target, jobs, progress)
        result.files = [target]
    elif fmt == "coco":
        target = _single_output(out, fmt)
        _export_coco(frames, target, jobs, progress, object_names or {}, ids)
        result.files = [target]
    else:
        _make_folder(out)
        jobs_list = [(fmt, str(p), str(out / (p.stem + _SUFFIX[fmt])), ids) for p in paths]
        for done in parallel_map(_export_frame, jobs_list, jobs=jobs, progress=progress,
                                 desc=f"export {fmt}"):
            result.files.append(Path(done["path"]))
            for what, count in done["notes"].items():
                result.notes[what] = result.notes.get(what, 0) + count
    result.bytes = sum(_file_size(p) for p in result.files)
    result.seconds = time.perf_counter() - started
    return result


def _frame_arrays(path: str) -> dict[str, np.ndarray]:
    return _layers_of(reader.read(path))


def _export_h5_sequence(frames: list[GroundTruthFrame], target: Path, jobs, progress) -> None:
    import h5py

    first = frames[0]
    for frame in frames[1:]:
        if (frame.width, frame.height) != (first.width, first.height):
            raise ExportError(f"{frame.path}: is {frame.width}x{frame.height}, but "
                              f"{first.path.name} is {first.width}x{first.height}; one HDF5 "
                              "sequence needs frames of one size")
        if frame.passes != first.passes:
            raise ExportError(f"{frame.path}: holds {', '.join(frame.passes)}, but "
                              f"{first.path.name} holds {', '.join(first.passes)}; one HDF5 "
                              "sequence needs the same outputs in every frame")
    n = len(frames)
    partial = target.with_name(target.name + ".part")
    try:
        with h5py.File(partial, "w") as h5, progress_bar(n, "export hdf5", progress) as bar:
            h5.attrs["conventions"] = _H5_NOTE
            h5.create_dataset("frame", data=np.array(
                [f.frame if f.frame is not None else -1 for f in frames], dtype=np.int64))
            h5.create_dataset("source", data=[f.path.name for f in frames],
                              dtype=h5py.string_dtype())
            datasets = {}
            # Names differ in number between frames: pad each frame's list with "".
            most_names = max((len(f.names) for f in frames), default=0) \
                if "cryptomatte_object" in first.passes else 0
            for i, arrays in enumerate(imap(_frame_arrays, [str(f.path) for f in frames],
                                            jobs)):
                for name, array in arrays.items():
                    if name == "instance_names":
                        array = np.concatenate([array, np.full(most_names - len(array), "")])
                    if name not in datasets:
                        shape = (n, *array.shape)
                        datasets[name] = h5.create_dataset(
                            name, shape=shape, dtype=_h5_dtype(array),
                            **_h5_options(shape, True))
                    datasets[name][i] = array.astype(object) if array.dtype.kind == "U" \
                        else array
                bar.update()
        os.replace(partial, target)
    finally:
        if partial.exists():
            partial.unlink()


def _export_coco(frames: list[GroundTruthFrame], target: Path, jobs, progress,
                 object_names: Mapping[int, str], ids_from: str) -> None:
    numbers = [f.frame for f in frames]
    use_frame_ids = None not in numbers and len(set(numbers)) == len(numbers)
    results = parallel_map(_coco_frame, [(str(f.path), ids_from) for f in frames], jobs=jobs,
                           progress=progress, desc="export coco")
    by_name = ids_from == "instance_id"
    if by_name:  # instance ids are per file; names are the same in every frame
        every = sorted({a["name"] or f"instance {a['category_id']}"
                        for done in results for a in done["annotations"]})
        category_of = {name: i for i, name in enumerate(every, start=1)}
        categories = [{"id": i, "name": name, "supercategory": "object"}
                      for name, i in category_of.items()]
    else:
        names = {int(k): str(v) for k, v in object_names.items()}
        present = sorted({a["category_id"] for done in results for a in done["annotations"]})
        categories = [{"id": c, "name": names.get(c, f"object {c}"), "supercategory": "object"}
                      for c in present]
    images, annotations = [], []
    for i, done in enumerate(results):
        image = done["image"]
        image["frame"] = image["id"]
        if not use_frame_ids:
            image["id"] = i + 1
        images.append(image)
        for ann in done["annotations"]:
            name = ann.pop("name")
            if by_name:
                ann["instance_id"] = ann["category_id"]
                ann["category_id"] = category_of[name or f"instance {ann['category_id']}"]
            ann["id"] = len(annotations) + 1
            ann["image_id"] = image["id"]
            annotations.append(ann)
    source = ("object (Cryptomatte instance id, by name)" if by_name
              else "object index (pass_index)")
    coco = {
        "info": {"description": f"blender-gt ground truth: one category per {source}; "
                 "masks as compressed RLE",
                 "date_created": time.strftime("%Y-%m-%d %H:%M:%S")},
        "licenses": [],
        "images": images,
        "annotations": annotations,
        "categories": categories,
    }
    partial = target.with_name(target.name + ".part")
    partial.write_text(json.dumps(coco))
    os.replace(partial, target)
