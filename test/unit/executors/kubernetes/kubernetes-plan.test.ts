import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { kubernetesSettingsOf } from "../../../../src/config/executor-settings.ts";
import type { RawProfileOf } from "../../../../src/config/profile-schemas.ts";
import type { KubernetesProfile, Resources } from "../../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../../src/env/tracking-env.ts";
import { planKubernetes, type KubernetesPlan } from "../../../../src/executors/kubernetes/plan.ts";
import { MULTI_NODE_ENTRY } from "../../../../src/executors/kubernetes/pod-spec.ts";
import { renderKubernetes } from "../../../../src/executors/kubernetes/render.ts";
import { buildJob } from "../../../../src/job/job.ts";
import type { Recipe } from "../../../../src/job/recipe.ts";
import { CODE, FOUND, LOCAL_PROFILE, WANDB } from "../../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../../helpers/temp-dir.ts";

const goldenDir = join(import.meta.dirname, "..", "..", "..", "golden");

function profileOf(raw: RawProfileOf<"kubernetes">, resources: Partial<Resources> = {}): KubernetesProfile {
  return {
    name: "k8s-gpu",
    file: LOCAL_PROFILE.file,
    env: { HF_HOME: "/cache/hf" },
    workdir: undefined,
    resources: { ...LOCAL_PROFILE.resources, ...resources },
    launcher: "none",
    package: undefined,
    excludes: [],
    envFile: undefined,
    executor: "kubernetes",
    settings: kubernetesSettingsOf({ image: "ghcr.io/acme/train:1.4", ...raw }),
  };
}

const FULL: RawProfileOf<"kubernetes"> = {
  namespace: "ml",
  context: "lab",
  service_account: "trainer",
  node_selector: { "nvidia.com/gpu.product": "H100" },
  tolerations: [{ key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" }],
  image_pull_policy: "IfNotPresent",
  image_pull_secrets: ["registry"],
  time: "02:00:00",
  retries: 2,
  grace_seconds: 20,
  shm_size: "8G",
  mounts: ["pvc:datasets:/data:ro", "host:/scratch:/scratch"],
  labels: { team: "nlp" },
};

function plan(profile: KubernetesProfile, recipe: Partial<Recipe> = {}): KubernetesPlan {
  const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
  const job = buildJob(
    {
      name: "sft-smollm",
      command: ["python", "train.py", "--note", "it's"],
      tracking: { resume: true },
      ...recipe,
    },
    profile,
    tracking,
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6), code: CODE },
  );
  return planKubernetes(job, profile);
}

function golden(name: string, rendered: string): void {
  const path = join(goldenDir, name);
  if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(path, rendered);
  expect(rendered).toBe(readFileSync(path, "utf8"));
}

type Container = {
  env: { name: string; value?: string; valueFrom?: unknown }[];
  command: string[];
  resources?: unknown;
};
const containerOf = (p: KubernetesPlan): Container =>
  (p.job["spec"] as { template: { spec: { containers: Container[] } } }).template.spec
    .containers[0] as Container;

