# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Stereo pairs on real renders (issue 25): each view's file and camera, exact
disparity, the occluded band beside an occluder, against the scene's geometry
(``scenes_stereo``)."""

from __future__ import annotations

import numpy as np
import pytest
from geometry_stereo import BASELINE, CARD_X, CARD_Z, CARD_Z_NEXT, FX, RESOLUTION, WALL_Z

from blender_gt_addon import reader
from blender_gt_addon.check import edge_mask

pytestmark = pytest.mark.blender
W, H = RESOLUTION


@pytest.fixture(scope="module", params=["LEFT", "CENTER"])
def pair(request, run_job, tmp_path_factory):
    out = tmp_path_factory.mktemp(f"stereo_{request.param.lower()}")
    result = run_job("scenes_stereo:render_stereo", directory=f"{out}/", pivot=request.param)
    return out, request.param, result.value


def test_each_view_is_a_file_with_its_own_camera_and_the_rig(pair):
    out, pivot, value = pair
    assert "s_0001_L.exr" in value["files"] and "s_0001_R.exr" in value["files"]
    assert value["before"] is False and value["ticked"] == [True, "STEREO_3D", "PARALLEL"]
    assert value["unticked"] is False  # the add-on switched multiview on, and off again
    left, right = reader.read(out / "s_0001.exr", view="left"), reader.read(
        out / "s_0001_L.exr", view="right")
    assert (left.path.name, right.path.name) == ("s_0001_L.exr", "s_0001_R.exr")
    for frame, view in ((left, "left"), (right, "right")):
        rig = frame.stereo
        assert rig.view == view and rig.pivot == pivot and rig.baseline == pytest.approx(
            BASELINE, rel=1e-6)
        assert rig.files == {"left": "s_0001_L.exr", "right": "s_0001_R.exr"}
        assert set(frame.names.values()) == {"Wall", "Card", "Ramp", "Strip"}  # no light
    # The scene camera is at the origin: the views' centres on its x axis.
    start = {"LEFT": 0.0, "CENTER": -BASELINE / 2}[pivot]
    assert np.allclose(left.camera.camera_to_world[:3, 3], (start, 0, 0), atol=1e-6)
    assert np.allclose(right.camera.camera_to_world[:3, 3], (start + BASELINE, 0, 0),
                       atol=1e-6)
    assert left.camera.K[0, 0] == pytest.approx(FX, rel=1e-9)


def test_each_views_camera_is_the_one_blender_rendered(pair):
    """The world position Blender wrote at each pixel projects through the file's own
    camera onto that pixel's centre (away from edges, where a pixel holds one surface)."""
    out, _, _ = pair
    for view in ("left", "right"):
        frame = reader.read(out / "s_0001.exr", view=view)
        inner = np.isfinite(frame.depth) & ~edge_mask(frame.depth, frame.instance_id)
        uv = frame.camera.project(frame.position[inner].astype(np.float64))
        rows, cols = np.nonzero(inner)
        error = np.hypot(uv[:, 0] - cols, uv[:, 1] - rows)
        assert inner.sum() > 0.8 * W * H and error.max() < 2e-3, (view, error.max())


def test_disparity_of_a_fronto_parallel_wall_is_fx_b_over_z(pair):
    out, _, _ = pair
    for view in ("left", "right"):
        frame = reader.read(out / "s_0001.exr", view=view)
        wall = frame.instance_id == {n: i for i, n in frame.names.items()}["Wall"]
        d = frame.disparity
        assert d.dtype == np.float32 and wall.sum() > 1000
        assert np.allclose(d[wall], FX * BASELINE / WALL_Z, rtol=1e-4, atol=0)


def test_disparity_of_a_slanted_ramp_is_affine_in_the_pixel(pair):
    out, _, _ = pair
    frame = reader.read(out / "s_0001.exr", view="left")
    ramp = frame.instance_id == {n: i for i, n in frame.names.items()}["Ramp"]
    inner = ramp & ~edge_mask(frame.depth, frame.instance_id)
    rows, cols = np.nonzero(inner)
    d = frame.disparity[inner].astype(np.float64)
    design = np.stack([np.ones_like(d), cols, rows], axis=1)
    fit, *_ = np.linalg.lstsq(design, d, rcond=None)
    residual = np.abs(design @ fit - d) / d
    assert inner.sum() > 100 and abs(fit[1]) > 1e-3  # slanted: d changes along rows
    assert residual.max() < 1e-5, residual.max()


