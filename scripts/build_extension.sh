#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build the installable Blender extension (blender_gt-<version>.zip) from the package
# folder with Blender's own extension tool, validate the zip with it, print its path.
#   scripts/build_extension.sh [OUTPUT_DIR]        (default: dist/)
# The tool ships inside the bpy wheel (bpy/<version>/scripts/addons_core/bl_pkg/cli/
# blender_ext.py) and runs in plain Python. It comes from the environment of
# $GT_BLENDER (4.2, 4.5 or 5.0; default 4.5), set up if needed, or from the Python
# in $GT_PYTHON if that is set (it must have bpy installed).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-dist}"
if [ -n "${GT_PYTHON:-}" ]; then
  python="$GT_PYTHON"
else
  python="$(scripts/setup.sh "${GT_BLENDER:-4.5}")"
fi
# Find the tool without importing bpy (which would start Blender).
tool="$("$python" - <<'PY'
import importlib.util, pathlib, sys
spec = importlib.util.find_spec("bpy")
if spec is None or not spec.submodule_search_locations:
    sys.exit("build_extension.sh: bpy is not installed in this Python")
found = sorted(pathlib.Path(spec.submodule_search_locations[0]).glob(
    "*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
if not found:
    sys.exit("build_extension.sh: Blender's extension tool (blender_ext.py) is not in the bpy wheel")
print(found[-1])
PY
)"
version="$(sed -n 's/^version = "\(.*\)"$/\1/p' blender_gt_addon/blender_manifest.toml)"
id="$(sed -n 's/^id = "\(.*\)"$/\1/p' blender_gt_addon/blender_manifest.toml)"
zip="$out/$id-$version.zip"
mkdir -p "$out"
rm -f "$zip"
"$python" "$tool" build --source-dir blender_gt_addon --output-filepath "$zip" >&2
"$python" "$tool" validate "$zip" >&2
echo "$(cd "$(dirname "$zip")" && pwd)/$(basename "$zip")"
