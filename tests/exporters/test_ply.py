# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``ply``: coloured point clouds in world coordinates, read back with ``plyfile``;
points on known surfaces (a synthetic ground plane without Blender, the analytic
scene's back plane on a real render)."""

from __future__ import annotations

import numpy as np
import pytest
import scenes_nerf
from exports import run_export
from geometry import BACK, BACK_RECT, BACK_Z, FOCAL_PX, HEIGHT, WIDTH
from scenes_nerf import SRGB_CODES

from blender_gt_addon import reader
from blender_gt_addon.exporters import ExportError, export

plyfile = pytest.importorskip("plyfile")


def _read(path):
    data = plyfile.PlyData.read(str(path))
    assert data.byte_order == "<" and not data.text  # binary little endian
    vertex = data["vertex"].data
    return data, vertex, np.stack([vertex[a] for a in "xyz"], axis=1).astype(np.float64)


def test_cloud_of_a_ground_plane(tmp_path):
    made = scenes_nerf.synthetic_frames(tmp_path / "exr")
    out = tmp_path / "ply"
    result = export(tmp_path / "exr", "ply", out, jobs=1)
    assert [p.name for p in result.files] == ["gt_0003.ply", "gt_0004.ply"]
    codes = {float(np.float32(k)): v for k, v in SRGB_CODES.items()}
    for frame, (cam, image, depth) in made.items():
        data, vertex, xyz = _read(out / f"gt_{frame:04d}.ply")
        props = {p.name: p.val_dtype for p in data["vertex"].properties}
        assert props == {"x": "f4", "y": "f4", "z": "f4", "red": "u1", "green": "u1",
                         "blue": "u1"}
        assert any("world coordinates" in c for c in data.comments)
        hit = np.isfinite(depth)
        assert len(vertex) == hit.sum() > 0 and (~hit).any()  # the sky gives no point
        scale = np.abs(xyz).max()
        assert np.abs(xyz[:, 2]).max() <= 1e-6 * scale  # on the ground z = 0
        rows, cols = np.nonzero(hit)  # points in pixel order, row by row
        np.testing.assert_allclose(cam.project(xyz), np.stack([cols, rows], 1), atol=1e-3)
        expected = [[codes[float(v)] for v in image[r, c, :3]] for r, c in zip(rows, cols,
                                                                                strict=True)]
        np.testing.assert_array_equal(
            np.stack([vertex["red"], vertex["green"], vertex["blue"]], 1), expected)


def test_fused_cloud_holds_every_frame(tmp_path):
    made = scenes_nerf.synthetic_frames(tmp_path / "exr")
    result = export(tmp_path / "exr", "ply", tmp_path / "out", jobs=2, fuse=True)
    assert result.files == [tmp_path / "out" / "points.ply"]
    _, vertex, xyz = _read(result.files[0])
    counts = {f: int(np.isfinite(d).sum()) for f, (_, _, d) in made.items()}
    assert len(vertex) == sum(counts.values())
    assert {int(f): int((vertex["frame"] == f).sum()) for f in made} == counts
    assert vertex["frame"].dtype == np.int32
    assert np.abs(xyz[:, 2]).max() <= 1e-6 * np.abs(xyz).max()


def test_cloud_without_image_or_camera(tmp_path):
    frame = scenes_nerf.look_at_camera((0.0, -4.0, 2.0), (0.0, 0.0, 0.0))
    depth = scenes_nerf.ground_depth(frame)
    (tmp_path / "a").mkdir()
    scenes_nerf.write_frame(tmp_path / "a" / "gt_0001.exr", 1, frame, None, depth)
    result = export(tmp_path / "a", "ply", tmp_path / "out")
    assert result.notes == {"frames without an image (points without colour)": 1}
    _, vertex, _ = _read(result.files[0])
    assert vertex.dtype.names == ("x", "y", "z")
    (tmp_path / "b").mkdir()
    scenes_nerf.write_frame(tmp_path / "b" / "gt_0001.exr", 1, None, None, depth)
    with pytest.raises(ExportError, match="holds no camera"):
        export(tmp_path / "b", "ply", tmp_path / "out2")
    with pytest.raises(ExportError, match="ply does not take the option 'models'"):
        export(tmp_path / "a", "ply", tmp_path / "out3", models=str(tmp_path))
    with pytest.raises(ExportError, match="npz does not take the option 'fuse'"):
        export(tmp_path / "a", "npz", tmp_path / "out4", fuse=True)


@pytest.mark.blender
def test_points_of_two_frames_lie_on_the_back_plane(analytic_animation, tmp_path):
    src, _ = analytic_animation
    frames = {n: reader.read(src / f"gt_{n:04d}.exr") for n in (1, 2)}
    two = tmp_path / "two"  # frames 1 and 2 of the static back plane
    two.mkdir()
    for n in frames:
        (two / f"gt_{n:04d}.exr").symlink_to(src / f"gt_{n:04d}.exr")
    out = tmp_path / "ply"
    run_export(two, "ply", out)
    run_export(two, "ply", tmp_path / "fused", "--fuse")
    counts = {}
    x0, x1, y0, y1 = BACK_RECT
    for n, gt in frames.items():
        _, vertex, xyz = _read(out / f"gt_{n:04d}.ply")
        depth = gt.depth
        hit = np.isfinite(depth)
        assert len(vertex) == hit.sum()
        counts[n] = len(vertex)
        on_back = (gt.object_index == BACK[1])[hit]  # each point's pixel, row by row
        rows, cols = np.nonzero(hit)
        rows, cols = rows[on_back], cols[on_back]
        assert len(rows) > 500
        # geometry.py: camera at the origin looking down -Z, pixel (col, row) centred
        # at (col + 0.5, row + 0.5) from the top-left corner, focal FOCAL_PX.
        expected = np.stack([(cols + 0.5 - WIDTH / 2) / FOCAL_PX * -BACK_Z,
                             -(rows + 0.5 - HEIGHT / 2) / FOCAL_PX * -BACK_Z,
                             np.full(len(rows), BACK_Z)], axis=1)
        error = np.linalg.norm(xyz[on_back] - expected, axis=1) / np.linalg.norm(expected,
                                                                                  axis=1)
        assert error.max() <= 1e-3, error.max()
        inside = ((xyz[on_back, 0] > x0 - 0.05) & (xyz[on_back, 0] < x1 + 0.05)
                  & (xyz[on_back, 1] > y0 - 0.05) & (xyz[on_back, 1] < y1 + 0.05))
        assert inside.all()
    _, fused, _ = _read(tmp_path / "fused" / "points.ply")
    assert {n: int((fused["frame"] == n).sum()) for n in frames} == counts
    assert len(fused) == sum(counts.values())
