# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The video encoders of :mod:`.video`: MP4 (imageio + imageio-ffmpeg) and GIF
(Pillow). Each takes (H, W, 3) uint8 frames one at a time (``append``), then
``close`` (writes the file) or ``abort``. No ``bpy`` here; the encoder's package is
imported when a writer is made.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["WRITERS", "GifWriter", "Mp4Writer", "require"]


class Mp4Writer:
    """H.264 MP4 through imageio and imageio-ffmpeg (its own ffmpeg binary), CRF 18,
    yuv420p (so width and height must be even), ``+faststart``."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        import imageio.v2 as imageio
        import imageio_ffmpeg  # noqa: F401  (the encoder; a clear error when it is missing)

        self._writer = imageio.get_writer(
            str(path), format="FFMPEG", mode="I", fps=fps, codec="libx264", quality=None,
            pixelformat="yuv420p", macro_block_size=2, ffmpeg_log_level="error",
            output_params=["-crf", "18", "-movflags", "+faststart"])

    def append(self, frame: np.ndarray) -> None:
        self._writer.append_data(frame)

    def close(self) -> None:
        self._writer.close()

    def abort(self) -> None:
        try:
            self._writer.close()
        except Exception:  # already failing: the first error is the one to report
            pass


class GifWriter:
    """Frames kept as RGB, then one shared palette (no dithering) and Pillow's GIF writer."""

    def __init__(self, path: Path, fps: float, size: tuple[int, int]):
        from PIL import Image  # noqa: F401  (fail before any work when Pillow is missing)

        self.path, self.fps = path, fps
        self._frames: list[np.ndarray] = []

    def append(self, frame: np.ndarray) -> None:
        self._frames.append(frame)

    def abort(self) -> None:
        self._frames.clear()

    def close(self) -> None:
        from PIL import Image

        frames = self._frames
        # The palette of evenly spread frames, side by side (at most 8).
        pick = np.unique(np.linspace(0, len(frames) - 1, min(len(frames), 8)).round()
                         .astype(int))
        sample = Image.fromarray(np.concatenate([frames[i] for i in pick], axis=0), "RGB")
        palette = sample.quantize(colors=256, method=Image.Quantize.MEDIANCUT,
                                  dither=Image.Dither.NONE)
        images = []
        while frames:
            images.append(Image.fromarray(frames.pop(0), "RGB").quantize(
                palette=palette, dither=Image.Dither.NONE))
        duration = max(20, round(1000 / self.fps / 10) * 10)  # GIF counts centiseconds
        images[0].save(self.path, format="GIF", save_all=True, append_images=images[1:],
                       duration=duration, loop=0, optimize=False, disposal=1)


# The video's suffix (lower case) -> its writer.
WRITERS: dict[str, type[Mp4Writer] | type[GifWriter]] = {".mp4": Mp4Writer, ".gif": GifWriter}


def require(suffix: str) -> None:
    """Import the encoder of ``suffix`` now, so a missing package fails before any work
    (ImportError naming it). Pillow, which GIF needs, is needed for drawing anyway."""
    if suffix == ".mp4":
        import imageio.v2  # noqa: F401
        import imageio_ffmpeg  # noqa: F401
