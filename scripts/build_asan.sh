#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Build the reader's C module (_kernels: _kernels.c, _rows.c, _exrread.c) with
# AddressSanitizer, for the fuzzing harness (benchmarks/fuzz_reader.py --asan,
# docs/reader-safety.md). Out of the source tree: the installed and in-tree modules
# are never replaced, so a failed build breaks nobody's tests.
#   scripts/build_asan.sh [PYTHON] [OUT_DIR]     (default: .venvs/reader/bin/python, build/asan)
# Prints the module's path. To load it into a normal Python, preload the sanitizer's
# runtime (the interpreter is not built with it):
#   LD_PRELOAD="$(gcc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 \
#     GT_FUZZ_KERNELS=<printed path> python ...
# OpenEXR's Core itself (in the openexr package's module) is not instrumented: what
# AddressSanitizer checks is this module's own memory accesses, and the bounds of
# every heap block (numpy's arrays, the scratch) wherever the writes come from that
# go through intercepted calls (memcpy, memset).
set -euo pipefail
cd "$(dirname "$0")/.."
python="${1:-.venvs/reader/bin/python}"
out="${2:-build/asan}"
cc="${CC:-gcc}"
include="$("$python" -c "import sysconfig; print(sysconfig.get_paths()['include'])")"
suffix="$("$python" -c "import sysconfig; print(sysconfig.get_config_var('EXT_SUFFIX'))")"
mkdir -p "$out"
target="$out/_kernels$suffix"
# The same flags as setup.py (no fused multiply-adds: numpy's rounding), plus the
# sanitizer, frame pointers and debug lines for its reports.
"$cc" -shared -fPIC -O1 -g -fsanitize=address -fno-omit-frame-pointer \
  -ffp-contract=off -fno-math-errno -fno-trapping-math -pthread \
  -I"$include" -Iblender_gt_addon/reader -Ithird_party/openexr_core \
  blender_gt_addon/reader/_kernels.c blender_gt_addon/reader/_rows.c \
  blender_gt_addon/reader/_exrread.c -o "$target.tmp"
mv -f "$target.tmp" "$target"
realpath "$target"
