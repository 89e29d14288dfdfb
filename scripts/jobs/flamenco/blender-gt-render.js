// SPDX-FileCopyrightText: 2026 blender-gt authors
// SPDX-License-Identifier: GPL-3.0-or-later
//
// A Flamenco 3 job type: blender-gt render in N tasks, one shard each, all writing into
// one shared folder. Copy this file into the "scripts" folder beside the Flamenco
// Manager and restart it; the job type "blender-gt ground truth" then shows in the
// Manager and in Flamenco's Blender add-on. Each Worker needs blender-gt (pip install
// bpy blender-gt in a Python 3.11) on its PATH, or its full path in "blender_gt".
// A failed task, re-queued, renders only what its shard still misses (--resume).

const JOB_TYPE = {
  label: "blender-gt ground truth",
  description: "Render the ground truth a .blend's Ground Truth settings ask for, in shards",
  settings: [
    { key: "blendfile", type: "string", subtype: "file_path", required: true,
      description: "The .blend, as the Workers see it" },
    { key: "output", type: "string", subtype: "dir_path", required: true,
      description: "The folder every Worker writes into (shared storage)" },
    { key: "shards", type: "int32", default: 4, required: true,
      description: "Tasks to share the frames between: frame f goes to task f mod N" },
    { key: "frames", type: "string", default: "",
      description: "Frames to render, e.g. 1-240 (empty: the scene's frame range)" },
    { key: "blender_gt", type: "string", default: "blender-gt",
      description: "The blender-gt command on the Workers" },
  ],
};

function compileJob(job) {
  const settings = job.settings;
  const frames = settings.frames ? ["--frames", settings.frames] : [];
  for (let i = 0; i < settings.shards; i++) {
    const task = author.Task(`shard ${i}/${settings.shards}`, "blender");
    task.addCommand(author.Command("exec", {
      exe: settings.blender_gt,
      args: ["render", settings.blendfile, "-o", settings.output,
             "--shard", `${i}/${settings.shards}`, "--resume"].concat(frames),
    }));
    job.addTask(task);
  }
}
