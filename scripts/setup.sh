#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Make (or reuse) the virtual environment for one Blender version and print its python.
#   scripts/setup.sh [4.2|4.5|5.0]      (default: $GT_BLENDER or 4.5)
# Everything comes from the package registries: the bpy wheel (Blender as a Python
# module, ~1 GB), openexr, numpy, matplotlib, pytest. Nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."
version="${1:-${GT_BLENDER:-4.5}}"
case "$version" in
  4.2|4.5|5.0) ;;
  *) echo "setup.sh: unknown Blender version '$version' (choose 4.2, 4.5 or 5.0)" >&2; exit 2 ;;
esac
venv=".venvs/bpy-$version"
stamp="$venv/.blender-gt-setup"
want="bpy==$version.* $(sha1sum pyproject.toml | cut -c1-12)"
if [ ! -x "$venv/bin/python" ]; then
  echo "Creating $venv (Blender $version as a Python module; the first time takes a few minutes)" >&2
  python3 -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "bpy==$version.*" -e ".[test,preview]" >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/$venv/bin/python"
