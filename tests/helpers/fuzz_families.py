# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""Fuzzing what the reader does around the decoder (issue 24). No Blender.

The families (file ``i`` of run ``seed`` from ``random.Random(f"{seed}/{i}")`` alone,
so any file can be made again):

- ``frame attr``: the ``Frame`` attribute replaced (signs, Unicode digits, thousands
  of digits, text);
- ``frame record``, ``shutter`` (motion blur's record in it, a rolling shutter with row
  cameras and row poses now and then), ``keypoints`` (two sets in it), ``stereo`` (the
  stereo record of a left view), ``amodal``, ``note``, ``manifest``: the add-on's JSON
  records
  mutated by structure (a node replaced by an edge value: singular, huge or
  non-finite matrices, nesting thousands deep, wrong types, lists cut or grown, keys
  dropped; amodal boxes and zlib bombs) or as text (cut, brackets inserted);
- ``multipart``: the frame's layers over two or three parts, of equal or other sizes;
- ``deep``: deep scanline files (or a scanline file whose type says deep);
- ``levels``: valid mip- and rip-mapped tiled files;
- ``pressure``: a large DWAB frame within the budget, read with the child's
  address space lowered to a little above what it uses (the memory-limited child;
  skipped, read normally, when the child has no cap: AddressSanitizer);
- ``threads``: the last files read again from 4 threads at once;
- ``pools``: the last files read again in a process pool of each start method.

Each file is read through both decoding paths, every answer asked (arrays, camera,
poses, names, ids, boxes, light, occlusion order, amodal masks, visible fractions,
distance). The properties: nothing escapes but ``GroundTruthError`` naming the file;
both paths give the same answers and the same errors; reads from threads and from
pools give the answers of the sequential read. Run as the children of
:func:`fuzz_structured.run` (``script=fuzz_families.__file__``), with the same logs::

    python fuzz_families.py child SEEDS_DIR WORK_DIR SEED FIRST COUNT MEMORY_MB
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import multiprocessing
import os
import random
import resource
import signal
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import fuzz_records as fr  # noqa: E402
import fuzz_structured as fs  # noqa: E402
import numpy as np  # noqa: E402

FAMILIES = ("frame attr", "frame record", "shutter", "keypoints", "stereo", "amodal", "note",
            "manifest", "multipart", "deep", "levels", "pressure", "threads", "pools")
# How often each family is drawn (threads and pools run at the end of each child).
_WEIGHTS = {"frame attr": 6, "frame record": 20, "shutter": 10, "keypoints": 8, "stereo": 6,
            "amodal": 18, "note": 8, "manifest": 8, "multipart": 10, "deep": 6, "levels": 6,
            "pressure": 1}
# Answers of this file alone (the other view's, e.g. non_occluded, name that file).
_ANSWERS = ("camera", "poses", "names", "amodal_masks", "instance_id", "boxes()",
            "emitting()", "occlusion_order()", "distance", "visib_fract", "normal",
            "shutter", "row_times", "keypoints", "stereo")
TRIAL_SECONDS = 60

# -- Mutations -------------------------------------------------------------------------

_EDGES = [0, -1, 1, 2**31, -2**31 - 1, 2**63, 10**30, 1e308, -1e308, 1e-320, 0.5, None,
          True, "", "x", "1e999", [], {}, [[0.0] * 4] * 4, [[0.0] * 3] * 3,
          [[1.0, 2.0], [2.0, 4.0]], [[1e308] * 4] * 4, [0, 0, 10**9, 10**9],
          [-10**6, -10**6, 10**6, 10**6], [1, 2, 3], "\u00b2", "--1"]


def _nodes(value) -> list[tuple]:
    """(container, key) of every node under ``value``, iteratively."""
    found, stack = [], [value]
    while stack:
        node = stack.pop()
        pairs = node.items() if isinstance(node, dict) else (
            enumerate(node) if isinstance(node, list) else ())
        for key, child in pairs:
            found.append((node, key))
            stack.append(child)
    return found


