#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Make (or reuse) the virtual environment for one Blender version and print its python.
#   scripts/setup.sh [4.2|4.5|5.0|5.1|5.2|5.3]
# With no version: $GT_BLENDER, else the newest LTS that this machine's Pythons can run
# (5.2 where Python 3.13 is found, else 4.5).
# Each Blender version needs its own Python: the bpy wheels of 4.2, 4.5 and 5.0 are
# built for Python 3.11, those of 5.1, 5.2 and 5.3 for Python 3.13. The interpreter is
# looked for on PATH (python3.11 / python3.13, or python3 if it is that version), then
# through pyenv; $GT_PYTHON_3_11 / $GT_PYTHON_3_13 name one explicitly.
# Everything comes from the package registries: the bpy wheel (Blender as a Python
# module, ~1 GB), openexr, numpy, matplotlib, pytest. Nothing else is needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# python_for X.Y -> path of a Python X.Y interpreter, or nothing
python_for() {
  local want="$1" var="GT_PYTHON_${1/./_}" candidate root
  if [ -n "${!var:-}" ]; then echo "${!var}"; return; fi
  for candidate in "python$want" python3; do
    if command -v "$candidate" >/dev/null 2>&1 \
       && [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$want" ]; then
      command -v "$candidate"; return
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root)"
    for candidate in $(ls -d "$root/versions/$want".* 2>/dev/null | sort -V -r); do
      if [ -x "$candidate/bin/python$want" ]; then echo "$candidate/bin/python$want"; return; fi
    done
  fi
}

python_version_of() {  # the Python that Blender X.Y's bpy wheel is built for
  case "$1" in
    4.2|4.5|5.0) echo 3.11 ;;
    5.1|5.2|5.3) echo 3.13 ;;
    *) echo "setup.sh: unknown Blender version '$1' (choose 4.2, 4.5, 5.0, 5.1, 5.2 or 5.3)" >&2
       exit 2 ;;
  esac
}

version="${1:-${GT_BLENDER:-}}"
if [ -z "$version" ]; then
  if [ -n "$(python_for 3.13)" ]; then version=5.2; else version=4.5; fi
fi
pyver="$(python_version_of "$version")"
venv=".venvs/bpy-$version"
stamp="$venv/.blender-gt-setup"
# Reinstalled when the project's build files change (the editable install compiles
# the reader's C kernels into the source tree).
want="bpy==$version.* $(cat pyproject.toml setup.py blender_gt_addon/reader/_*.[ch] | sha1sum | cut -c1-12)"
if [ ! -x "$venv/bin/python" ]; then
  base="$(python_for "$pyver")"
  if [ -z "$base" ]; then
    echo "setup.sh: Blender $version needs Python $pyver; no python$pyver found on PATH or through pyenv (or set GT_PYTHON_${pyver/./_})" >&2
    exit 2
  fi
  echo "Creating $venv with $base (Blender $version as a Python module; the first time takes a few minutes)" >&2
  "$base" -m venv "$venv"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    "bpy==$version.*" -e ".[test,preview]" >&2
  echo "$want" > "$stamp"
fi
echo "$PWD/$venv/bin/python"
