# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Files that attack what the reader does around the decoder (issue 24), for the
regression tests (tests/reader/test_reader_promise.py) and the fuzzing of the new
families (:mod:`fuzz_families`). No Blender.

Every file starts from tests/data/analytic_0002.exr (a real 64x48 frame of the
add-on, every output, a frame record with four objects and a camera), rewritten
through the openexr package with its header attributes changed:

- :func:`ours`: the frame with some header attributes replaced or removed, or
  some channels dropped;
- :func:`multipart`: its layers split over two parts, one of another size;
- :func:`tiled_levels`: a valid mip- or rip-mapped tiled file, written byte by byte
  (the openexr package writes only level 0 of such files);
- :func:`deep`: a deep scanline file (the package writes those).
"""

from __future__ import annotations

import base64
import json
import struct
import zlib
from pathlib import Path

import numpy as np
import OpenEXR

ANALYTIC = Path(__file__).resolve().parents[1] / "data" / "analytic_0002.exr"
FRAME_KEY = "blender-gt/frame"
STEREO_KEY = "blender-gt/stereo"
AMODAL_KEY = "blender-gt/amodal"
MANIFEST_KEY = "cryptomatte/5635860/manifest"
# Structural attributes the package sets from the arrays it writes.
_STRUCTURE = ("channels", "dataWindow", "displayWindow", "type", "tiles", "chunkCount")

_cache: dict = {}


def analytic() -> tuple[dict, dict[str, np.ndarray]]:
    """(header without the structural attributes, channel name -> (48, 64) array)."""
    if not _cache:
        exr = OpenEXR.File(str(ANALYTIC), separate_channels=True)
        part = exr.parts[0]
        _cache["header"] = {k: v for k, v in part.header.items() if k not in _STRUCTURE}
        _cache["planes"] = {n: np.array(c.pixels) for n, c in part.channels.items()}
    return dict(_cache["header"]), dict(_cache["planes"])


def record() -> dict:
    """The analytic frame's frame record (a new copy to change)."""
    return json.loads(analytic()[0][FRAME_KEY])


def keypoints_record() -> list:
    """A valid ``"keypoints"`` entry of the frame record: two sets, on objects of the
    analytic frame, one with a skeleton."""
    return [{"object": "Back", "bodies": ["Back"], "names": ["a", "b", "c"],
             "skeleton": [[0, 1], [1, 2]],
             "world": [[0.0, 0.0, -10.0], [1.0, 0.5, -10.0], [-1.0, -0.5, -10.0]]},
            {"object": "Tilted", "bodies": [], "names": ["tip"], "skeleton": [],
             "world": [[0.5, 0.2, -6.0]]}]


def stereo_record(name: str) -> dict:
    """A valid stereo record of the left view ``name`` (its right view: ``R`` for ``L``)."""
    return {"v": 1, "view": "left", "baseline": 0.065, "pivot": "LEFT",
            "files": {"left": name, "right": name.replace("L", "R") or "r.exr"}}


def shutter_record(rolling: bool = True) -> dict:
    """A valid motion-blur shutter entry for the analytic frame (48 rows): the frame
    record's scene at the opening and the closing, with ``rolling`` a rolling shutter
    with a camera and a pose of object "Back" per row."""
    frame = record()
    entry = {"position": "CENTER", "length": 0.5, "time": 2.0, "open": 1.75, "close": 2.25,
             "curve": [[0.0, 1.0], [1.0, 1.0]],
             "at_open": {**frame, "time": 1.75}, "at_close": {**frame, "time": 2.25}}
    if rolling:
        camera = np.asarray(frame["camera"]["world_to_camera"], dtype=np.float64)
        back = next(o for o in frame["objects"] if o["name"] == "Back")["object_to_world"]
        entry["rolling"] = {"type": "TOP", "duration": 0.0,
                            "world_to_camera": [camera.tolist()] * 48,
                            "objects": {"Back": [back] * 48},
                            "depth_world_to_camera": camera.tolist()}
    return entry


def amodal_record(masks: list[dict] | None = None, frame: int = 2,
                  size: tuple[int, int] = (64, 48)) -> str:
    """An amodal record text; default: one valid 4x3 mask of object "Back"."""
    if masks is None:
        bits = np.packbits(np.ones((3, 4), bool), axis=1).tobytes()
        masks = [{"name": "Back", "box": [10, 10, 14, 13],
                  "bits": base64.b64encode(zlib.compress(bits)).decode()}]
    return json.dumps({"v": 1, "frame": frame, "size": list(size), "margin": list(size),
                       "masks": masks})


def bomb(box: list[int], inflated: int) -> dict:
    """A mask whose bits inflate to ``inflated`` zero bytes (a few kB of zlib)."""
    squeezer = zlib.compressobj(9)
    chunk = bytes(1 << 20)
    out = []
    for _ in range(inflated >> 20):
        out.append(squeezer.compress(chunk))
    out.append(squeezer.compress(bytes(inflated & ((1 << 20) - 1))))
    out.append(squeezer.flush())
    return {"name": "Back", "box": box, "bits": base64.b64encode(b"".join(out)).decode()}