def _edge(rng: random.Random):
    value = rng.choice(_EDGES)
    if value == "1e999":
        return float("inf")  # written as Infinity; as 1e999 by _text
    roll = rng.random()
    if roll < 0.08:
        depth = rng.choice((40, 1000, 5000, 50_000))
        return json.loads("[" * min(depth, 500) + "]" * min(depth, 500)) if depth <= 500 \
            else _Deep(depth)
    return copy.deepcopy(value)


class _Deep:
    """A JSON value nested ``depth`` deep, spliced in as text (json cannot write it)."""

    def __init__(self, depth: int):
        self.depth = depth


def mutate_json(rng: random.Random, data, rounds: int | None = None) -> str:
    """``data`` (a JSON value) with 1-3 nodes replaced, dropped, cut or grown, as text."""
    data = copy.deepcopy(data)
    splices = []
    for _ in range(rounds or rng.randint(1, 3)):
        nodes = _nodes(data)
        if not nodes:
            break
        container, key = rng.choice(nodes)
        how = rng.random()
        child = container[key]
        if how < 0.55:
            container[key] = _edge(rng)
        elif how < 0.65 and isinstance(container, dict):
            del container[key]
        elif how < 0.75 and isinstance(child, list) and child:
            container[key] = child[:rng.randrange(len(child))]
        elif how < 0.85 and isinstance(child, list) and child:
            container[key] = child + [copy.deepcopy(rng.choice(child))] * rng.randint(1, 3)
        elif isinstance(child, (int, float)) and not isinstance(child, bool):
            container[key] = rng.choice((-child, child * 1e300, child + 0.5, 0, float("nan")))
        else:
            container[key] = _edge(rng)
        kept = container[key] if isinstance(container, list) or key in container else None
        if isinstance(kept, _Deep):  # (a dropped key is not in its dict any more)
            splices.append(container[key].depth)
            container[key] = f"@@DEEP{len(splices) - 1}@@"
    text = json.dumps(data)
    for i, depth in enumerate(splices):
        text = text.replace(f'"@@DEEP{i}@@"', "[" * depth + "]" * depth)
    return _text(rng, text.replace("Infinity", "1e999") if rng.random() < 0.5 else text)


def _text(rng: random.Random, text: str) -> str:
    """Now and then a text mutation on top: cut, brackets inserted, a byte replaced."""
    roll = rng.random()
    if roll < 0.06:
        return text[:rng.randrange(len(text) + 1)]
    if roll < 0.10:
        at = rng.randrange(len(text) + 1)
        return text[:at] + rng.choice("[{") * rng.randint(1, 3000) + text[at:]
    if roll < 0.14 and text:
        at = rng.randrange(len(text))
        return text[:at] + rng.choice('"\\]}:,0-e\u00b2') + text[at + 1:]
    return text


def _amodal(rng: random.Random) -> str:
    """A valid amodal record of 1-3 masks, then mutated (bombs, boxes, bits)."""
    masks = []
    for name in rng.sample(["Back", "Tilted", "Moving", "Lamp"], rng.randint(1, 3)):
        w, h = rng.randint(1, 40), rng.randint(1, 30)
        x0, y0 = rng.randint(-64, 100), rng.randint(-48, 80)
        bits = np.packbits(np.ones((h, w), bool), axis=1).tobytes()
        masks.append({"name": name, "box": [x0, y0, x0 + w, y0 + h],
                      "bits": base64.b64encode(zlib.compress(bits)).decode()})
    record = json.loads(fr.amodal_record(masks))
    roll = rng.random()
    if roll < 0.2:  # a bomb: inside or outside the canvas
        box = rng.choice(([0, 0, 64, 48], [-64, -48, 128, 96], [0, 0, 4000, 4000]))
        record["masks"][0] = fr.bomb(box, rng.choice((1 << 20, 8 << 20, 4000 * 500)))
        return json.dumps(record)
    if roll < 0.3:  # bits that are not what the box says
        record["masks"][0]["bits"] = rng.choice(
            ("", "!!", base64.b64encode(os.urandom(rng.randint(1, 64))).decode(),
             base64.b64encode(zlib.compress(bytes(rng.randint(0, 400)))).decode()))
        return json.dumps(record)
    if roll < 0.35:  # the same name twice
        record["masks"].append(dict(record["masks"][0]))
        return json.dumps(record)
    return mutate_json(rng, record)


