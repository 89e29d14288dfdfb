# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
from blender_logs import problems


def test_gpu_context_warnings_of_a_headless_blender_are_not_problems():
    log = ("EGL Error (0x3009): EGL_BAD_MATCH\n"
           "00:00.012  gpu.vulkan | WARNING Unable to initialize a Vulkan 1.1 instance\n"
           "Fra:1 Mem:12.00M | Rendering 1 / 4 samples\n")
    assert problems(log) == []


def test_tracebacks_exceptions_and_the_addons_errors_are():
    log = ("Traceback (most recent call last):\n  File \"x.py\", line 1\n"
           "KeyError: 'depth'\n"
           "Ground truth error: could not finish the frame's file: boom\n"
           "blender-gt: Could not update the compositor: nope\n")
    assert len(problems(log)) == 4
