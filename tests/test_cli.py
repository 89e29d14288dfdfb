# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt info`` and ``blender-gt preview`` end to end, and the command itself."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from importlib import metadata

import numpy as np
import pytest
from cli_scenes import HEIGHT, OBJECTS, PREFIX, WIDTH, cli, exr_files, rendered

from blender_gt_addon import cli as cli_module
from blender_gt_addon import reader

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("matplotlib")

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


def _error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blender-gt: error: "), done.stderr
    return lines[0]


def _picture(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


# -------------------------------------------------------------------------- info


def test_info_json_matches_the_reader(out):
    path = out / f"{PREFIX}0002.exr"
    done = cli("info", path, "--json")
    assert done.returncode == 0, done.stderr
    info = json.loads(done.stdout)
    gt = reader.read(path)
    assert (info["width"], info["height"], info["frame"]) == (WIDTH, HEIGHT, 2)
    assert tuple(info["passes"]) == gt.passes
    assert info["bytes"] == path.stat().st_size
    depth = info["passes"]["depth"]
    finite = gt.depth[np.isfinite(gt.depth)]
    assert (depth["min"], depth["max"]) == (float(finite.min()), float(finite.max()))
    assert depth["inf_fraction"] == pytest.approx(float(np.isinf(gt.depth).mean()))
    assert info["passes"]["object_index"]["ids"] == [0, *sorted(OBJECTS.values())]
    assert info["passes"]["image"]["dtype"] == "float32"
    assert info["passes"]["vector"]["max_forward_flow"] == pytest.approx(
        float(np.hypot(gt.vector[..., 2], gt.vector[..., 3]).max()))
    np.testing.assert_allclose(info["camera"]["K"], gt.camera.K)
    assert {int(k): v for k, v in info["instances"].items()} == gt.names
    assert "Moving" in gt.names.values()


def test_info_text_of_a_folder_lists_every_frame(out):
    done = cli("info", out)
    assert done.returncode == 0, done.stderr
    for path in exr_files(out):
        assert f"{path}: {WIDTH}x{HEIGHT}, frame {reader.read(path).frame}," in done.stdout
    assert "nothing hit (inf) on" in done.stdout
    assert "camera persp: fx 88.8889" in done.stdout  # 50 mm / 36 mm x 64 px
    assert "instances: " in done.stdout and "Moving" in done.stdout


# ----------------------------------------------------------------------- preview


def test_preview_of_one_file_is_a_picture_of_every_output(out, tmp_path):
    png = tmp_path / "one.png"
    done = cli("preview", out / f"{PREFIX}0002.exr", "-o", png)
    assert done.returncode == 0, done.stderr
    assert f"wrote 1 preview: {png}" in done.stdout
    pixels = _picture(png)
    # preview.save_preview: tiles of at least 2.4 inches at 100 dpi, 4 to a row, 2 rows.
    height, width = pixels.shape[:2]
    assert width >= 4 * 240 and height >= 2 * 240 * HEIGHT / WIDTH
    assert len(np.unique(pixels.reshape(-1, 3), axis=0)) > 100  # not blank
    assert pixels.std() > 20


def test_preview_of_a_folder_is_one_picture_a_frame(out, tmp_path):
    done = cli("preview", out, "-o", tmp_path / "pv", "--jobs", "2")
    assert done.returncode == 0, done.stderr
    pngs = sorted((tmp_path / "pv").glob("*.png"))
    assert [p.stem for p in pngs] == [p.stem for p in exr_files(out)]
    first, last = _picture(pngs[0]), _picture(pngs[-1])
    assert first.shape == last.shape
    assert not np.array_equal(first, last)  # the cube moved
    assert done.stdout.startswith(f"wrote {len(pngs)} previews")


def test_contact_sheet_has_a_row_a_frame_and_a_column_an_output(out, tmp_path):
    png = tmp_path / "sheet.png"
    done = cli("preview", out, "-o", png)
    assert done.returncode == 0, done.stderr
    assert f"wrote contact sheet {png}" in done.stdout
    frames = [reader.read(p) for p in exr_files(out)]
    sheet = _picture(png)
    # 128 px wide thumbnails (64 px enlarged), 96 px of labels, 22 px of header, 4 px gaps.
    columns, rows = len(frames[0].passes), len(frames)
    assert sheet.shape[1] == 96 + columns * (128 + 4)
    assert sheet.shape[0] == 22 + rows * (96 + 4)
    # The object index column: the picture's colours follow the ids pixel for pixel.
    col = frames[0].passes.index("object_index")
    for r, gt in enumerate(frames):
        tile = sheet[22 + r * 100: 22 + r * 100 + 96, 96 + col * 132: 96 + col * 132 + 128]
        ids = np.kron(gt.object_index, np.ones((2, 2), dtype=int))  # enlarged x 2
        for value in np.unique(ids):
            colours = np.unique(tile[ids == value], axis=0)
            assert len(colours) == 1, value  # one colour per id
        background = tile[ids == 0][0]
        assert tuple(background) == (0, 0, 0)


def test_preview_errors_are_one_line(out, tmp_path):
    line = _error(cli("preview", tmp_path / "nope.exr", "-o", tmp_path / "x.png"))
    assert "nope.exr: no such file or folder" in line
    bad = tmp_path / "bad.exr"
    bad.write_bytes(b"not an exr at all")
    line = _error(cli("preview", bad, "-o", tmp_path / "x.png"))
    assert "bad.exr: not an OpenEXR file" in line
    cut = tmp_path / f"{PREFIX}0001.exr"
    cut.write_bytes((out / f"{PREFIX}0001.exr").read_bytes()[:2000])
    line = _error(cli("preview", cut, "-o", tmp_path / "y.png"))
    assert "damaged" in line


# ------------------------------------------------------------------ the command


def test_info_errors_are_one_line(out, tmp_path):
    line = _error(cli("info", tmp_path / "missing.exr"))
    assert "missing.exr: no such file" in line
    empty = tmp_path / "empty.exr"
    empty.write_bytes(b"")
    assert "an empty file" in _error(cli("info", empty))
    shutil.copy(out / f"{PREFIX}0001.exr", tmp_path / "x_0001.exr")
    shutil.copy(out / f"{PREFIX}0001.exr", tmp_path / "y_0001.exr")
    assert "several file prefixes" in _error(cli("info", tmp_path))


def test_bad_command_lines_are_one_line():
    assert "invalid choice: 'frobnicate'" in _error(cli("frobnicate"))
    assert "required: -o/--output" in _error(cli("preview", "x.exr"))
    assert "required" in _error(cli())


def test_help_and_version(tmp_path):
    done = cli("--help")
    assert done.returncode == 0
    for command in ("info", "preview", "export", "render"):
        assert command in done.stdout
    done = cli("export", "--help")
    assert "kitti-depth" in done.stdout and "hdf5-sequence" in done.stdout
    done = cli("--version")
    assert done.returncode == 0 and done.stdout.startswith("blender-gt ")


def test_console_script_is_declared_and_runs(out):
    scripts = {e.name: e.value for e in metadata.entry_points(group="console_scripts")}
    if "blender-gt" not in scripts:
        pytest.skip("the package is installed without its console script; reinstall it")
    assert scripts["blender-gt"] == "blender_gt_addon.cli:main"
    exe = shutil.which("blender-gt") or str(
        __import__("pathlib").Path(sys.executable).with_name("blender-gt"))
    done = subprocess.run([exe, "info", "--header-only", out / f"{PREFIX}0001.exr"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "frame 1" in done.stdout


def test_main_returns_exit_codes_without_exiting(out, capsys):
    assert cli_module.main(["info", "--header-only", str(out / f"{PREFIX}0003.exr")]) == 0
    assert "frame 3" in capsys.readouterr().out
    assert cli_module.main(["info", str(out / "nope.exr")]) == 1
    assert capsys.readouterr().err.startswith("blender-gt: error: ")
