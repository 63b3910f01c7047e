import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { planLocal } from "../../../src/executors/local/plan.ts";
import { renderLocal } from "../../../src/executors/local/render.ts";
import { buildJob } from "../../../src/job/job.ts";
import { jobFiles } from "../../../src/store/job-files.ts";
import { CODE, FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

const golden = join(import.meta.dirname, "..", "..", "golden", "local-plan.txt");

function makePlan() {
  const tracking = resolveTrackingEnv({
    settings: { ...WANDB, tags: ["sft"] },
    detection: FOUND,
    file: "/repo/env.toml",
  });
  const job = buildJob(
    {
      name: "sft-smollm",
      command: ["python", "train.py", "--lr", "3e-4", "--note", "it's $HOME"],
      env: { HF_HOME: "/cache/hf" },
      tracking: { resume: true },
    },
    { ...LOCAL_PROFILE, env: { CUDA_VISIBLE_DEVICES: "0" } },
    tracking,
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6), code: CODE },
  );
  return planLocal(job, LOCAL_PROFILE, jobFiles("/home/me/.slipway/jobs/sft-smollm-000000"));
}

describe("local plan", () => {
  it("is pure: the same job gives the same plan", () => {
    expect(JSON.stringify(makePlan())).toBe(JSON.stringify(makePlan()));
  });

  it("renders as the golden file, secrets as ***", () => {
    const rendered = `${renderLocal(makePlan())}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    expect(rendered).not.toContain(CANARY_KEY);
    expect(JSON.stringify(makePlan())).not.toContain(CANARY_KEY);
  });
});
