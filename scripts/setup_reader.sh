#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Make (or refresh) the bpy-free environment .venvs/reader and print its python:
# what a user gets from `pip install .` (the reader and the converters: numpy 2.x,
# openexr, the export extras), plus the test tools. No bpy, no torch.
#   scripts/setup_reader.sh
# The package is installed as a copy (not editable) and reinstalled on every call,
# so the tests run against what `pip install .` installs, not the working tree.
# The interpreter: $GT_PYTHON_3_11, else python3.11 or python3 if it is 3.11+.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=".venvs/reader"
stamp="$venv/.blender-gt-setup"
# The test tools (what the [test] extra lists, without bpy and torch).
tools="pytest pytest-timeout hypothesis pycocotools plyfile webdataset pycolmap matplotlib"
want="reader $(sha1sum pyproject.toml | cut -c1-12) $tools"
if [ ! -x "$venv/bin/python" ]; then
  base="${GT_PYTHON_3_11:-$(command -v python3.11 || command -v python3)}"
  echo "Creating $venv with $base (no Blender)" >&2
  "$base" -m venv "$venv"
fi
pip=("$venv/bin/python" -m pip --disable-pip-version-check --quiet)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  # shellcheck disable=SC2086  # one word a package
  "${pip[@]}" install ".[export]" $tools >&2
  echo "$want" > "$stamp"
fi
# The package itself, as this working tree has it now (dependencies already there).
"${pip[@]}" install --no-deps --force-reinstall . >&2
if "$venv/bin/python" -c "import bpy" 2>/dev/null; then
  echo "setup_reader.sh: bpy is importable in $venv; this environment must not have it" >&2
  exit 2
fi
echo "$PWD/$venv/bin/python"