def test_the_wall_band_the_right_view_cannot_see_is_as_wide_as_geometry_says(pair):
    out, _, _ = pair
    left = reader.read(out / "s_0001.exr", view="left")
    noc = left.non_occluded
    ids = {n: i for i, n in left.names.items()}
    row = H // 2
    card_cols = np.flatnonzero(left.instance_id[row] == ids["Card"])
    # The card's left edge: x = CARD_X[0] at depth CARD_Z, u = fx x / z + cx.
    centre = left.camera.camera_to_world[0, 3]  # -B/2 with the pivot at the centre
    edge_u = FX * (CARD_X[0] - centre) / CARD_Z + left.camera.K[0, 2]
    assert abs(card_cols.min() - edge_u) <= 1.0
    wall = left.instance_id[row] == ids["Wall"]
    d_wall = FX * BASELINE / WALL_Z
    leaves = np.arange(W) - d_wall < -0.5  # falls outside the right image
    # (The ramp, on the right, hides a band of its own: look left of the card.)
    hidden = np.flatnonzero(wall & ~noc[row] & ~leaves & (np.arange(W) < card_cols.min()))
    band = FX * BASELINE * (1 / CARD_Z - 1 / WALL_Z)
    assert hidden.size and hidden.max() == card_cols.min() - 1
    assert abs(hidden.size - band) <= 1.0, (hidden, band)
    assert np.all(np.diff(hidden) == 1)  # one band
    assert noc[row, card_cols].all()  # the card itself both views see
    assert not noc[row, leaves & wall].any()


def test_an_off_axis_rig_is_refused_with_a_message_and_no_camera(run_job, tmp_path):
    value = run_job("scenes_stereo:render_off_axis", directory=f"{tmp_path}/").value
    assert any(level == "ERROR" and "Off-Axis" in text and "Parallel" in text
               for level, text in value["problems"])
    assert {"o_0001_L.exr", "o_0001_R.exr"} <= set(value["files"])
    frame = reader.read(tmp_path / "o_0001_L.exr")
    assert frame.camera is None and frame.stereo is None
    with pytest.raises(reader.GroundTruthError, match="needs a stereo pair"):
        _ = frame.disparity


def test_a_stereo_folder_opens_as_a_sequence_of_either_view(pair):
    out, _, _ = pair
    left, right = reader.open_sequence(out), reader.open_sequence(out, view="right")
    assert [p.name for p in left.paths] == ["s_0001_L.exr", "s_0002_L.exr"]
    assert [p.name for p in right.paths] == ["s_0001_R.exr", "s_0002_R.exr"]


def _read_pfm(path):
    """Restated from RAFT-Stereo's ``core/utils/frame_utils.py`` ``readPFM`` (the
    reader stereo training code uses for Middlebury and FlyingThings3D PFMs)."""
    with open(path, "rb") as file:
        header = file.readline().rstrip()
        assert header in (b"PF", b"Pf")
        colour = header == b"PF"
        width, height = map(int, file.readline().decode("ascii").split())
        scale = float(file.readline().decode("ascii").rstrip())
        endian = "<" if scale < 0 else ">"
        data = np.fromfile(file, endian + "f")
    shape = (height, width, 3) if colour else (height, width)
    return np.flipud(np.reshape(data, shape))


def _middlebury_calib(path) -> dict:
    """calib.txt as Middlebury's own scripts parse it: ``key=value`` lines, cam0 and
    cam1 as ``[a b c; d e f; g h i]``."""
    found = {}
    for line in path.read_text().splitlines():
        key, value = line.split("=", 1)
        if value.startswith("["):
            found[key] = np.array([[float(x) for x in row.split()]
                                   for row in value.strip("[]").split(";")])
        else:
            found[key] = float(value)
    return found


