import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { kubernetesSettingsOf } from "../../../src/config/executor-settings.ts";
import type { KubernetesProfile } from "../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import type { ExecutorContext } from "../../../src/executors/executor-module.ts";
import type { KubeJob, KubePod } from "../../../src/executors/kubernetes/kube-objects.ts";
import { kubernetesModule } from "../../../src/executors/kubernetes/module.ts";
import type { KubernetesPlan } from "../../../src/executors/kubernetes/plan.ts";
import { indexesOf, sweepTaskStates } from "../../../src/executors/kubernetes/sweep-task-states.ts";
import { planSweep } from "../../../src/sweep/plan-sweep.ts";
import { FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

const dir = mkdtempSync(join(tmpdir(), "slipway-k8s-sweep-"));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const profile: KubernetesProfile = {
  ...LOCAL_PROFILE,
  name: "k8s",
  executor: "kubernetes",
  settings: kubernetesSettingsOf({ image: "python:3.12", namespace: "ml" }),
};
const tracking = resolveTrackingEnv({ settings: WANDB, detection: FOUND, file: "/repo/env.toml" });
const executor = kubernetesModule.create(profile, tracking, {} as ExecutorContext);
const context = { cwd: "/repo", now: new Date("2025-01-01T00:00:00Z") };

interface Spec {
  completionMode: string;
  completions: number;
  parallelism: number;
  backoffLimitPerIndex: number;
  backoffLimit?: number;
  template: { spec: { containers: { command: string[]; volumeMounts: { name: string }[] }[] } };
}

describe("a sweep on Kubernetes", () => {
  const awkward = ["it's", 'a "b" $HOME `date`', "line1\nline2", "-n", "*"];
  const sweep = { params: { lr: ["1e-4", "3e-4"], v: awkward }, maxParallel: 3 };
  const recipe = { name: "sft", command: ["python", "train.py", "--lr", "{lr}", "--v={v}"] };
  const planned = planSweep(recipe, sweep, executor, context, "sft-sweep-000000");
  const plan = planned.plans[0] as KubernetesPlan;
  const spec = plan.job["spec"] as Spec;

  it("is one Indexed Job, maxParallel pods at a time, each index retried on its own", () => {
    expect(planned.plans).toHaveLength(1);
    expect(plan.jobId).toBe("sft-sweep-000000");
    expect(planned.runs.map((run) => [run.jobId, run.arrayIndex])).toEqual(
      Array.from({ length: 10 }, (_, i) => ["sft-sweep-000000", i]),
    );
    expect(spec).toMatchObject({ completionMode: "Indexed", completions: 10, parallelism: 3 });
    expect(spec.backoffLimitPerIndex).toBe(0);
    expect(spec.backoffLimit).toBeUndefined();
    expect(plan.tasks).toBe(10);
    const [container] = spec.template.spec.containers;
    expect(container?.command).toEqual([
      "/bin/sh",
      "-c",
      '. /slipway/sweep/params.sh && exec "$@"',
      "slipway-sweep",
    ]);
    expect(container?.volumeMounts.map((mount) => mount.name)).toContain("sweep");
    expect(plan.sweep?.["metadata"]).toMatchObject({ name: "sft-sweep-000000-sweep", namespace: "ml" });
  });

  it("runs each index's own argv and names its W&B run, through a real POSIX sh", () => {
    const params = (plan.sweep?.["data"] as Record<string, string>)["params.sh"] ?? "";
    expect(params).not.toContain(CANARY_KEY);
    const file = join(dir, "params.sh");
    writeFileSync(file, params);
    for (const index of [0, 7]) {
      const result = spawnSync("sh", ["-c", `. "$0" && printf '%s\\0' "$@" "$WANDB_NAME"`, file], {
        env: { PATH: "/usr/bin:/bin", JOB_COMPLETION_INDEX: String(index) },
        encoding: "utf8",
      });
      expect(result.stderr).toBe("");
      const run = planned.runs[index];
      expect(result.stdout.split("\0").slice(0, -1)).toEqual([
        ...(run?.command ?? []),
        `sft-lr=${run?.values["lr"] ?? ""}-v=${run?.values["v"] ?? ""}`,
      ]);
    }
    const missing = spawnSync("sh", [file], { env: { JOB_COMPLETION_INDEX: "10" }, encoding: "utf8" });
    expect(missing.status).toBe(1);
    expect(missing.stderr).toBe("slipway: no sweep parameters for task 10\n");
  });

  it("refuses several nodes or torchrun per combination", () => {
    expect(() =>
      planSweep({ ...recipe, resources: { nodes: 2 } }, sweep, executor, context, "x-sweep-000000"),
    ).toThrow("2 nodes per combination: a sweep's Indexed Job runs each combination in one pod");
    expect(() =>
      planSweep({ ...recipe, launcher: "torchrun" }, sweep, executor, context, "x-sweep-000000"),
    ).toThrow("launcher torchrun");
  });
});

describe("indexesOf", () => {
  it.each([
    ["0-2,5", [0, 1, 2, 5]],
    ["3", [3]],
    ["", []],
    [undefined, []],
  ])("reads %j", (text, expected) => {
    expect([...indexesOf(text)]).toEqual(expected);
  });
});

describe("sweepTaskStates", () => {
  const job = (
    status: NonNullable<KubeJob["status"]>,
    annotations: Record<string, string> = {},
  ): KubeJob => ({
    metadata: { name: "s", uid: "u", annotations },
    spec: { suspend: false },
    status,
  });
  const pod = (index: number, phase: string, exitCode?: number, at = "2025-01-01T00:00:00Z"): KubePod => ({
    metadata: {
      name: `s-${index}-${at}`,
      creationTimestamp: at,
      annotations: { "batch.kubernetes.io/job-completion-index": String(index) },
    },
    status: {
      phase,
      containerStatuses: exitCode === undefined ? [] : [{ name: "job", state: { terminated: { exitCode } } }],
    },
  });

  it("reads each index from the Job's completed and failed indexes, else its newest pod", () => {
    const states = sweepTaskStates(
      job({ completedIndexes: "0", failedIndexes: "1" }),
      [
        pod(0, "Succeeded", 0),
        pod(1, "Failed", 3),
        pod(2, "Running"),
        pod(3, "Failed", 1),
        pod(3, "Running", undefined, "2025-01-01T00:01:00Z"),
      ],
      5,
      false,
    );
    expect([...states.values()].map((s) => [s.state, s.exitCode])).toEqual([
      ["succeeded", 0],
      ["failed", 3],
      ["running", undefined],
      ["running", undefined],
      ["pending", undefined],
    ]);
    expect(states.get(4)?.reason).toBe("waiting for a slot (the sweep's parallelism)");
  });

  it("cancels every index that had not succeeded once the Job is cancelled", () => {
    const states = sweepTaskStates(
      job({ completedIndexes: "1" }, { "slipway.dev/cancelled-at": "2025-01-01T00:00:00Z" }),
      [pod(0, "Running")],
      3,
      false,
    );
    expect([...states.values()].map((s) => s.state)).toEqual(["cancelled", "succeeded", "cancelled"]);
  });
});
