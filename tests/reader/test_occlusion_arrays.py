# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Occlusion boundaries and order (reader/occlusion.py) on arrays built by hand: which
pairs are boundaries, which side occludes, contact versus occlusion, the order."""

from __future__ import annotations

import numpy as np
import pytest

from blender_gt_addon.reader import occlusion


def _square_in_front(h=8, w=10, near=1.0, far=2.0):
    """A wall (id 1) at depth ``far`` with a square (id 2) at ``near`` over rows 2-4,
    columns 3-6, and background (inf, id 0) in column 9."""
    depth = np.full((h, w), far, dtype=np.float32)
    ids = np.ones((h, w), dtype=np.int32)
    depth[2:5, 3:7], ids[2:5, 3:7] = near, 2
    depth[:, 9], ids[:, 9] = np.inf, 0
    return depth, ids


def test_the_nearer_side_of_a_jump_is_the_occluder():
    depth, ids = _square_in_front()
    found = occlusion.boundaries(depth, ids)
    e = found.edges
    assert e.dtype == np.int8 and e.shape == (8, 10, 2)
    # The square's left edge: the wall pixel (2, 3) is occluded by its right neighbour.
    assert e[3, 2, 0] == -1
    # Its right edge: the square pixel (6, 3) occludes its right neighbour.
    assert e[3, 6, 0] == 1
    assert e[1, 4, 1] == -1 and e[4, 4, 1] == 1  # top and bottom
    # The wall occludes the background column; background never occludes.
    assert (e[:, 8, 0] == 1).all()
    # Inside the square, the wall and the background: nothing.
    assert e[3, 4, 0] == 0 and e[6, 1, 0] == 0 and e[6, 1, 1] == 0 and (e[:, 9] == 0).all()
    assert (e[:, -1, 0] == 0).all() and (e[-1, :, 1] == 0).all()
    expected_occluder = np.zeros((8, 10), dtype=bool)
    expected_occluder[2:5, 3:7] = True
    expected_occluder[3, 3:7] = [True, False, False, True]
    expected_occluder[:, 8] = True
    assert (found.occluder == expected_occluder).all()
    expected_occluded = np.zeros((8, 10), dtype=bool)
    expected_occluded[1, 3:7] = expected_occluded[5, 3:7] = True
    expected_occluded[2:5, 2] = expected_occluded[2:5, 7] = True
    expected_occluded[:, 9] = True
    assert (found.occluded == expected_occluded).all()


def test_touching_surfaces_are_contact_not_occlusion():
    """Two objects meeting on one surface (a ramp of depths, ids switch halfway) make no
    boundary; the same ramp with a jump of 10 % does."""
    ramp = np.tile(np.linspace(2.0, 2.2, 12, dtype=np.float32), (4, 1))  # ~0.9 % a pixel
    ids = np.where(np.arange(12) < 6, 1, 2).astype(np.int32)[None].repeat(4, 0)
    assert not occlusion.boundaries(ramp, ids).edges.any()
    jumped = ramp.copy()
    jumped[:, 6:] *= 1.1
    e = occlusion.boundaries(jumped, ids).edges
    assert (e[:, 5, 0] == 1).all() and np.count_nonzero(e) == 4


def test_tolerance_is_relative_and_strict():
    depth = np.array([[1.0, 1.05, 1.0501]], dtype=np.float64)
    ids = np.array([[1, 2, 3]])
    assert occlusion.boundaries(depth, ids, tolerance=0.05).edges[0, 0, 0] == 0
    assert occlusion.boundaries(depth, ids, tolerance=0.0499).edges[0, 0, 0] == 1
    assert occlusion.boundaries(depth, ids, tolerance=0.0).edges[0, 1, 0] == 1


def test_order_counts_who_occludes_whom():
    depth, ids = _square_in_front()
    found = occlusion.boundaries(depth, ids)
    assert occlusion.order(found) == [occlusion.Occlusion(front=2, back=1, pixels=14, against=0)]
    # A pixel whose depth says the wall is in front of the square (an id/depth mismatch
    # at a corner) shows up as a vote against, not as a second pair.
    depth[2, 3] = 3.0
    result = occlusion.order(occlusion.boundaries(depth, ids))
    assert len(result) == 1 and result[0].front == 2 and result[0].against == 2


def test_self_occlusion_is_told_apart():
    depth = np.array([[1.0, 1.0, 2.0, 2.0]], dtype=np.float32)
    ids = np.array([[5, 5, 5, 6]], dtype=np.int32)
    found = occlusion.boundaries(depth, ids)
    assert found.edges[0, 1, 0] == 1
    assert found.self_occlusion[0, 1, 0] and not found.self_occlusion[..., 0][0, 2]
    assert occlusion.order(found) == []  # 5 and 6 meet without a jump: contact


def test_no_instances_no_order_and_nan_is_never_a_boundary():
    depth = np.full((3, 3), np.inf, dtype=np.float32)
    depth[1, 1] = np.nan
    found = occlusion.boundaries(depth, np.zeros((3, 3), dtype=np.int32))
    assert not found.edges.any() and occlusion.order(found) == []


@pytest.mark.parametrize("depth_shape, id_shape, tolerance", [
    ((4, 4), (4, 5), 0.05), ((4,), (4,), 0.05), ((4, 4), (4, 4), -0.1),
    ((4, 4), (4, 4), float("nan"))])
def test_bad_input_is_refused(depth_shape, id_shape, tolerance):
    with pytest.raises(ValueError):
        occlusion.boundaries(np.ones(depth_shape), np.ones(id_shape, dtype=np.int32), tolerance)


def _mask(name, box, crop):
    from blender_gt_addon.amodal import Mask

    return Mask(name=name, box=box, crop=np.asarray(crop, dtype=bool))


def test_order_by_overlap_counts_who_is_seen_where_silhouettes_overlap():
    """Three full silhouettes on a 6x8 image: 1 is seen over 2 where they overlap; 3 is
    seen nowhere, hidden by 2 (so no boundary could order them) and partly off the
    image (the part outside is not counted)."""
    ids = np.zeros((6, 8), dtype=np.int32)
    ids[1:5, 1:4] = 1
    ids[1:5, 4:7] = 2
    masks = {
        1: _mask("A", (1, 1, 4, 5), np.ones((4, 3))),
        2: _mask("B", (2, 1, 7, 5), np.ones((4, 5))),  # its columns 2-3 are behind 1
        3: _mask("C", (5, -2, 7, 3), np.ones((5, 2))),  # rows -2..2, seen as 2 in rows 1-2
    }
    result = occlusion.overlap_order(ids, masks)
    assert result == [occlusion.Occlusion(front=1, back=2, pixels=8, against=0),
                      occlusion.Occlusion(front=2, back=3, pixels=4, against=0)]
    # An overlap where the other one is seen counts against.
    ids[1, 2] = 2
    assert occlusion.overlap_order(ids, masks)[0] == occlusion.Occlusion(1, 2, 7, 1)
    # An overlap hidden everywhere by a third object orders nothing.
    ids[1:5, 1:7] = 9
    assert occlusion.overlap_order(ids, masks) == []
    # Masks out of the image or empty take no part.
    far = {1: _mask("A", (20, 20, 22, 22), np.ones((2, 2))),
           2: _mask("B", (0, 0, 0, 0), np.zeros((0, 0)))}
    assert occlusion.overlap_order(ids, far) == []


def test_order_by_overlap_needs_amodal_masks_and_a_known_rule():
    """On a rendered file without amodal masks (tests/data), by='overlap' says what is
    missing, an unknown rule is refused, and the default is the order by boundaries."""
    from pathlib import Path

    from blender_gt_addon import reader

    gt = reader.read(Path(__file__).resolve().parents[1] / "data" / "analytic_0002.exr")
    assert not gt.amodal_masks
    with pytest.raises(reader.GroundTruthError, match="amodal masks"):
        gt.occlusion_order(by="overlap")
    with pytest.raises(reader.GroundTruthError, match="not 'depth'"):
        gt.occlusion_order(by="depth")
    assert gt.occlusion_order() == gt.occlusion_order(by="boundary") != []
