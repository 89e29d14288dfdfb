# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender versions blender-gt supports, and what changed in each. No ``bpy`` here.

:data:`SUPPORTED` is the one list of versions (scripts, tests and docs follow it);
:data:`FEATURES` says from which version on Blender has each API difference that
``blender/compat.py`` handles. A new Blender version adds a row to each table, not
an ``if`` somewhere: compat asks :func:`has` for a feature by name.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["FEATURES", "SUPPORTED", "BlenderVersion", "has", "newest_lts"]


@dataclass(frozen=True)
class BlenderVersion:
    """One supported Blender release line.

    Attributes:
        version: ``"major.minor"``, as ``pip install bpy==<version>.*`` takes it.
        python: the ``"major.minor"`` Python its ``bpy`` wheel is built for.
        lts: a long-term-support line.
        supported_by_blender: still inside Blender's own support window
            (4.2 LTS ended; it stays tested because other tools pin it).
    """

    version: str
    python: str
    lts: bool
    supported_by_blender: bool = True


SUPPORTED: tuple[BlenderVersion, ...] = (  # oldest first
    BlenderVersion("4.2", "3.11", lts=True, supported_by_blender=False),
    BlenderVersion("4.5", "3.11", lts=True),
    BlenderVersion("5.0", "3.11", lts=False),
    BlenderVersion("5.1", "3.13", lts=False),
    BlenderVersion("5.2", "3.13", lts=True),
    BlenderVersion("5.3", "3.13", lts=False),
)

# Feature -> the first Blender version that has it (measured with the bpy wheels).
FEATURES: dict[str, tuple[int, int, int]] = {
    # The 4th component of a vector File Output input reaches the file (4.2 drops it).
    "vector_input_keeps_w": (4, 5, 0),
    # The Cryptomatte manifest lists the scene's lights (never in its pixels).
    "manifest_lists_lights": (4, 5, 0),
    # The compositor is a CompositorNodeTree data-block in scene.compositing_node_group,
    # its result a Group Output node; File Output has directory, file_name and
    # file_output_items; multilayer is chosen through format.media_type.
    "compositor_node_group": (5, 0, 0),
    # Render Layers sockets "Emission", "Object Index", "Material Index".
    "long_socket_names": (5, 0, 0),
    # Action.fcurves is gone: F-curves live in layers > strips > channel bags.
    "slotted_actions_only": (5, 0, 0),
    # A stack of compositor effects (scene.compositor_effects), each with its own
    # node group; scene.compositing_node_group is deprecated.
    "compositor_effects": (5, 3, 0),
}


def has(feature: str, version: tuple[int, ...]) -> bool:
    """Whether Blender ``version`` (e.g. ``bpy.app.version``) has ``feature``."""
    return tuple(version[:3]) >= FEATURES[feature]


def newest_lts(pythons: set[str]) -> BlenderVersion | None:
    """The newest LTS whose wheel one of ``pythons`` (``{"3.11", ...}``) can install."""
    found = [v for v in SUPPORTED if v.lts and v.python in pythons]
    return found[-1] if found else None
