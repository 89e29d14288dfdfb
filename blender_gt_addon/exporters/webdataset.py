# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``webdataset``: tar shards for training loops (the WebDataset layout, which dataset
hubs stream too), one sample a frame, or a frame pair for flow training. Exact.

``OUT`` is a folder::

    shard-000000.tar, shard-000001.tar, ...   the samples, in frame order
    webdataset.json                          the index, written last: the shards and
                                             their samples, each field's dtype and
                                             shape, the url pattern to read them by

A sample is the files of one key (the EXR file's stem, dots made ``_``) in a shard:

- ``<key>.<layer>.npy``: each chosen layer (option ``layers``; default every one the
  frame has) as the reader and :class:`~blender_gt_addon.reader.GroundTruthDataset`
  give it: ``image`` (H, W, 4) float32 linear RGBA, ``depth`` (H, W) float32 planar
  with ``inf`` where nothing was hit, ``flow`` (H, W, 2) float32 forward flow in
  pixels (x right, y down), ``normal`` unit length, ``instance_id`` (H, W) int32, ...
  (docs/conventions.md). Plain NumPy ``.npy``, uncompressed.
- ``<key>.camera.json``: ``{"K": 3x3, "world_to_camera": 4x4 (OpenCV axes),
  "width", "height", "clip_start", "clip_end", "type"}`` (float64 written in full),
  or ``null`` when the file holds no camera.
- ``<key>.names.json``: ``{"instance id": "object name"}`` (``{}`` without instance ids).
- ``<key>.meta.json``: ``{"frame": number, "source": "gt_0001.exr"}``.
- ``<key>.keypoints.json``: only for frames recording keypoints (with depth and
  instance ids): :func:`blender_gt_addon.reader.keypoints.keypoints_json`.

With ``pairs=True`` a sample is frame t with its successor t + 1 (frames whose next
frame is in the folder), as ``GroundTruthDataset(pairs=True)`` gives it: frame t's
fields as above, frame t + 1's layers as ``next_<layer>.npy`` (not ``next_flow``),
``next_camera.json``, ``next_names.json``, and ``next_frame``, ``next_source`` in
``meta.json``. Each frame is decoded once, also when it is in two pairs.

Why uncompressed ``.npy``: a DataLoader worker reads a shard sequentially and turns
each member into an array; ``.npy`` is a 128-byte header and the raw bytes (one
copy), while a compressed member must be inflated first. Measured on one 1920x1080
frame's image, depth, normal, flow and instance_id (benchmarks/bench_dataloader.py,
docs/performance.md): 15 to 25 ms from ``.npy``, 200 to 295 ms from zlib-compressed
``.npz``, 0.48 to 0.99 s through the reader from the EXR, on a shared 2-core machine;
the price is size: 87 MB a sample against 19 MB compressed and 41 MB for the EXR.

