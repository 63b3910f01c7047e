import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/config/load-config.ts";
import { resolveProfile } from "../../../src/config/resolve-profile.ts";
import type { ResolvedProfile } from "../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { dockerEntryScript } from "../../../src/executors/docker/entry-script.ts";
import { planDocker, SECRETS_TARGET, SECRETS_WRAPPER } from "../../../src/executors/docker/plan.ts";
import { renderDocker } from "../../../src/executors/docker/render.ts";
import { planKubernetes } from "../../../src/executors/kubernetes/plan.ts";
import { planLocal } from "../../../src/executors/local/plan.ts";
import { renderLocal } from "../../../src/executors/local/render.ts";
import { planRay } from "../../../src/executors/ray/plan.ts";
import { renderRay } from "../../../src/executors/ray/render.ts";
import { planSlurm } from "../../../src/executors/slurm/plan.ts";
import { SlipwayError } from "../../../src/errors.ts";
import { buildJob, type Job } from "../../../src/job/job.ts";
import type { Recipe } from "../../../src/job/recipe.ts";
import { jobFiles } from "../../../src/store/job-files.ts";
import { FOUND, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

// Plans of jobs that may run more than once and have a time limit, on every executor; the rendered plans of the
// executors that keep retries and time themselves (local, docker, ray) are pinned by golden files.

const goldenDir = join(import.meta.dirname, "..", "..", "golden");

const TOML = `
[local]
executor = "local"
grace_seconds = 5
retries = 2
time = "00:30:00"

[box]
executor = "docker"
image = "train:1"
rm = true
retries = 2
time = "00:30:00"

[ray]
executor = "ray"
address = "http://ray-head:8265"
retries = 2
time = "00:30:00"

[cluster]
executor = "slurm"
host = "login"
time = "04:00:00"

[k8s]
executor = "kubernetes"
image = "train:1"
time = "04:00:00"
`;

function profileOf<K extends ResolvedProfile["executor"]>(
  name: string,
  executor: K,
  extra = "",
): Extract<ResolvedProfile, { executor: K }> {
  const profile = resolveProfile(parseConfig(`${TOML}${extra}`, "/repo/env.toml"), name, {});
  if (profile.executor !== executor) throw new Error(`${name} is not a ${executor} profile`);
  return profile as Extract<ResolvedProfile, { executor: K }>;
}

function jobOf(profile: ResolvedProfile, recipe: Partial<Recipe> = {}): Job {
  const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
  return buildJob({ name: "sft", command: ["python", "train.py"], ...recipe }, profile, tracking, {
    cwd: "/work/repo",
    now: new Date("2026-11-23T10:00:00Z"),
    random: () => new Uint8Array(6),
  });
}

function golden(name: string, rendered: string): void {
  const path = join(goldenDir, name);
  const text = `${rendered}\n`;
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, text);
  expect(text).toBe(readFileSync(path, "utf8"));
  expect(text).not.toContain(CANARY_KEY);
}

const local = () => profileOf("local", "local");
const docker = (extra = "") => profileOf("box", "docker", extra);
const ray = () => profileOf("ray", "ray");
const dockerContext = { jobDir: "/home/me/.slipway/jobs/sft-000000", env: {}, homeDir: "/home/me" };

