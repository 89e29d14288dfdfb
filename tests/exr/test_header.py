# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The EXR header step (``blender_gt_addon.exr.header``), run directly on files made to
look like each Blender version's: one channel layout, lights out of the manifest,
string attributes set, pixels untouched bit for bit on every lossless codec."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from blender_gt_addon import reader
from blender_gt_addon.exr import header

H, W = 70, 13  # 70 rows: the last chunk is short for every compression


def _planes(rng) -> dict[str, np.ndarray]:
    planes = {f"vector.{c}": rng.normal(size=(H, W)).astype(np.float32) for c in "XYZ"}
    planes["depth.V"] = rng.uniform(1, 100, size=(H, W)).astype(np.float32)
    planes["image.R"] = rng.uniform(0, 1, size=(H, W)).astype(np.float16)
    for c in "RGBA":  # Cryptomatte: float32 bit patterns, some of them NaN-like
        planes[f"cryptomatte_object.{c}"] = rng.integers(
            0, 2**32, size=(H, W), dtype=np.uint64).astype(np.uint32).view(np.float32)
    planes["vector.W.V"] = rng.normal(size=(H, W)).astype(np.float32)
    return planes


MANIFEST_42 = {"Back": "5050d6fb", "Sun": "ee8d1ae3", "Lamp": "437fac16", "Moving": "5d14d040"}


def _write(path: Path, planes: dict, compression, line_order=None, manifest=MANIFEST_42):
    import OpenEXR

    header = {
        "compression": compression,
        "type": OpenEXR.scanlineimage,
        "Note": "take 7\nblender-gt camera {\"f\": 1}",
        "cryptomatte/5635860/name": "cryptomatte_object",
        "cryptomatte/5635860/hash": "MurmurHash3_32",
        "cryptomatte/5635860/conversion": "uint32_to_float32",
        "cryptomatte/5635860/manifest": json.dumps(manifest, separators=(",", ":")),
    }
    if line_order is not None:
        header["lineOrder"] = line_order
    channels = {name: (np.ascontiguousarray(p.view(np.uint32)) if p.dtype == np.float32
                       and name.startswith("crypto") else p) for name, p in planes.items()}
    OpenEXR.File(header, channels).write(str(path))


def _read(path: Path) -> tuple[dict, dict]:
    import OpenEXR

    with OpenEXR.File(str(path), separate_channels=True) as f:
        assert len(f.parts) == 1
        part = f.parts[0]
        return dict(part.header), {k: np.array(v.pixels) for k, v in part.channels.items()}


def normalise_files(paths: list[str], lights: list[str], strings=None) -> list[bool]:
    return [header.finish_file(p, frozenset(lights), strings) for p in paths]


def test_blender_42_layout_becomes_the_one_layout_with_pixels_untouched(tmp_path):
    import OpenEXR

    rng = np.random.default_rng(3)
    planes = _planes(rng)
    cases = {
        "none": (OpenEXR.NO_COMPRESSION, None), "rle": (OpenEXR.RLE_COMPRESSION, None),
        "zips": (OpenEXR.ZIPS_COMPRESSION, None), "zip": (OpenEXR.ZIP_COMPRESSION, None),
        "piz": (OpenEXR.PIZ_COMPRESSION, None),
        "zip_decreasing": (OpenEXR.ZIP_COMPRESSION, OpenEXR.DECREASING_Y),
    }
    paths = []
    for name, (compression, order) in cases.items():
        path = tmp_path / f"{name}.exr"
        _write(path, planes, compression, order)
        paths.append(str(path))
    before = {p: _read(Path(p)) for p in paths}
    changed = normalise_files(paths, ["Sun"])
    assert changed == [True] * len(paths)
    again = normalise_files(paths, ["Sun"])
    assert again == [False] * len(paths)  # already in the one layout: left alone

    rename = {"vector.W.V": "vector.W"}
    rename.update({f"cryptomatte_object.{c}": f"cryptomatte_object.{c.lower()}" for c in "RGBA"})
    for path in paths:
        old_header, old = before[path]
        header, new = _read(Path(path))
        assert set(new) == {rename.get(n, n) for n in old}, path
        for name, pixels in old.items():
            got = new[rename.get(name, name)]
            assert got.dtype == pixels.dtype and got.tobytes() == pixels.tobytes(), (path, name)
        manifest = json.loads(header.pop("cryptomatte/5635860/manifest"))
        assert manifest == {k: v for k, v in MANIFEST_42.items() if k != "Sun"}
        old_header.pop("cryptomatte/5635860/manifest")
        old_header.pop("channels"), header.pop("channels")
        assert {k: str(v) for k, v in header.items()} == {k: str(v) for k, v in old_header.items()}
        # And the reader sees the add-on's layout.
        gt = reader.read(path)
        assert {"vector", "cryptomatte_object", "depth"} <= set(gt.passes)
        assert gt.vector[..., 3].tobytes() == old["vector.W.V"].tobytes()
        assert gt.names == {1: "Back", 2: "Lamp", 3: "Moving"}


