# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt export``: every format reads back equal to the reader's arrays."""

from __future__ import annotations

import json
import struct
import zlib

import numpy as np
import pytest
from cli_scenes import OBJECTS, PREFIX, blends, cli, exr_files, rendered

from blender_gt_addon import export, reader

h5py = pytest.importorskip("h5py")
Image = pytest.importorskip("PIL.Image")

pytestmark = pytest.mark.blender

ALL = ("image", "depth", "normal", "vector", "emission", "object_index", "material_index",
       "cryptomatte_object")


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


@pytest.fixture(scope="module")
def frames(out):
    return [reader.read(p) for p in exr_files(out)]


def forward(gt) -> np.ndarray:
    """Forward flow by docs/conventions.md: (-vector[..., 2], +vector[..., 3])."""
    return np.stack([-gt.vector[..., 2], gt.vector[..., 3]], axis=-1)


def expected(gt) -> dict[str, np.ndarray]:
    """What an export of ``gt`` must hold: the reader's attributes (``get`` for the
    Cryptomatte pass, which has none), forward flow, instance ids and names, camera."""
    arrays = {layer: gt.get(layer) if layer == "cryptomatte_object" else getattr(gt, layer)
              for layer in ALL}
    arrays["flow"] = forward(gt)
    arrays["instance_id"] = gt.instance_id
    arrays["instance_names"] = np.array([gt.names[i] for i in sorted(gt.names)])
    arrays["K"] = gt.camera.K
    arrays["world_to_camera"] = gt.camera.world_to_camera
    return arrays


