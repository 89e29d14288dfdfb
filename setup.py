# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader's optional C kernels (everything else is in pyproject.toml).

``optional=True``: without a C compiler the package installs all the same and the
reader converts with numpy (the same values, slower; see reader/convert.py).
"""

import sys

from setuptools import Extension, setup

# No fused multiply-adds: the kernels must round exactly as numpy's float32 formulas.
# No errno from sqrtf and no floating-point traps: no value changes, and the loops
# vectorise.
flags = ([] if sys.platform == "win32"
         else ["-O3", "-ffp-contract=off", "-fno-math-errno", "-fno-trapping-math"])

setup(ext_modules=[Extension(
    "blender_gt_addon.reader._kernels",
    ["blender_gt_addon/reader/_kernels.c", "blender_gt_addon/reader/_rows.c",
     "blender_gt_addon/reader/_exrread.c"],
    # OpenEXR's Core headers, for the decoder's struct layouts: its functions are
    # looked up at run time in the openexr package's module, not linked.
    include_dirs=["blender_gt_addon/reader", "third_party/openexr_core"],
    depends=["blender_gt_addon/reader/_kernels.h"],
    extra_compile_args=flags + ([] if sys.platform == "win32" else ["-pthread"]),
    extra_link_args=[] if sys.platform == "win32" else ["-pthread"],
    optional=True)])
