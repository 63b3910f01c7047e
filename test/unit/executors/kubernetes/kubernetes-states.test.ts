import { describe, expect, it } from "vitest";
import type { KubeJob, KubePod } from "../../../../src/executors/kubernetes/kube-objects.ts";
import { kubernetesStatus, needsPods } from "../../../../src/executors/kubernetes/states.ts";

const job = (status: NonNullable<KubeJob["status"]>, extra: Partial<KubeJob> = {}): KubeJob => ({
  metadata: { name: "j", uid: "u", ...extra.metadata },
  spec: { activeDeadlineSeconds: 60, ...extra.spec },
  status,
});
const condition = (type: string, reason?: string, message?: string) => ({
  type,
  status: "True",
  ...(reason === undefined ? {} : { reason }),
  ...(message === undefined ? {} : { message }),
});
const failedPod = (
  terminated: { exitCode: number; reason?: string },
  status: Partial<NonNullable<KubePod["status"]>> = {},
): KubePod => ({
  metadata: { name: "j-abc", creationTimestamp: "2026-12-05T08:00:00Z" },
  status: { phase: "Failed", containerStatuses: [{ name: "job", state: { terminated } }], ...status },
});
const waitingPod = (reason: string, message: string): KubePod => ({
  metadata: { name: "j-abc" },
  status: { phase: "Pending", containerStatuses: [{ name: "job", state: { waiting: { reason, message } } }] },
});

describe("kubernetes states", () => {
  it.each([
    [
      "Complete",
      job({ conditions: [condition("SuccessCriteriaMet"), condition("Complete")] }),
      undefined,
      { state: "succeeded", raw: "Complete", exitCode: 0 },
    ],
    [
      "Failed with the container's exit code",
      job({
        conditions: [
          condition("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit"),
        ],
      }),
      [failedPod({ exitCode: 3, reason: "Error" })],
      {
        state: "failed",
        raw: "Failed/BackoffLimitExceeded",
        exitCode: 3,
        reason: "exited with code 3 (no retries left)",
      },
    ],
    [
      "OOMKilled",
      job({ conditions: [condition("Failed", "BackoffLimitExceeded")] }),
      [failedPod({ exitCode: 137, reason: "OOMKilled" })],
      {
        state: "failed",
        exitCode: 137,
        reason: "out of memory: the container was OOM-killed (exit 137) (no retries left)",
      },
    ],
    [
      "evicted",
      job({ conditions: [condition("Failed", "BackoffLimitExceeded")] }),
      [
        {
          metadata: { name: "p" },
          status: { phase: "Failed", reason: "Evicted", message: "The node was low on resource: memory." },
        },
      ],
      {
        state: "failed",
        exitCode: undefined,
        reason: "evicted: The node was low on resource: memory. (no retries left)",
      },
    ],
    [
      "the time limit",
      job({
        conditions: [
          condition("Failed", "DeadlineExceeded", "Job was active longer than specified deadline"),
        ],
      }),
      [],
      {
        state: "failed",
        raw: "Failed/DeadlineExceeded",
        reason: "time limit reached (60 s): the Job ran past activeDeadlineSeconds",
      },
    ],
    [
      "FailureTarget while pods end",
      job({ conditions: [condition("FailureTarget", "BackoffLimitExceeded")] }),
      undefined,
      { state: "running", raw: "FailureTarget" },
    ],
    [
      "suspended",
      job({}, { spec: { suspend: true } }),
      undefined,
      { state: "pending", raw: "Suspended", reason: "suspended" },
    ],
    [
      "queued for Kueue",
      job(
        {},
        {
          metadata: { name: "j", uid: "u", labels: { "kueue.x-k8s.io/queue-name": "team-a" } },
          spec: { suspend: true },
        },
      ),
      undefined,
      { state: "pending", reason: "waiting for Kueue to admit it (queue team-a)" },
    ],
    ["ready pods", job({ active: 1, ready: 1 }), undefined, { state: "running", raw: "Running" }],
    [
      "an image that cannot be pulled, at once",
      job({ active: 1, ready: 0 }),
      [waitingPod("ErrImagePull", 'failed to pull image "localhost/nope:1"')],
      {
        state: "pending",
        raw: "Pending/ErrImagePull",
        blocked: 'pod j-abc: ErrImagePull: failed to pull image "localhost/nope:1"',
      },
    ],
    [
      "an unschedulable pod, with the scheduler's reason",
      job({ active: 1, ready: 0 }),
      [
        {
          metadata: { name: "j-x" },
          status: {
            phase: "Pending",
            conditions: [
              {
                type: "PodScheduled",
                status: "False",
                reason: "Unschedulable",
                message: "0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
              },
            ],
          },
        },
      ],
      {
        state: "pending",
        raw: "Pending/Unschedulable",
        reason: "pod j-x cannot be scheduled: 0/1 nodes are available: 1 Insufficient nvidia.com/gpu.",
      },
    ],
    ["a deleted Job", undefined, undefined, { state: "failed", raw: "deleted" }],
  ] as const)("maps %s", (_name, kubeJob, pods, expected) => {
    expect(kubernetesStatus(kubeJob, pods as readonly KubePod[] | undefined, false)).toMatchObject(expected);
  });

  it("says cancelled only for what slipway cancelled", () => {
    expect(kubernetesStatus(undefined, undefined, true)).toMatchObject({
      state: "cancelled",
      raw: "deleted",
    });
    const marked = job(
      { active: 1 },
      {
        metadata: {
          name: "j",
          uid: "u",
          annotations: { "slipway.dev/cancelled-at": "t" },
          deletionTimestamp: "t",
        },
      },
    );
    expect(kubernetesStatus(marked, undefined, false)).toMatchObject({
      state: "running",
      raw: "Terminating",
    });
    expect(
      kubernetesStatus(job({ conditions: [condition("Failed", "BackoffLimitExceeded")] }), [], true),
    ).toMatchObject({ state: "cancelled" });
  });

  it("lists pods only when the Job alone cannot answer", () => {
    expect(needsPods(job({ conditions: [condition("Complete")] }))).toBe(false);
    expect(needsPods(job({ conditions: [condition("Failed")] }))).toBe(true);
    expect(needsPods(job({ active: 1, ready: 1 }))).toBe(false);
    expect(needsPods(job({ active: 1, ready: 0 }))).toBe(true);
    expect(needsPods(job({}, { spec: { suspend: true } }))).toBe(false);
  });
});
