# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``hdf5``: one ``.h5`` a frame, the arrays of ``npz`` (keypoints included) as datasets,
chunked and gzip-compressed. Exact. Also the HDF5 pieces :mod:`.hdf5_sequence` shares.

File attributes: ``frame`` (-1 when the file does not say), ``source`` (the EXR
file) and ``conventions`` (:data:`H5_NOTE`). Needs h5py.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..reader import GroundTruthFrame
from ..reader.keypoints import keypoint_arrays
from .common import Options, frame_number, layers_of

H5_NOTE = ("blender-gt ground truth; arrays as blender_gt_addon.reader's attributes "
           "give them (docs/conventions.md); 'flow' is forward flow (dx, dy) in pixels, "
           "y down; 'instance_names'[i - 1] names instance id i; 'K' and "
           "'world_to_camera' in OpenCV conventions")


def h5_options(shape: tuple[int, ...], frame_axis: bool) -> dict[str, Any]:
    """Chunks and gzip for images: tiles of up to 256 x 256 pixels (of one frame when
    the first axis is frames); small arrays (cameras, names) are stored plainly."""
    image = shape[1:] if frame_axis else shape
    if len(image) < 2 or image[0] * image[1] < 64:
        return {}
    tile = (min(image[0], 256), min(image[1], 256), *image[2:])
    chunks = (1, *tile) if frame_axis else tile
    return {"chunks": chunks, "compression": "gzip", "compression_opts": 4, "shuffle": True}


def h5_dtype(array: np.ndarray):
    """The HDF5 dtype of ``array``: variable-length UTF-8 for strings, else its own."""
    import h5py

    return h5py.string_dtype() if array.dtype.kind == "U" else array.dtype


def h5_data(array: np.ndarray) -> np.ndarray:
    """``array`` as h5py stores it (numpy strings as Python objects)."""
    return array.astype(object) if array.dtype.kind == "U" else array


def write(frame: GroundTruthFrame, path: Path, options: Options) -> dict[str, int]:
    """Write ``frame`` to ``path`` (an HDF5 file)."""
    import h5py

    with h5py.File(path, "w") as h5:
        h5.attrs["frame"] = frame_number(frame)
        h5.attrs["source"] = str(frame.path)
        h5.attrs["conventions"] = H5_NOTE
        for name, array in {**layers_of(frame), **keypoint_arrays(frame)}.items():
            h5.create_dataset(name, data=h5_data(array), dtype=h5_dtype(array),
                              **h5_options(array.shape, False))
    return {}
