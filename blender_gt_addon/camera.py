# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Camera models in computer-vision conventions, from Blender's camera settings. No ``bpy``.

Conventions (OpenCV):
- Camera axes: x right, y down, z forward (Blender's camera looks down its -Z
  with +Y up, so ``world_to_camera = diag(1, -1, -1, 1) @ inverse(matrix_world)``).
- Pixel coordinates (u, v): u along columns to the right, v along rows downward;
  **integer coordinates are pixel centres**, so pixel (col, row) covers
  [col - 0.5, col + 0.5] x [row - 0.5, row + 0.5] and the image spans
  [-0.5, W - 0.5] x [-0.5, H - 0.5]. (In the "pixel covers [col, col + 1)"
  convention, add 0.5 to cx and cy.)
- Perspective: ``[u, v, 1]^T ~ K @ X_cam``. Orthographic: ``u = fx * x + cx``,
  ``v = fy * y + cy`` (no division by z), with fx, fy in pixels per scene unit.

The camera of each frame travels in the EXR header as compact JSON
(:func:`encode` / :func:`decode`) inside Blender's stamp Note, which is limited to
511 bytes in the file; one camera takes about 250.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Camera", "decode", "encode", "intrinsics", "world_to_camera_cv", "MARKER"]

MARKER = "blender-gt camera "
_FLIP = np.diag([1.0, -1.0, -1.0, 1.0])


@dataclass(frozen=True)
class Camera:
    """One frame's camera.

    Attributes:
        K: (3, 3) float64 intrinsics, OpenCV convention (see the module docstring).
        world_to_camera: (4, 4) float64 rigid transform from world to OpenCV camera axes.
        width, height: image size in pixels (after the resolution percentage).
        clip_start, clip_end: clipping distances in scene units.
        type: ``"PERSP"`` or ``"ORTHO"``.
    """

    K: np.ndarray
    world_to_camera: np.ndarray
    width: int
    height: int
    clip_start: float
    clip_end: float
    type: str = "PERSP"

    @property
    def camera_to_world(self) -> np.ndarray:
        """(4, 4) OpenCV camera to world; its last column is the camera centre."""
        return np.linalg.inv(self.world_to_camera)

    @property
    def camera_to_world_opengl(self) -> np.ndarray:
        """(4, 4) camera to world in OpenGL camera axes (x right, y up, z backward), as
        NeRF, nerfstudio and instant-ngp's ``transform_matrix`` take it; no scale."""
        return self.camera_to_world @ _FLIP

    @property
    def blender_matrix_world(self) -> np.ndarray:
        """(4, 4) Blender's camera matrix (camera looks down -Z, +Y up), without scale."""
        return self.camera_to_world @ _FLIP

    def project(self, points_world: np.ndarray) -> np.ndarray:
        """Pixel coordinates (N, 2) of world points (N, 3), OpenCV convention."""
        pts = np.asarray(points_world, dtype=np.float64).reshape(-1, 3)
        cam = (self.world_to_camera[:3, :3] @ pts.T).T + self.world_to_camera[:3, 3]
        if self.type == "ORTHO":
            uv1 = (self.K @ np.c_[cam[:, :2], np.ones(len(cam))].T).T
            return uv1[:, :2]
        uvw = (self.K @ cam.T).T
        return uvw[:, :2] / uvw[:, 2:3]

    def points_from_depth(self, depth: np.ndarray, world: bool = True) -> np.ndarray:
        """(H, W, 3) float64 3D points of the surface seen at each pixel centre.

        ``depth``: (H, W) planar depth as the reader gives it (scene units, ``inf``
        where nothing was hit). Returns world coordinates (``world=True``) or OpenCV
        camera coordinates; NaN where the depth is not finite.
        """
        depth = np.asarray(depth, dtype=np.float64)
        if depth.shape != (self.height, self.width):
            raise ValueError(f"depth of shape {depth.shape}, the camera is "
                             f"{self.width}x{self.height}")
        u, v = np.meshgrid(np.arange(self.width, dtype=np.float64),
                           np.arange(self.height, dtype=np.float64))
        fx, fy, cx, cy = self.K[0, 0], self.K[1, 1], self.K[0, 2], self.K[1, 2]
        x, y = (u - cx) / fx, (v - cy) / fy
        if self.type == "ORTHO":  # parallel rays: x, y in scene units, depth along z
            cam = np.stack([x, y, depth], axis=-1)
        else:
            cam = np.stack([x * depth, y * depth, depth], axis=-1)
        cam[~np.isfinite(depth)] = np.nan
        if not world:
            return cam
        c2w = self.camera_to_world
        return cam @ c2w[:3, :3].T + c2w[:3, 3]

    def ray_lengths(self) -> np.ndarray:
        """(H, W) float64: length of the ray through each pixel centre per unit of depth.

        ``distance = depth * ray_lengths()`` for a perspective camera; 1 everywhere
        for an orthographic one, whose rays are parallel to its axis.
        """
        if self.type == "ORTHO":
            return np.ones((self.height, self.width))
        inv = np.linalg.inv(self.K)
        u, v = np.meshgrid(np.arange(self.width), np.arange(self.height))
        rays = inv @ np.stack([u.ravel(), v.ravel(), np.ones(u.size)])
        return np.linalg.norm(rays, axis=0).reshape(self.height, self.width)


