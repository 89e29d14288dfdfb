# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Synthetic sequences for the streaming tests (WebDataset shards, PyTorch's
DataLoader): EXR files written directly with OpenEXR, no ``bpy``.

Frame ``n`` of :func:`write_sequence` (``gt_<n:04d>.exr``, ``W`` x ``H`` pixels):

- ``image.RGBA``: R = column / W, G = row / H, B = n / 100, A = 1 (float32);
- ``depth.V``: ``n + column / 8`` (scene units), 1e10 (read as ``inf``) in column 0;
- ``vector.XYZW``: (0, 0, -n / 10, +n / 20) everywhere, so forward flow is
  (n / 10, n / 20) pixels (docs/conventions.md);
- ``object_index.V``: ``(row + column + n) % 5``;
- the ``blender-gt/frame`` record: a camera 3 units behind the origin, moved
  ``n / 10`` along x (OpenCV axes), fx = fy = 30, principal point at the centre.

Every value depends on ``n``, so a sample paired with the wrong frame fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

SIZE = (32, 24)  # width, height
FOCAL = 30.0


def camera_of(n: int, size: tuple[int, int] = SIZE):
    from blender_gt_addon.camera import Camera

    w, h = size
    K = np.array([[FOCAL, 0.0, (w - 1) / 2], [0.0, FOCAL, (h - 1) / 2], [0.0, 0.0, 1.0]])
    w2c = np.eye(4)
    w2c[:3, 3] = (-n / 10, 0.0, 3.0)
    return Camera(K=K, world_to_camera=w2c, width=w, height=h, clip_start=0.1,
                  clip_end=100.0)


def write_frame(path: Path, n: int, size: tuple[int, int] = SIZE) -> None:
    """Frame ``n`` as the module docstring says, into ``path``."""
    import OpenEXR

    from blender_gt_addon import frame_record

    w, h = size
    rows, cols = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = n + cols / 8
    depth[:, 0] = 1e10
    channels = {"image.R": cols / w, "image.G": rows / h,
                "image.B": np.full((h, w), n / 100, np.float32),
                "image.A": np.ones((h, w), np.float32), "depth.V": depth}
    for c, value in zip("XYZW", (0.0, 0.0, -n / 10, n / 20), strict=True):
        channels[f"vector.{c}"] = np.full((h, w), value, np.float32)
    channels["object_index.V"] = ((rows + cols + n) % 5).astype(np.float32)
    channels = {k: np.ascontiguousarray(v, dtype=np.float32) for k, v in channels.items()}
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": f"{n:04d}", frame_record.KEY: frame_record.encode(n, camera_of(n, size))}
    OpenEXR.File(header, channels).write(str(path))


def write_sequence(folder: Path, frames=range(1, 7), size: tuple[int, int] = SIZE) -> Path:
    """``gt_<n:04d>.exr`` for each ``n`` in ``frames``, in ``folder`` (created)."""
    folder.mkdir(parents=True, exist_ok=True)
    for n in frames:
        write_frame(folder / f"gt_{n:04d}.exr", n, size)
    return folder


# ------------------------------------------------ DataLoader workers (torch tests)


class Tagged:
    """The items of a map dataset, each with ``"worker"`` (the DataLoader worker id
    that decoded it, -1 in the main process) and ``"pid"``. Defined here, in a module
    spawned workers can import, so that it pickles by reference."""

    def __init__(self, dataset):
        self.dataset = dataset

    def __len__(self) -> int:
        return len(self.dataset)

    def __getitem__(self, index: int) -> dict:
        return tag(dict(self.dataset[index]))


def tag(sample: dict) -> dict:
    """``sample`` with the worker that made it (``"worker"``, ``"pid"``)."""
    import os

    from torch.utils.data import get_worker_info

    info = get_worker_info()
    sample["worker"] = -1 if info is None else info.id
    sample["pid"] = os.getpid()
    return sample
