# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The export driver (``blender-gt export``): check the request and every input header,
then run the format's writer, a frame a worker process or once for the folder, with
a progress bar, and say what was written. Formats come from :mod:`.registry`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

from .. import reader
from ..sequence import parallel_map
from . import registry
from .common import (
    ExportError,
    ExportResult,
    Options,
    atomic_path,
    file_size,
    make_folder,
    open_all,
    source_paths,
)

__all__ = ["export"]


def _single_output(out: Path, suffix: str) -> Path:
    """The file a whole-folder format writes: ``out``, or ``out/<suffix>`` when
    ``out`` is a folder or a new name without a suffix."""
    if out.is_dir() or (not out.exists() and not out.suffix):
        make_folder(out)
        return out / suffix
    make_folder(out.parent)
    return out


def _export_frame(job: tuple[str, str, str, Options]) -> dict[str, Any]:
    """Convert one file (in a worker process). Returns what was written."""
    fmt, src, dst, options = job
    frame = reader.read(src)
    out = Path(dst)
    with atomic_path(out) as partial:
        notes = registry.get(fmt).write(frame, partial, options)
    return {"path": str(out), "bytes": file_size(out), "notes": notes}


def export(source, fmt: str, out: str | os.PathLike[str], *, jobs: int | None = None,
           progress: bool = False, object_names: Mapping[int, str] | None = None,
           ids: str = "object_index", **format_options: Any) -> ExportResult:
    """Convert ground-truth files to ``fmt`` (one of :data:`.registry.FORMATS`).

    Every file is written under a temporary name and renamed when complete, so an
    interrupted export leaves no cut files.

    Parameters:
        source: a folder of frames, one file, or a list of files.
        fmt: the format; see :mod:`blender_gt_addon.exporters`.
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
        format_options: the other fields of :class:`.common.Options` (``fuse``,
            ``models``, ``amodal_masks``, ``depth_scale``), for the formats whose
            row lists them; a format refuses an option it does not take.

    Raises:
        GroundTruthError: a bad format, input or output; the message says which.
        ModuleNotFoundError: the format needs a package that is not installed
            (:attr:`.registry.Exporter.extra` installs it).
    """
    row = registry.get(fmt)
    if ids not in registry.ID_SOURCES:
        raise ExportError(f"unknown id source {ids!r}; choose one of: "
                          f"{', '.join(registry.ID_SOURCES)}")
    row.check_installed()
    known = [f.name for f in fields(Options) if f.name not in ("ids", "object_names")]
    unknown = sorted(set(format_options) - set(known))
    if unknown:
        raise ExportError(f"unknown export option {', '.join(unknown)}; known: "
                          f"{', '.join(known)}")
    options = Options(ids=ids, object_names=dict(object_names or {}), **format_options)
    row.check_options(options)
    write, per_frame, suffix = row.plan(options)
    started = time.perf_counter()
    paths = source_paths(source)
    frames = open_all(paths)  # every header, before any work: fail early
    need = row.needed_layer(options)
    for frame in frames:
        if need and need not in frame.passes:
            has = ", ".join(frame.passes) or "no outputs"
            raise ExportError(f"{frame.path}: has no {need!r} output, which {fmt} needs "
                              f"(it has: {has})")
        if not frame.passes:
            raise ExportError(f"{frame.path}: holds no ground-truth outputs")
    out = Path(out)
    result = ExportResult(fmt, len(frames))
    if not per_frame:
        target = _single_output(out, suffix)
        with atomic_path(target) as partial:
            notes = write(frames, partial, options, jobs, progress)
        result.notes.update(notes)
        # The target, then whatever else the writer wrote (images, masks, shards).
        result.files = [target, *(p for p in getattr(notes, "files", ()) if p != target)]
    else:
        make_folder(out)
        jobs_list = [(fmt, str(p), str(out / (p.stem + suffix)), options) for p in paths]
        for done in parallel_map(_export_frame, jobs_list, jobs=jobs, progress=progress,
                                 desc=f"export {fmt}"):
            result.files.append(Path(done["path"]))
            for what, count in done["notes"].items():
                result.notes[what] = result.notes.get(what, 0) + count
    result.bytes = sum(file_size(p) for p in result.files)
    result.seconds = time.perf_counter() - started
    return result