def ours(path: Path, codec: str = "ZIP", drop_channels: tuple[str, ...] = (),
         **attributes) -> Path:
    """The analytic frame written to ``path`` with header ``attributes`` replaced (a
    value of ``None`` removes the attribute; names with ``/`` as ``a__b`` are not
    needed: pass them in a dict as ``attributes={"blender-gt/frame": ...}``) and the
    channels whose names start with one of ``drop_channels`` left out."""
    header, planes = analytic()
    extra = attributes.pop("attributes", {})
    for key, value in {**attributes, **extra}.items():
        if value is None:
            header.pop(key, None)
        else:
            header[key] = value
    header["compression"] = getattr(OpenEXR, f"{codec}_COMPRESSION")
    header["type"] = OpenEXR.scanlineimage
    planes = {n: p for n, p in planes.items() if not n.startswith(drop_channels)}
    OpenEXR.File(header, planes).write(str(path))
    return path


def multipart(path: Path, second: tuple[int, int] = (20, 10),
              second_layers: tuple[str, ...] = ("depth",)) -> Path:
    """The analytic frame in two parts: ``second_layers`` in a part of ``second``
    (width, height) pixels, the rest in the first (64x48)."""
    header, planes = analytic()
    header["compression"] = OpenEXR.ZIP_COMPRESSION
    first = {n: p for n, p in planes.items() if not n.startswith(second_layers)}
    w, h = second
    other = {n: np.resize(p, (h, w)).astype(p.dtype) for n, p in planes.items()
             if n.startswith(second_layers)}
    OpenEXR.File([OpenEXR.Part({**header, "type": OpenEXR.scanlineimage}, first, "gt"),
                  OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION,
                                "type": OpenEXR.scanlineimage,
                                "displayWindow": ((0, 0), (63, 47)),  # parts share it
                                "dataWindow": ((0, 0), (w - 1, h - 1))},
                               other, "more")]).write(str(path))
    return path


def deep(path: Path, width: int = 64, height: int = 48, samples: int = 3) -> Path:
    """A deep scanline file of our ``depth`` and ``image`` layers, ``samples`` a pixel."""
    header = dict(analytic()[0])
    header.update(compression=OpenEXR.ZIPS_COMPRESSION, type=OpenEXR.deepscanline)
    planes = {}
    for name in ("depth.V", "image.R", "image.G", "image.B", "image.A"):
        cells = np.empty((height, width), dtype=object)
        for y in range(height):
            for x in range(width):
                cells[y, x] = np.full(samples, 1.0 + x, np.float32)
        planes[name] = cells
    OpenEXR.File(header, planes).write(str(path))
    return path


def _attribute(name: str, kind: str, value: bytes) -> bytes:
    return name.encode() + b"\0" + kind.encode() + b"\0" + struct.pack("<i", len(value)) + value


def tiled_levels(path: Path, mode: str = "MIPMAP", size: int = 16, tile: int = 8,
                 extra: dict[str, str] | None = None) -> Path:
    """A valid NO_COMPRESSION tiled file of ``size`` x ``size`` pixels with a
    ``depth.V`` float channel in every level of ``mode`` (``"MIPMAP"`` or
    ``"RIPMAP"``, levels rounded down), written byte by byte as the OpenEXR file
    layout says; ``extra``: string attributes (e.g. the frame record)."""
    channels = _attribute("channels", "chlist", b"depth.V\0" + struct.pack("<iB3xii", 2, 0, 1, 1)
                          + b"\0")
    window = struct.pack("<iiii", 0, 0, size - 1, size - 1)
    level_mode = {"MIPMAP": 1, "RIPMAP": 2}[mode]
    head = [channels, _attribute("compression", "compression", b"\0"),
            _attribute("dataWindow", "box2i", window),
            _attribute("displayWindow", "box2i", window),
            _attribute("lineOrder", "lineOrder", b"\0"),
            _attribute("pixelAspectRatio", "float", struct.pack("<f", 1.0)),
            _attribute("screenWindowCenter", "v2f", struct.pack("<ff", 0, 0)),
            _attribute("screenWindowWidth", "float", struct.pack("<f", 1.0)),
            _attribute("tiles", "tiledesc", struct.pack("<IIB", tile, tile, level_mode))]
    for key, value in (extra or {}).items():
        head.append(_attribute(key, "string", value.encode()))
    header = b"\x76\x2f\x31\x01" + struct.pack("<i", 2 | 0x200) + b"".join(head) + b"\0"
    count = size.bit_length()  # levels of size, size/2, ..., 1 (rounded down)
    levels = ([(lv, lv) for lv in range(count)] if mode == "MIPMAP"
              else [(lx, ly) for ly in range(count) for lx in range(count)])
    tiles = []
    for lx, ly in levels:
        lw, lh = max(1, size >> lx), max(1, size >> ly)
        for dy in range(-(-lh // tile)):
            for dx in range(-(-lw // tile)):
                tw, th = min(tile, lw - dx * tile), min(tile, lh - dy * tile)
                data = np.full((th, tw), 2.0 + lx + ly, "<f4").tobytes()
                tiles.append(struct.pack("<iiiii", dx, dy, lx, ly, len(data)) + data)
    offset = len(header) + 8 * len(tiles)
    table = []
    for each in tiles:
        table.append(struct.pack("<Q", offset))
        offset += len(each)
    path.write_bytes(header + b"".join(table) + b"".join(tiles))
    return path


def read_digest(path: str) -> str:
    """sha1 of the frame's depth and instance ids, read in this process (a worker of a
    process pool: the function a pool of each start method runs)."""
    import hashlib

    from blender_gt_addon import reader

    gt = reader.read(path)
    digest = hashlib.sha1(np.ascontiguousarray(gt.depth).tobytes())
    digest.update(np.ascontiguousarray(gt.instance_id).tobytes())
    return digest.hexdigest()
