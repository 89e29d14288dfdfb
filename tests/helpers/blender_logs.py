# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What counts as a problem in a Blender child's log.

Python tracebacks, exceptions and the add-on's own errors count; Blender's own
GPU-context warnings in a headless process do not (5.3 prints ``EGL Error
(0x3009): EGL_BAD_MATCH`` and ``Unable to initialize a Vulkan 1.1 instance``).
"""

from __future__ import annotations

import re

_PROBLEM = re.compile(
    r"Traceback \(most recent call last\)"
    r"|^\w*(Error|Exception): "  # a Python exception's last line, e.g. "KeyError: 'x'"
    r"|Ground truth error"
    r"|^blender-gt: ",
    re.MULTILINE,
)


def problems(log: str) -> list[str]:
    """The lines of ``log`` that show a Python error or an error of the add-on."""
    return [line for line in log.splitlines() if _PROBLEM.search(line)]
