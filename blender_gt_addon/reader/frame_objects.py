# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a frame says per object, from its ids: boxes, light, occlusion boundaries and
order, amodal masks and visible fractions. No ``bpy``.

:class:`ObjectAnswers` is a part of :class:`.frame.GroundTruthFrame` (its base class),
kept apart so each file stays short: its methods use the frame's ``path``, ``passes``,
``header``, ``frame``, ``width``, ``height``, ``depth``, ``emission``, ``instance_id``,
``names``, ``poses``, ``_ids``, ``_budget`` and ``_amodal_cache``.
"""

from __future__ import annotations

import numpy as np

from .. import amodal
from . import amodal_masks, ids, occlusion
from .errors import GroundTruthError
from .ids import Box

__all__ = ["ObjectAnswers"]


class ObjectAnswers:
    """The per-object answers of a :class:`.frame.GroundTruthFrame`."""

    def emitting(self, threshold: float = 0.0, source: str | None = None) -> dict:
        """Which objects emit light in this frame (e.g. brake lights that are on).

        Returns ``{name (or id when there are no names): brightest emission}``, the
        largest of R, G, B of the ``emission`` output over the object's pixels, for
        the objects whose brightest pixel exceeds ``threshold``. Ids as in :meth:`boxes`.
        Emission is averaged at edges, so a neighbour's light bleeds into an object's
        border: only pixels whose four neighbours show the same object count (all of
        its pixels if it has no such inner pixel).
        """
        id_array, names = self._ids(source)
        return ids.emitting(id_array, names, self.emission, threshold)

    def occlusion_boundaries(self, tolerance: float = occlusion.DEFAULT_TOLERANCE,
                             source: str | None = None) -> occlusion.OcclusionBoundaries:
        """Where one surface hides another, and which side hides
        (:func:`.occlusion.boundaries`: a relative depth jump over ``tolerance``
        between neighbouring pixels; ids as in :meth:`boxes`)."""
        return occlusion.boundaries(self.depth, self._ids(source)[0], tolerance)

    def occlusion_order(self, by: str | None = None,
                        tolerance: float = occlusion.DEFAULT_TOLERANCE,
                        source: str | None = None) -> list[occlusion.Occlusion]:
        """Which instance is in front of which: ``by="overlap"``, per pair whose amodal
        masks overlap (:func:`.occlusion.overlap_order`; the default when the file has
        amodal masks), or ``by="boundary"``, per pair meeting at an occlusion boundary
        (:func:`.occlusion.order`; the default otherwise, ``tolerance`` and ``source``
        as in :meth:`occlusion_boundaries`)."""
        if by is None:
            by = "overlap" if self.amodal_masks else "boundary"
        if by == "overlap":
            if not self.amodal_masks:
                raise GroundTruthError(f"{self.path}: the order by overlap needs amodal "
                                       "masks (tick Amodal masks); by='boundary' needs none")
            return occlusion.overlap_order(self.instance_id, self.amodal_masks)
        if by != "boundary":
            raise GroundTruthError(f"{self.path}: occlusion order by 'overlap' or "
                                   f"'boundary', not {by!r}")
        return occlusion.order(self.occlusion_boundaries(tolerance, source))

    def boxes(self, source: str | None = None) -> list[Box]:
        """Visible 2D bounding boxes, one per id present, sorted by id.

        ``source`` is ``"instance_id"`` (the default when the file has it, with
        object names) or ``"object_index"``.
        """
        id_array, names = self._ids(source)
        return ids.boxes(id_array, names)

    # -- Amodal masks (reader/amodal_masks.py) -------------------------------------

    @property
    def amodal_masks(self) -> dict:
        """``{instance id: blender_gt_addon.amodal.Mask}`` (header only, no pixels
        decoded): each object's and instanced copy's full silhouette, occlusion ignored,
        cropped to its ``box`` (image pixels, exclusive ends, not clipped to the image:
        the canvas reaches W and H pixels beyond each side); ids as :attr:`instance_id`.
        Empty when the file has no amodal masks (the Amodal masks output was off)."""
        if self._amodal_cache is None:
            record = amodal_masks.decode_record(self.header.get(amodal.KEY), self.path,
                                                self.frame, (self.width, self.height),
                                                self._budget.limit)
            if record is None:
                self._amodal_cache = {}
            else:  # ids of names, then of poses (objects the manifest lacks, as poses)
                numbers = {name: i for i, name in self.names.items()}
                for i, pose in self.poses.items():
                    numbers.setdefault(pose.name, i)
                self._amodal_cache = amodal_masks.by_id(record, numbers)
        return self._amodal_cache

    def amodal(self, instance: int) -> np.ndarray:
        """(H, W) bool: the full silhouette of ``instance`` (an id of
        :attr:`instance_id`) as if nothing hid it, on the image (False elsewhere):
        pixels whose centre its evaluated mesh covers, clipped to the camera's clip
        range. All False for an object out of view.

        Raises:
            GroundTruthError: the file has no amodal masks, or none for this id (no
                such id, or an object without a surface mesh or unseen by the camera).
        """
        masks = self.amodal_masks
        if instance not in masks:
            why = ("has no amodal masks (tick Amodal masks)" if not masks
                   else f"has no amodal mask for id {instance!r}")
            raise GroundTruthError(f"{self.path}: {why}; ids with one: {sorted(masks)}")
        return masks[instance].in_image(self.width, self.height)

    @property
    def visib_fract(self) -> dict[int, float]:
        """``{instance id: visible fraction}`` of every id with an amodal mask, as BOP's
        ``visib_fract``: the id's :attr:`instance_id` pixels inside its amodal mask over
        the mask's pixels on the canvas 3 x the image (so a part out of the image
        counts as not visible); 0.0 when the mask is empty (out of view). Empty
        without amodal masks."""
        masks = self.amodal_masks
        if masks and "cryptomatte_object" not in self.passes:
            raise GroundTruthError(f"{self.path}: visib_fract needs the instance_id output, "
                                   "which the file lacks")
        return amodal_masks.visible_fractions(self.instance_id, masks) if masks else {}
