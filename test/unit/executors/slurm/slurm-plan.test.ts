import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { slurmSettingsOf } from "../../../../src/config/executor-settings.ts";
import type { SlurmProfile } from "../../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../../src/env/tracking-env.ts";
import { arrayIndices } from "../../../../src/executors/slurm/array-spec.ts";
import { planSlurm } from "../../../../src/executors/slurm/plan.ts";
import { renderSlurm } from "../../../../src/executors/slurm/render.ts";
import { absolutePath } from "../../../../src/executors/slurm/submit-slurm.ts";
import { buildJob, type JobDependency } from "../../../../src/job/job.ts";
import type { Recipe } from "../../../../src/job/recipe.ts";
import { CODE, FOUND, LOCAL_PROFILE, WANDB } from "../../../helpers/fixtures.ts";
import { CANARY_KEY, useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const golden = join(import.meta.dirname, "..", "..", "..", "golden", "slurm-plan.txt");

const { file, workdir } = LOCAL_PROFILE;

const cluster: SlurmProfile = {
  file,
  workdir,
  name: "cluster",
  executor: "slurm",
  env: { HF_HOME: "/scratch/me/hf" },
  resources: { nodes: 2, gpusPerNode: 8, nprocPerNode: 8, cpusPerNode: undefined, memory: "256G" },
  launcher: "torchrun",
  package: undefined,
  excludes: [],
  envFile: undefined,
  settings: slurmSettingsOf({
    host: "login.example.org",
    user: "me",
    jump: "bastion.example.org",
    host_key_policy: "strict",
    tunnel: "ssh",
    account: "proj",
    partition: "batch",
    qos: "high",
    time: "04:00:00",
    constraint: "a100",
    exclusive: true,
    cpus_per_task: 32,
    sbatch_args: ["--mail-type=END"],
    remote_job_dir: "/scratch/me/slipway/",
    container_image: "nvcr.io#nvidia/pytorch:24.05-py3",
    container_mounts: ["/scratch:/scratch"],
    setup: ["module load cuda/12.4"],
    retries: 2,
  }),
};

const simple: SlurmProfile = {
  ...cluster,
  name: "small",
  env: LOCAL_PROFILE.env,
  resources: LOCAL_PROFILE.resources,
  launcher: LOCAL_PROFILE.launcher,
  settings: slurmSettingsOf({
    host: "login",
    host_key_policy: "strict",
    tunnel: "ssh",
    remote_job_dir: "~/.slipway/jobs",
  }),
};

const TRAIN: JobDependency = {
  id: "pretrain-aaaaaa",
  executor: "slurm",
  nativeId: "4242",
  target: "me@login.example.org via bastion.example.org",
  state: "running",
};

const TRICKY = {
  SPACES: "a b  c",
  DOLLAR: "$HOME and `date`",
  QUOTES: `it's "quoted"`,
  NEWLINE: "one\ntwo\n",
};

function plan(profile = cluster, recipe: Partial<Recipe> = {}, deps: readonly JobDependency[] = [TRAIN]) {
  const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
  const job = buildJob(
    {
      name: "sft",
      command: ["python", "train.py", "--note", "it's"],
      env: { lowerCase: "kept as written", ...TRICKY },
      tracking: { resume: true },
      dependsOn: deps.map((d) => d.id),
      ...recipe,
    },
    profile,
    tracking,
    {
      cwd: "/work/repo",
      now: new Date("2026-11-23T10:00:00Z"),
      random: () => new Uint8Array(6),
      findJob: (id) => deps.find((d) => d.id === id) ?? TRAIN,
      ...(profile === cluster ? { code: CODE } : {}),
    },
  );
  return planSlurm(job, profile);
}

describe("slurm plan", () => {
  it("is pure and renders as the golden file, secrets never shown", () => {
    expect(JSON.stringify(plan())).toBe(JSON.stringify(plan()));
    const rendered = [
      renderSlurm(plan()),
      renderSlurm(plan(simple, { resources: { nodes: 1 }, launcher: "none", array: "0-15%4" }, [])),
      "",
    ].join("\n\n");
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    expect(rendered + JSON.stringify(plan())).not.toContain(CANARY_KEY);
  });

  it("keeps the key out of the script and ships it as a secret", () => {
    const p = plan();
    expect(p.script).not.toContain(CANARY_KEY);
    expect(p.script).not.toContain("WANDB_API_KEY=");
    expect(Object.keys(p.secrets)).toEqual(["WANDB_API_KEY"]);
    expect(p.secrets["WANDB_API_KEY"]?.reveal()).toBe(CANARY_KEY);
  });

  it("is a valid bash script", () => {
    for (const p of [plan(), plan(simple, { launcher: "none", resources: { nodes: 1 } }, [])]) {
      const check = spawnSync("bash", ["-n"], { input: p.script, encoding: "utf8" });
      expect(check.stderr).toBe("");
      expect(check.status).toBe(0);
    }
  });

  it("run by bash with a stand-in srun: exports values exactly, names as written, reads and deletes the secret", () => {
    const dir = tempDir();
    const bin = join(dir, "bin");
    mkdirSync(bin);
    // Records the step's environment (NUL-separated) and the command it was given.
    writeFileSync(join(bin, "srun"), '#!/bin/bash\nenv -0 > "$SLURM_SUBMIT_DIR/step.env"\nexit 3\n', {
      mode: 0o755,
    });
    writeFileSync(join(dir, "secrets.env"), `export WANDB_API_KEY=${CANARY_KEY}\n`, { mode: 0o600 });
    const p = plan(simple, { launcher: "none", resources: { nodes: 1 } }, []);
    const run = spawnSync("bash", ["-x", "-c", p.script], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin`, SLURM_SUBMIT_DIR: dir },
    });
    expect(run.status).toBe(3);
    // Traced with -x, yet the key is not in the trace: tracing is off before the secrets file is read.
    expect(run.stderr).not.toContain(CANARY_KEY);
    const seen = Object.fromEntries(
      readFileSync(join(dir, "step.env"), "utf8")
        .split("\0")
        .filter((entry) => entry !== "")
        .map((entry) => [entry.slice(0, entry.indexOf("=")), entry.slice(entry.indexOf("=") + 1)]),
    );
    expect(seen).toMatchObject({ lowerCase: "kept as written", ...TRICKY, WANDB_API_KEY: CANARY_KEY });
    expect(seen["SLURM_EXPORT_ENV"]).toBe("ALL");
    expect(readFileSync(join(dir, "exit-code"), "utf8")).toBe("3\n");
    expect(existsSync(join(dir, "secrets.env"))).toBe(false);
  });

  it("runs torchrun once per node with the rendezvous on the first node", () => {
    const script = plan().script;
    expect(script).toContain('--nnodes=2 --nproc-per-node=8 --node-rank="$SLURM_NODEID"');
    expect(script).toContain('--master-addr="$MASTER_ADDR" --master-port="$MASTER_PORT"');
    expect(script).toMatch(/^srun --nodes=2 --ntasks-per-node=1 /m);
    // The resumable run's id only stays on node 0.
    expect(script).toContain('if [ "$SLURM_NODEID" != 0 ]; then unset WANDB_RESUME WANDB_RUN_ID; fi');
  });

  it.each([
    [
      { executor: "docker" as const },
      "cannot depend on pretrain-aaaaaa: it runs on the docker executor; Slurm can only wait for Slurm jobs",
    ],
    [{ nativeId: "" }, "cannot depend on pretrain-aaaaaa: it was never submitted"],
    [
      { target: "me@other:22" },
      "cannot depend on pretrain-aaaaaa: it runs on me@other:22, not on me@login.example.org via bastion.example.org; Slurm can only wait for jobs of its own cluster",
    ],
    [
      { state: "failed" as const },
      "cannot depend on pretrain-aaaaaa: it already failed, so this job could never start",
    ],
  ])("refuses a dependency %o", (change, message) => {
    expect(() => plan(cluster, {}, [{ ...TRAIN, ...change }])).toThrow(message);
  });

  it("lists several dependencies in one afterok", () => {
    const other = { ...TRAIN, id: "prep-bbbbbb", nativeId: "4243" };
    expect(plan(cluster, {}, [TRAIN, other]).script).toContain("#SBATCH --dependency=afterok:4242:4243\n");
  });
});

describe("slurm pieces", () => {
  it.each([
    ["0-3", [0, 1, 2, 3]],
    ["0-15%4", Array.from({ length: 16 }, (_, i) => i)],
    ["1,3,5", [1, 3, 5]],
    ["0-6:2%2", [0, 2, 4, 6]],
    ["7", [7]],
    ["3,1-2,3", [1, 2, 3]],
  ])("array %s has tasks %j", (spec, indices) => {
    expect(arrayIndices(spec)).toEqual(indices);
  });

  it.each(["", "a-b", "3-1", "0-3%0", "0-4000001", "0-3%2%1", "1,,2", "-1"])(
    "array %j is refused",
    (spec) => {
      expect(() => arrayIndices(spec)).toThrow(`array = "${spec}" is not a Slurm array`);
    },
  );

  it.each([
    ["~/.slipway/jobs/a", "/home/me/.slipway/jobs/a"],
    ["~", "/home/me"],
    ["jobs/a", "/home/me/jobs/a"],
    ["/scratch//me/a/", "/scratch/me/a/"],
  ])("job dir %s on the cluster is %s", (path, absolute) => {
    expect(absolutePath(path, "/home/me")).toBe(absolute);
  });
});
