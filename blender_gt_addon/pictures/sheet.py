# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pictures of many frames (``blender-gt preview``): one preview PNG a frame
(:func:`preview_frames`) and a contact sheet, a row per frame and a column per
output (:func:`contact_sheet`). No ``bpy`` here; Pillow for the sheet, matplotlib
for the previews and the depth and id colours.

Colours are those of :mod:`.colour`, each frame on its own scale (depth from its
nearest to its farthest finite depth, flow rim = its longest motion).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from .. import reader
from ..conventions import forward_flow
from ..exporters.common import make_folder, open_all, source_paths
from ..outputs import OUTPUTS_BY_LAYER
from ..reader import GroundTruthError, GroundTruthFrame
from ..reader.layouts import conventions_of
from ..sequence import parallel_map
from . import colour

__all__ = ["contact_sheet", "preview_frames"]

# Column titles of the sheet, where the user's word differs from the layer's.
_COLUMN_TITLES = {"cryptomatte_object": "instance_id", "vector": "flow (forward)"}


def _preview_one(job: tuple[str, str, str | None]) -> str:
    from . import preview

    path, png, title = job
    return str(preview.save_preview(reader.read(path), png, title))


def preview_frames(source, out: str | os.PathLike[str], *, jobs: int | None = None,
                   progress: bool = False) -> list[Path]:
    """One preview PNG a frame (:func:`~blender_gt_addon.pictures.preview.save_preview`).

    ``source`` is a file (``out`` is then the PNG, or a folder to put ``<stem>.png`` in)
    or a folder or list of files (``out`` is a folder; one ``<stem>.png`` a frame).
    """
    paths = source_paths(source)
    is_file = isinstance(source, (str, os.PathLike)) and not Path(source).is_dir()
    out = Path(out)
    frames = open_all(paths)  # headers: fail early on a bad file
    for frame in frames:
        if not frame.passes:
            raise GroundTruthError(f"{frame.path}: holds no ground-truth outputs to preview")
    if is_file and not out.is_dir() and out.suffix.lower() == ".png":
        make_folder(out.parent)
        targets = [out]
    else:
        make_folder(out)
        targets = [out / f"{p.stem}.png" for p in paths]
    jobs_list = [(str(p), str(t), None) for p, t in zip(paths, targets, strict=True)]
    done = parallel_map(_preview_one, jobs_list, jobs=jobs, progress=progress,
                        desc="preview")
    return [Path(p) for p in done]


def _thumbnail(frame: GroundTruthFrame, layer: str) -> np.ndarray:
    """(H, W, 3) uint8 picture of one layer, coloured as the preview draws it."""
    data = frame.instance_id if layer == "cryptomatte_object" else frame.get(layer)
    layer = conventions_of(layer)  # rolling_depth is drawn as depth
    if layer in ("image", "crisp_image", "emission"):
        return colour.to_uint8(colour.display(data))
    if layer == "normal":
        return colour.to_uint8(colour.normals_to_rgb(data))
    if layer == "depth":
        # matplotlib's bins, as the preview figure (drawn by matplotlib) has them.
        return colour.depth_to_rgb(data, bins="matplotlib")
    if layer == "vector":
        return colour.flow_to_color(forward_flow(data))
    return colour.ids_to_rgb(data)


def _sheet_row(path: str) -> tuple[int | None, list[str], list[np.ndarray]]:
    frame = reader.read(path)
    layers = list(frame.passes)
    return frame.frame, layers, [_thumbnail(frame, layer) for layer in layers]


def contact_sheet(source, out_png: str | os.PathLike[str], *, max_frames: int = 64,
                  jobs: int | None = None, progress: bool = False) -> Path:
    """One PNG with a row per frame and a column per output (``blender-gt preview -o X.png``).

    Colours as in :mod:`.colour` (depth and flow scaled per frame). More than
    ``max_frames`` frames are thinned evenly, first and last kept.
    """
    from PIL import Image, ImageDraw

    paths = source_paths(source)
    frames = open_all(paths)
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
        title = _COLUMN_TITLES.get(layer, layer)
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
    make_folder(out.parent)
    sheet.save(out)
    return out