def test_middlebury_reads_back_through_its_loaders(pair, tmp_path):
    from PIL import Image

    from blender_gt_addon.exporters import export
    from blender_gt_addon.exporters.images import image_8bit

    out, _, _ = pair
    result = export(out, "middlebury", tmp_path / "mb")
    scene = tmp_path / "mb" / "0001"
    assert (tmp_path / "mb" / "middlebury.txt").read_text() == "0001\n0002\n"
    assert len(result.files) == 15 and result.bytes > 0  # the list and 7 files a frame
    calib = _middlebury_calib(scene / "calib.txt")
    for n, view in enumerate(("left", "right")):
        frame = reader.read(out / "s_0001.exr", view=view)
        d = _read_pfm(scene / f"disp{n}.pfm")
        assert d.shape == (H, W) and d.dtype == np.float32
        assert np.array_equal(d, frame.disparity)  # everything hit: no inf here
        # Middlebury's relation: Z [mm] = baseline * f / (d + doffs).
        z = calib["baseline"] * calib[f"cam{n}"][0, 0] / (d.astype(np.float64) + calib["doffs"])
        assert np.allclose(z, frame.depth * 1000.0, rtol=1e-5)
        mask = np.asarray(Image.open(scene / f"mask{n}nocc.png"))
        assert set(np.unique(mask)) <= {128, 255} and (mask == 128).sum() > 0
        assert np.array_equal(mask == 255, frame.non_occluded)
        image = np.asarray(Image.open(scene / f"im{n}.png").convert("RGB"))
        assert np.array_equal(image, image_8bit(frame.image)[..., :3])
    assert calib["width"] == W and calib["height"] == H and calib["ndisp"] % 16 == 0


def test_kitti_stereo_reads_back_as_kitti_loaders_read_it(pair, tmp_path):
    from PIL import Image

    from blender_gt_addon.exporters import export

    out, _, _ = pair
    export(out, "kitti-stereo", tmp_path / "kitti")
    root = tmp_path / "kitti"
    assert (root / "frames.txt").read_text() == "000000 0001\n000001 0002\n"
    assert (root / "image_2" / "000000_11.png").exists()  # frame 2 is frame 1's next
    assert not (root / "image_2" / "000001_11.png").exists()
    left = reader.read(out / "s_0001.exr", view="left")
    # RAFT-Stereo's readDispKITTI: imread(ANYDEPTH) / 256, valid where > 0.
    occ = np.asarray(Image.open(root / "disp_occ_0" / "000000_10.png"), np.float64) / 256.0
    noc = np.asarray(Image.open(root / "disp_noc_0" / "000000_10.png"), np.float64) / 256.0
    assert (occ > 0).all() and np.abs(occ - left.disparity).max() <= 1 / 512 + 1e-6
    assert np.array_equal(noc > 0, left.non_occluded) and (noc == 0).sum() > 0
    # calib_cam_to_cam: the baseline from the two projection matrices.
    rows = dict(line.split(": ", 1) for line in
                (root / "calib_cam_to_cam" / "000000.txt").read_text().splitlines())
    p2, p3 = (np.array(rows[k].split(), float).reshape(3, 4) for k in ("P_rect_02", "P_rect_03"))
    assert -p3[0, 3] / p3[0, 0] == pytest.approx(BASELINE, rel=1e-6)
    assert np.allclose(p2[:, :3], left.camera.K)
    for folder in ("image_2", "image_3"):
        assert Image.open(root / folder / "000000_10.png").size == (W, H)


