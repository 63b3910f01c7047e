import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/config/load-config.ts";
import { resolveProfile } from "../../../../src/config/resolve-profile.ts";
import type { LocalProfile } from "../../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../../src/env/tracking-env.ts";
import { planLocal } from "../../../../src/executors/local/plan.ts";
import { renderLocal } from "../../../../src/executors/local/render.ts";
import { buildJob } from "../../../../src/job/job.ts";
import type { Recipe } from "../../../../src/job/recipe.ts";
import { jobFiles } from "../../../../src/store/job-files.ts";
import { FOUND, LOCAL_PROFILE, WANDB } from "../../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../../helpers/temp-dir.ts";
import { thrown } from "../../../helpers/thrown.ts";

const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const context = { cwd: "/work", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6) };
const WRAPPER = 'if [ "$RANK" != 0 ]; then unset WANDB_RUN_ID; fi; exec "$@"';

function plan(recipe: Partial<Recipe>, profile: Partial<LocalProfile> = {}) {
  const local: LocalProfile = { ...LOCAL_PROFILE, ...profile };
  const job = buildJob({ name: "t", command: ["python", "train.py"], ...recipe }, local, tracking, context);
  return planLocal(job, local, jobFiles("/home/me/.slipway/jobs/t-000000"));
}

const withGpus = (gpusPerNode: number, gpuIds?: readonly string[]): Partial<LocalProfile> => ({
  resources: { ...LOCAL_PROFILE.resources, gpusPerNode, nprocPerNode: Math.max(gpusPerNode, 1) },
  gpuIds,
});

describe("local plan with torchrun", () => {
  it("starts one torchrun on this node, the interpreter dropped when no variable is rank 0's", () => {
    const p = plan({ launcher: "torchrun", tracking: { runId: false } }, withGpus(2));
    expect(p.argv).toEqual(["torchrun", "--standalone", "--nnodes=1", "--nproc-per-node=2", "train.py"]);
  });

  it("starts each rank through the wrapper that keeps WANDB_RUN_ID for RANK=0 only", () => {
    const p = plan({ launcher: "torchrun", command: ["python", "train.py", "--lr", "1"] }, withGpus(2));
    expect(p.argv).toEqual([
      "torchrun",
      "--standalone",
      "--nnodes=1",
      "--nproc-per-node=2",
      "--no-python",
      "/bin/sh",
      "-c",
      WRAPPER,
      "slipway-rank",
      "python",
      "-u",
      "train.py",
      "--lr",
      "1",
    ]);
    // torchrun's environment has it; the wrapper drops it on the other ranks.
    expect(p.env["WANDB_RUN_ID"]).toBe("t-000000");
  });

  it.each([
    ["nproc_per_node when set", { nprocPerNode: 3 }, 3],
    ["else the GPU count", { gpusPerNode: 4 }, 4],
    ["else 1", {}, 1],
  ])("runs %s processes", (_, resources, nproc) => {
    const p = plan({ launcher: "torchrun", resources });
    expect(p.argv).toContain(`--nproc-per-node=${nproc}`);
  });

  it("runs the command as is without a launcher", () => {
    expect(plan({}).argv).toEqual(["python", "train.py"]);
  });

  it("renders the torchrun argv and the devices (the dry run)", () => {
    const text = renderLocal(plan({ launcher: "torchrun" }, withGpus(2, ["1", "3"])));
    expect(text).toContain(`  command: torchrun --standalone --nnodes=1 --nproc-per-node=2 --no-python`);
    expect(text).toContain("  gpus:    1, 3 (nvidia-smi must list 2 at submit)");
    expect(text).toContain("    CUDA_VISIBLE_DEVICES=1,3");
  });
});

describe("local plan GPUs", () => {
  it.each([
    ["no GPU asked: CUDA_VISIBLE_DEVICES left alone", withGpus(0), undefined, { count: 0, ids: undefined }],
    ["gpus_per_node = 2: devices 0 and 1", withGpus(2), "0,1", { count: 2, ids: ["0", "1"] }],
    ["gpu_ids", withGpus(2, ["0", "3"]), "0,3", { count: 2, ids: ["0", "3"] }],
    ["UUIDs", withGpus(1, ["GPU-8932f937"]), "GPU-8932f937", { count: 1, ids: ["GPU-8932f937"] }],
  ])("%s", (_, profile, visible, gpus) => {
    const p = plan({}, profile);
    expect(p.env["CUDA_VISIBLE_DEVICES"]).toBe(visible);
    expect(p.gpus).toEqual(gpus);
  });

  it("takes the first of gpu_ids when the recipe asks for fewer GPUs", () => {
    expect(plan({ resources: { gpusPerNode: 1 } }, withGpus(2, ["2", "3"])).gpus).toEqual({
      count: 1,
      ids: ["2"],
    });
  });

  it("refuses more GPUs than gpu_ids lists", () => {
    const error = thrown(() => plan({ resources: { gpusPerNode: 3 } }, withGpus(2, ["0", "3"])));
    expect(error.message).toBe('the job asks for 3 GPUs but profile "local" lists 2 in gpu_ids (0, 3)');
    expect(error.code).toBe("RECIPE_INVALID");
  });

  it("lets CUDA_VISIBLE_DEVICES from the job's env win, still counting the GPUs asked for", () => {
    const p = plan({ env: { CUDA_VISIBLE_DEVICES: "5" } }, withGpus(1));
    expect(p.env["CUDA_VISIBLE_DEVICES"]).toBe("5");
    expect(p.gpus).toEqual({ count: 1, ids: undefined });
    expect(renderLocal(p)).toContain(
      "  gpus:    as CUDA_VISIBLE_DEVICES in env says (nvidia-smi must list 1 at submit)",
    );
  });
});

describe("local torchrun plan from env.toml", () => {
  const golden = join(import.meta.dirname, "..", "..", "..", "golden", "local-plan-torchrun.txt");
  const toml = ["[gpu2]", 'executor = "local"', 'launcher = "torchrun"', 'gpu_ids = ["0", 3]'].join("\n");

  function planFromToml() {
    const profile = resolveProfile(parseConfig(toml, "/repo/env.toml"), "gpu2", {});
    if (profile.executor !== "local") throw new Error("expected a local profile");
    const job = buildJob(
      { name: "ddp", command: ["python", "train.py", "--note", "it's $HOME"], tracking: { group: "sweep" } },
      profile,
      tracking,
      context,
    );
    return planLocal(job, profile, jobFiles("/home/me/.slipway/jobs/ddp-000000"));
  }

  it("renders as the golden file: two processes on GPUs 0 and 3, rank 0's variables per rank", () => {
    const rendered = `${renderLocal(planFromToml())}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    expect(JSON.stringify(planFromToml())).toBe(JSON.stringify(planFromToml()));
    expect(rendered + JSON.stringify(planFromToml())).not.toContain(CANARY_KEY);
  });
});
