#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Set up and run the whole test suite against one Blender version.
#   scripts/test.sh [pytest options]            (the newest LTS this machine can run)
#   GT_BLENDER=5.3 scripts/test.sh              (4.2, 4.5, 5.0, 5.1, 5.2 or 5.3)
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(scripts/setup.sh ${GT_BLENDER:+"$GT_BLENDER"})"
# Fail early and plainly if Blender itself cannot be imported, instead of
# letting every Blender test fail or be skipped.
"$python" - <<'PY'
import importlib.util, sys
if importlib.util.find_spec("bpy") is None:
    sys.exit("test.sh: bpy is not installed in this environment")
PY
exec "$python" -m pytest -p no:cacheprovider "$@"