def test_scene_flow_of_a_card_moving_along_the_optical_axis(pair):
    """disp2 = fx B / z(t + 1) on the card's pixels, disparity change and 3D motion
    as the card moved; the flow agrees with Blender's Vector pass; backward too."""
    from blender_gt_addon.reader.sceneflow import REASONS, scene_flow

    out, _, _ = pair
    for view in ("left", "right"):
        first = reader.read(out / "s_0001.exr", view=view)
        second = reader.read(out / "s_0002.exr", view=view)
        ids = {n: i for i, n in first.names.items()}
        inner = ~edge_mask(first.depth, first.instance_id)
        card = (first.instance_id == ids["Card"]) & inner
        wall = (first.instance_id == ids["Wall"]) & inner
        forward = scene_flow(first, second)
        fx_b = FX * BASELINE
        assert card.sum() > 100
        assert np.allclose(forward.disparity_other[card], fx_b / CARD_Z_NEXT, rtol=1e-4)
        assert np.allclose(forward.disparity_change[card],
                           fx_b * (1 / CARD_Z_NEXT - 1 / CARD_Z), rtol=1e-4)
        assert np.allclose(forward.motion[card], (0, 0, CARD_Z - CARD_Z_NEXT), atol=5e-5)
        assert np.allclose(forward.disparity_change[wall], 0, atol=1e-4)
        # The 2D flow is Blender's (forward flow of the Vector pass): measured within
        # 1e-5 px but on 3 of the card's 1000 inner pixels, 0.02 px there (the pass is
        # averaged over the pixel's 2 samples; the card's flow changes 0.14 px a pixel).
        judged = forward.valid & inner
        error = np.hypot(*np.moveaxis(forward.flow[judged] - first.flow_forward[judged], -1, 0))
        assert judged.sum() > 0.5 * W * H and error.max() < 0.05, error.max()
        assert np.mean(error < 0.01) > 0.99 and np.median(error) < 1e-3
        # disp2 agrees with the next frame's rendered disparity where the point lands.
        cols = np.rint(np.nonzero(card)[1] + forward.flow[card][:, 0]).astype(int)
        rows = np.rint(np.nonzero(card)[0] + forward.flow[card][:, 1]).astype(int)
        assert np.allclose(second.disparity[rows, cols], forward.disparity_other[card],
                           rtol=1e-4)
        # The bent strip deforms: invalid, with the reason, never a wrong value.
        strip = first.instance_id == ids["Strip"]
        assert strip.sum() > 20 and forward.left_out == {"Strip": "deforms"}
        assert (forward.reason[strip] == REASONS.index("deforms") + 1).all()
        assert np.isnan(forward.disparity_other[strip]).all() and not forward.valid[strip].any()
        backward = scene_flow(second, first)
        card2 = (second.instance_id == ids["Card"]) & ~edge_mask(second.depth,
                                                                  second.instance_id)
        assert np.allclose(backward.disparity_other[card2], fx_b / CARD_Z, rtol=1e-4)
        assert np.allclose(backward.motion[card2], (0, 0, CARD_Z_NEXT - CARD_Z), atol=5e-5)


def test_flyingthings3d_reads_back_as_its_readers_read_it(pair, tmp_path):
    from blender_gt_addon.exporters import export
    from blender_gt_addon.reader.sceneflow import scene_flow

    out, _, _ = pair
    export(out, "flyingthings3d", tmp_path / "ft")
    root = tmp_path / "ft"
    for view, letter in (("left", "L"), ("right", "R")):
        first = reader.read(out / "s_0001.exr", view=view)
        second = reader.read(out / "s_0002.exr", view=view)
        assert np.array_equal(_read_pfm(root / "disparity" / view / "0001.pfm"),
                              first.disparity)
        change = _read_pfm(root / "disparity_change" / "into_future" / view / "0001.pfm")
        expected = scene_flow(first, second).disparity_change
        assert np.array_equal(np.isnan(change), np.isnan(expected))  # the bent strip
        assert np.allclose(change, expected, equal_nan=True)
        past = _read_pfm(root / "disparity_change" / "into_past" / view / "0002.pfm")
        assert np.allclose(past, scene_flow(second, first).disparity_change, equal_nan=True)
        assert not (root / "disparity_change" / "into_future" / view / "0002.pfm").exists()
        # RAFT's read_gen for a flow PFM: the first two of its three channels.
        flow = _read_pfm(root / "optical_flow" / "into_future" / view
                         / f"OpticalFlowIntoFuture_0001_{letter}.pfm")
        assert flow.shape == (H, W, 3) and np.all(flow[..., 2] == 0)
        assert np.array_equal(flow[..., :2], first.flow_forward)
    # camera_data.txt: "Frame N", then L and R camera-to-world (Blender's camera axes).
    lines = (root / "camera_data.txt").read_text().split("\n")
    assert lines[0] == "Frame 1" and lines[1].startswith("L ") and lines[2].startswith("R ")
    left = np.array(lines[1].split()[1:], float).reshape(4, 4)
    right = np.array(lines[2].split()[1:], float).reshape(4, 4)
    assert np.allclose(right[:3, 3] - left[:3, 3], BASELINE * left[:3, 0], atol=1e-9)
    first = reader.read(out / "s_0001.exr", view="left")
    assert np.allclose(left, first.camera.camera_to_world_opengl)


