# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The registry of formats drives the command line and the driver; no Blender needed."""

from __future__ import annotations

import argparse
import dataclasses
import sys
from importlib import metadata

import pytest

from blender_gt_addon import cli, export
from blender_gt_addon.exporters import registry
from blender_gt_addon.outputs import OUTPUTS_BY_LAYER


def _export_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return sub.choices["export"]


def _action(parser: argparse.ArgumentParser, option: str) -> argparse.Action:
    return next(a for a in parser._actions if option in a.option_strings)


def test_every_format_is_a_to_choice_with_its_help():
    parser = _export_parser(cli._parser())
    assert _action(parser, "--to").choices == list(registry.EXPORTERS)
    text = parser.format_help()
    for name, row in registry.EXPORTERS.items():
        assert f"  {name:14s} {row.help}" in text
    ids = _action(parser, "--ids")
    assert ids.choices == list(registry.ID_SOURCES)
    for name, row in registry.EXPORTERS.items():
        assert (name in " ".join(ids.help.split())) == ("ids" in row.options), name
    whole = [name for name, row in registry.EXPORTERS.items() if not row.per_frame]
    assert whole and all(name in text.split("OUT is a folder")[1] for name in whole)


def test_a_new_row_is_a_new_choice(monkeypatch):
    row = registry.Exporter("depth-npy", "one .npy a frame: planar depth",
                            lambda frame, path, options: {}, suffix=".npy", needs="depth")
    monkeypatch.setitem(registry.EXPORTERS, row.name, row)
    parser = _export_parser(cli._parser())
    assert "depth-npy" in _action(parser, "--to").choices
    assert "one .npy a frame: planar depth" in parser.format_help()
    assert registry.get("depth-npy") is row


def test_rows_are_complete():
    extras = {}
    for requirement in metadata.requires("blender-gt") or []:
        if "extra ==" in requirement:
            package, extra = requirement.split(";")
            name = package.split(">")[0].split("=")[0].strip().lower()
            extras.setdefault(extra.split("==")[1].strip().strip('"'), set()).add(name)
    pip_name = {"PIL": "pillow", "png": "pypng"}
    for name, row in registry.EXPORTERS.items():
        assert row.name == name and row.help and callable(row.write)
        if row.per_frame:
            assert row.suffix.startswith(".") and len(row.suffix) > 1, name
        else:
            assert "." in row.suffix and "/" not in row.suffix, name
        assert row.needs is None or row.needs in OUTPUTS_BY_LAYER, name
        assert set(row.options) <= set(registry.OPTIONS), name
        for module in row.modules:  # the extra named does install the module
            assert pip_name.get(module, module).lower() in extras[row.extra], (name, module)
    assert set(registry.ID_SOURCES.values()) <= set(OUTPUTS_BY_LAYER)
    assert export.FORMATS == {n: r.help for n, r in registry.EXPORTERS.items()}


def test_unknown_format_names_the_known_ones(tmp_path, capsys):
    with pytest.raises(export.ExportError) as caught:
        export.export(tmp_path, "tiff", tmp_path / "x")
    for name in registry.EXPORTERS:
        assert name in str(caught.value)
    assert "'tiff'" in str(caught.value)
    with pytest.raises(SystemExit) as exited:
        cli.main(["export", str(tmp_path), "--to", "tiff", "-o", str(tmp_path / "x")])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("blender-gt: error: ") and len(err.strip().splitlines()) == 1
    assert "'tiff'" in err
    for name in registry.EXPORTERS:
        assert name in err


def test_unknown_id_source_names_the_known_ones(tmp_path):
    with pytest.raises(export.ExportError, match="object_index, instance_id"):
        export.export(tmp_path, "coco", tmp_path / "x", ids="pass_index")


@pytest.mark.parametrize("fmt", [n for n, r in registry.EXPORTERS.items() if r.modules])
def test_a_missing_package_is_one_line_with_the_install_hint(fmt, tmp_path, monkeypatch,
                                                               capsys):
    row = registry.EXPORTERS[fmt]
    for module in row.modules:
        monkeypatch.setitem(sys.modules, module, None)  # import raises ModuleNotFoundError
    code = cli.main(["export", str(tmp_path), "--to", fmt, "-o", str(tmp_path / "x")])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip() == (f"blender-gt: error: export needs the Python package "
                           f"{row.modules[0]!r}: pip install 'blender-gt[{row.extra}]'")
    assert not (tmp_path / "x").exists()  # checked before any work


def test_rows_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        registry.EXPORTERS["npz"].suffix = ".zip"  # type: ignore[misc]