def intrinsics(
    *,
    lens: float,
    sensor_width: float,
    sensor_height: float,
    sensor_fit: str,
    shift_x: float,
    shift_y: float,
    resolution_x: int,
    resolution_y: int,
    resolution_percentage: int,
    pixel_aspect_x: float,
    pixel_aspect_y: float,
    camera_type: str = "PERSP",
    ortho_scale: float = 1.0,
) -> tuple[np.ndarray, int, int]:
    """OpenCV ``K`` (3, 3), width and height for Blender's camera and render settings.

    ``lens`` and the sensor sizes in mm; ``shift_*`` in units of the larger image side
    as Blender defines them. Follows Blender's ``BKE_camera_params_compute_viewplane``:
    the sensor fit picks the side the sensor size applies to, non-square pixels
    stretch the other axis.
    """
    width = resolution_x * resolution_percentage // 100
    height = resolution_y * resolution_percentage // 100
    size_x, size_y = pixel_aspect_x * width, pixel_aspect_y * height
    fit = sensor_fit
    if fit == "AUTO":
        fit = "HORIZONTAL" if size_x >= size_y else "VERTICAL"
        sensor = sensor_width
    else:
        sensor = sensor_width if fit == "HORIZONTAL" else sensor_height
    aspect = pixel_aspect_y / pixel_aspect_x  # pixel height / pixel width
    view_px = width if fit == "HORIZONTAL" else aspect * height
    if camera_type == "ORTHO":
        fx = view_px / ortho_scale  # pixels per scene unit
    else:
        fx = lens / sensor * view_px
    fy = fx / aspect
    cx = width / 2 - shift_x * view_px - 0.5
    cy = height / 2 + shift_y * view_px / aspect - 0.5
    K = np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]])
    return K, width, height


def world_to_camera_cv(matrix_world) -> np.ndarray:
    """(4, 4) world -> OpenCV camera, from Blender's camera ``matrix_world`` (scale removed)."""
    m = np.array(matrix_world, dtype=np.float64).reshape(4, 4)
    rot = m[:3, :3] / np.linalg.norm(m[:3, :3], axis=0)
    rigid = np.eye(4)
    rigid[:3, :3], rigid[:3, 3] = rot, m[:3, 3]
    return _FLIP @ np.linalg.inv(rigid)


def encode(camera: Camera, frame: int) -> str:
    """Compact one-line text for the EXR header (Blender keeps 511 bytes of the Note)."""
    K, w2c = camera.K, camera.world_to_camera
    data = {
        "f": frame,
        "type": camera.type,
        "size": [camera.width, camera.height],
        "K": [_num(K[0, 0]), _num(K[1, 1]), _num(K[0, 2]), _num(K[1, 2])],
        "w2c": [_num(v) for v in w2c[:3].ravel()],
        "clip": [_num(camera.clip_start), _num(camera.clip_end)],
    }
    return MARKER + json.dumps(data, separators=(",", ":"))


def decode(note: str) -> dict[int, Camera]:
    """The cameras in an EXR Note written by :func:`encode`, by frame (may be empty).

    The Note may hold the user's own text before ours, on earlier lines.
    """
    cameras: dict[int, Camera] = {}
    for line in note.splitlines():
        if not line.startswith(MARKER):
            continue
        data = json.loads(line[len(MARKER):])
        fx, fy, cx, cy = data["K"]
        w2c = np.eye(4)
        w2c[:3] = np.array(data["w2c"], dtype=np.float64).reshape(3, 4)
        cameras[int(data["f"])] = Camera(
            K=np.array([[fx, 0.0, cx], [0.0, fy, cy], [0.0, 0.0, 1.0]]),
            world_to_camera=w2c,
            width=int(data["size"][0]),
            height=int(data["size"][1]),
            clip_start=float(data["clip"][0]),
            clip_end=float(data["clip"][1]),
            type=data["type"],
        )
    return cameras


def _num(value: float) -> float:
    # 7 significant digits: Blender's matrices are 32-bit floats (about 7 digits), and
    # two cameras must fit in the 511 bytes of the Note that reach the file.
    return float(f"{value:.7g}") if math.isfinite(value) else 0.0