def test_spring_reads_back_through_its_flow_io(pair, tmp_path):
    import h5py

    from blender_gt_addon.exporters import export
    from blender_gt_addon.reader.sceneflow import scene_flow

    def read_h5(path, key):  # Spring's flow_IO.readDsp5Disp / readFlo5Flow
        with h5py.File(path, "r") as file:
            if key not in file.keys():
                raise OSError(f"{path} has no {key!r} key")
            return file[key][()]

    out, _, _ = pair
    export(out, "spring", tmp_path / "spring")
    root = tmp_path / "spring"
    for view in ("left", "right"):
        first = reader.read(out / "s_0001.exr", view=view)
        second = reader.read(out / "s_0002.exr", view=view)
        disp1 = read_h5(root / f"disp1_{view}" / f"disp1_{view}_0001.dsp5", "disparity")
        assert disp1.dtype == np.float32 and np.array_equal(disp1, first.disparity)
        disp2 = read_h5(root / f"disp2_FW_{view}" / f"disp2_FW_{view}_0001.dsp5", "disparity")
        expected = scene_flow(first, second)
        assert np.allclose(disp2, expected.disparity_other, equal_nan=True)
        assert np.isnan(disp2).sum() == (expected.hit & ~expected.valid).sum() > 0
        flow = read_h5(root / f"flow_BW_{view}" / f"flow_BW_{view}_0002.flo5", "flow")
        assert flow.shape == (H, W, 2) and np.array_equal(flow, second.flow_backward)
    intrinsics = np.loadtxt(root / "cam_data" / "intrinsics.txt").reshape(-1, 4)
    extrinsics = np.loadtxt(root / "cam_data" / "extrinsics.txt").reshape(-1, 4, 4)
    first = reader.read(out / "s_0001.exr", view="left")
    assert intrinsics.shape == (2, 4) and intrinsics[0, 0] == pytest.approx(FX)
    assert np.allclose(extrinsics[0], first.camera.world_to_camera)


def test_kitti_disp_occ_1_is_the_next_frames_disparity_at_this_frames_pixel(pair, tmp_path):
    from PIL import Image

    from blender_gt_addon.exporters import export

    out, _, _ = pair
    export(out, "kitti-stereo", tmp_path / "kitti")
    root = tmp_path / "kitti"
    first = reader.read(out / "s_0001.exr", view="left")
    ids = {n: i for i, n in first.names.items()}
    occ1 = np.asarray(Image.open(root / "disp_occ_1" / "000000_10.png"), np.float64) / 256.0
    noc1 = np.asarray(Image.open(root / "disp_noc_1" / "000000_10.png"), np.float64) / 256.0
    card = (first.instance_id == ids["Card"]) & ~edge_mask(first.depth, first.instance_id)
    assert np.allclose(occ1[card], FX * BASELINE / CARD_Z_NEXT, atol=1 / 512 + 1e-6)
    strip = first.instance_id == ids["Strip"]
    assert (occ1[strip] == 0).all()  # deforms: not known, KITTI's invalid 0
    # The wall next to the card that the nearer card hides in frame 2 is occluded then.
    wall = first.instance_id == ids["Wall"]
    assert ((occ1 > 0) & (noc1 == 0) & wall).sum() > 0
    assert not ((noc1 > 0) & (occ1 == 0)).any()
    assert not (root / "disp_occ_1" / "000001_10.png").exists()  # no frame 3


