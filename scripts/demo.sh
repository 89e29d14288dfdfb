#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# The main job: set up, render the built-in demo scene headless through the add-on,
# read the ground truth back and write a preview picture.
#   scripts/demo.sh [--out DIR] [other options of python -m blender_gt_addon.demo]
set -euo pipefail
cd "$(dirname "$0")/.."
python="$(scripts/setup.sh)"
exec "$python" -m blender_gt_addon.demo "$@"