def test_files_in_the_one_layout_and_others_are_left_alone(tmp_path):
    import OpenEXR

    rng = np.random.default_rng(4)
    planes = {("vector.W" if n == "vector.W.V" else n.lower() if "crypto" in n else n): p
              for n, p in _planes(rng).items()}
    ours = tmp_path / "ours.exr"
    _write(ours, planes, OpenEXR.ZIP_COMPRESSION,
           manifest={k: v for k, v in MANIFEST_42.items() if k != "Sun"})
    multipart = tmp_path / "multipart.exr"
    parts = [OpenEXR.Part({"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage},
                          {"cryptomatte_object.R": planes["depth.V"]}, name=name)
             for name in ("a", "b")]
    OpenEXR.File(parts).write(str(multipart))
    not_exr = tmp_path / "not.exr"
    not_exr.write_bytes(b"not an EXR file at all")
    paths = [ours, multipart, not_exr, tmp_path / "missing.exr"]
    before = [p.read_bytes() if p.exists() else None for p in paths]
    changed = normalise_files([str(p) for p in paths], ["Sun", "Lamp2"])
    assert changed == [False] * len(paths)
    assert [p.read_bytes() if p.exists() else None for p in paths] == before


def test_string_attributes_are_set_and_replaced_with_pixels_untouched(tmp_path):
    import OpenEXR

    rng = np.random.default_rng(5)
    planes = {("vector.W" if n == "vector.W.V" else n.lower() if "crypto" in n else n): p
              for n, p in _planes(rng).items()}
    for compression in (OpenEXR.NO_COMPRESSION, OpenEXR.ZIP_COMPRESSION, OpenEXR.PIZ_COMPRESSION):
        path = tmp_path / f"{compression}.exr"
        _write(path, planes, compression)
        _, before = _read(path)
        long_text = json.dumps({"values": list(rng.normal(size=2000))})  # far over 511 bytes
        assert header.finish_file(str(path), (), {"blender-gt/frame": long_text})
        head, after = _read(path)
        assert head["blender-gt/frame"] == long_text
        assert head["Note"] == "take 7\nblender-gt camera {\"f\": 1}"  # the user's, as it was
        for name, pixels in before.items():
            assert after[name].tobytes() == pixels.tobytes(), (compression, name)
        # The same text again changes nothing; another replaces it (a shorter header).
        assert not header.finish_file(str(path), (), {"blender-gt/frame": long_text})
        assert header.finish_file(str(path), (), {"blender-gt/frame": "{}"})
        head, after = _read(path)
        assert head["blender-gt/frame"] == "{}"
        assert all(after[n].tobytes() == p.tobytes() for n, p in before.items())


def test_no_temporary_file_is_left_beside_the_file(tmp_path):
    import OpenEXR

    path = tmp_path / "a.exr"
    _write(path, _planes(np.random.default_rng(6)), OpenEXR.ZIP_COMPRESSION)
    assert header.finish_file(str(path), ("Sun",), {"k": "v"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.exr"]


def test_header_is_rewritten_in_place_moving_only_the_chunks_it_covers(tmp_path):
    """The file is not copied: chunks past the new header keep their bytes and places;
    those the longer header covers move to the end; the file grows by them alone."""
    import struct

    import OpenEXR

    path = tmp_path / "a.exr"
    planes = {("vector.W" if n == "vector.W.V" else n.lower() if "crypto" in n else n): p
              for n, p in _planes(np.random.default_rng(8)).items()}
    _write(path, planes, OpenEXR.NO_COMPRESSION)  # a chunk a row: many small chunks
    before = path.read_bytes()
    _, pixels = _read(path)
    text = "x" * 5000
    assert header.finish_file(str(path), (), {"blender-gt/frame": text})
    after = path.read_bytes()
    new_head = after.index(b"blender-gt/frame") + len(text) + 40
    old_offsets = _offsets(before)
    new_offsets = _offsets(after)
    kept = [i for i, o in enumerate(old_offsets) if o >= new_head + 8 * len(old_offsets)]
    moved = [i for i in range(len(old_offsets)) if i not in kept]
    assert kept and moved
    for i in kept:  # untouched, in place
        assert new_offsets[i] == old_offsets[i]
    sizes = {i: 8 + struct.unpack_from("<i", before, old_offsets[i] + 4)[0] for i in moved}
    assert len(after) == len(before) + sum(sizes.values())
    for i in moved:  # the same bytes, after the old end
        assert new_offsets[i] >= len(before)
        chunk = before[old_offsets[i]:old_offsets[i] + sizes[i]]
        assert after[new_offsets[i]:new_offsets[i] + sizes[i]] == chunk
    head, again = _read(path)
    assert head["blender-gt/frame"] == text
    assert all(again[n].tobytes() == p.tobytes() for n, p in pixels.items())
    assert reader.read(path).depth.shape == (H, W)


def _offsets(data: bytes) -> list[int]:
    """The chunk offset table of a single-part scanline file with a chunk a row."""
    import struct

    pos = 8
    while data[pos] != 0:  # attributes: name\0 type\0 size value
        pos = data.index(b"\0", data.index(b"\0", pos) + 1) + 1
        pos += 4 + struct.unpack_from("<i", data, pos)[0]
    return list(struct.unpack_from(f"<{H}Q", data, pos + 1))


def test_background_light_leaves_the_manifest_only_when_no_object_has_its_name(tmp_path):
    """Cycles' background light ("object", 055ec73d: 4.5 to 5.3 list it) goes; a user's
    object named "object" stays; with no frame record to ask, nothing goes."""
    import OpenEXR
    from reader.test_cryptomatte_ids import murmur3_32

    # Its hash is the name's, as for every object: a user's "object" has the same one.
    assert f"{murmur3_32(b'object'):08x}" == header.BACKGROUND_LIGHT[1]
    rng = np.random.default_rng(9)
    planes = {n.lower() if "crypto" in n else n: p for n, p in _planes(rng).items()
              if n != "vector.W.V"}
    manifest = {"Back": "5050d6fb", "Sun": "ee8d1ae3", "object": "055ec73d"}

    def record(*names):
        return json.dumps({"v": 1, "frame": 1, "objects": [{"name": n} for n in names]})

    cases = {"scene": (record("Back"), {"Back"}),
             "user_object": (record("Back", "object"), {"Back", "object"}),
             "copies_of_user_object": (
                 json.dumps({"objects": [{"name": "a/object#0", "instance_of": "object"}]}),
                 {"Back", "object"}),
             "unreadable_record": ("{not json", {"Back", "object"})}
    for case, (text, kept) in cases.items():
        path = tmp_path / f"{case}.exr"
        _write(path, planes, OpenEXR.ZIP_COMPRESSION, manifest=manifest)
        assert header.finish_file(str(path), {"Sun"}, {"blender-gt/frame": text})
        head, _ = _read(path)
        assert set(json.loads(head["cryptomatte/5635860/manifest"])) == kept, case
    # A file without a record (written before the record existed): only the light goes.
    path = tmp_path / "no_record.exr"
    _write(path, planes, OpenEXR.ZIP_COMPRESSION, manifest=manifest)
    assert header.finish_file(str(path), {"Sun"})
    assert set(json.loads(_read(path)[0]["cryptomatte/5635860/manifest"])) == {"Back", "object"}


def test_reader_leaves_the_background_light_out_of_names_in_files_written_before(tmp_path):
    """A file the header step did not clean (written before it dropped the entry):
    ``names`` lists only the recorded objects; a user's "object" keeps its id; a file
    without a record keeps the entry (nothing in its header tells the two apart)."""
    import OpenEXR

    from blender_gt_addon import frame_record

    rng = np.random.default_rng(11)
    planes = {("vector.W" if n == "vector.W.V" else n.lower() if "crypto" in n else n): p
              for n, p in _planes(rng).items()}
    manifest = {"Back": "5050d6fb", "Moving": "5d14d040", "object": "055ec73d"}

    def record(*names):
        return frame_record.encode(1, None, [frame_record.ObjectRecord(
            name=n, pass_index=1, object_to_world=np.eye(4)) for n in names])

    expected = {"scene": (record("Back", "Moving"), {1: "Back", 2: "Moving"}),
                "user_object": (record("Back", "Moving", "object"),
                                {1: "Back", 2: "Moving", 3: "object"}),
                "no_record": (None, {1: "Back", 2: "Moving", 3: "object"})}
    for case, (text, names) in expected.items():
        path = tmp_path / f"{case}.exr"
        _write(path, planes, OpenEXR.ZIP_COMPRESSION, manifest=manifest)
        if text is not None:  # as an older add-on wrote it: the record, entry kept
            assert header.finish_file(str(path), (), {frame_record.KEY: text}) is True
            head = _read(path)[0]
            head["cryptomatte/5635860/manifest"] = json.dumps(manifest)
            assert "object" in json.loads(head["cryptomatte/5635860/manifest"])
            with OpenEXR.File(str(path), separate_channels=True) as f:
                channels = {k: v.pixels for k, v in f.parts[0].channels.items()}
            OpenEXR.File(head, channels).write(str(path))
        gt = reader.read(path)
        assert json.loads(gt.header["cryptomatte/5635860/manifest"]) == manifest
        assert gt.names == names, case
