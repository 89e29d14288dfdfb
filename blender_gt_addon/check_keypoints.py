# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt check --keypoints``: prove a folder's recorded keypoints against the
``position`` pass (:func:`blender_gt_addon.reader.keypoints.frame_errors`). No
``bpy``. Outside the reader, as :mod:`.check` and :mod:`.check_stereo` are: it walks
a folder, which the reader's per-frame modules do not."""

from __future__ import annotations

from dataclasses import dataclass

from . import keypoints as core
from .reader import open_sequence
from .reader.keypoints import frame_errors

__all__ = ["KeypointCheck", "check_keypoints"]


@dataclass(frozen=True)
class KeypointCheck:
    """Keypoints against the ``position`` pass (:func:`check_keypoints`).

    ``checked``: keypoints on the surface their pixel sees (``on_surface``) whose pixel
    has a position; ``unchecked``: the other keypoints in the image; ``failed``:
    ``(frame, object, keypoint, error, bound)`` of each checked keypoint farther from
    the position at its pixel than ``bound`` (scene units); ``worst``: the largest
    error / bound over the checked ones.
    """

    frames: int
    checked: int
    unchecked: int
    failed: tuple[tuple[int, str, str, float, float], ...]
    worst: float

    @property
    def passed(self) -> bool:
        return self.checked > 0 and not self.failed

    def as_dict(self) -> dict:
        return {"frames": self.frames, "checked": self.checked, "unchecked": self.unchecked,
                "failed": [list(f) for f in self.failed], "worst_ratio": self.worst,
                "passed": self.passed}

    def report(self) -> str:
        head = (f"keypoints: {self.checked} on their surface checked against the position "
                f"pass in {self.frames} frames ({self.unchecked} in view not on a surface "
                f"their pixel shows), worst {self.worst:.2f} of the bound: ")
        if not self.checked:
            return head + "FAILED (no keypoint to check)"
        if not self.failed:
            return head + "ok"
        lines = [head + f"FAILED ({len(self.failed)})"]
        lines += [f"  frame {f} {obj}/{name}: {error:.4g} > {bound:.4g}"
                  for f, obj, name, error, bound in self.failed[:20]]
        return "\n".join(lines)


def check_keypoints(folder, *, filter_reach: float = core.DEFAULT_FILTER_REACH,
                    prefix: str | None = None) -> KeypointCheck:
    """Prove the keypoints of every frame of ``folder`` against the ``position`` pass: a
    keypoint on the surface its pixel sees lies within ``bound`` of the position there
    (:func:`frame_errors`).

    Raises:
        GroundTruthError: no frames, or a frame recording keypoints without the
            ``position``, ``depth`` or ``instance_id`` output.
    """
    sequence = open_sequence(folder, prefix=prefix)
    checked = unchecked = 0
    failed, worst = [], 0.0
    for t in range(len(sequence)):
        frame = sequence[t]
        record = frame._record()
        if record is None or record.keypoints == ():
            continue
        for obj, name, error, bound, ok in frame_errors(frame, filter_reach=filter_reach):
            if not ok:
                unchecked += 1
                continue
            checked += 1
            worst = max(worst, error / bound)
            if error > bound:
                failed.append((sequence.frames[t], obj, name, error, bound))
    return KeypointCheck(frames=len(sequence), checked=checked, unchecked=unchecked,
                         failed=tuple(failed), worst=worst)
