# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The CI leg of the reader's structured fuzzing (issue 21): a short deterministic run
of tests/helpers/fuzz_structured.py, then the same under AddressSanitizer. No Blender.

Every file is read through both decoding paths in a child process (one at a time,
capped address space, a time limit a file): nothing but GroundTruthError escapes,
no child crashes or hangs, and both paths read the same arrays or refuse with the
same words (but for the damaged HTJ2K chunks OpenEXR itself decodes differently
from one read to the next). Run only in the leg without Blender (scripts/test_all.sh, "no Blender"),
not once per Blender version: the decoders are the same in every leg.
``GT_FUZZ_FILES`` sets the files of the plain run (the AddressSanitizer run reads
half as many); the long run is benchmarks/fuzz_reader.py (docs/reader-safety.md).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import fuzz_families as ff
import fuzz_structured as fs
import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = int(os.environ.get("GT_FUZZ_FILES", "4000"))
# Files of the families around the decoder (issue 24: the add-on's header records,
# multi-part, deep, multi-level, memory pressure, threads and pools).
FAMILY_FILES = int(os.environ.get("GT_FUZZ_FAMILY_FILES", "300"))
SEED = 21  # fixed: the same files on every run

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("bpy") is not None,
    reason="the reader's fuzzing runs in the leg without Blender (the same decoders)")


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("fuzz-seeds")
    fs.write_seeds(folder)
    return folder


def check(result: dict, files: int) -> None:
    print("\nfuzz:", json.dumps({k: v for k, v in result.items() if k != "by_mutation"},
                                indent=1))
    assert not result["crashes"], result["crashes"]
    assert not result["problems"], result["problems"][:5]
    # The one known exception (docs/reader-safety.md, "Known limits"): a damaged HTJ2K
    # chunk that OpenEXR decodes one way or the other from read to read. Another codec
    # doing so would be new, and fails here.
    assert all("htj2k" in u["seed file"] for u in result["unstable"]), result["unstable"]
    assert len(result["unstable"]) <= files // 500, result["unstable"]
    outcomes = result["outcomes"]
    assert sum(outcomes.values()) == files
    assert set(outcomes) - {"read"} and all(o.startswith("refused: ") for o in outcomes
                                            if o != "read")
    # The mutations reach the decoders, not only the header checks; the huge claims
    # reach the width limit and the budget; every mutation was made.
    assert outcomes.get("read", 0) > files // 20
    damaged = sum(n for o, n in outcomes.items() if "(pixels" in o)
    assert damaged > files // 10
    assert any("rows wider than the reader's limit" in o for o in outcomes)
    assert set(result["by_mutation"]) == set(fs.MUTATIONS)
    assert result["native decoder"] is not None  # the native path was really compared


def test_structured_fuzzing_both_paths_agree(seeds, tmp_path, record_property):
    result = fs.run(seeds, tmp_path / "run", SEED, FILES, memory_mb=3072, batch=2000)
    record_property("fuzz", result)
    check(result, FILES)
    assert result["max_rss_mb"] < 1024  # no file made a child balloon under its cap


def _asan_runtime() -> list[str] | None:
    gcc = shutil.which("gcc")
    if gcc is None:
        return None
    found = [subprocess.run([gcc, f"-print-file-name={name}"], capture_output=True,
                            text=True).stdout.strip() for name in ("libasan.so", "libstdc++.so.6")]
    return found if all(os.path.isabs(p) and os.path.exists(p) for p in found) else None


def test_structured_fuzzing_under_address_sanitizer(seeds, tmp_path, record_property):
    runtime = _asan_runtime()
    if runtime is None:
        pytest.skip("no gcc with AddressSanitizer here")
    built = subprocess.run(["bash", str(ROOT / "scripts" / "build_asan.sh"), sys.executable,
                            str(tmp_path / "asan")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    env = {"LD_PRELOAD": ":".join(runtime), "GT_FUZZ_KERNELS": built.stdout.strip(),
           "ASAN_OPTIONS": "detect_leaks=0:allocator_may_return_null=1:"
                           "max_allocation_size_mb=4096:exitcode=23",
           "GT_READER_MAX_BYTES": str(2_000_000_000)}
    files = FILES // 2
    result = fs.run(seeds, tmp_path / "run", SEED + 1, files, memory_mb=0, env=env,
                    batch=files)
    record_property("fuzz under AddressSanitizer", result)
    assert result["kernels"] == env["GT_FUZZ_KERNELS"]  # the sanitized build was loaded
    check(result, files)


def check_families(result: dict, files: int) -> None:
    print("\nfamilies:", json.dumps({k: v for k, v in result.items() if k != "by_mutation"},
                                     indent=1))
    assert not result["crashes"], result["crashes"]
    assert not result["problems"], result["problems"][:5]
    outcomes = result["outcomes"]
    assert sum(n for o, n in outcomes.items() if o not in ("read again", "differs")) == files
    # Nothing but read or refused (GroundTruthError naming the file) on either path.
    assert all(o in ("read", "read again") or o.startswith("refused: ") for o in outcomes)
    assert outcomes.get("read", 0) > files // 50
    assert set(result["by_mutation"]) == set(ff.FAMILIES)  # every family was made
    assert outcomes.get("read again", 0) >= 2  # threads and pools re-read the files
    assert result["native decoder"] is not None


def test_families_around_the_decoder_both_paths_agree(tmp_path, record_property):
    result = fs.run(tmp_path, tmp_path / "run", SEED, FAMILY_FILES, memory_mb=3072,
                    batch=FAMILY_FILES, script=ff.__file__)
    record_property("fuzz families", result)
    check_families(result, FAMILY_FILES)
    assert result["max_rss_mb"] < 1536


def test_families_around_the_decoder_under_address_sanitizer(tmp_path, record_property):
    runtime = _asan_runtime()
    if runtime is None:
        pytest.skip("no gcc with AddressSanitizer here")
    built = subprocess.run(["bash", str(ROOT / "scripts" / "build_asan.sh"), sys.executable,
                            str(tmp_path / "asan")], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr[-3000:]
    env = {"LD_PRELOAD": ":".join(runtime), "GT_FUZZ_KERNELS": built.stdout.strip(),
           "ASAN_OPTIONS": "detect_leaks=0:allocator_may_return_null=1:"
                           "max_allocation_size_mb=4096:exitcode=23",
           "GT_READER_MAX_BYTES": str(2_000_000_000)}
    files = FAMILY_FILES // 2
    result = fs.run(tmp_path, tmp_path / "run", SEED + 1, files, memory_mb=0, env=env,
                    batch=files, script=ff.__file__)
    record_property("fuzz families under AddressSanitizer", result)
    assert result["kernels"] == env["GT_FUZZ_KERNELS"]
    check_families(result, files)
