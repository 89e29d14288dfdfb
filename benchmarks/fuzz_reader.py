# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The long fuzzing run of the reader's two decoding paths (issue 21; the short one
runs in CI: tests/fuzz/test_fuzz_reader.py). No Blender.

    .venvs/reader/bin/python benchmarks/fuzz_reader.py --files 100000 [--seed 1]
        [--asan] [--work DIR] [--memory-mb 3072] [--batch 2000]

Structured mutations of files in the add-on's layout (tests/helpers/fuzz_structured.py:
every codec, data windows and huge claims, subsampling, pixel types, chunk tables and
leaders, truncation, bits), each read through the native decoder and through the
openexr package's planes in a child process, one child at a time, with a time limit a
file. It reports the outcomes, every disagreement of the two paths and every crash
(kept as WORK/crash-SEED-INDEX.exr: a new regression test for tests/fuzz/), and
exits 1 if there was any.

``--families``: the families around the decoder instead (issue 24,
tests/helpers/fuzz_families.py: the add-on's header records mutated, multi-part files
of other sizes, deep and mip/rip-mapped files, a child short of memory, the files read
again from threads and from process pools of each start method).

``--asan``: the C module built with AddressSanitizer (scripts/build_asan.sh, built
here when missing) is loaded in the children instead of the installed one, with the
sanitizer's runtime preloaded; their address space is then not capped (the shadow
memory needs terabytes of it), and the reader's own budget (GT_READER_MAX_BYTES, 2 GB
here) and the sanitizer's largest allocation (4 GiB) keep the memory in check. A
report of the sanitizer ends the child with a non-zero exit: a crash.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "helpers"))

import fuzz_families  # noqa: E402
import fuzz_structured  # noqa: E402


def asan_environment(python: str) -> dict[str, str]:
    """The children's environment for the AddressSanitizer build of the C module."""
    built = subprocess.run(["bash", str(ROOT / "scripts" / "build_asan.sh"), python],
                           capture_output=True, text=True, check=True).stdout.strip()
    runtime = [subprocess.run(["gcc", f"-print-file-name={name}"], capture_output=True,
                              text=True, check=True).stdout.strip()
               for name in ("libasan.so", "libstdc++.so.6")]
    # libstdc++ preloaded too: the sanitizer intercepts __cxa_throw (OpenEXR's C++
    # exceptions) and needs the real one at start-up.
    return {"LD_PRELOAD": ":".join(runtime), "GT_FUZZ_KERNELS": built,
            "ASAN_OPTIONS": "detect_leaks=0:allocator_may_return_null=1:"
                            "max_allocation_size_mb=4096:abort_on_error=0:exitcode=23",
            "GT_READER_MAX_BYTES": str(2_000_000_000)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--asan", action="store_true")
    parser.add_argument("--families", action="store_true",
                        help="the families around the decoder (issue 24, "
                             "tests/helpers/fuzz_families.py) instead of the structured "
                             "mutations of the pixel data")
    parser.add_argument("--work", type=Path, default=None)
    parser.add_argument("--memory-mb", type=int, default=3072,
                        help="address-space cap of a child (not with --asan)")
    parser.add_argument("--batch", type=int, default=2000, help="files a child reads")
    parser.add_argument("--out", type=Path, default=None, help="write the summary here (JSON)")
    args = parser.parse_args(argv)
    work = args.work or Path(tempfile.mkdtemp(prefix="blender-gt-fuzz-"))
    seeds = work / "seeds"
    fuzz_structured.write_seeds(seeds)
    env = asan_environment(sys.executable) if args.asan else {}
    started = time.monotonic()
    script = fuzz_families.__file__ if args.families else fuzz_structured.__file__
    result = fuzz_structured.run(seeds, work / "run", args.seed, args.files,
                                 memory_mb=0 if args.asan else args.memory_mb, env=env,
                                 batch=args.batch, child_timeout=4 * 3600, script=script)
    result["asan"] = args.asan
    result["families"] = args.families
    result["total seconds"] = round(time.monotonic() - started, 1)
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        args.out.write_text(text)
    return 1 if result["problems"] or result["crashes"] else 0


if __name__ == "__main__":
    sys.exit(main())
