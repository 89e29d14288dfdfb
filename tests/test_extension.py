# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Blender extension: what users download is what is tested.

``scripts/build_extension.sh`` builds the zip with Blender's own extension tool;
the zip is validated with that tool, installed into a fresh Blender user folder
the way *Install from Disk* does (the real operator), enabled by its extension
module name, and rendered with; the file it writes is read back. The child
Python that does it cannot import the repository's copy of the package, so the
installed files alone must work. And a .blend saved with the add-on opens and
renders in a Blender without it.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import blender_logs
import pytest

from blender_gt_addon import bpyjob

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "blender_gt_addon"
MANIFEST = tomllib.loads((PACKAGE / "blender_manifest.toml").read_text())
MODULE = f"bl_ext.user_default.{MANIFEST['id']}"
TIMEOUT = float(os.environ.get("GT_JOB_TIMEOUT", "240"))


def _blender_ext_tool() -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec("bpy")
    if spec is None or not spec.submodule_search_locations:
        return None
    found = sorted(Path(spec.submodule_search_locations[0]).glob(
        "*/scripts/addons_core/bl_pkg/cli/blender_ext.py"))
    return found[-1] if found else None


needs_tool = pytest.mark.skipif(_blender_ext_tool() is None,
                                reason="bpy (with Blender's extension tool) is not installed")


# ------------------------------------------------------------------ the manifest


def test_manifest_says_what_blender_needs():
    assert MANIFEST["schema_version"] == "1.0.0"
    assert MANIFEST["id"] == "blender_gt" and MANIFEST["type"] == "add-on"
    assert MANIFEST["blender_version_min"] == "4.2.0"
    assert MANIFEST["license"] == ["SPDX:GPL-3.0-or-later"]
    assert MANIFEST["tagline"] and MANIFEST["maintainer"]
    # It writes files, and says why.
    assert set(MANIFEST["permissions"]) == {"files"}
    assert len(MANIFEST["permissions"]["files"]) > 10


def test_one_version_everywhere():
    import blender_gt_addon

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert MANIFEST["version"] == blender_gt_addon.__version__ == pyproject["project"]["version"]
    # bl_info is for a legacy install (a copy in scripts/addons): Blender lists an
    # add-on there only with it; extensions ignore it.
    assert blender_gt_addon.bl_info["version"] == tuple(
        int(v) for v in MANIFEST["version"].split("."))
    assert blender_gt_addon.bl_info["blender"] == (4, 2, 0)


def _addon_modules() -> list[Path]:
    """The modules Blender imports when the add-on is enabled."""
    return [PACKAGE / "__init__.py", PACKAGE / "outputs.py", PACKAGE / "camera.py",
            *sorted((PACKAGE / "blender").glob("*.py"))]


def test_addon_imports_itself_only_relatively():
    """Installed as an extension the package is ``bl_ext.<repo>.blender_gt``: an
    absolute import of ``blender_gt_addon`` would fail (or find another copy)."""
    for path in _addon_modules():
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] != "blender_gt_addon", f"{path.name}: import {name}"


# ------------------------------------------------------------------ the zip


