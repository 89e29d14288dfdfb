# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Render the small ground-truth files committed in this folder, through the add-on.

    .venvs/bpy-4.5/bin/python tests/data/make_files.py

Frame 2 of the analytic scene's animation (tests/helpers/scenes.py, 64x48 pixels,
every output on, the add-on's defaults: ZIP; instance_id makes the file full float) as
``analytic_0002.exr`` (about 45 kB). The tests that read them
(tests/reader/test_rendered_files.py) need no Blender: they run in the bpy-free leg
too, and check the pixels against the scene's geometry (tests/helpers/geometry.py).
Run again only when the file format changes; commit the new files.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
TESTS = HERE.parent
sys.path.insert(0, str(TESTS.parent))

from blender_gt_addon import bpyjob  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="blender-gt-data-") as tmp:
        result = bpyjob.run("scenes:render_analytic", {"directory": f"{tmp}/"}, timeout=600,
                            extra_paths=[str(TESTS), str(TESTS / "helpers")])
        print(f"rendered with Blender {result.value['version']}")
        for frame in (2,):
            source = Path(tmp) / f"gt_{frame:04d}.exr"
            target = HERE / f"analytic_{frame:04d}.exr"
            shutil.copyfile(source, target)
            print(f"{target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main()
