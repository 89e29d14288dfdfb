# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``python -m blender_gt_addon``: the ``blender-gt`` command."""

import sys

from .cli import main

sys.exit(main())
