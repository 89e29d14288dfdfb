# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the exporter tests: what an export must hold, running ``blender-gt
export``, reading a PNG header by hand, one-line errors."""

from __future__ import annotations

import struct
import zlib

import numpy as np
from cli_scenes import cli

ALL = ("image", "depth", "normal", "vector", "emission", "object_index", "material_index",
       "cryptomatte_object")


def forward(gt) -> np.ndarray:
    """Forward flow by docs/conventions.md: (-vector[..., 2], +vector[..., 3])."""
    return np.stack([-gt.vector[..., 2], gt.vector[..., 3]], axis=-1)


def expected(gt) -> dict[str, np.ndarray]:
    """What an export of ``gt`` must hold: the reader's attributes (``get`` for the
    Cryptomatte pass, which has none), forward flow, instance ids and names, camera."""
    arrays = {layer: gt.get(layer) if layer == "cryptomatte_object" else getattr(gt, layer)
              for layer in ALL}
    arrays["flow"] = forward(gt)
    arrays["instance_id"] = gt.instance_id
    arrays["instance_names"] = np.array([gt.names[i] for i in sorted(gt.names)])
    arrays["K"] = gt.camera.K
    arrays["world_to_camera"] = gt.camera.world_to_camera
    return arrays


def run_export(src, fmt, dst, *extra) -> str:
    done = cli("export", src, "--to", fmt, "-o", dst, *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def png_header(path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) straight from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    return width, height, depth, colour


def one_line_error(done) -> str:
    """The one ``blender-gt: error: ...`` line of a failed command."""
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blender-gt: error: "), done.stderr
    return lines[0]
