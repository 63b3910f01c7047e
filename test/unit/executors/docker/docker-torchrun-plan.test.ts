import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../../src/config/load-config.ts";
import { resolveProfile } from "../../../../src/config/resolve-profile.ts";
import { resolveTrackingEnv } from "../../../../src/env/tracking-env.ts";
import { planDocker } from "../../../../src/executors/docker/plan.ts";
import { renderDocker } from "../../../../src/executors/docker/render.ts";
import { buildJob } from "../../../../src/job/job.ts";
import type { Recipe } from "../../../../src/job/recipe.ts";
import { FOUND, WANDB } from "../../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../../helpers/temp-dir.ts";

const golden = join(import.meta.dirname, "..", "..", "..", "golden", "docker-plan-torchrun.txt");
const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });

function plan(profileLines: string, recipe: Partial<Recipe> = {}) {
  const toml = `[box]\nexecutor = "docker"\nimage = "my-train:latest"\nlauncher = "torchrun"\n${profileLines}\n`;
  const profile = resolveProfile(parseConfig(toml, "/repo/env.toml"), "box", {});
  if (profile.executor !== "docker") throw new Error("expected a docker profile");
  const job = buildJob(
    { name: "ddp", command: ["python", "train.py", "--lr", "3e-4"], ...recipe },
    profile,
    tracking,
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6) },
  );
  return planDocker(job, profile, {
    jobDir: "/home/me/.slipway/jobs/ddp-000000",
    env: {},
    homeDir: "/home/me",
  });
}

describe("docker plan with torchrun", () => {
  it("is pure and renders as the golden file: one torchrun in the container, rank 0's variables per rank", () => {
    const rendered = `${renderDocker(plan('gpus = "all"'))}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    expect(JSON.stringify(plan('gpus = "all"'))).toBe(JSON.stringify(plan('gpus = "all"')));
    expect(rendered + JSON.stringify(plan('gpus = "all"'))).not.toContain(CANARY_KEY);
  });

  it.each([
    ['gpus = "all": torchrun counts the GPUs it sees', 'gpus = "all"', "gpu", -1],
    ["gpus = 2", "gpus = 2", "2", 2],
    ['gpus = ["0", "3"]', 'gpus = ["0", "3"]', "2", 0],
    ["gpus_per_node = 4", "gpus_per_node = 4", "4", 4],
    ['nproc_per_node wins over gpus = "all"', 'gpus = "all"\nnproc_per_node = 3', "3", -1],
    ["no GPU: one process", "", "1", undefined],
  ])("follows the container's GPUs: %s", (_, lines, nproc, count) => {
    const p = plan(lines);
    expect(p.create.Cmd).toContain(`--nproc-per-node=${nproc}`);
    expect(p.create.HostConfig.DeviceRequests?.[0]?.Count).toBe(count);
  });

  it("starts torchrun itself when no secret file is read first, the interpreter dropped without rank-0 variables", () => {
    const p = plan('secrets = "env"\ngpus = 2', { tracking: { runId: false } });
    expect([...p.create.Entrypoint, ...p.create.Cmd]).toEqual([
      "torchrun",
      "--standalone",
      "--nnodes=1",
      "--nproc-per-node=2",
      "train.py",
      "--lr",
      "3e-4",
    ]);
  });
});
