import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import type { ExecutorContext } from "../../../src/executors/executor-module.ts";
import { slurmModule } from "../../../src/executors/slurm/module.ts";
import type { SlurmPlan } from "../../../src/executors/slurm/plan.ts";
import { sweepParams } from "../../../src/executors/slurm/sweep-params.ts";
import { planSweep } from "../../../src/sweep/plan-sweep.ts";
import { FOUND, SLURM_PROFILE, WANDB } from "../../helpers/fixtures.ts";

const dir = mkdtempSync(join(tmpdir(), "slipway-sweep-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const profile = SLURM_PROFILE;
const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const executor = slurmModule.create(profile, tracking, {} as ExecutorContext);
const context = { cwd: "/repo", now: new Date("2025-01-01T00:00:00Z") };

/** Runs the parameter file for one task with real bash; gives back the argv and the named variables. */
function runTask(params: string, index: number, names: readonly string[]): string[] {
  const file = join(dir, `params-${index}.sh`);
  writeFileSync(file, params);
  const result = spawnSync(
    "bash",
    [
      "--norc",
      "--noprofile",
      "-c",
      `. "$1" || exit 1; printf '%s\\0' "\${slipway_argv[@]}" ${names.map((n) => `"$${n}"`).join(" ")}`,
      "x",
      file,
    ],
    { env: { PATH: process.env["PATH"] ?? "", SLURM_ARRAY_TASK_ID: String(index) }, encoding: "utf8" },
  );
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout.split("\0").slice(0, -1);
}

describe("a sweep on Slurm", () => {
  const awkward = ["it's", 'a "b" $HOME `date`', "line1\nline2", "tab\there", "-n", "*", ""];
  const sweep = { params: { lr: ["1e-4", "3e-4"], v: awkward.filter((v) => v !== "") }, maxParallel: 3 };
  const recipe = {
    name: "sft",
    command: ["python", "train.py", "--lr", "{lr}", "--v={v}"],
    env: { V: "<{v}>" },
  };
  const planned = planSweep(recipe, sweep, executor, context, "sft-sweep-000000");
  const plan = planned.plans[0] as SlurmPlan;

  it("is one array job, throttled by %K, whose tasks read the parameter file", () => {
    expect(planned.plans).toHaveLength(1);
    expect(planned.runs).toHaveLength(12);
    expect(plan.jobId).toBe("sft-sweep-000000");
    expect(plan.script).toContain("#SBATCH --array=0-11%3\n");
    expect(plan.script).toContain('. "$slipway_dir/sweep.params" || exit 1\n');
    expect(plan.script).toMatch(/\nsrun .* "\$\{slipway_argv\[@\]\}" &\n/);
    expect(plan.script).not.toContain("train.py");
    expect(plan.sweepParams).not.toContain("WANDB_API_KEY");
  });

  it("gives each task its own argv, W&B name and tags, exactly", () => {
    for (const run of planned.runs) {
      const index = run.arrayIndex ?? -1;
      const { lr = "", v = "" } = run.values;
      const out = runTask(plan.sweepParams ?? "", index, ["V", "WANDB_NAME", "WANDB_TAGS"]);
      expect(out).toEqual([
        "python",
        "train.py",
        "--lr",
        lr,
        `--v=${v}`,
        `<${v}>`,
        `sft-lr=${lr}-v=${v}`,
        `lr=${lr},v=${v}`,
      ]);
    }
  });

  it("fails a task that has no combination", () => {
    const file = join(dir, "params-missing.sh");
    writeFileSync(file, sweepParams({ tasks: [{ command: ["true"], env: {} }] }));
    const result = spawnSync("bash", ["--norc", "--noprofile", "-c", '. "$1"; echo reached', "x", file], {
      env: { SLURM_ARRAY_TASK_ID: "5" },
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("slipway: no sweep parameters for task 5\n");
  });
});
