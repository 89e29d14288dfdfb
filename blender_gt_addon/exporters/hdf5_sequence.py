# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``hdf5-sequence``: one ``.h5`` for all frames. Exact.

Each array of ``npz`` becomes an (N, H, W[, C]) dataset chunked one frame at a time
(gzip), plus ``frame`` (N,) int64 frame numbers (-1 when a file does not say) and
``source`` (N,) the EXR file names. ``instance_names`` is padded with "" to the
longest list of the sequence. Every frame must have one size and the same outputs.
Frames are decoded in worker processes and written in order. Needs h5py.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .. import reader
from ..reader import GroundTruthFrame
from ..sequence import imap, progress_bar
from .common import ExportError, Options, frame_number, layers_of
from .hdf5 import H5_NOTE, h5_data, h5_dtype, h5_options


def _frame_arrays(path: str) -> dict[str, np.ndarray]:
    return layers_of(reader.read(path))


def _check_alike(frames: list[GroundTruthFrame]) -> None:
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


def write(frames: list[GroundTruthFrame], path: Path, options: Options,
          jobs: int | None, progress: bool) -> dict[str, int]:
    """Write every frame of ``frames`` (headers) into the one file ``path``."""
    import h5py

    _check_alike(frames)
    first, n = frames[0], len(frames)
    with h5py.File(path, "w") as h5, progress_bar(n, "export hdf5", progress) as bar:
        h5.attrs["conventions"] = H5_NOTE
        h5.create_dataset("frame", data=np.array([frame_number(f) for f in frames],
                                                 dtype=np.int64))
        h5.create_dataset("source", data=[f.path.name for f in frames],
                          dtype=h5py.string_dtype())
        datasets = {}
        # Names differ in number between frames: pad each frame's list with "".
        most_names = max((len(f.names) for f in frames), default=0) \
            if "cryptomatte_object" in first.passes else 0
        for i, arrays in enumerate(imap(_frame_arrays, [str(f.path) for f in frames], jobs)):
            for name, array in arrays.items():
                if name == "instance_names":
                    array = np.concatenate([array, np.full(most_names - len(array), "")])
                if name not in datasets:
                    shape = (n, *array.shape)
                    datasets[name] = h5.create_dataset(
                        name, shape=shape, dtype=h5_dtype(array), **h5_options(shape, True))
                datasets[name][i] = h5_data(array)
            bar.update()
    return {}
