# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""``blender-gt video`` end to end on the moving-cube render of ``cli_scenes``: frame
count and size of GIF and MP4, tiles that change where the cube moves and nowhere else,
depth colours fixed over the sequence, and one-line errors."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest
from cli_scenes import HEIGHT, OBJECTS, PREFIX, WIDTH, cli, exr_files, rendered

from blender_gt_addon import reader, video

Image = pytest.importorskip("PIL.Image")
pytest.importorskip("matplotlib")

pytestmark = pytest.mark.blender

LAYOUT = "image+boxes,emission,flow,depth"
SCALE = 5  # 64 px wide renders become 320 px wide tiles


@pytest.fixture(scope="module")
def out(run_job, tmp_path_factory):
    return rendered(run_job, tmp_path_factory)


@pytest.fixture(scope="module")
def gif(out, tmp_path_factory):
    """The default layout as a GIF, and every video frame as drawn (before the palette)."""
    drawn: list[np.ndarray] = []
    result = video.make_video(out, tmp_path_factory.mktemp("video") / "seq.gif",
                              layout=LAYOUT, fps=5, jobs=1,
                              on_frame=lambda i, frame: drawn.append(frame.copy()))
    return result, drawn


def _gif_frames(path) -> list[np.ndarray]:
    frames = []
    with Image.open(path) as im:
        for i in range(im.n_frames):
            im.seek(i)
            frames.append(np.asarray(im.convert("RGB")))
    return frames


def _tile(frame: np.ndarray, rect) -> np.ndarray:
    x, y, w, h = rect
    return frame[y:y + h, x:x + w]


def _enlarge(mask: np.ndarray) -> np.ndarray:
    return np.repeat(np.repeat(mask, SCALE, axis=0), SCALE, axis=1)


def _grow(mask: np.ndarray) -> np.ndarray:
    """``mask`` and its neighbours, enlarged like the tiles."""
    grown = mask.copy()
    grown[1:] |= mask[:-1]
    grown[:-1] |= mask[1:]
    grown[:, 1:] |= mask[:, :-1]
    grown[:, :-1] |= mask[:, 1:]
    return _enlarge(grown)


def _error(done: subprocess.CompletedProcess) -> str:
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("blender-gt: error: "), done.stderr
    return lines[0]


def test_gif_has_a_frame_a_file_in_a_2x2_grid(gif, out):
    result, drawn = gif
    n = len(exr_files(out))
    frames = _gif_frames(result.path)
    assert n == 4 and result.frames == n and len(frames) == n and len(drawn) == n
    tiles = result.tiles
    assert list(tiles) == LAYOUT.split(",")
    assert {rect[2:] for rect in tiles.values()} == {(WIDTH * SCALE, HEIGHT * SCALE)}
    (x0, y0, w, h), (x1, _, _, _), (_, y2, _, _) = (tiles[t] for t in ("image+boxes",
                                                                      "emission", "flow"))
    assert x0 == 0 and x1 == w + 2 and y2 == y0 + h + 2 + y0  # label bars above each row
    assert y0 >= 16  # room for a readable label
    assert (result.width, result.height) == (2 * w + 2, 2 * (y0 + h) + 2)
    assert result.width % 2 == 0 and result.height % 2 == 0
    for frame, picture in zip(frames, drawn, strict=True):
        assert frame.shape == (result.height, result.width, 3) == picture.shape
        # The GIF holds the drawn frames, up to its 256-colour palette.
        assert np.abs(frame.astype(int) - picture).mean() < 3
    with Image.open(result.path) as im:
        assert im.info["duration"] == 200 and im.info.get("loop") == 0  # 5 fps, repeating


def test_tiles_change_where_the_cube_moves_and_nowhere_else(gif, out):
    result, drawn = gif
    gts = [reader.read(p) for p in exr_files(out)]
    shown = _gif_frames(result.path)
    for t in range(len(gts) - 1):
        cube = _grow((gts[t].object_index == OBJECTS["Moving"])
                     | (gts[t + 1].object_index == OBJECTS["Moving"]))
        flow_now, flow_next = (_tile(f, result.tiles["flow"]) for f in drawn[t:t + 2])
        changed = (flow_now != flow_next).any(axis=-1)
        # Flow is 0 (white) on everything else: only the cube's pixels change (and
        # those at its edges, where the cube covers part of a pixel).
        assert changed.sum() > 100
        assert not (changed & ~cube).any()
        image_now, image_next = (_tile(f, result.tiles["image+boxes"]) for f in drawn[t:t + 2])
        assert (image_now != image_next).any(axis=-1)[cube].mean() > 0.3
        # Also in the GIF as written.
        for name in ("flow", "image+boxes"):
            a, b = (_tile(f, result.tiles[name]) for f in shown[t:t + 2])
            assert (a != b).any(axis=-1)[cube].mean() > 0.3, name


