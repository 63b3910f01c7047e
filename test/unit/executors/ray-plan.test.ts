import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { raySettingsOf } from "../../../src/config/executor-settings.ts";
import type { RayProfile } from "../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { codePackageForRay } from "../../../src/executors/ray/package-dir.ts";
import { globMatcher } from "../../../src/package/glob-matcher.ts";
import { packCode } from "../../../src/package/pack-code.ts";
import { planRay } from "../../../src/executors/ray/plan.ts";
import { compareVersions } from "../../../src/executors/ray/ray-client.ts";
import { renderRay } from "../../../src/executors/ray/render.ts";
import { rayState } from "../../../src/executors/ray/states.ts";
import { buildJob } from "../../../src/job/job.ts";
import { CODE, FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY, useTempDirs } from "../../helpers/temp-dir.ts";

const golden = join(import.meta.dirname, "..", "..", "golden", "ray-plan.txt");
const tempDir = useTempDirs();

const profile: RayProfile = {
  name: "ray",
  file: LOCAL_PROFILE.file,
  env: LOCAL_PROFILE.env,
  workdir: LOCAL_PROFILE.workdir,
  resources: LOCAL_PROFILE.resources,
  launcher: LOCAL_PROFILE.launcher,
  package: undefined,
  excludes: [],
  envFile: undefined,
  executor: "ray",
  settings: raySettingsOf({
    address: "http://ray-head:8265/",
    token: "ray-token-should-not-show",
    working_dir: ".",
    num_cpus: 4,
    num_gpus: 1,
    memory: 17179869184,
    resources: { accelerator_type_a100: 1 },
    pip: ["transformers==4.44.2"],
    excludes: ["data/"],
  }),
};

function makePlan() {
  const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
  const job = buildJob(
    { name: "sft-smollm", command: ["python", "train.py", "--note", "it's"], tracking: { resume: true } },
    profile,
    tracking,
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6), code: CODE },
  );
  return planRay(job, profile);
}

describe("ray plan", () => {
  it("is pure and renders as the golden file, secrets never shown", () => {
    expect(JSON.stringify(makePlan())).toBe(JSON.stringify(makePlan()));
    const rendered = `${renderRay(makePlan())}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    const everything = rendered + JSON.stringify(makePlan());
    expect(everything).not.toContain(CANARY_KEY);
    expect(everything).not.toContain("ray-token-should-not-show");
  });

  it("keeps the key out of env_vars and names the submission after the job", () => {
    const plan = makePlan();
    expect(plan.body.runtime_env.env_vars["WANDB_API_KEY"]).toBeUndefined();
    expect(Object.keys(plan.secrets)).toEqual(["WANDB_API_KEY"]);
    expect(plan.body.submission_id).toBe("sft-smollm-000000");
    expect(plan.body.runtime_env.env_vars["WANDB_RUN_ID"]).toBe("sft-smollm-000000");
  });
});

describe("ray pieces", () => {
  it.each([
    ["PENDING", "pending"],
    ["RUNNING", "running"],
    ["SUCCEEDED", "succeeded"],
    ["FAILED", "failed"],
    ["STOPPED", "cancelled"],
    ["SOMETHING_NEW", "unknown"],
  ])("maps %s to %s", (raw, state) => {
    expect(rayState(raw)).toBe(state);
  });

  it.each([
    ["2.60.0", "2.8.0", 1],
    ["2.8.0", "2.8.0", 0],
    ["2.10.1", "2.9.9", 1],
    ["1.13.0", "2.8.0", -1],
  ])("compares %s with %s", (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b))).toBe(sign);
  });

  it.each([
    ["data/", "data/x.bin", true],
    ["data/", "src/data/x.bin", true],
    ["data/", "data", false],
    ["*.ckpt", "runs/a/model.ckpt", true],
    ["*.ckpt", "model.ckpt.txt", false],
    ["logs/**", "logs/a/b.txt", true],
    ["src/gen", "src/gen/x.py", true],
    ["src/gen", "other/src/gen/x.py", false],
  ])("exclude %s on %s is %s", (pattern, path, expected) => {
    expect(globMatcher(pattern)(path)).toBe(expected);
  });

  it("packs a directory deterministically into a zip Python can read, excludes applied", async () => {
    const dir = tempDir();
    mkdirSync(join(dir, "data"));
    writeFileSync(join(dir, "train.py"), "print('hi')\n");
    writeFileSync(join(dir, "data", "big.bin"), "x");
    writeFileSync(join(dir, "model.ckpt"), "x");
    const pack = async () =>
      codePackageForRay(
        await packCode("dir", dir, { allowDirty: false, excludes: ["data/", "*.ckpt"], env: {} }),
      );
    const first = await pack();
    expect(first).toEqual(await pack());
    expect(first.uri).toMatch(/^gcs:\/\/_ray_pkg_[0-9a-f]{40}\.zip$/);
    expect(first.files).toBe(1);
    writeFileSync(join(dir, "pkg.zip"), first.zip);
    const listed = spawnSync(
      "python3",
      [
        "-c",
        "import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); print(z.namelist(), z.read('train.py').decode())",
        join(dir, "pkg.zip"),
      ],
      { encoding: "utf8" },
    );
    expect(listed.stdout).toBe("['train.py'] print('hi')\n\n");
  });
});
