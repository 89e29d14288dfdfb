# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Frames a second through PyTorch's DataLoader, from EXR folders and from WebDataset
shards, at 640x480 and 1920x1080 (issue 14), and what a sample costs in each form.

    .venvs/bpy-4.5/bin/python benchmarks/bench_dataloader.py [--frames 8] [--data DIR]

Renders (once, kept in ``--data``) a sequence at each size with every output (1
sample: the content does not change decoding), exports it with ``blender-gt export
--to webdataset``, then for 0, 1 and 2 workers (fork) times one epoch of
``batch_size=None`` items after a warm-up epoch (persistent workers), reading
``image, depth, normal, flow, instance_id``:

- EXR: ``open_sequence(folder).dataset(LAYERS)``, each frame decoded by the reader;
- shards: ``webdataset.WebDataset(url).decode()``, each worker its own shards.

The item list is the folder's frames repeated to at least ``--items`` items, so
that an epoch lasts long enough to time. Also prints, for one frame, the bytes and
the decode time of the sample's arrays as uncompressed ``.npy`` (what the shards
hold), as zlib-compressed ``.npz`` and as the EXR file itself (the reader).
Needs torch (the Python 3.11 environments).
"""

from __future__ import annotations

import io
import json
import statistics
import time
from pathlib import Path

import common
import numpy as np

from blender_gt_addon import reader
from blender_gt_addon.exporters import export
from blender_gt_addon.reader.dataset import GroundTruthDataset

LAYERS = ["image", "depth", "normal", "flow", "instance_id"]
SIZES = {"640x480": (640, 480), "1920x1080": (1920, 1080)}
WORKERS = (0, 1, 2)


def sequence(data: Path, size: str, frames: int, rerender: bool) -> Path:
    folder = data / f"dataloader_{size}_{frames}f"
    if rerender or len(list(folder.glob("*.exr"))) < frames:
        width, height = SIZES[size]
        print(f"rendering {frames} frames at {size} into {folder} ...", flush=True)
        facts = common.run_job("render_sequence", directory=str(folder), width=width,
                               height=height, samples=1, frames=frames)
        print(f"  {facts['seconds']:.0f} s with Blender {facts['blender']}", flush=True)
    return folder


def shards(folder: Path, rerender: bool) -> tuple[list[str], int]:
    out = folder.parent / (folder.name + "_wds")
    if rerender or not (out / "webdataset.json").exists():
        export(folder, "webdataset", out, layers=tuple(LAYERS), shard_samples=2)
    index = json.loads((out / "webdataset.json").read_text())
    return [str(out / s["name"]) for s in index["shards"]], index["samples"]


def epoch_rate(make_loader, items: int) -> float:
    """Items a second over one epoch, after a warm-up epoch (workers started)."""
    loader = make_loader()
    for _ in loader:  # warm-up: workers start, files come into the page cache
        pass
    started = time.perf_counter()
    count = sum(1 for _ in loader)
    seconds = time.perf_counter() - started
    assert count == items, (count, items)
    return count / seconds


def loaders(folder: Path, urls: list[str], repeats: int):
    import webdataset as wds
    from torch.utils.data import DataLoader

    files = reader.open_sequence(folder)
    listed = list(zip(files.frames, files.paths, strict=True)) * repeats
    exr = GroundTruthDataset(listed, LAYERS)

    def from_exr(workers: int):
        return lambda: DataLoader(exr, batch_size=None, num_workers=workers,
                                  persistent_workers=workers > 0, timeout=600 if workers else 0)

    def from_shards(workers: int):
        dataset = wds.WebDataset(urls * repeats, shardshuffle=False,
                                 workersplitter=wds.split_by_worker).decode()
        return lambda: DataLoader(dataset, batch_size=None, num_workers=workers,
                                  persistent_workers=workers > 0, timeout=600 if workers else 0)

    return {"EXR folder": from_exr, "WebDataset shards": from_shards}, len(listed)


def sample_forms(folder: Path, rounds: int = 7) -> list[str]:
    """Bytes and decode time of one frame's arrays: .npy, compressed .npz, the EXR."""
    path = reader.open_sequence(folder).paths[0]
    frame = reader.read(path)
    arrays = GroundTruthDataset([(0, path)], LAYERS)[0]
    arrays = {k: arrays[k] for k in LAYERS}
    npy = {}
    for name, array in arrays.items():
        stream = io.BytesIO()
        np.save(stream, array)
        npy[name] = stream.getvalue()
    stream = io.BytesIO()
    np.savez_compressed(stream, **arrays)
    npz = stream.getvalue()

    def from_npy():
        return {k: np.load(io.BytesIO(v)) for k, v in npy.items()}

    def from_npz():
        with np.load(io.BytesIO(npz)) as z:
            return {k: z[k] for k in z.files}

    def from_exr():
        return GroundTruthDataset([(0, path)], LAYERS)[0]

    times = common.rounds({"npy": from_npy, "npz": from_npz, "exr": from_exr}, rounds)
    sizes = {"npy": sum(map(len, npy.values())), "npz": len(npz),
             "exr": path.stat().st_size}
    label = {"npy": ".npy, uncompressed (the shards)", "npz": ".npz, zlib (savez_compressed)",
             "exr": "the EXR, through the reader"}
    return [f"| {frame.width}x{frame.height} | {label[k]} | {sizes[k] / 2**20:.1f} MB | "
            f"{common.ms(statistics.median(times[k]))} |" for k in ("npy", "npz", "exr")]


def main() -> int:
    p = common.parser(__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=8, help="frames rendered at each size")
    p.add_argument("--items", type=int, default=48, help="least items in a timed epoch")
    args = p.parse_args()
    print(common.machine())
    rows, forms = [], []
    for size in SIZES:
        folder = sequence(args.data, size, args.frames, args.rerender)
        urls, samples = shards(folder, args.rerender)
        repeats = max(1, -(-args.items // samples))
        if size == "1920x1080":
            repeats = max(1, repeats // 3)  # an epoch of 1080p frames is long enough
        makers, items = loaders(folder, urls, repeats)
        for source, maker in makers.items():
            rates = [epoch_rate(maker(w), items) for w in WORKERS]
            rows.append(f"| {size} | {source} | " + " | ".join(f"{r:.1f}" for r in rates)
                        + f" | {items} |")
            print(rows[-1], flush=True)
        forms += sample_forms(folder)
        for line in forms[-3:]:
            print(line, flush=True)
    print("\nframes a second through DataLoader(batch_size=None), layers "
          f"{', '.join(LAYERS)}; 0, 1, 2 workers (fork)")
    print("| size | from | 0 workers | 1 worker | 2 workers | items an epoch |")
    print("|---|---|---|---|---|---|")
    print("\n".join(rows))
    print("\none frame's arrays: bytes and decode time (median)")
    print("| size | form | bytes | decode |")
    print("|---|---|---|---|")
    print("\n".join(forms))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