Shards close before the sample that would take them past ``shard_bytes`` (tar
headers counted, not the end of the archive: up to 10 KiB more; default 256 MiB when
neither limit is given) or when they hold ``shard_samples`` samples; a sample larger
than ``shard_bytes`` gets a shard alone. Without ``shard_samples``, a shard holds at
most ``max(1, samples // 8)`` samples (:data:`MIN_SHARDS`), so every export has at
least 8 shards, or one a sample when it has fewer than 8 samples: up to 8
``DataLoader`` workers each get a shard (``webdataset`` splits the shards among them).
Members are written with mtime 0 and no owner, so the same frames give the same
bytes. Older ``shard-NNNNNN.tar`` files past the new last shard are removed, so
the folder's shards are this export's. Writing needs no extra package; reading
needs ``webdataset`` (``pip install webdataset``)::

    import webdataset as wds
    dataset = wds.WebDataset("OUT/shard-{000000..000007}.tar", shardshuffle=False,
                             empty_check=False).decode()
    # each sample: {"__key__": "gt_0001", "image.npy": array, "camera.json": {...}, ...}

``empty_check=False``: with more ``DataLoader`` workers than shards, webdataset 1.x
gives the extra workers no shard, and its default check raises "No samples found in
dataset; perhaps you have fewer shards than workers" in them; without the check they
end at once and every sample still comes exactly once (docs/cluster.md's recipe).
"""

from __future__ import annotations

import io
import json
import os
import re
import tarfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .. import reader
from ..outputs import OUTPUTS
from ..reader import GroundTruthFrame
from ..reader.keypoints import keypoints_json
from ..sequence import DERIVED, frame_array, frame_layers, imap, progress_bar
from .common import ExportError, Notes, Options, atomic_path, frame_number

__all__ = ["DEFAULT_SHARD_BYTES", "INDEX", "MIN_SHARDS", "SHARD", "camera_json",
           "encode_frame", "sample_count", "write"]

DEFAULT_SHARD_BYTES = 256 * 1024 * 1024
MIN_SHARDS = 8  # without shard_samples: at least this many shards (or one a sample)
SHARD = "shard-{:06d}.tar"
INDEX = "webdataset.json"
_SHARD_NAME = re.compile(r"^shard-(\d{6})\.tar$")
_BLOCK = 512


def camera_json(frame: GroundTruthFrame) -> dict[str, Any] | None:
    """The frame's camera as JSON-able numbers (float64 kept: ``repr`` round-trips)."""
    camera = frame.camera
    if camera is None:
        return None
    return {"K": np.asarray(camera.K, dtype=np.float64).tolist(),
            "world_to_camera": np.asarray(camera.world_to_camera, dtype=np.float64).tolist(),
            "width": int(camera.width), "height": int(camera.height),
            "clip_start": float(camera.clip_start), "clip_end": float(camera.clip_end),
            "type": camera.type}


def _npy(array: np.ndarray) -> bytes:
    stream = io.BytesIO()
    np.lib.format.write_array(stream, np.ascontiguousarray(array), allow_pickle=False)
    return stream.getvalue()


def _json(value: Any) -> bytes:
    # inf/nan never occur here (cameras are finite); allow_nan=False keeps it strict JSON.
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def encode_frame(job: tuple[str, tuple[str, ...] | None]) -> dict[str, Any]:
    """One frame's members (in a worker process): ``{"layers": {name: npy bytes},
    "camera": json bytes, "names": json bytes, "frame": n, "source": file name}``."""
    path, layers = job
    frame = reader.read(path)
    chosen = layers if layers is not None else frame_layers(frame)
    names = frame.names if "cryptomatte_object" in frame.passes else {}
    points = keypoints_json(frame)
    return {"layers": {name: _npy(frame_array(frame, name)) for name in chosen},
            "camera": _json(camera_json(frame)),
            "names": _json({str(k): v for k, v in sorted(names.items())}),
            "keypoints": None if points is None else _json(points),
            "frame": frame_number(frame), "source": Path(path).name}


def _key(source: str) -> str:
    return Path(source).stem.replace(".", "_")


def _sample(first: dict[str, Any], second: dict[str, Any] | None) -> tuple[str, dict]:
    """``(key, {field: bytes})`` of a frame, or of a pair when ``second`` is given."""
    members = {f"{name}.npy": data for name, data in first["layers"].items()}
    members["camera.json"], members["names.json"] = first["camera"], first["names"]
    if first.get("keypoints") is not None:
        members["keypoints.json"] = first["keypoints"]
    meta = {"frame": first["frame"], "source": first["source"]}
    if second is not None:
        members.update({f"next_{name}.npy": data for name, data in second["layers"].items()
                        if name != "flow"})
        members["next_camera.json"], members["next_names.json"] = (second["camera"],
                                                                   second["names"])
        meta.update(next_frame=second["frame"], next_source=second["source"])
    members["meta.json"] = _json(meta)
    return _key(first["source"]), members


def _samples(encoded: Iterator[dict[str, Any]], pairs: bool) -> Iterator[tuple[str, dict]]:
    previous = None
    for current in encoded:
        if not pairs:
            yield _sample(current, None)
        elif previous is not None and current["frame"] == previous["frame"] + 1:
            yield _sample(previous, current)
        previous = current


def _tar_bytes(members: dict[str, bytes]) -> int:
    """Bytes the members take in a tar: a header block each, data padded to blocks."""
    return sum(_BLOCK + -(-len(data) // _BLOCK) * _BLOCK for data in members.values())


def _fields(members: dict[str, bytes]) -> dict[str, dict[str, Any]]:
    """Each field's dtype and shape (arrays) or ``"json"``, from one sample."""
    fields: dict[str, dict[str, Any]] = {}
    for name, data in members.items():
        if name.endswith(".npy"):
            array = np.lib.format.read_array(io.BytesIO(data), allow_pickle=False)
            fields[name] = {"dtype": array.dtype.str, "shape": list(array.shape)}
        else:
            fields[name] = {"dtype": "json"}
    return fields


class _Shards:
    """Tar shards in ``folder``, each written under a temporary name and renamed when
    closed; a new shard starts when the next sample would break a limit."""

    def __init__(self, folder: Path, max_samples: int | None, max_bytes: int | None):
        self.folder = folder
        self.max_samples = max_samples
        self.max_bytes = max_bytes
        self.done: list[dict[str, Any]] = []
        self._tar: tarfile.TarFile | None = None
        self._atomic = None
        self._count = self._bytes = 0
        self._first = ""

    def add(self, key: str, members: dict[str, bytes]) -> None:
        size = _tar_bytes(members)
        full = self._tar is not None and (
            (self.max_samples is not None and self._count >= self.max_samples)
            or (self.max_bytes is not None and self._bytes + size > self.max_bytes))
        if full:
            self.close()
        if self._tar is None:
            self._open(key)
        for name, data in members.items():
            info = tarfile.TarInfo(f"{key}.{name}")
            info.size, info.mode, info.mtime = len(data), 0o444, 0
            self._tar.addfile(info, io.BytesIO(data))
        self._count += 1
        self._bytes += size

    def _open(self, key: str) -> None:
        target = self.folder / SHARD.format(len(self.done))
        self._atomic = atomic_path(target)
        partial = self._atomic.__enter__()
        self._tar = tarfile.open(partial, "w", format=tarfile.PAX_FORMAT)
        self._count = self._bytes = 0
        self._first = key

    def close(self) -> None:
        if self._tar is None:
            return
        self._tar.close()
        self._atomic.__exit__(None, None, None)  # renames the shard into place
        name = SHARD.format(len(self.done))
        self.done.append({"name": name, "samples": self._count, "first": self._first,
                          "bytes": os.path.getsize(self.folder / name)})
        self._tar = self._atomic = None

    def abandon(self) -> None:
        """Drop the shard being written (after an error): its temporary file goes."""
        if self._tar is not None:
            self._tar.close()
            self._atomic.__exit__(ExportError, ExportError("abandoned"), None)
            self._tar = self._atomic = None


def sample_count(frames: Sequence[GroundTruthFrame], pairs: bool) -> int:
    """How many samples the export writes: a frame each, or with ``pairs`` each
    frame whose successor (frame number + 1) follows it (from the headers)."""
    if not pairs:
        return len(frames)
    numbers = [frame_number(f) for f in frames]
    return sum(1 for a, b in zip(numbers, numbers[1:], strict=False) if b == a + 1)


def _check(frames: Sequence[GroundTruthFrame], layers: tuple[str, ...] | None) -> None:
    if layers is None:
        return
    known = {o.layer for o in OUTPUTS if o.is_pass} | set(DERIVED)
    unknown = [name for name in layers if name not in known]
    if unknown:
        raise ExportError(f"{', '.join(map(repr, unknown))}: not a ground-truth layer; "
                          f"known: {', '.join(sorted(known))}")
    for frame in frames:
        missing = [name for name in layers if name not in frame_layers(frame)]
        if missing:
            raise ExportError(f"{frame.path}: has no {', '.join(map(repr, missing))} (it has: "
                              f"{', '.join(frame_layers(frame))})")


def _remove_stale(folder: Path, count: int) -> int:
    removed = 0
    for path in folder.iterdir():
        match = _SHARD_NAME.match(path.name)
        if match and int(match[1]) >= count:
            path.unlink()
            removed += 1
    return removed


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write the shards of ``frames`` (headers) beside ``path``, then the index to
    ``path`` (the driver renames it to ``webdataset.json`` last).

    Raises:
        ExportError: a layer that is not one, or that a frame lacks; no pair to write.
    """
    layers = tuple(options.layers) if options.layers is not None else None
    _check(frames, layers)
    folder = path.parent
    max_samples, max_bytes = options.shard_samples, options.shard_bytes
    if max_samples is None and max_bytes is None:
        max_bytes = DEFAULT_SHARD_BYTES
    if max_samples is None:  # at least MIN_SHARDS shards, or one a sample
        max_samples = max(1, sample_count(frames, options.pairs) // MIN_SHARDS)
    shards = _Shards(folder, max_samples, max_bytes)
    fields: dict[str, dict[str, Any]] = {}
    jobs_list = [(str(f.path), layers) for f in frames]
    try:
        with progress_bar(len(frames), "export webdataset", progress) as bar:
            def encoded():
                for item in imap(encode_frame, jobs_list, jobs):
                    bar.update()
                    yield item

            for key, members in _samples(encoded(), options.pairs):
                fields = fields or _fields(members)
                shards.add(key, members)
        shards.close()
    except BaseException:
        shards.abandon()
        raise
    if not shards.done:
        raise ExportError("no frame pairs to write: pairs need frames t and t + 1 in the "
                          "folder" if options.pairs else "no frames to write")
    removed = _remove_stale(folder, len(shards.done))
    last = len(shards.done) - 1
    index = {"format": "webdataset", "pairs": bool(options.pairs),
             "samples": sum(s["samples"] for s in shards.done),
             "url": f"shard-{{{0:06d}..{last:06d}}}.tar" if last else SHARD.format(0),
             "shards": shards.done, "fields": fields,
             "conventions": "arrays as blender_gt_addon.reader gives them: docs/conventions.md"}
    path.write_text(json.dumps(index, indent=1) + "\n")
    notes = Notes({"tar shards": len(shards.done), "samples": index["samples"],
                   "bytes in shards": sum(s["bytes"] for s in shards.done)},
                  files=[folder / s["name"] for s in shards.done])
    if removed:
        notes["older shards removed"] = removed
    return notes