def run_export(src, fmt, dst, *extra) -> str:
    done = cli("export", src, "--to", fmt, "-o", dst, *extra)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def png_header(path) -> tuple[int, int, int, int]:
    """(width, height, bit depth, colour type) straight from the PNG's IHDR chunk."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR" and length == 13
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    assert zlib.crc32(data[12:29]) == struct.unpack(">I", data[29:33])[0]
    return width, height, depth, colour


# ------------------------------------------------------------------------ formats


def test_npz_holds_every_layer_exactly(out, frames, tmp_path):
    text = run_export(out, "npz", tmp_path / "npz", "--jobs", "2")
    assert text.startswith("exported 4 frames as npz: 4 files")
    for gt in frames:
        with np.load(tmp_path / "npz" / f"{gt.path.stem}.npz") as npz:
            assert int(npz["frame"]) == gt.frame
            want = expected(gt)
            assert set(npz.files) == {"frame", *want}
            for name, array in want.items():
                assert npz[name].dtype.kind == array.dtype.kind, name
                np.testing.assert_array_equal(npz[name], array)
    # Normals as the reader gives them: unit length where something was hit.
    hit = np.isfinite(frames[0].depth)
    with np.load(tmp_path / "npz" / f"{frames[0].path.stem}.npz") as npz:
        assert np.allclose(np.linalg.norm(npz["normal"][hit], axis=-1), 1.0, atol=1e-5)
        assert list(npz["instance_names"][:3]) == ["Back", "Lamp", "Moving"]


def test_hdf5_per_frame_is_exact_chunked_and_compressed(out, frames, tmp_path):
    run_export(out, "hdf5", tmp_path / "h5")
    for gt in frames:
        with h5py.File(tmp_path / "h5" / f"{gt.path.stem}.h5", "r") as h5:
            assert h5.attrs["frame"] == gt.frame
            want = expected(gt)
            assert set(h5) == set(want)
            for layer in (*ALL, "flow", "instance_id"):
                assert h5[layer].compression == "gzip" and h5[layer].chunks is not None
            for name, array in want.items():
                if name == "instance_names":
                    assert list(h5[name].asstr()[()]) == list(array)
                else:
                    np.testing.assert_array_equal(h5[name][()], array)


def test_hdf5_sequence_is_one_file_with_a_frame_axis(out, frames, tmp_path):
    target = tmp_path / "seq.h5"
    text = run_export(out, "hdf5-sequence", target, "--jobs", "2")
    assert "1 file" in text
    with h5py.File(target, "r") as h5:
        assert list(h5["frame"][()]) == [gt.frame for gt in frames]
        assert list(h5["source"].asstr()[()]) == [gt.path.name for gt in frames]
        for layer in (*ALL, "flow", "instance_id"):
            data = h5[layer]
            assert data.shape[0] == len(frames)
            assert data.chunks[0] == 1 and data.compression == "gzip"
        for i, gt in enumerate(frames):
            for name, array in expected(gt).items():
                if name == "instance_names":
                    assert list(h5[name].asstr()[i][:len(array)]) == list(array)
                else:
                    np.testing.assert_array_equal(h5[name][i], array)


def test_flo_is_middlebury_forward_flow(out, frames, tmp_path):
    run_export(out, "flo", tmp_path / "flo")
    for gt in frames:
        data = (tmp_path / "flo" / f"{gt.path.stem}.flo").read_bytes()
        # Parsed by the Middlebury layout itself: 'PIEH', width, height, (u, v) rows.
        assert data[:4] == b"PIEH"
        width, height = struct.unpack("<ii", data[4:12])
        assert (width, height) == (gt.width, gt.height)
        assert len(data) == 12 + width * height * 8
        flow = np.frombuffer(data[12:], "<f4").reshape(height, width, 2)
        np.testing.assert_array_equal(flow[..., 0], -gt.vector[..., 2])
        np.testing.assert_array_equal(flow[..., 1], gt.vector[..., 3])
        np.testing.assert_array_equal(export.read_flo(tmp_path / "flo" / f"{gt.path.stem}.flo"),
                                      flow)
    # The moving cube goes right and down: dx > 0 and dy > 0 (image y down).
    cube = frames[0].object_index == OBJECTS["Moving"]
    flow = export.read_flo(tmp_path / "flo" / f"{frames[0].path.stem}.flo")
    assert np.median(flow[cube][:, 0]) == pytest.approx(5.0, abs=0.05)
    assert np.median(flow[cube][:, 1]) == pytest.approx(3.0, abs=0.05)


def test_kitti_depth_png_is_depth_times_256_with_0_for_nothing(out, frames, tmp_path):
    run_export(out, "kitti-depth", tmp_path / "kitti")
    for gt in frames:
        png = tmp_path / "kitti" / f"{gt.path.stem}.png"
        assert png_header(png) == (gt.width, gt.height, 16, 0)  # 16-bit grey
        stored = np.array(Image.open(png))
        assert stored.dtype == np.uint16
        sky = np.isinf(gt.depth)
        assert sky.any() and (stored[sky] == 0).all()
        depth = stored[~sky] / 256.0
        assert (stored[~sky] > 0).all()
        assert np.abs(depth - gt.depth[~sky]).max() <= 1 / 512 + 1e-6


def test_kitti_depth_too_far_is_no_data():
    depth = np.array([[0.001, 1.0, 255.99, 300.0, np.inf]], np.float32)
    stored, lost = export.kitti_depth(depth)
    assert stored.tolist() == [[0, 256, 65533, 0, 0]]
    assert lost == 2


def test_mask_png_is_the_object_index_in_16_bits(out, frames, tmp_path):
    run_export(out, "mask-png", tmp_path / "masks")
    for gt in frames:
        png = tmp_path / "masks" / f"{gt.path.stem}.png"
        assert png_header(png) == (gt.width, gt.height, 16, 0)
        np.testing.assert_array_equal(np.array(Image.open(png)).astype(np.int32),
                                      gt.object_index)


def test_mask_png_of_instance_ids(out, frames, tmp_path):
    run_export(out, "mask-png", tmp_path / "masks", "--ids", "instance_id")
    for gt in frames:
        png = tmp_path / "masks" / f"{gt.path.stem}.png"
        np.testing.assert_array_equal(np.array(Image.open(png)).astype(np.int32),
                                      gt.instance_id)


def test_coco_of_instance_ids_has_a_category_per_object_name(out, frames, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco")
    target = tmp_path / "coco.json"
    run_export(out, "coco", target, "--ids", "instance_id", "--jobs", "2")
    coco = coco_mod.COCO(str(target))
    categories = {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())}
    visible = sorted({gt.names[int(i)] for gt in frames for i in np.unique(gt.instance_id)
                      if i})
    assert sorted(categories.values()) == visible  # the sun is named but never seen
    for gt in frames:
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=[gt.frame])):
            name = categories[ann["category_id"]]
            instance = {n: i for i, n in gt.names.items()}[name]
            np.testing.assert_array_equal(coco.annToMask(ann).astype(bool),
                                          gt.instance_id == instance)
            box = {b.name: b for b in gt.boxes("instance_id")}[name]
            assert ann["bbox"] == [box.x_min, box.y_min, box.x_max - box.x_min,
                                   box.y_max - box.y_min]


def test_coco_loads_in_pycocotools_and_matches_the_object_index(out, frames, tmp_path):
    coco_mod = pytest.importorskip("pycocotools.coco")
    mask_utils = pytest.importorskip("pycocotools.mask")
    names = tmp_path / "names.json"
    names.write_text(json.dumps({str(i): n for n, i in OBJECTS.items()}))
    target = tmp_path / "coco.json"
    run_export(out, "coco", target, "--names", names)
    coco = coco_mod.COCO(str(target))
    assert sorted(coco.getImgIds()) == [gt.frame for gt in frames]
    assert {c["id"]: c["name"] for c in coco.loadCats(coco.getCatIds())} == {
        i: n for n, i in OBJECTS.items()}
    for gt in frames:
        ids = gt.object_index
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[gt.frame]))
        assert sorted(a["category_id"] for a in anns) == sorted(set(np.unique(ids)) - {0})
        for ann in anns:
            mask = ids == ann["category_id"]
            decoded = coco.annToMask(ann)  # pycocotools' own RLE decoder
            np.testing.assert_array_equal(decoded.astype(bool), mask)
            rows, cols = np.nonzero(mask)
            assert ann["bbox"] == [cols.min(), rows.min(), cols.max() - cols.min() + 1,
                                   rows.max() - rows.min() + 1]
            assert list(mask_utils.toBbox(ann["segmentation"])) == ann["bbox"]
            assert ann["area"] == mask.sum() == mask_utils.area(ann["segmentation"])
            assert ann["image_id"] == gt.frame and ann["iscrowd"] == 0


def test_rle_matches_pycocotools_on_awkward_masks():
    mask_utils = pytest.importorskip("pycocotools.mask")
    rng = np.random.default_rng(5)
    masks = [np.ones((3, 4), bool), np.zeros((5, 2), bool), np.eye(7, dtype=bool)]
    masks += [rng.random((int(h), int(w))) < 0.5 for h, w in rng.integers(1, 60, (30, 2))]
    big = np.zeros((300, 400), bool)  # long runs: counts needing several 5-bit groups
    big[10:290, 7:390] = True
    masks.append(big)
    for mask in masks:
        ref = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
        mine = export.rle_encode(mask)
        assert mine["size"] == list(ref["size"])
        text = export.rle_to_string(mine["counts"])
        assert text == ref["counts"].decode()
        assert export.rle_from_string(text) == mine["counts"]
        np.testing.assert_array_equal(export.rle_decode({"size": mine["size"],
                                                         "counts": text}), mask)


def test_one_process_and_two_give_the_same_files(out, tmp_path):
    run_export(out, "npz", tmp_path / "one", "--jobs", "1")
    run_export(out, "npz", tmp_path / "two", "--jobs", "2")
    for a, b in zip(sorted((tmp_path / "one").iterdir()), sorted((tmp_path / "two").iterdir()),
                    strict=True):
        assert a.name == b.name
        with np.load(a) as x, np.load(b) as y:
            assert x.files == y.files
            for key in x.files:
                np.testing.assert_array_equal(x[key], y[key])


def test_export_is_a_library_function(out, frames, tmp_path):
    result = export.export(out, "mask-png", tmp_path / "m", jobs=1)
    assert result.frames == len(frames)
    assert [p.name for p in result.files] == [f"{gt.path.stem}.png" for gt in frames]
    assert result.bytes == sum(p.stat().st_size for p in result.files)
    assert result.summary().startswith("exported 4 frames as mask-png: 4 files")


# --------------------------------------------------------------------- bad inputs


def _error(done) -> str:
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blender-gt: error: "), done.stderr
    return lines[0]


def test_a_format_needing_a_missing_output_is_an_error(run_job, tmp_path_factory, tmp_path):
    blend = blends(run_job, tmp_path_factory)["depthonly"]
    folder = tmp_path / "depth"
    assert cli("render", blend, "-o", folder, "--frames", "1").returncode == 0
    line = _error(cli("export", folder, "--to", "flo", "-o", tmp_path / "flo"))
    assert f"{PREFIX}0001.exr: has no 'vector' output, which flo needs" in line
    assert not (tmp_path / "flo").exists()


def test_a_damaged_frame_is_an_error(out, tmp_path):
    folder = tmp_path / "gt"
    folder.mkdir()
    for path in exr_files(out):
        (folder / path.name).write_bytes(path.read_bytes())
    victim = folder / f"{PREFIX}0003.exr"
    victim.write_bytes(victim.read_bytes()[:2500])
    line = _error(cli("export", folder, "--to", "npz", "-o", tmp_path / "npz", "--jobs", "2"))
    assert f"{PREFIX}0003.exr" in line and "damaged" in line


def test_unknown_format_missing_folder_and_bad_names_are_errors(out, tmp_path):
    line = _error(cli("export", out, "--to", "tiff", "-o", tmp_path / "x"))
    assert "--to" in line and "tiff" in line
    line = _error(cli("export", tmp_path / "nowhere", "--to", "npz", "-o", tmp_path / "x"))
    assert "nowhere: no such folder" in line
    empty = tmp_path / "empty"
    empty.mkdir()
    line = _error(cli("export", empty, "--to", "npz", "-o", tmp_path / "x"))
    assert "holds no ground-truth frames" in line
    names = tmp_path / "names.json"
    names.write_text("[1, 2]")
    line = _error(cli("export", out, "--to", "coco", "-o", tmp_path / "c.json", "--names", names))
    assert "expected a JSON object" in line
    blocker = tmp_path / "afile"
    blocker.write_text("x")
    line = _error(cli("export", out, "--to", "npz", "-o", blocker))
    assert "is not a folder" in line
    line = _error(cli("export", out, "--to", "npz", "-o", tmp_path / "y", "--jobs", "0"))
    assert "--jobs" in line
