# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Occlusion boundaries and order on a real render, against the scene's geometry
(tests/helpers/scenes_occlusion.py): the floating cube's outline is a boundary all
round with the cube on the near side, the cube standing against the wall touches it
without a boundary, and both cubes are in front of the wall."""

from __future__ import annotations

import numpy as np
import pytest
import scenes_occlusion as sc

from blender_gt_addon import reader
from blender_gt_addon.pictures import colour, video

pytestmark = pytest.mark.blender


@pytest.fixture(scope="module")
def folder(run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp("occlusion")
    result = run_job("scenes_occlusion:render", directory=f"{out}/")
    assert result.value["files"] == ["occ_0001.exr"]
    return out


@pytest.fixture(scope="module")
def frame(folder):
    return reader.read(folder / "occ_0001.exr")


def _ids(frame) -> dict[str, int]:
    return {name: i for i, name in frame.names.items()}


def test_the_floating_cubes_outline_hides_the_wall_all_round(frame):
    found = frame.occlusion_boundaries()
    ids = _ids(frame)
    near, far = found.pairs()
    front_wall = (near == ids["Front"]) & (far == ids["Wall"])
    assert not ((near == ids["Wall"]) & (far == ids["Front"])).any()  # never the other way
    # Its silhouette is its front face: a square whose edges project to these columns
    # and rows (OpenCV pixel coordinates, integer = pixel centre).
    (x0, y0), (x1, y1) = sc.project(np.array([[-0.2, 0.2, -1.8], [0.2, -0.2, -1.8]]))
    occluder = found.occluder & (found.instance_id == ids["Front"])
    rows, cols = np.nonzero(occluder)
    # Every occluding pixel of the cube lies within 1.5 px of the square's outline (the
    # one sample of a clean-edges pixel lands anywhere under the pixel filter) ...
    distance = np.minimum.reduce([abs(cols - x0), abs(cols - x1), abs(rows - y0), abs(rows - y1)])
    assert distance.max() <= 1.5, distance.max()
    # ... and the outline is a boundary all round: each row between the top and bottom
    # edges has an occluding pixel near the left and near the right edge, each column
    # one near the top and the bottom edge.
    for r in range(int(np.ceil(y0)) + 1, int(y1)):
        hits = cols[rows == r]
        assert (abs(hits - x0) <= 1.5).any() and (abs(hits - x1) <= 1.5).any(), r
    for c in range(int(np.ceil(x0)) + 1, int(x1)):
        hits = rows[cols == c]
        assert (abs(hits - y0) <= 1.5).any() and (abs(hits - y1) <= 1.5).any(), c
    perimeter = 2 * ((x1 - x0) + (y1 - y0))
    assert 0.9 * perimeter <= np.count_nonzero(front_wall) <= 1.2 * perimeter


def test_a_cube_flush_against_the_wall_touches_it_without_a_boundary(frame):
    found = frame.occlusion_boundaries()
    ids = _ids(frame)
    name, side, (cx, cy, cz) = sc.RESTING
    h = side / 2
    # Its left silhouette is its back-left edge, in the wall's plane.
    (edge_x, top), (_, bottom) = sc.project(np.array([[cx - h, cy + h, cz - h],
                                                       [cx - h, cy - h, cz - h]]))
    rows = slice(int(top) + 8, int(bottom) - 7)
    cols = slice(int(edge_x) - 10, int(edge_x) + 12)
    seen = found.instance_id[rows, cols]
    assert (seen == ids["Wall"]).any() and (seen == ids[name]).any()  # the edge is there
    assert not found.edges[rows, cols].any()  # no boundary: contact, nor on the side face
    # Its front face's top edge, though, stands 0.5 in front of the wall.
    (fx, ftop), = sc.project(np.array([[cx, cy + h, cz + h]]))
    column = found.edges[:, int(fx), 1]
    r = int(np.floor(ftop))
    assert (column[r - 2:r + 2] == -1).any()  # the wall pixel above is occluded from below


def test_both_cubes_are_in_front_of_the_wall(frame):
    ids = _ids(frame)
    order = {(o.front, o.back): o for o in frame.occlusion_order(by="boundary")}
    assert set(order) == {(ids["Front"], ids["Wall"]), (ids["Resting"], ids["Wall"])}
    assert all(o.against == 0 and o.pixels > 50 for o in order.values())


def test_the_order_by_overlap_also_orders_what_never_meets_in_the_image(frame):
    """The hidden cube is seen nowhere, so no boundary tells where it lies; its full
    silhouette overlaps the wall's and the floating cube's, which are seen there."""
    ids = _ids(frame)
    assert "Hidden" in ids and not (frame.instance_id == ids["Hidden"]).any()
    order = {(o.front, o.back): o for o in frame.occlusion_order()}  # by overlap: amodal
    assert order == {(o.front, o.back): o for o in frame.occlusion_order(by="overlap")}
    front, wall, resting, hidden = (ids[n] for n in ("Front", "Wall", "Resting", "Hidden"))
    assert set(order) == {(front, wall), (resting, wall), (wall, hidden), (front, hidden)}
    assert order[(wall, hidden)].against == order[(front, hidden)].against == 0
    # The overlap of the cube's and the wall's silhouettes is the cube's square: every
    # pixel whose centre it covers, seen as the cube but for edge pixels whose one
    # sample may miss it.
    (x0, y0), (x1, y1) = sc.project(np.array([[-0.2, 0.2, -1.8], [0.2, -0.2, -1.8]]))
    centres = (np.floor(x1) - np.ceil(x0) + 1) * (np.floor(y1) - np.ceil(y0) + 1)
    o = order[(front, wall)]
    assert o.pixels + o.against == centres
    assert o.against < 2 * (x1 - x0 + y1 - y0)
    # Seen pixels in the hidden cube's overlaps add up to its whole silhouette.
    assert (order[(wall, hidden)].pixels + order[(front, hidden)].pixels
            == np.count_nonzero(frame.amodal(hidden)))


def test_the_occlusion_tile_draws_the_near_side_white_and_the_far_side_red(folder, frame,
                                                                          tmp_path):
    drawn = []
    result = video.make_video(folder, tmp_path / "occlusion.gif", layout="occlusion",
                              tile_width=sc.WIDTH, jobs=1,
                              on_frame=lambda _i, picture: drawn.append(picture))
    x, y, w, h = result.tiles["occlusion"]
    tile = drawn[0][y:y + h, x:x + w]
    found = frame.occlusion_boundaries()
    white = (tile == colour.OCCLUDER).all(axis=-1)
    red = (tile == colour.OCCLUDED).all(axis=-1)
    assert (white == found.occluder).all()
    assert (red == (found.occluded & ~found.occluder)).all() and red.any()