def test_check_stereo_passes_the_render_and_flags_a_disparity_off_by_one_pixel(pair, capsys):
    from blender_gt_addon.check_stereo import check_stereo_folder, check_view
    from blender_gt_addon.cli import main

    out, _, _ = pair
    views = check_stereo_folder(out)
    assert [(v.frame, v.view) for v in views] == [(1, "left"), (1, "right"), (2, "left"),
                                                  (2, "right")]
    for v in views:
        assert v.passed and v.judged > 0.5 * W * H and v.median_error < 0.01, v
    assert all(v.next_judged > 0.3 * W * H and v.next_median_error < 1e-3
               for v in views if v.frame == 1)
    assert main(["check", str(out), "--stereo"]) == 0
    printed = capsys.readouterr().out
    assert "stereo: 4 views checked, all passed" in printed
    left = reader.read(out / "s_0001.exr", view="left")
    shifted = check_view(left, disparity=left.disparity + 1.0)
    assert not shifted.passed and abs(shifted.median_error - 1.0) < 0.05, shifted


def test_kitti_flow_reads_back_as_raft_reads_it(pair, tmp_path):
    import png

    from blender_gt_addon.exporters import export

    out, _, _ = pair
    export(out, "kitti-stereo", tmp_path / "kitti")
    root = tmp_path / "kitti"
    first = reader.read(out / "s_0001.exr", view="left")

    def read_flow_kitti(path):
        """RAFT's readFlowKITTI: cv2.imread(ANYDEPTH | COLOR) gives BGR, [..., ::-1] makes
        it RGB; flow = (RG - 2^15) / 64, valid = B. pypng reads RGB directly."""
        width, height, rows, info = png.Reader(filename=str(path)).read()
        assert info["bitdepth"] == 16 and not info["greyscale"]
        rgb = np.array([np.asarray(r, np.uint16) for r in rows]).reshape(height, width, 3)
        flow = (rgb[..., :2].astype(np.float32) - 2**15) / 64.0
        return flow, rgb[..., 2]

    flow, valid = read_flow_kitti(root / "flow_occ" / "000000_10.png")
    assert valid.all()  # every pixel hit something
    assert np.abs(flow - first.flow_forward).max() <= 1 / 128 + 1e-6
    _, valid_noc = read_flow_kitti(root / "flow_noc" / "000000_10.png")
    strip = first.instance_id == {n: i for i, n in first.names.items()}["Strip"]
    assert valid_noc.sum() > 0.5 * W * H and not valid_noc[strip].any()
    assert not (root / "flow_occ" / "000001_10.png").exists()  # no frame 3


def test_info_says_which_view_of_which_pair(pair, capsys):
    from blender_gt_addon.cli import main

    out, pivot, _ = pair
    assert main(["info", str(out / "s_0001_R.exr")]) == 0
    printed = capsys.readouterr().out
    assert (f"stereo: the right view of a pair, baseline 0.2, pivot {pivot.lower()}; the other "
            "view s_0001_L.exr") in printed


def test_video_draws_a_views_disparity_on_one_scale(pair, tmp_path):
    from blender_gt_addon.pictures import video

    out, _, _ = pair
    pictures = {}
    result = video.make_video(out, tmp_path / "disparity.gif", layout="image,disparity",
                              jobs=1, on_frame=lambda i, p: pictures.setdefault(i, p))
    assert result.frames == 2 and (tmp_path / "disparity.gif").stat().st_size > 1000
    # The left view's disparity tile has several colours (the card nearer than the wall).
    half = pictures[0].shape[1] // 2
    tile = pictures[0][pictures[0].shape[0] // 3:, half + 2:]
    assert len(np.unique(tile.reshape(-1, 3), axis=0)) >= 3
    # A folder of single views: said in words.
    single = tmp_path / "single"
    single.mkdir()
    import OpenEXR

    exr = OpenEXR.File(str(out / "s_0001_L.exr"), separate_channels=True)
    header = {k: v for k, v in exr.parts[0].header.items()
              if k not in ("channels", "dataWindow", "displayWindow", "type", "chunkCount",
                           "blender-gt/stereo")}
    OpenEXR.File(header, {n: c.pixels for n, c in exr.parts[0].channels.items()}).write(
        str(single / "s_0001.exr"))
    with pytest.raises(reader.GroundTruthError, match="needs a stereo pair"):
        video.make_video(single, tmp_path / "no.gif", layout="disparity", jobs=1)
