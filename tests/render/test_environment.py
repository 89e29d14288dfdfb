# SPDX-FileCopyrightText: 2026 blender-gt authors
# SPDX-License-Identifier: GPL-3.0-or-later
"""The shard of ``blender-gt render`` from a job system's environment: Slurm array
tasks, Kubernetes Indexed Jobs (and the manifest in scripts/jobs), ``BLENDER_GT_SHARD``;
an explicit shard wins. No Blender, but for the one render at the end."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest
from cli_scenes import blends, cli, exr_files

from blender_gt_addon.render import ShardChoice, choose_shard, shard_frames, shard_from_environment

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "scripts" / "jobs" / "render_indexed_job.yaml"
SBATCH = ROOT / "scripts" / "jobs" / "render_array.sbatch"
FRAMES = list(range(1, 101))


def slurm(task: int, low: int, high: int, step: int = 1, count: int | None = None) -> dict:
    """The variables Slurm sets for task ``task`` of ``--array=low-high:step``
    (as seen from a one-node cluster: scripts/slurm.sh)."""
    if count is None:
        count = (high - low) // step + 1
    return {"SLURM_ARRAY_JOB_ID": "7", "SLURM_ARRAY_TASK_ID": str(task),
            "SLURM_ARRAY_TASK_MIN": str(low), "SLURM_ARRAY_TASK_MAX": str(high),
            "SLURM_ARRAY_TASK_STEP": str(step), "SLURM_ARRAY_TASK_COUNT": str(count)}


def every_frame_once(choices: list[ShardChoice]) -> bool:
    shares = [shard_frames(FRAMES, c.shard) for c in choices]
    return sorted(sum(shares, [])) == FRAMES and all(shares)


# ------------------------------------------------------------------------ Slurm


@pytest.mark.parametrize(("low", "high", "step"), [(0, 2, 1), (1, 3, 1), (0, 8, 4), (5, 5, 1)])
def test_the_tasks_of_a_slurm_array_share_the_frames(low, high, step):
    tasks = range(low, high + 1, step)
    choices = [shard_from_environment(slurm(t, low, high, step)) for t in tasks]
    assert [c.shard for c in choices] == [(i, len(tasks)) for i in range(len(tasks))]
    assert every_frame_once(choices)
    assert all(c.from_environment for c in choices)
    assert choices[0].source.startswith(f"Slurm array task (SLURM_ARRAY_TASK_ID={low}, ")
    assert choices[0].describe().startswith(f"shard 0/{len(tasks)} from Slurm array task")


def test_slurm_count_alone_makes_the_task_id_the_index():
    env = {"SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"}
    assert shard_from_environment(env).shard == (2, 3)


def test_a_shard_count_resubmits_some_tasks_of_a_larger_array():
    # sbatch --array=2 --export=ALL,BLENDER_GT_SHARD_COUNT=3: task 2 of the first 3.
    env = {**slurm(2, 2, 2), "BLENDER_GT_SHARD_COUNT": "3"}
    choice = shard_from_environment(env)
    assert choice.shard == (2, 3)
    assert "BLENDER_GT_SHARD_COUNT=3" in choice.source


@pytest.mark.parametrize(("env", "words"), [
    ({**slurm(5, 1, 6, count=3)}, "not evenly spaced"),  # --array=1,5,6
    ({"SLURM_ARRAY_TASK_ID": "1"}, "SLURM_ARRAY_TASK_COUNT"),
    ({"SLURM_ARRAY_TASK_ID": "x", "SLURM_ARRAY_TASK_COUNT": "3"}, "'x' is not a whole number"),
    ({**slurm(3, 0, 2), "BLENDER_GT_SHARD_COUNT": "3"}, "index must be 0 to 2"),
    ({**slurm(1, 0, 4, step=2)}, "not on the array's step"),
])
def test_slurm_variables_that_cannot_give_a_shard_are_refused(env, words):
    with pytest.raises(ValueError, match=words):
        shard_from_environment(env)


# ------------------------------------------------------------------- Kubernetes


def test_kubernetes_indexed_job_with_its_count():
    choices = [shard_from_environment({"JOB_COMPLETION_INDEX": str(i),
                                       "BLENDER_GT_SHARD_COUNT": "4"}) for i in range(4)]
    assert [c.shard for c in choices] == [(i, 4) for i in range(4)]
    assert every_frame_once(choices)
    assert choices[1].source == ("Kubernetes Indexed Job (JOB_COMPLETION_INDEX=1, "
                                 "BLENDER_GT_SHARD_COUNT=4)")


@pytest.mark.parametrize(("env", "words"), [
    ({"JOB_COMPLETION_INDEX": "1"}, "set BLENDER_GT_SHARD_COUNT to the Job's completions"),
    ({"JOB_COMPLETION_INDEX": "4", "BLENDER_GT_SHARD_COUNT": "4"}, "index must be 0 to 3"),
    ({"JOB_COMPLETION_INDEX": "0", "BLENDER_GT_SHARD_COUNT": "0"}, "shard from Kubernetes"),
])
def test_kubernetes_index_without_a_usable_count_is_refused(env, words):
    with pytest.raises(ValueError, match=words):
        shard_from_environment(env)


def test_the_indexed_job_manifest_gives_every_pod_its_share():
    yaml = pytest.importorskip("yaml", reason="PyYAML reads the manifest (pip install pyyaml)")
    job = yaml.safe_load(MANIFEST.read_text())
    spec = job["spec"]
    assert (job["apiVersion"], job["kind"], spec["completionMode"]) == (
        "batch/v1", "Job", "Indexed")
    (container,) = spec["template"]["spec"]["containers"]
    assert container["command"][:2] == ["blender-gt", "render"]
    assert "--resume" in container["command"] and "--shard" not in container["command"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["BLENDER_GT_SHARD_COUNT"]) == spec["completions"]
    # Each pod: the manifest's variables plus the index Kubernetes adds.
    choices = [shard_from_environment({**env, "JOB_COMPLETION_INDEX": str(i)})
               for i in range(spec["completions"])]
    assert every_frame_once(choices)


# ---------------------------------------------------------------- which one wins


def test_an_explicit_shard_wins_over_the_environment():
    env = {**slurm(1, 0, 2), "JOB_COMPLETION_INDEX": "0", "BLENDER_GT_SHARD_COUNT": "2",
           "BLENDER_GT_SHARD": "0/5"}
    assert choose_shard("3/4", env) == ShardChoice((3, 4), "--shard")
    assert choose_shard((0, 2), env).shard == (0, 2)
    assert choose_shard(None, env).shard == (0, 5)  # BLENDER_GT_SHARD, then Slurm
    del env["BLENDER_GT_SHARD"]
    assert choose_shard(None, env).source.startswith("Slurm")  # Slurm before Kubernetes


def test_no_array_task_means_every_frame():
    for env in ({}, {"SLURM_JOB_ID": "12"}, {"BLENDER_GT_SHARD_COUNT": "3"}):
        choice = shard_from_environment(env)
        assert choice.shard is None and not choice.from_environment
    assert "no task index" in shard_from_environment({"BLENDER_GT_SHARD_COUNT": "3"}).source


def test_bad_blender_gt_shard_names_the_variable():
    with pytest.raises(ValueError, match="BLENDER_GT_SHARD=3/3: shard '3/3'"):
        shard_from_environment({"BLENDER_GT_SHARD": "3/3"})


def test_the_sbatch_script_is_an_array_that_resumes():
    text = SBATCH.read_text()
    assert text.startswith("#!/bin/bash\n")
    assert "#SBATCH --array=0-2\n" in text
    assert 'render "$blend" -o "$out" --resume "$@"' in text and "--shard" not in text.split(
        "set -euo pipefail")[1]


# ------------------------------------------------------------- the command line


def _clean_env(**variables: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("SLURM_", "JOB_COMPLETION", "BLENDER_GT_SHARD"))}
    return {**env, **variables}


@pytest.mark.skipif(importlib.util.find_spec("bpy") is None,
                    reason="the render command checks for bpy before the shard")
def test_command_line_refuses_an_index_without_a_count(tmp_path):
    blend = tmp_path / "scene.blend"
    blend.write_bytes(b"BLENDER")  # never opened: the shard is refused first
    done = cli("render", blend, "-o", tmp_path / "gt",
               env=_clean_env(JOB_COMPLETION_INDEX="1"))
    assert done.returncode != 0
    assert "JOB_COMPLETION_INDEX=1" in done.stderr and "BLENDER_GT_SHARD_COUNT" in done.stderr
    assert not (tmp_path / "gt").exists()


@pytest.mark.blender
def test_a_kubernetes_pod_renders_its_share_and_says_so(run_job, tmp_path_factory, tmp_path):
    blend = blends(run_job, tmp_path_factory)["anim"]  # frames 1-4
    out = tmp_path / "gt"
    done = cli("render", blend, "-o", out,
               env=_clean_env(JOB_COMPLETION_INDEX="1", BLENDER_GT_SHARD_COUNT="2"))
    assert done.returncode == 0, done.stdout + done.stderr
    source = "Kubernetes Indexed Job (JOB_COMPLETION_INDEX=1, BLENDER_GT_SHARD_COUNT=2)"
    lines = done.stdout.splitlines()
    assert lines[0] == f"shard 1/2 from {source}"
    assert lines[1].startswith("shard 1/2: 2 frames to render (1,3)")
    assert [p.name for p in exr_files(out)] == ["gt_0001.exr", "gt_0003.exr"]
    log = (out / "blender-gt-render-shard-1-of-2.log").read_text()
    assert f"shard 1/2 from {source}" in log.splitlines()[0]
