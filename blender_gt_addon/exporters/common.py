# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every exporter shares: finding and opening the input files, creating folders,
writing files atomically, the arrays of a frame, 16-bit PNGs, and the result of an
export. No ``bpy`` here; numpy and the reader only (Pillow when a PNG is written).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import reader
from ..reader import GroundTruthError, GroundTruthFrame
from ..sequence import frame_array, frame_files, frame_layers, quiet_native_stderr

__all__ = [
    "ExportError",
    "ExportResult",
    "Notes",
    "Options",
    "atomic_path",
    "file_size",
    "frame_number",
    "human_bytes",
    "layers_of",
    "make_folder",
    "open_all",
    "partial_path",
    "source_paths",
    "write_png16",
]


class ExportError(GroundTruthError):
    """The export cannot be done as asked (bad format, output or input)."""


class Notes(dict):
    """What a whole-folder writer returns: ``{what: count}`` for the summary (a dict),
    and :attr:`files`, the files it wrote besides its target (pictures, masks, shards,
    other json), in the order written, so the result counts every file and byte."""

    def __init__(self, notes=(), files=()):
        super().__init__(notes)
        self.files: list[Path] = [Path(p) for p in files]


@dataclass(frozen=True)
class Options:
    """The options of one export, as every writer receives them (picklable).

    ``ids``: where id formats take the ids from, ``"object_index"`` (the objects'
    pass index) or ``"instance_id"`` (every object its own id, from Cryptomatte);
    ``object_names``: ``{object index: name}`` for formats that name categories;
    ``fuse``: one file for all frames instead of one a frame (``ply``);
    ``models``: a folder of BOP models ``obj_NNNNNN.ply`` in mm (``bop``);
    ``amodal_masks``: also write the full silhouettes, occlusion ignored (``bop``);
    ``depth_scale``: mm per step of a 16-bit depth PNG (``bop``);
    ``layers``: the layers to write, ``None`` for every one (``webdataset``);
    ``pairs``: a sample per frame pair t, t + 1 instead of per frame (``webdataset``);
    ``shard_samples``, ``shard_bytes``: the most samples, or bytes, in a shard
    (``webdataset``); ``points_per_frame``: about how many depth pixels become 3D
    points a frame (``colmap``). Which options a format takes is in its registry row; the
    driver refuses others.
    """

    ids: str = "object_index"
    object_names: Mapping[int, str] = field(default_factory=dict)
    fuse: bool = False
    models: str | None = None
    amodal_masks: bool = False
    depth_scale: float = 1.0
    layers: tuple[str, ...] | None = None
    pairs: bool = False
    shard_samples: int | None = None
    shard_bytes: int | None = None
    points_per_frame: int = 2000


def source_paths(
        source: str | os.PathLike[str] | Iterable[str | os.PathLike[str]]) -> list[Path]:
    """The EXR files of a folder (in frame order), of one file, or of a list of files.

    Raises:
        GroundTruthError: the path does not exist, the folder holds no frames, or the
            list is empty.
    """
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


def open_all(paths: Sequence[Path]) -> list[GroundTruthFrame]:
    """Every file's header (no pixels decoded), so a bad file fails before any work."""
    with quiet_native_stderr():
        return [reader.read(p) for p in paths]


def file_size(path: Path) -> int:
    """Bytes of ``path``, 0 when it cannot be read."""
    try:
        return path.stat().st_size
    except OSError:
        return 0


def human_bytes(n: float) -> str:
    """``697 B``, ``3.1 KB``, ``16.2 MB``: powers of 1024, one decimal above bytes."""
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} B"  # pragma: no cover


def make_folder(path: Path) -> None:
    """Create ``path`` (and its parents) if needed; it must end up a writable folder.

    Raises:
        ExportError: ``path`` is a file, cannot be created, or is not writable.
    """
    if path.exists() and not path.is_dir():
        raise ExportError(f"{path}: exists and is not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{path}: cannot create the folder ({exc.strerror})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise ExportError(f"{path}: folder is not writable")


def partial_path(target: Path) -> Path:
    """Where ``target`` is written before it is complete: a hidden file beside it,
    ``.<stem>.partial-<pid><suffix>``. The suffix is kept, so libraries that choose
    the format by it (Pillow, numpy's ``savez``) still do; the process id keeps
    workers writing at the same time apart."""
    return target.with_name(f".{target.stem}.partial-{os.getpid()}{target.suffix}")


@contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Write to the yielded temporary path; it becomes ``target`` when the block ends
    without an error (``os.replace``, atomic on one file system), and is removed
    when it raises. So ``target`` is never a cut file, only the old one or the new."""
    target = Path(target)
    temporary = partial_path(target)
    try:
        yield temporary
        os.replace(temporary, target)
    finally:
        if temporary.exists():
            temporary.unlink()


def layers_of(frame: GroundTruthFrame) -> dict[str, np.ndarray]:
    """Every array to export of ``frame``, by name.

    The reader's arrays (each pass as its attribute gives it, e.g. unit normals),
    ``flow`` (forward, (H, W, 2) float32 pixels, x right, y down) and ``instance_id``
    (:func:`..sequence.frame_array`), ``instance_names`` (str, ``[i - 1]`` names
    instance id i, "" for unused ids), and with a camera ``K`` (3x3, OpenCV) and
    ``world_to_camera`` (4x4, OpenCV axes), float64.
    """
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


def frame_number(frame: GroundTruthFrame) -> int:
    """The frame number, -1 when the file does not say."""
    return frame.frame if frame.frame is not None else -1


def write_png16(path: Path, array: np.ndarray) -> None:
    """A 16-bit grey PNG of an (H, W) array of 0..65535 (Pillow, no optimisation)."""
    from PIL import Image

    Image.fromarray(np.ascontiguousarray(array, dtype=np.uint16)).save(path, optimize=False)


@dataclass
class ExportResult:
    """What :func:`~blender_gt_addon.exporters.export` wrote.

    ``files``: the files written (one a frame, or a whole-folder format's target and
    then every other file it wrote beside it); ``bytes``: their total
    size; ``seconds``: wall time; ``notes``: ``{what: count}`` of things worth saying
    (e.g. depth pixels out of a format's range).
    """

    format: str
    frames: int
    files: list[Path] = field(default_factory=list)
    bytes: int = 0
    seconds: float = 0.0
    notes: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: ``exported 4 frames as coco: 1 file, 3.1 KB, in coco.json (...)``."""
        where = self.files[0] if len(self.files) == 1 else (
            self.files[0].parent if self.files else "")
        if str(where) == ".":  # files in the current folder: say so, not "in ."
            where = "./"
        size = human_bytes(self.bytes)
        rate = f", {self.frames / self.seconds:.1f} frames/s" if self.seconds > 0 else ""
        text = (f"exported {self.frames} frame{'s' if self.frames != 1 else ''} as "
                f"{self.format}: {len(self.files)} file{'s' if len(self.files) != 1 else ''}, "
                f"{size}, in {where} ({self.seconds:.1f} s{rate})")
        for what, count in self.notes.items():
            text += f"; {count} {what}"
        return text