def _note(rng: random.Random) -> str:
    record = fr.record()
    cam = record["camera"]
    (fx, _, cx), (_, fy, cy), _ = cam["K"]
    line = {"f": 2, "K": [fx, fy, cx, cy], "w2c": cam["world_to_camera"][:3],
            "size": cam["size"], "clip": cam["clip"], "type": cam["type"]}
    return "user text [[\nblender-gt camera " + mutate_json(rng, line)


def make(rng: random.Random, family: str, path: Path) -> None:
    """File of ``family`` at ``path``."""
    if family == "frame attr":
        frame = rng.choice(("--1", "\u00b2", "\u0663", "9" * rng.choice((16, 5000)), "+2",
                            " 2 ", "2.0", "0x2", "1_0", "", "-0", "002", "-" * 5))
        fr.ours(path, Frame=frame)
    elif family == "frame record":
        fr.ours(path, attributes={fr.FRAME_KEY: mutate_json(rng, fr.record())})
    elif family == "shutter":
        # Spliced in as text: the mutation may leave it no JSON at all.
        shutter = mutate_json(rng, fr.shutter_record(rng.random() < 0.7))
        text = json.dumps(fr.record())[:-1] + ', "shutter": ' + shutter + "}"
        fr.ours(path, attributes={fr.FRAME_KEY: text})
    elif family == "keypoints":
        entry = mutate_json(rng, fr.keypoints_record())
        text = json.dumps(fr.record())[:-1] + ', "keypoints": ' + entry + "}"
        fr.ours(path, attributes={fr.FRAME_KEY: text})
    elif family == "stereo":
        fr.ours(path, attributes={fr.STEREO_KEY: _text(rng, mutate_json(rng, fr.stereo_record(
            path.name)))})
    elif family == "amodal":
        fr.ours(path, attributes={fr.AMODAL_KEY: _amodal(rng)})
    elif family == "note":
        fr.ours(path, Note=_note(rng), attributes={fr.FRAME_KEY: None})
    elif family == "manifest":
        manifest = json.loads(fr.analytic()[0][fr.MANIFEST_KEY])
        fr.ours(path, attributes={fr.MANIFEST_KEY: mutate_json(rng, manifest)})
    elif family == "multipart":
        size = rng.choice(((64, 48), (20, 10), (80, 60), (64, 47), (1, 1)))
        layers = tuple(rng.sample(["depth", "image", "cryptomatte_object", "normal",
                                   "position", "vector"], rng.randint(1, 3)))
        fr.multipart(path, size, layers)
    elif family == "deep":
        if rng.random() < 0.7:
            fr.deep(path, rng.randint(1, 16), rng.randint(1, 12), rng.randint(1, 3))
        else:  # a flat file whose type attribute says deep
            data = fr.ours(path).read_bytes()
            path.write_bytes(fs.with_attribute(data, "type", "string", b"deepscanline"))
    elif family == "levels":
        extra = {fr.FRAME_KEY: json.dumps(fr.record())} if rng.random() < 0.3 else None
        fr.tiled_levels(path, rng.choice(("MIPMAP", "RIPMAP")), rng.choice((1, 2, 5, 16)),
                        rng.choice((1, 4, 8, 32)), extra)
    elif family == "pressure":
        import OpenEXR

        side = rng.choice((1024, 1536, 2048))
        planes = {f"image.{c}": np.full((side, side), 0.5, np.float32) for c in "RGBA"}
        planes["depth.V"] = np.full((side, side), 3.0, np.float32)
        OpenEXR.File({"compression": OpenEXR.DWAB_COMPRESSION,
                      "type": OpenEXR.scanlineimage}, planes).write(str(path))
    else:
        raise ValueError(family)


