# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Scenes of the ``nerf`` and ``colmap`` export tests.

- :func:`render_markers_with_image` (a Blender job, run through ``run_job``): the
  marker scene of ``scenes.render_markers`` (frames 1-2, moving camera with shift
  and non-square pixels, spheres at ``geometry.MARKERS`` on the ground z = 0),
  rendered again with the beauty image on, since both formats need it.
- :func:`synthetic_frames` (no ``bpy``): EXR files written directly, a ground plane
  z = 0 seen from known cameras, with exact depth from the ray-plane intersection at
  each pixel centre (sky above the horizon: ``inf``) and an image of chosen linear
  values; the camera travels in the ``blender-gt/frame`` header record.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# The synthetic scene: a 40x30 image, shift and non-square pixels, two frames whose
# cameras look down at the ground from different places.
SYNTH_SIZE = (40, 30)
SYNTH_CAMERAS = {3: ((0.3, -5.0, 2.2), (0.0, 0.5, 0.0)),  # frame: (location, target)
                 4: ((-0.8, -4.2, 1.4), (0.4, 1.0, 0.3))}
# Linear colours put in the image and their 8-bit sRGB codes by IEC 61966-2-1
# (12.92 x up to 0.0031308, 1.055 x^(1/2.4) - 0.055 above, times 255, rounded):
# 0.002 -> 6.589, 0.05 -> 63.189, 0.2 -> 123.555, 0.5 -> 187.516; 3.0 is clipped to 1.
SRGB_CODES = {0.0: 0, 0.002: 7, 0.05: 63, 0.2: 124, 0.5: 188, 1.0: 255, 3.0: 255}


def render_markers_with_image(directory: str) -> dict:
    """The marker scene's frames 1-2 with depth, object index and the beauty image
    (``m_0001.exr``, ``m_0002.exr`` in ``directory``)."""
    import bpy
    import scenes

    scenes.render_markers(directory)  # builds the scene and renders depth + index
    gt = bpy.context.scene.groundtruth
    gt.use_image = True
    bpy.ops.render.render(animation=True)  # the same frames again, every output
    return {"files": sorted(p.name for p in Path(directory).iterdir())}


def look_at_camera(location, target, size=SYNTH_SIZE):
    """A :class:`blender_gt_addon.camera.Camera` at ``location`` looking at ``target``
    (world up +Z), 28 mm lens, 36 mm sensor, shift (0.05, -0.1), pixel aspect 1 : 1.25."""
    from blender_gt_addon import camera

    K, width, height = camera.intrinsics(
        lens=28.0, sensor_width=36.0, sensor_height=24.0, sensor_fit="AUTO",
        shift_x=0.05, shift_y=-0.1, resolution_x=size[0], resolution_y=size[1],
        resolution_percentage=100, pixel_aspect_x=1.0, pixel_aspect_y=1.25)
    eye, aim = np.asarray(location, float), np.asarray(target, float)
    back = eye - aim
    back /= np.linalg.norm(back)  # Blender's camera looks down its -Z
    right = np.cross([0.0, 0.0, 1.0], back)
    right /= np.linalg.norm(right)
    up = np.cross(back, right)
    matrix_world = np.eye(4)
    matrix_world[:3, :3] = np.stack([right, up, back], axis=1)
    matrix_world[:3, 3] = eye
    return camera.Camera(K=K, world_to_camera=camera.world_to_camera_cv(matrix_world),
                         width=width, height=height, clip_start=0.1, clip_end=100.0)


def ground_depth(cam) -> np.ndarray:
    """(H, W) float32 planar depth of the ground z = 0 at each pixel centre; ``inf``
    where the ray does not meet the ground in front of the camera."""
    v, u = np.mgrid[0:cam.height, 0:cam.width]
    rays_cam = np.linalg.inv(cam.K) @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
    rays_world = cam.camera_to_world[:3, :3] @ rays_cam
    centre = cam.camera_to_world[:3, 3]
    with np.errstate(divide="ignore"):
        t = -centre[2] / rays_world[2]  # rays_cam has z = 1: t is the planar depth
    t[~(t > 0)] = np.inf
    return t.reshape(cam.height, cam.width).astype(np.float32)


def synthetic_image(height: int, width: int, alpha: float = 1.0) -> np.ndarray:
    """(H, W, 4) float32 linear RGBA: the colours of :data:`SRGB_CODES` in turn along
    the rows (red), columns (green), a constant 0.05 (blue); premultiplied by
    ``alpha``."""
    values = np.array(list(SRGB_CODES), dtype=np.float32)
    image = np.empty((height, width, 4), np.float32)
    image[..., 0] = values[np.arange(height) % len(values)][:, None]
    image[..., 1] = values[np.arange(width) % len(values)][None, :]
    image[..., 2] = 0.05
    image[..., :3] *= alpha
    image[..., 3] = alpha
    return image


def write_frame(path: Path, frame: int, cam, image=None, depth=None) -> None:
    """One EXR as the add-on writes it: ``image.RGBA`` and ``depth.V`` (float32,
    ZIP), the frame number and the ``blender-gt/frame`` record with ``cam``."""
    import OpenEXR

    from blender_gt_addon import frame_record

    channels = {}
    if image is not None:
        for i, c in enumerate("RGBA"):
            channels[f"image.{c}"] = np.ascontiguousarray(image[..., i], np.float32)
    if depth is not None:
        channels["depth.V"] = np.ascontiguousarray(depth, np.float32)
    header = {"compression": OpenEXR.ZIP_COMPRESSION, "type": OpenEXR.scanlineimage,
              "Frame": str(frame), frame_record.KEY: frame_record.encode(frame, cam)}
    OpenEXR.File(header, channels).write(str(path))


def synthetic_frames(folder: Path, alpha: float = 1.0, depth: bool = True) -> dict:
    """Write the synthetic frames into ``folder`` (``gt_0003.exr``, ``gt_0004.exr``);
    returns ``{frame: (camera, image, depth)}``."""
    folder.mkdir(parents=True, exist_ok=True)
    made = {}
    for frame, (location, target) in SYNTH_CAMERAS.items():
        cam = look_at_camera(location, target)
        image = synthetic_image(cam.height, cam.width, alpha)
        planar = ground_depth(cam)
        write_frame(folder / f"gt_{frame:04d}.exr", frame, cam, image,
                    planar if depth else None)
        made[frame] = (cam, image, planar)
    return made


_CACHE: dict[str, Path] = {}


def marker_renders(run_job, tmp_path_factory) -> Path:
    """The folder of :func:`render_markers_with_image`, rendered once per session
    (shared by the nerf and colmap tests; tests must not change it)."""
    if "markers" not in _CACHE:
        out = tmp_path_factory.mktemp("markers_image")
        run_job("scenes_nerf:render_markers_with_image", directory=f"{out}/")
        _CACHE["markers"] = out
    return _CACHE["markers"]


def marker_pixels(gt, index: int) -> tuple[float, float]:
    """The centroid (col, row) of the pixels of marker ``index`` (its object index),
    in our convention (integers at pixel centres)."""
    rows, cols = np.nonzero(gt.object_index == index)
    assert rows.size > 20, index
    return float(cols.mean()), float(rows.mean())
