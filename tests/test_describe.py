# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``describe``: what a file holds (``blender-gt info``; the text of our files is tested in
test_cli), and files of other tools."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import OpenEXR
import pytest
from cli_scenes import PREFIX, rendered
from geometry import HEIGHT, WIDTH

from blender_gt_addon import export, reader
from blender_gt_addon.cli import main
from blender_gt_addon.describe import describe, text


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


def test_describe_is_still_export_describe():
    assert export.describe is describe


@pytest.mark.blender
def test_info_header_only_decodes_no_pixels(out, monkeypatch):
    decoded = []
    original = reader.GroundTruthFrame._decoded
    monkeypatch.setattr(reader.GroundTruthFrame, "_decoded",
                        lambda self: decoded.append(self.path) or original(self))
    info = describe(out / f"{PREFIX}0001.exr", ranges=False)
    assert decoded == []
    assert "min" not in info["passes"]["depth"] and info["frame"] == 1
    describe(out / f"{PREFIX}0001.exr", ranges=True)
    assert len(decoded) >= 1


# -- Files of other tools: layers and channels, and where read_pass helps -----------


def _plain_exr(path: Path) -> Path:
    """An OpenEXR written by OpenEXR's own writer: RGBA half, Z float, one layered channel."""
    channels = {c: np.full((4, 5), v, np.float16)
                for c, v in zip("RGBA", (0.5, 0.25, 1, 1), strict=True)}
    channels["Z"] = np.arange(20, dtype=np.float32).reshape(4, 5)
    channels["cam.P.x"] = np.full((4, 5), -2.0, np.float32)
    OpenEXR.File({"compression": OpenEXR.PIZ_COMPRESSION, "type": OpenEXR.scanlineimage},
                 channels).write(str(path))
    return path


def test_a_file_of_another_tool_lists_its_layers_and_channels(tmp_path):
    info = describe(_plain_exr(tmp_path / "plain.exr"))
    assert info["passes"] == {}
    layers = info["foreign"]["layers"]
    assert set(layers) == {"", "cam.P"}
    assert (layers[""]["width"], layers[""]["height"]) == (5, 4)
    by_name = {c["name"]: c for c in layers[""]["channels"]}
    assert sorted(by_name) == ["A", "B", "G", "R", "Z"]
    assert by_name["R"] == {"name": "R", "dtype": "float16", "min": 0.5, "max": 0.5}
    assert by_name["Z"] == {"name": "Z", "dtype": "float32", "min": 0.0, "max": 19.0}
    assert layers["cam.P"]["channels"] == [{"name": "x", "dtype": "float32", "min": -2.0,
                                            "max": -2.0}]
    # read_pass's channel sets that the bare channels hold (R G B A and Z).
    assert info["foreign"]["read_pass"] == ["depth", "index", "normal", "vector", "emission",
                                            "image"]
    shown = text(info)
    first = shown.splitlines()[0]
    assert "0 outputs" not in shown and "not a blender-gt file: 2 layers, 6 channels" in first
    assert "(no layer)         A B G R Z 4x5 float16 A B G R, float32 Z  0 .. 19" in shown
    assert "cam.P              x         4x5 float32  -2 .. -2" in shown
    assert "reader.read_pass(path, kind), kind one of: depth, index" in shown


def test_a_foreign_file_header_only_decodes_no_pixels(tmp_path, monkeypatch):
    path = _plain_exr(tmp_path / "plain.exr")
    decoded = []
    monkeypatch.setattr(reader.GroundTruthFrame, "_decoded",
                        lambda self: decoded.append(self.path) or {})
    info = describe(path, ranges=False)
    assert decoded == []
    assert info["foreign"]["layers"]["cam.P"]["channels"] == [{"name": "x"}]


def test_a_foreign_file_with_no_channel_set_of_read_pass_points_to_openexr(tmp_path, capsys):
    path = tmp_path / "layered.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                 {"cam.P.x": np.zeros((3, 3), np.float32),
                  "cam.P.y": np.ones((3, 3), np.float32)}).write(str(path))
    assert main(["info", str(path)]) == 0
    out = capsys.readouterr().out
    assert "1 layer, 2 channels" in out and "cam.P              x y" in out
    assert "read these layers with OpenEXR itself" in out
    assert main(["info", str(path), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["foreign"]["read_pass"] == []


def test_our_files_have_no_foreign_part(tmp_path):
    path = tmp_path / "gt_0003.exr"
    OpenEXR.File({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
                  "Frame": "3"}, {"depth.V": np.full((2, 3), 4.0, np.float32)}).write(str(path))
    info = describe(path)
    assert "foreign" not in info and list(info["passes"]) == ["depth"]
    assert text(info).splitlines()[0].endswith("3x2, frame 3, 1 outputs, "
                                               f"{info['bytes']} B, ZIP")


@pytest.mark.blender
def test_blenders_single_pass_output_lists_its_channels(run_job, tmp_path_factory, capsys):
    out = tmp_path_factory.mktemp("foreign")
    run_job("scenes:render_foreign", directory=str(out))
    depth = sorted((out / "single").glob("Depth*.exr"))[0]
    info = describe(depth)
    (layer,) = info["foreign"]["layers"].values()
    assert (layer["width"], layer["height"]) == (WIDTH, HEIGHT)
    assert "depth" in info["foreign"]["read_pass"]
    # The channel read_pass takes depth from holds the scene's depths (5 to 10, 1e10 far).
    assert any(c["max"] == pytest.approx(1e10, rel=1e-6) and c["min"] >= 4.9
               for c in layer["channels"])
    assert main(["info", str(depth)]) == 0
    assert "reader.read_pass(path, kind)" in capsys.readouterr().out