def draw(seed: int, index: int) -> tuple[random.Random, str]:
    rng = random.Random(f"{seed}/{index}")
    families = list(_WEIGHTS)
    return rng, rng.choices(families, [_WEIGHTS[f] for f in families])[0]


# -- Reading -----------------------------------------------------------------------------


def _digest(value) -> str:
    """A digest of any answer: arrays (NaNs alike), dataclasses, dicts, lists, numbers."""
    h = hashlib.sha1()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, np.ndarray):
            h.update(fs._digest(v).encode())
        elif isinstance(v, dict):
            h.update(b"{")
            stack.extend(x for kv in sorted(v.items(), key=lambda kv: repr(kv[0]))
                         for x in kv)
        elif isinstance(v, (list, tuple)):
            h.update(b"[")
            stack.extend(v)
        elif hasattr(v, "__dataclass_fields__"):
            h.update(type(v).__name__.encode())
            stack.extend(getattr(v, f) for f in v.__dataclass_fields__)
        else:
            h.update(repr(v).encode())
    return h.hexdigest()[:16]


def answers(path: Path) -> dict:
    """{answer: ("ok", digest) | ("GroundTruthError", message without the path) |
    (another type, message)} of one read of ``path`` (a failing ``reader.read``: its
    outcome under ``"read"``)."""
    from blender_gt_addon import reader

    def outcome(get) -> tuple:
        try:
            return ("ok", _digest(get()))
        except reader.GroundTruthError as exc:
            message = str(exc)
            if not message.startswith(f"{path}: "):
                return ("message without the file", message[:300])
            return ("GroundTruthError", message.replace(str(path), "<file>")[:300])
        except Exception as exc:  # noqa: BLE001 - what escapes is what is judged
            return (type(exc).__name__, str(exc)[:300])

    opened = outcome(lambda: reader.read(path))
    if opened[0] != "ok":
        return {"read": opened}
    gt = reader.read(path)
    got = {layer: outcome(lambda layer=layer: gt.get(layer)) for layer in gt.passes}
    for name in _ANSWERS:
        got[name] = outcome(lambda name=name: (getattr(gt, name.removesuffix("()"))()
                                               if name.endswith("()")
                                               else getattr(gt, name)))
    # Asked only of blurred frames and stereo views (others refuse them, as they should).
    got["exposure_motion"] = outcome(lambda: gt.exposure_motion if gt.shutter else None)
    got["disparity"] = outcome(lambda: gt.disparity if gt.stereo else None)
    return got


def read_both(path: Path) -> tuple[dict, dict]:
    from blender_gt_addon.reader import native

    native.ENABLED = True
    try:
        first = answers(path)
        native.ENABLED = False
        second = answers(path)
    finally:
        native.ENABLED = True
    return first, second


def kind_of(got: dict) -> str:
    """"read" when every answer came, else the first refusal's reason (digits as N)."""
    import re

    for value in got.values():
        if value[0] != "ok":
            reason = re.sub(r"\d+", "N", value[1].removeprefix("<file>: "))
            head = "refused: " if value[0] == "GroundTruthError" else f"{value[0]}: "
            return head + reason[:90]
    return "read"


def _problem(native_got: dict, planes_got: dict) -> str | None:
    for got, name in ((native_got, "native"), (planes_got, "planes")):
        bad = {k: v for k, v in got.items() if v[0] not in ("ok", "GroundTruthError")}
        if bad:
            return f"{name} path: {json.dumps(bad)[:500]}"
    if native_got != planes_got:
        diff = {k: (native_got.get(k), planes_got.get(k)) for k in set(native_got) | set(
            planes_got) if native_got.get(k) != planes_got.get(k)}
        return f"the paths disagree: {json.dumps(diff)[:500]}"
    return None