describe("kubernetes plan", () => {
  const single = profileOf(FULL, { gpusPerNode: 2, nprocPerNode: 2, cpusPerNode: 16, memory: "64G" });

  it("is pure and renders as the golden file, the key never shown", () => {
    expect(JSON.stringify(plan(single))).toBe(JSON.stringify(plan(single)));
    const rendered = `${renderKubernetes(plan(single))}\n`;
    golden("kubernetes-plan.txt", rendered);
    expect(rendered + JSON.stringify(plan(single))).not.toContain(CANARY_KEY);
  });

  it("reads the key through secretKeyRef from the per-job Secret, never as a value", () => {
    const p = plan(single);
    const key = containerOf(p).env.find((e) => e.name === "WANDB_API_KEY");
    expect(key).toEqual({
      name: "WANDB_API_KEY",
      valueFrom: { secretKeyRef: { name: "sft-smollm-000000-env", key: "WANDB_API_KEY" } },
    });
    expect(p.secret?.manifest["metadata"]).toMatchObject({ name: "sft-smollm-000000-env", namespace: "ml" });
    expect(Object.keys(p.secret?.values ?? {})).toEqual(["WANDB_API_KEY"]);
    expect(p.secret?.manifest["data"]).toBeUndefined();
  });

  it("maps retries, time and resources onto the Job", () => {
    const spec = plan(single).job["spec"] as Record<string, unknown>;
    expect(spec).toMatchObject({ suspend: true, backoffLimit: 2, activeDeadlineSeconds: 7200 });
    expect(spec["ttlSecondsAfterFinished"]).toBeUndefined();
    expect(containerOf(plan(single)).resources).toEqual({
      limits: { "nvidia.com/gpu": "2", cpu: "16", memory: String(64 * 1024 ** 3) },
      requests: { cpu: "16", memory: String(64 * 1024 ** 3) },
    });
    expect((plan(single, { retries: 0 }).job["spec"] as { backoffLimit: number }).backoffLimit).toBe(0);
  });

  it("lets a replaced pod resume the same W&B run when the profile allows retries", () => {
    const env = (p: KubernetesPlan) => containerOf(p).env.map((e) => e.name);
    expect(env(plan(profileOf({ retries: 1 }), { tracking: {} }))).toContain("WANDB_RESUME");
    expect(env(plan(profileOf({}), { tracking: {} }))).not.toContain("WANDB_RESUME");
  });

  it("uses an existing Secret by name when secret_name is set, and makes none", () => {
    const p = plan(profileOf({ secret_name: "wandb" }));
    expect(p.secret).toBeUndefined();
    expect(containerOf(p).env.find((e) => e.name === "WANDB_API_KEY")?.valueFrom).toEqual({
      secretKeyRef: { name: "wandb", key: "WANDB_API_KEY" },
    });
  });

  it("leaves a Kueue job suspended, with its queue label", () => {
    const p = plan(profileOf({ queue: "team-a" }));
    expect(p.queued).toBe(true);
    expect(
      (p.job["metadata"] as { labels: Record<string, string> }).labels["kueue.x-k8s.io/queue-name"],
    ).toBe("team-a");
  });

  it("runs more than one node as an Indexed Job behind a headless Service, torchrun ranked by the index", () => {
    const multi = profileOf({ namespace: "ml" }, { nodes: 2, gpusPerNode: 8, nprocPerNode: 8 });
    const p = plan(multi, { launcher: "torchrun" });
    golden("kubernetes-plan-multinode.txt", `${renderKubernetes(p)}\n`);
    expect(p.job["spec"]).toMatchObject({ completionMode: "Indexed", completions: 2, parallelism: 2 });
    expect(p.service?.["spec"]).toEqual({
      clusterIP: "None",
      publishNotReadyAddresses: true,
      selector: { "slipway.dev/job-id": "sft-smollm-000000" },
    });
    const container = containerOf(p);
    expect(container.command).toEqual([
      "/bin/sh",
      "-c",
      MULTI_NODE_ENTRY,
      "slipway-entry",
      "torchrun",
      "--nnodes=2",
      "--nproc-per-node=8",
      "--node-rank=$(JOB_COMPLETION_INDEX)",
      "--master-addr=sft-smollm-000000-0.slipway-sft-smollm-000000",
      "--master-port=29500",
      "--no-python",
      "/bin/sh",
      "-c",
      'if [ "$RANK" != 0 ]; then unset WANDB_RESUME WANDB_RUN_ID; fi; exec "$@"',
      "slipway-rank",
      "python",
      "-u",
      "train.py",
      "--note",
      "it's",
    ]);
    // The run id is dropped on every pod but 0 by the entry, and on every rank but 0 by torchrun's wrapper.
    expect(container.env.find((e) => e.name === "SLIPWAY_RANK0_ONLY")?.value).toBe(
      "WANDB_RESUME WANDB_RUN_ID",
    );
  });
});
