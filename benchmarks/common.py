# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the benchmark scripts share: the machine, the test files, timing, the report.

Test files are rendered once through the add-on (in a child Blender, see
``bench_scenes.py``) into a data folder, by default ``$TMPDIR/blender-gt-bench``
(``--data`` or ``BLENDER_GT_BENCH_DATA`` to choose another), and reused by later runs.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from blender_gt_addon import bpyjob  # noqa: E402

ALL_KEYS = ("image", "depth", "normal", "flow", "emission", "object_index", "material_index",
            "instance_id")
SEVEN_KEYS = ALL_KEYS[:-1]
# The reader's attributes for the seven passes of issue 6, in table order.
SEVEN_ATTRIBUTES = ("image", "depth", "normal", "vector", "emission", "object_index",
                    "material_index")

# The 1080p test frames: the seven passes (image and emission in half floats, the
# default precision), and every output including instance_id (the whole file in full
# float, as the add-on writes it then).
FULL_HD = {"seven": {"keys": list(SEVEN_KEYS)}, "all": {"keys": list(ALL_KEYS)}}
FULL_HD_SIZE = (1920, 1080)


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--data", type=Path, default=Path(os.environ.get(
        "BLENDER_GT_BENCH_DATA", Path(tempfile.gettempdir()) / "blender-gt-bench")),
        help="folder for the rendered test files, kept between runs (default: %(default)s)")
    p.add_argument("--rerender", action="store_true",
                   help="render the test files again even if they exist")
    return p


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def machine() -> str:
    """One paragraph about the machine and the software versions."""
    import numpy
    import OpenEXR

    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 ** 2:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    load = ""
    if hasattr(os, "getloadavg"):
        load = ", load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())
    return (f"{cpu}, {cores()} cores{memory}; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()}, numpy {numpy.__version__}, "
            f"openexr {OpenEXR.__version__}{load}")


def run_job(target: str, timeout: float = 1800.0, **kwargs):
    """Run ``bench_scenes:<function>`` in a child Python with bpy; its return value."""
    return bpyjob.run(f"bench_scenes:{target}", kwargs, timeout=timeout,
                      extra_paths=[str(BENCH)], python=sys.executable).value


def full_hd_frames(data: Path, rerender: bool = False, samples: int = 4) -> dict[str, Path]:
    """The 1080p frames (``{"seven": path, "all": path}``), rendered if missing."""
    folder = data / f"full_hd_{samples}spp"
    paths = {name: folder / name / "0002.exr" for name in FULL_HD}
    if rerender or not all(p.exists() for p in paths.values()):
        width, height = FULL_HD_SIZE
        print(f"rendering the {width}x{height} test frames ({samples} samples) into {folder} "
              "...", flush=True)
        started = time.perf_counter()
        facts = run_job("render_files", directory=str(folder), width=width, height=height,
                        samples=samples,
                        variants=[{"name": n, **v} for n, v in FULL_HD.items()])
        print(f"  rendered with Blender {facts['blender']} in "
              f"{time.perf_counter() - started:.0f} s", flush=True)
    return paths


def timed(function: Callable[[], object]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


def rounds(functions: dict[str, Callable[[], object]], n: int) -> dict[str, list[float]]:
    """Time each function ``n`` times, interleaved (a round calls each once, in an order
    that rotates), so that load from other programs falls on all of them alike."""
    names = list(functions)
    times: dict[str, list[float]] = {name: [] for name in names}
    for r in range(n):
        shift = r % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(functions[name]))
    return times


def paired_ratio(times: dict[str, list[float]], numerator: str, denominator: str) -> float:
    """Median over rounds of ``numerator / denominator`` timed in the same round."""
    return statistics.median(a / b for a, b in zip(times[numerator], times[denominator],
                                                   strict=True))


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.1f} ms"


class Targets:
    """The figures that issues 6 and 15 set a target for; printed at the end as a table."""

    def __init__(self) -> None:
        self.rows: list[tuple[str, str, str, bool]] = []

    def check(self, what: str, value: float, limit: float, at_most: bool = True,
              fmt: str = "{:.3f}") -> bool:
        ok = value <= limit if at_most else value >= limit
        self.rows.append((what, fmt.format(value), ("<= " if at_most else ">= ")
                          + fmt.format(limit), ok))
        return ok

    def report(self) -> bool:
        width = max(len(r[0]) for r in self.rows)
        print("\ntargets:")
        for what, value, limit, ok in self.rows:
            print(f"  {what:{width}s}  {value:>9s}  (target {limit})  "
                  f"{'within target' if ok else 'MISSED'}")
        return all(r[3] for r in self.rows)
