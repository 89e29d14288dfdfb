# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Pictures of ground truth for people. No ``bpy`` here.

- :mod:`.colour`: how each output is coloured (display transform, depth, normals, the
  flow wheel, id colours, the "nothing hit" grey), used by all of the below;
- :mod:`.preview`: one PNG with a titled tile per output of a frame (matplotlib);
- :mod:`.sheet`: one preview PNG a frame, and a contact sheet of a folder (Pillow);
- :mod:`.video`: a video of a folder, a grid of labelled tiles a frame (Pillow, with
  :mod:`.tiles` drawing and :mod:`.writers` encoding MP4 and GIF).

Importing this package imports none of them (nor matplotlib or Pillow).
"""