def test_depth_and_flow_colours_are_fixed_over_the_sequence(gif, out):
    result, drawn = gif
    gts = [reader.read(p) for p in exr_files(out)]
    # The range: 1st to 99th percentile of every frame's finite depths together.
    finite = np.concatenate([g.depth[np.isfinite(g.depth)] for g in gts])
    np.testing.assert_allclose(result.depth_range, np.percentile(finite, [1, 99]), rtol=1e-3)
    # The back plane (depth 10) and the cube's front face (depth 8) have one colour each
    # in every frame, wherever they are; nothing hit is light grey.
    shown = _gif_frames(result.path)
    for depth in (10.0, 8.0):
        colours = set()
        for pictures in (drawn, shown):
            seen = set()
            for g, picture in zip(gts, pictures, strict=True):
                at = _enlarge(np.abs(g.depth - depth) < 1e-4)
                tile = _tile(picture, result.tiles["depth"])
                assert at.sum() > 50
                seen |= {tuple(c) for c in np.unique(tile[at], axis=0)}
            assert len(seen) == 1, (depth, seen)
            colours |= seen
        assert len(colours) <= 2  # drawn and written may differ by the palette
        # viridis_r over the sequence's range, near = yellow, far = purple.
        import matplotlib

        near, far = result.depth_range
        want = matplotlib.colormaps["viridis_r"](round((depth - near) / (far - near) * 255))
        assert min(np.abs(np.array(c) - np.array(want[:3]) * 255).max() for c in colours) <= 1
    for g, picture in zip(gts, drawn, strict=True):
        tile = _tile(picture, result.tiles["depth"])
        assert (tile[_enlarge(np.isinf(g.depth))] == 200).all()
    # The flow's rim is the longest motion of the whole sequence; the cube's inner
    # front face moves the same (5, 3) px in every frame: one colour.
    assert result.flow_max == pytest.approx(max(
        float(np.hypot(*np.moveaxis(g.flow_forward, -1, 0)).max()) for g in gts))
    from cli_scenes import cube_front

    colours = set()
    for g, picture in zip(gts, drawn, strict=True):
        tile = _tile(picture, result.tiles["flow"])
        colours |= {tuple(c) for c in np.unique(tile[_enlarge(cube_front(g))], axis=0)}
    assert len(colours) == 1, colours


def test_object_option_boxes_one_object(out, tmp_path):
    drawn = {}
    for objects in (None, "Moving"):
        frames: list[np.ndarray] = []
        result = video.make_video(out, tmp_path / f"{objects}.gif", layout="image,image+boxes",
                                  objects=objects, jobs=1,
                                  on_frame=lambda i, f, frames=frames: frames.append(f))
        drawn[objects] = [(_tile(f, result.tiles["image"]).astype(int),
                           _tile(f, result.tiles["image+boxes"]).astype(int)) for f in frames]
    gt = reader.read(exr_files(out)[0])
    (box,) = [b for b in gt.boxes() if b.name == "Moving"]
    near = np.zeros((HEIGHT * SCALE, WIDTH * SCALE), bool)  # the box, its label above it
    near[max(0, box.y_min * SCALE - 24):box.y_max * SCALE + 24,
         max(0, box.x_min * SCALE - 4):box.x_max * SCALE + 140] = True
    plain, boxed = drawn["Moving"][0]
    differs = (plain != boxed).any(axis=-1)
    assert differs[near].sum() > 100 and not differs[~near].any()
    plain, boxed = drawn[None][0]
    assert (plain != boxed).any(axis=-1)[~near].sum() > 100  # Back's and Lamp's boxes too


def test_mp4_from_the_command_line(out, tmp_path):
    imageio = pytest.importorskip("imageio.v2")
    pytest.importorskip("imageio_ffmpeg")
    target = tmp_path / "clips" / "seq.mp4"
    done = cli("video", out, "-o", target, "--layout", "image,flow,depth", "--fps", "12")
    assert done.returncode == 0, done.stderr
    width, height = 3 * WIDTH * SCALE + 4, None  # three tiles in a row
    assert done.stdout.startswith(f"wrote {target}: 4 frames, {width}x"), done.stdout
    assert "12 fps" in done.stdout and "depth " in done.stdout and "flow rim " in done.stdout
    with imageio.get_reader(target, format="FFMPEG") as clip:
        frames = [np.asarray(f) for f in clip]
        assert clip.get_meta_data()["fps"] == pytest.approx(12)
    height = frames[0].shape[0]
    assert len(frames) == 4
    assert {f.shape for f in frames} == {(height, width, 3)} and height % 2 == 0
    assert height >= HEIGHT * SCALE + 16
    assert not any(p.name.startswith(".") for p in target.parent.iterdir())  # no leftovers


def test_errors_are_one_line(out, tmp_path):
    import OpenEXR

    line = _error(cli("video", out, "-o", tmp_path / "x.gif", "--layout", "image,bogus"))
    assert "unknown tile 'bogus'" in line and "image+boxes" in line and "depth" in line
    assert "must end in .mp4 or .gif" in _error(cli("video", out, "-o", tmp_path / "x.avi"))
    line = _error(cli("video", out, "-o", tmp_path / "x.gif", "--object", "Nobody"))
    assert "no object named 'Nobody'" in line and "Moving" in line
    assert "no such folder" in _error(cli("video", tmp_path / "none", "-o", tmp_path / "x.gif"))
    # Files with depth only: a flow tile names the missing output and what there is.
    only_depth = tmp_path / "depthonly"
    only_depth.mkdir()
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage}
    OpenEXR.File(header, {"depth.V": np.full((HEIGHT, WIDTH), 5.0, np.float32)}).write(
        str(only_depth / f"{PREFIX}0001.exr"))
    line = _error(cli("video", only_depth, "-o", tmp_path / "x.gif", "--layout", "depth,flow"))
    assert "'flow' tile needs the 'vector' output" in line and "(it has: depth)" in line
    assert not list(tmp_path.glob("*.gif")) and not list(tmp_path.glob(".*"))
    # Depth alone works on such files.
    done = cli("video", only_depth, "-o", tmp_path / "d.gif", "--layout", "depth")
    assert done.returncode == 0, done.stderr