@pytest.fixture(scope="session")
def extension_zip(tmp_path_factory) -> Path:
    """The zip as users get it: built by the one command, with this test's Blender."""
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(["bash", str(ROOT / "scripts" / "build_extension.sh"), str(out)],
                          env={**os.environ, "GT_PYTHON": sys.executable},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    path = Path(done.stdout.strip().splitlines()[-1])
    assert path == out / f"{MANIFEST['id']}-{MANIFEST['version']}.zip"
    return path


@needs_tool
def test_zip_holds_the_package_and_nothing_else(extension_zip):
    with zipfile.ZipFile(extension_zip) as z:
        names = set(z.namelist())
    expected = {p.relative_to(PACKAGE).as_posix() for p in PACKAGE.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
                and p.suffix not in (".pyc", ".so", ".pyd", ".c", ".h")}
    assert "blender_manifest.toml" in names and "__init__.py" in names
    assert "blender/compat.py" in names and "reader/__init__.py" in names
    assert names == expected
    for name in names:
        assert not name.startswith(("tests/", "docs/", "scripts/", ".")), name
        assert "__pycache__" not in name and not name.endswith((".pyc", ".so", ".c", ".h")), name


@needs_tool
def test_blenders_tool_validates_the_zip(extension_zip):
    done = subprocess.run([sys.executable, str(_blender_ext_tool()), "validate",
                           str(extension_zip)], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Success" in done.stdout
    assert "error" not in (done.stdout + done.stderr).lower()


# ------------------------------------------------------------ Blender without the repository

# Runs in a child Python with bpy, from a file, with the repository's package made
# unimportable: only what Blender installed can be used.
_CHILD = r'''
import json, os, sys, traceback
sys.modules["blender_gt_addon"] = None  # the repository's copy (or an editable install)

import bpy  # first: it puts Blender's own modules (addon_utils) on sys.path
import addon_utils


def scene_for_ground_truth(directory):
    scene = bpy.context.scene
    scene.render.engine = "CYCLES"
    scene.cycles.device = "CPU"
    scene.cycles.samples = 4
    scene.cycles.use_denoising = False
    scene.render.resolution_x, scene.render.resolution_y = 64, 48
    scene.render.resolution_percentage = 100
    scene.frame_start, scene.frame_end = 1, 2
    cam = bpy.data.objects.new("Camera", bpy.data.cameras.new("Camera"))
    cam.location = (0.0, 0.0, 10.0)
    scene.collection.objects.link(cam)
    scene.camera = cam
    sun = bpy.data.objects.new("Sun", bpy.data.lights.new("Sun", "SUN"))
    scene.collection.objects.link(sun)
    mesh = bpy.data.meshes.new("Cube")
    s = 1.5
    mesh.from_pydata([(-s, -s, 0), (s, -s, 0), (s, s, 0), (-s, s, 0)], [], [(0, 1, 2, 3)])
    cube = bpy.data.objects.new("Cube", mesh)
    cube.pass_index = 7
    scene.collection.objects.link(cube)
    cube.location = (0.0, 0.0, 0.0)
    cube.keyframe_insert("location", frame=1)
    cube.location = (0.5, 0.0, 0.0)
    cube.keyframe_insert("location", frame=2)
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.frame_set(1)
    return scene


def install_and_render(zip_path, directory):
    bpy.ops.wm.read_factory_settings(use_empty=True)  # before: it resets the add-ons too
    repos = [r.module for r in bpy.context.preferences.extensions.repos]
    # What "Install from Disk..." runs.
    status = bpy.ops.extensions.package_install_files(
        filepath=zip_path, repo="user_default", enable_on_install=False)
    installed = sorted(n for n in os.listdir(os.path.join(
        os.environ["BLENDER_USER_EXTENSIONS"], "user_default")) if not n.startswith("."))
    errors = []
    module = addon_utils.enable(MODULE, default_set=True, handle_error=errors.append)
    if module is None:
        raise RuntimeError(f"could not enable {MODULE}: {errors}")
    scene = scene_for_ground_truth(directory)
    gt = scene.groundtruth
    gt.directory = directory
    gt.file_prefix = "ext_"
    for key in ("image", "depth", "normal", "flow", "object_index", "instance_id"):
        setattr(gt, "use_" + key, True)
    bpy.ops.render.render(animation=True)
    ours = sorted(m for m in sys.modules if m == MODULE or m.startswith(MODULE + "."))
    result = {
        "status": sorted(status), "repos": repos, "installed": installed,
        "module_file": module.__file__, "modules": ours,
        "repo_copy": [m for m in sys.modules if m.startswith("blender_gt_addon.")],
        "panel": hasattr(bpy.types, "VIEW3D_PT_groundtruth"),
        "last_error": gt.last_error, "files": sorted(os.listdir(directory)),
    }
    addon_utils.disable(MODULE, default_set=True)
    result["after_disable"] = hasattr(bpy.types.Scene, "groundtruth")
    return result


def open_and_render(blend, directory):
    bpy.ops.wm.open_mainfile(filepath=blend)
    scene = bpy.context.scene
    scene.render.filepath = os.path.join(directory, "beauty_")
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    return {"has_settings_class": hasattr(bpy.types.Scene, "groundtruth"),
            "addons": [a.module for a in bpy.context.preferences.addons],
            "files": sorted(os.listdir(directory))}


if __name__ == "__main__":
    args = json.loads(sys.argv[2])
    MODULE = args.pop("module", "")
    status = 1
    try:
        value = globals()[sys.argv[1]](**args.pop("kwargs"))
        with open(args["result"], "w") as f:
            json.dump(value, f)
        status = 0
    except BaseException:
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)  # a Python that rendered with bpy can hang in its normal exit
'''


def _run_without_repository(tmp_path: Path, function: str, **kwargs) -> tuple[dict, str]:
    """Run ``function`` of the child script above in a fresh Blender user folder."""
    script = tmp_path / "child.py"
    script.write_text(_CHILD)
    result = tmp_path / "result.json"
    env = bpyjob.blender_env(tmp_path / "user")
    env.pop("PYTHONPATH", None)
    args = {"module": MODULE, "result": str(result), "kwargs": kwargs}
    # -I: neither the script's folder, the current folder nor PYTHON* variables on sys.path.
    done = subprocess.run([sys.executable, "-I", str(script), function, json.dumps(args)],
                          cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace",
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)
    assert done.returncode == 0 and result.exists(), done.stdout[-4000:]
    return json.loads(result.read_text()), done.stdout


@pytest.mark.blender
def test_zip_installed_like_install_from_disk_renders_ground_truth(extension_zip, tmp_path):
    from blender_gt_addon import outputs, reader

    out = tmp_path / "out"
    out.mkdir()
    value, log = _run_without_repository(tmp_path, "install_and_render",
                                         zip_path=str(extension_zip), directory=f"{out}/")
    assert value["status"] == ["FINISHED"]
    assert value["installed"] == [MANIFEST["id"]]
    user_ext = tmp_path / "user" / "extensions" / "user_default" / MANIFEST["id"]
    assert Path(value["module_file"]) == user_ext / "__init__.py"
    assert f"{MODULE}.blender.compat" in value["modules"]
    assert value["repo_copy"] == []  # nothing came from the repository
    assert value["panel"] and value["last_error"] == ""
    assert not value["after_disable"]  # disabling takes the settings class away
    assert "Traceback" not in log
    assert value["files"] == ["beauty_0001.png", "beauty_0002.png", "ext_0001.exr",
                              "ext_0002.exr"]
    # The files installed are exactly those of the zip.
    with zipfile.ZipFile(extension_zip) as z:
        zipped = {n for n in z.namelist() if not n.endswith("/")}
    on_disk = {p.relative_to(user_ext).as_posix() for p in user_ext.rglob("*")
               if p.is_file() and "__pycache__" not in p.parts}
    assert on_disk == zipped

    gt = reader.read(out / "ext_0001.exr")
    assert gt.passes == ("image", "depth", "normal", "vector", "object_index",
                         "cryptomatte_object")
    expected = {f"{o.layer}.{c}" for o in outputs.OUTPUTS
                if o.layer in gt.passes for c in o.channels}
    assert set(gt.channels) == expected
    centre = (gt.height // 2, gt.width // 2)
    assert gt.depth[centre] == pytest.approx(10.0, abs=1e-4)
    assert gt.object_index[centre] == 7
    assert gt.names[int(gt.instance_id[centre])] == "Cube"
    assert set(gt.names.values()) == {"Cube"}
    assert gt.camera is not None and gt.camera.width == 64
    # The plane moves 0.5 right at distance 10: 50/36*64*0.05 px to the right.
    assert gt.flow_forward[centre][0] == pytest.approx(50 / 36 * 64 * 0.05, abs=0.01)


def save_blend_with_addon(blend: str, with_addon: str, without_addon: str) -> dict:
    """Job (child, with the add-on): render frame 2 into ``with_addon``, then save the
    .blend set to write into ``without_addon``."""
    import bpy
    import scenes

    scene = scenes.build_analytic_scene()
    scenes._enable_all(scene, with_addon)
    scene.render.filepath = os.path.join(with_addon, "beauty_")
    scene.frame_set(2)
    bpy.ops.render.render(write_still=True)
    scene.groundtruth.directory = without_addon
    bpy.ops.wm.save_as_mainfile(filepath=blend)
    return {"files": sorted(os.listdir(with_addon))}


@pytest.mark.blender
def test_blend_saved_with_the_addon_renders_in_a_blender_without_it(run_job, tmp_path):
    from blender_gt_addon import reader

    with_addon, without_addon = tmp_path / "with", tmp_path / "without"
    with_addon.mkdir()
    without_addon.mkdir()
    blend = tmp_path / "scene.blend"
    run_job("test_extension:save_blend_with_addon", blend=str(blend),
            with_addon=f"{with_addon}/", without_addon=f"{without_addon}/")
    value, log = _run_without_repository(tmp_path, "open_and_render", blend=str(blend),
                                         directory=f"{without_addon}/")
    assert not value["has_settings_class"]
    assert not any("blender_gt" in a for a in value["addons"])
    assert blender_logs.problems(log) == [], log
    # The add-on's nodes are ordinary nodes: Blender writes the same file by itself.
    assert "gt_0002.exr" in value["files"]
    ours = reader.read(with_addon / "gt_0002.exr")
    theirs = reader.read(without_addon / "gt_0002.exr")
    for name in ("depth", "normal", "vector", "object_index", "material_index", "emission"):
        assert (getattr(ours, name) == getattr(theirs, name)).all(), name