describe("plans with retries and a time limit", () => {
  it("local: the wrapper shell retries and keeps the time limit; renders as its golden file", () => {
    const job = jobOf(local());
    const plan = planLocal(job, local(), jobFiles("/home/me/.slipway/jobs/sft-000000"));
    expect(plan).toMatchObject({
      retries: 2,
      timeLimit: { text: "00:30:00", seconds: 1800 },
      graceSeconds: 5,
    });
    // A job that may run again resumes its W&B run.
    expect(job.rankZeroEnv["WANDB_RESUME"]).toBe("allow");
    golden("local-plan-retries-time.txt", renderLocal(plan));
  });

  it("docker: an on-failure restart policy, the watchdog in the entry wrapper; renders as its golden file", () => {
    const plan = planDocker(jobOf(docker()), docker(), dockerContext);
    expect(plan.create.HostConfig).toMatchObject({
      RestartPolicy: { Name: "on-failure", MaximumRetryCount: 2 },
      // Docker refuses AutoRemove with a restart policy: slipway removes the container once it saw the end.
      AutoRemove: false,
    });
    expect(plan).toMatchObject({ rm: true, removeWhenEnded: true, retries: 2 });
    expect(plan.create.Entrypoint.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    expect(plan.create.Entrypoint[2]).toContain("slipway: time limit 00:30:00 reached");
    expect(plan.create.Cmd).toEqual(["python", "train.py"]);
    golden("docker-plan-retries-time.txt", renderDocker(plan));
  });

  it("docker: without retries or a time limit, rm is Docker's AutoRemove and there is no restart policy", () => {
    const profile = docker("");
    const plan = planDocker(jobOf(profile, { retries: 0 }), profile, dockerContext);
    expect(plan.create.HostConfig.RestartPolicy).toBeUndefined();
    expect(plan.timeLimit).toMatchObject({ text: "00:30:00" });
    const bare = planDocker(
      jobOf(profile, { retries: 0 }),
      { ...profile, settings: { ...profile.settings, time: undefined } },
      dockerContext,
    );
    expect(bare).toMatchObject({ removeWhenEnded: false, create: { HostConfig: { AutoRemove: true } } });
  });

  it("docker: the entry wrapper of secrets alone is the secrets wrapper", () => {
    const input = { secretsFile: SECRETS_TARGET, timeLimit: undefined, graceSeconds: 10 };
    expect(dockerEntryScript(input)).toBe(SECRETS_WRAPPER);
    expect(dockerEntryScript({ ...input, secretsFile: undefined })).toBeUndefined();
  });

  it("ray: the entrypoint keeps the time limit, the secrets stay for the next attempts; renders as its golden file", () => {
    const plan = planRay(jobOf(ray()), ray());
    expect(plan).toMatchObject({ retries: 2, timeLimit: { seconds: 1800 } });
    expect(plan.body.entrypoint).toMatch(/^trap : TERM; \( /);
    expect(plan.body.entrypoint).toContain("${slipway_time_left:-1800}");
    expect(plan.body.entrypoint).not.toContain("rm -f");
    golden("ray-plan-retries-time.txt", renderRay(plan));
  });

  it("a recipe's time wins over the profile's on every executor", () => {
    const recipe = { time: "0:05" };
    const files = jobFiles("/j");
    expect(planLocal(jobOf(local(), recipe), local(), files).timeLimit).toEqual({ text: "0:05", seconds: 5 });
    expect(planDocker(jobOf(docker(), recipe), docker(), dockerContext).timeLimit?.seconds).toBe(5);
    expect(planRay(jobOf(ray(), recipe), ray()).timeLimit?.seconds).toBe(5);
    const slurm = profileOf("cluster", "slurm");
    expect(planSlurm(jobOf(slurm, recipe), slurm).script).toContain("#SBATCH --time=0:05\n");
    expect(planSlurm(jobOf(slurm), slurm).script).toContain("#SBATCH --time=04:00:00\n");
    const k8s = profileOf("k8s", "kubernetes");
    const spec = (job: Job) => planKubernetes(job, k8s).job["spec"] as { activeDeadlineSeconds?: number };
    expect(spec(jobOf(k8s, recipe)).activeDeadlineSeconds).toBe(5);
    expect(spec(jobOf(k8s)).activeDeadlineSeconds).toBe(4 * 3600);
  });

  it("a recipe's retries win over the profile's", () => {
    expect(planLocal(jobOf(local(), { retries: 0 }), local(), jobFiles("/j")).retries).toBe(0);
    expect(planRay(jobOf(ray(), { retries: 5 }), ray()).retries).toBe(5);
  });

  it("refuses a recipe time that is not a Slurm time", () => {
    let error: unknown;
    try {
      jobOf(local(), { time: "2h" });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({
      code: "RECIPE_INVALID",
      message:
        'recipe.time must be a time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS), got "2h"',
    });
  });

  it("refuses a profile time that is not a Slurm time, on the executors that now take one", () => {
    expect(() =>
      profileOf("local", "local", '\n[bad]\nexecutor = "docker"\nimage = "x"\ntime = "2h"\n'),
    ).toThrow(
      /bad\.time: expected a time limit \(MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS\), got "2h"/,
    );
  });
});
