#!/usr/bin/env bash
# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Run the whole test suite on every supported Blender, one version after the other,
# each in its own environment (set up by scripts/setup.sh on first use).
#   scripts/test_all.sh [pytest options]
#   GT_VERSIONS="4.2 5.3" scripts/test_all.sh     (a subset)
# Ends with one line per version and a total; fails if any version fails.
set -uo pipefail
cd "$(dirname "$0")/.."
# Every supported version, from the one table (blender_gt_addon/versions.py).
versions="${GT_VERSIONS:-$(sed -n 's/^    BlenderVersion("\([0-9.]*\)".*/\1/p' blender_gt_addon/versions.py | tr '\n' ' ')}"
total_passed=0 total_failed=0 total_skipped=0 status=0
lines=()
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
count() {  # count WORD LINE -> the number before WORD in pytest's closing line, or 0
  local n
  n="$(grep -oE "[0-9]+ $1" <<<"$2" | grep -oE "^[0-9]+" | head -1)"
  echo "${n:-0}"
}
for version in $versions; do
  echo "=== Blender $version ==="
  start=$SECONDS
  GT_BLENDER="$version" bash scripts/test.sh "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  seconds=$((SECONDS - start))
  closing="$(grep -E "[0-9]+ (passed|failed|errors?|skipped)" "$log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')"
  passed="$(count passed "$closing")"
  failed=$(( $(count failed "$closing") + $(count error "$closing") ))  # "error" or "errors"
  skipped="$(count skipped "$closing")"
  if [ "$rc" -ne 0 ]; then
    status=1
    [ "$failed" -eq 0 ] && failed=1  # e.g. the environment could not be set up
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  lines+=("Blender $version: ${closing:-no result} (exit $rc, ${seconds} s)")
done
# Leg "no Blender" (issue 15): what `pip install .` gives, without bpy (numpy 2.x, the
# export extras, scripts/setup_reader.sh): every test not marked blender, run against
# the installed copy (pytest's own script, so the working tree is not on sys.path).
# GT_NO_BLENDER_LEG=0 skips it.
if [ "${GT_NO_BLENDER_LEG:-1}" != 0 ]; then
  echo "=== no Blender ==="
  start=$SECONDS
  { python="$(bash scripts/setup_reader.sh)" \
      && "$(dirname "$python")/pytest" -p no:cacheprovider -m "not blender" "$@"; } 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  seconds=$((SECONDS - start))
  closing="$(grep -E "[0-9]+ (passed|failed|errors?|skipped)" "$log" | tail -1 | sed 's/=//g; s/^ *//; s/ *$//')"
  passed="$(count passed "$closing")"
  failed=$(( $(count failed "$closing") + $(count error "$closing") ))
  skipped="$(count skipped "$closing")"
  if [ "$rc" -ne 0 ]; then
    status=1
    [ "$failed" -eq 0 ] && failed=1
  fi
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
  total_skipped=$((total_skipped + skipped))
  lines+=("no Blender: ${closing:-no result} (exit $rc, ${seconds} s)")
fi
echo "=== summary ==="
printf '%s\n' "${lines[@]}"
echo "total: $total_passed passed, $total_failed failed, $total_skipped skipped in $SECONDS s"
exit "$status"