def _under_pressure(path: Path, rng: random.Random) -> tuple[dict, dict]:
    """Both paths with the soft address-space limit lowered to what the process maps
    now plus 50-700 MiB (restored after); a child without a cap reads normally."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard == resource.RLIM_INFINITY:
        return read_both(path)
    mapped = 0
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            mapped = int(line.split()[1]) << 10
    limit = min(hard, mapped + (rng.randint(50, 700) << 20))
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        return read_both(path)
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def _native_answers(path: str) -> dict:
    """:func:`answers` on the native path (the default), for pools."""
    return answers(Path(path))


def _again_in_threads(paths: list[Path], expected: list[dict]) -> str | None:
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda p: answers(p), paths * 2))
    for path, want, have in zip(paths * 2, expected * 2, got, strict=True):
        if have != want:
            return f"threads: {path.name} {json.dumps(have)[:300]} != {json.dumps(want)[:300]}"
    return None


def _again_in_pools(paths: list[Path], expected: list[dict]) -> str | None:
    for method in ("fork", "forkserver", "spawn"):
        with multiprocessing.get_context(method).Pool(2) as pool:
            got = pool.map_async(_native_answers, [str(p) for p in paths]).get(timeout=300)
        for path, want, have in zip(paths, expected, got, strict=True):
            if have != want:
                return (f"pool ({method}): {path.name} {json.dumps(have)[:300]} != "
                        f"{json.dumps(want)[:300]}")
    return None


# -- The child ---------------------------------------------------------------------------


def child(seeds_dir: Path, work: Path, seed: int, first: int, count: int, memory_mb: int) -> int:
    """Files first .. first + count - 1, logged as :func:`fuzz_structured.child` logs
    (``seed file``: the family), then the last files again from threads and pools."""
    if memory_mb:
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    fs._load_kernels()
    from blender_gt_addon.reader import convert, native

    work.mkdir(parents=True, exist_ok=True)
    current = work / "current.exr"
    kept = work / "kept"
    kept.mkdir(exist_ok=True)
    log = open(work / f"log-{first}.jsonl", "w", buffering=1)
    started = time.monotonic()
    recent: list[tuple[Path, dict]] = []
    for index in range(first, first + count):
        rng, family = draw(seed, index)
        current.unlink(missing_ok=True)
        signal.alarm(TRIAL_SECONDS)
        make(rng, family, current)
        if family == "pressure":
            native_got, planes_got = _under_pressure(current, rng)
        else:
            native_got, planes_got = read_both(current)
        signal.alarm(0)
        line = {"index": index, "seed file": family, "mutation": family,
                "kind": kind_of(native_got)}
        problem = _problem(native_got, planes_got)
        if problem:
            keep = work / f"disagree-{seed}-{index}.exr"
            keep.write_bytes(current.read_bytes())
            line.update(problem=problem[:600], file=str(keep))
        elif family != "pressure" and len(recent) < 6 and index % 7 == 0:
            copy_path = kept / f"{index}.exr"
            copy_path.write_bytes(current.read_bytes())
            recent.append((copy_path, native_got))
        log.write(json.dumps(line) + "\n")
    # The kept files again: from 4 threads at once, and in a pool of each start method.
    if recent:
        paths, expected = [p for p, _ in recent], [g for _, g in recent]
        signal.alarm(600)
        for family, check in (("threads", _again_in_threads), ("pools", _again_in_pools)):
            problem = check(paths, expected)
            line = {"index": -1, "seed file": family, "mutation": family,
                    "kind": "read again" if problem is None else "differs"}
            if problem:
                line.update(problem=problem[:600], file=str(paths[0]))
            log.write(json.dumps(line) + "\n")
        signal.alarm(0)
    log.close()
    result = {"first": first, "count": count, "seconds": round(time.monotonic() - started, 1),
              "max_rss_mb": fs.peak_mb(), "native": native.available(),
              "kernels": getattr(convert._kernels, "__file__", None)}
    (work / f"result-{first}.json").write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command != "child":
        sys.exit(f"unknown command {command!r}")
    code = child(Path(args[0]), Path(args[1]), int(args[2]), int(args[3]), int(args[4]),
                 int(args[5]))
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
