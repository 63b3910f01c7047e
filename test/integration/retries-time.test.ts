import { chmodSync, mkdirSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { getJob } from "../../src/jobs.ts";
import { launch, type LaunchOptions } from "../../src/launch.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { RayClient } from "../../src/executors/ray/ray-client.ts";
import { collect, until } from "../contract/harness.ts";
import {
  describeWithEngine,
  dockerDaemon,
  kubernetesCluster,
  rayHead,
  slurmCluster,
  type KubernetesClusterAccess,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// Every executor, against its real engine: a job that fails on its first attempt and succeeds on the second ends
// `succeeded`; a job that runs past `time` ends `failed` with the time limit as the reason.

const tempDir = useTempDirs();

/** A script that fails the first time it runs and succeeds once `marker` (a path the job can write) exists. */
function failsOnce(marker: string): string {
  return `if [ -e ${marker} ]; then echo second attempt; exit 0; fi; : > ${marker}; echo first attempt; exit 3`;
}

/** Launches `recipe` detached and follows it from a handle rebuilt from its record, as another process would. */
async function launchAndTrack(recipe: Recipe, options: LaunchOptions) {
  const launched = await launch(recipe, { ...options, detach: true });
  const runtime = { env: options.env ?? {}, homeDir: options.homeDir ?? "" };
  return { launched, tracked: await getJob(launched.id, runtime) };
}

const WANDB = '[wandb]\nproject = "retries"\nentity = "tests"\nmode = "offline"\n';

describe("retries and time limits on the local executor", () => {
  const sandbox = (profile: string): Sandbox =>
    makeSandbox(tempDir(), `${WANDB}\n[local]\nexecutor = "local"\ngrace_seconds = 1\n${profile}\n`);

  it("starts a failed run again under the same job id, the attempt in status and logs", async () => {
    const box = sandbox("retries = 2");
    const marker = join(box.root, "marker");
    const { launched, tracked } = await launchAndTrack(
      { name: "flaky", script: failsOnce(marker) },
      sandboxOptions(box),
    );
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0, reason: "succeeded on attempt 2 of 3" });
    expect(await collect(tracked.logs({ stream: "stdout" }))).toEqual(["first attempt", "second attempt"]);
    expect(await collect(tracked.logs({ stream: "stderr" }))).toEqual([
      "slipway: attempt 2 of 3 (attempt 1 exited with code 3)",
    ]);
    expect(await launched.status()).toMatchObject({ state: "succeeded" });
  });

  it("gives up after the last attempt, with the exit code and the attempt", async () => {
    const box = sandbox("retries = 1");
    const job = await launch({ name: "broken", script: "exit 4" }, sandboxOptions(box));
    expect(await job.wait()).toMatchObject({
      state: "failed",
      exitCode: 4,
      reason: "exited with code 4 (attempt 2 of 2)",
    });
  });

  it("does not retry a cancelled job", async () => {
    const box = sandbox("retries = 3");
    const { tracked } = await launchAndTrack(
      { name: "long", script: "echo started; sleep 600" },
      sandboxOptions(box),
    );
    await until("the job has started", async () =>
      (await collect(tracked.logs({ stream: "stdout" }))).includes("started"),
    );
    expect(await tracked.status()).toMatchObject({ state: "running", reason: "attempt 1 of 4" });
    expect(await tracked.cancel()).toMatchObject({ state: "cancelled" });
    expect(await collect(tracked.logs({ stream: "stdout" }))).toEqual(["started"]);
  });

  it("stops a job at its time limit and fails it with that reason, not retried", async () => {
    const box = sandbox('retries = 2\ntime = "00:00:05"');
    const { tracked } = await launchAndTrack(
      { name: "slow", command: ["sleep", "600"] },
      sandboxOptions(box),
    );
    const started = Date.now();
    const ended = await tracked.wait();
    expect(ended).toMatchObject({
      state: "failed",
      raw: "time-limit",
      reason: "time limit reached (00:00:05)",
    });
    expect(Date.now() - started).toBeLessThan(30_000);
    expect((await collect(tracked.logs({ stream: "stderr" }))).join("\n")).toContain(
      "slipway: time limit 00:00:05 reached: SIGTERM to the job, SIGKILL after 1 s",
    );
  });

  it("kills a job that ignores SIGTERM at its time limit after the grace period", async () => {
    const box = sandbox("");
    const job = await launch(
      { name: "stubborn", script: "trap '' TERM; sleep 600 & wait; sleep 600", time: "0:02" },
      sandboxOptions(box),
    );
    expect(await job.wait()).toMatchObject({ state: "failed", raw: "time-limit" });
  });
});

/** The daemon's HTTP status for `GET /containers/{id}/json`: 200 while the container exists, 404 once it is gone. */
function inspectStatus(socketPath: string, container: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { socketPath, path: `/containers/${container}/json`, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describeWithEngine("retries and time limits on the docker executor", dockerDaemon(), (socket) => {
  const sandbox = (profile: string): Sandbox =>
    makeSandbox(
      tempDir(),
      `${WANDB}\n[box]\nexecutor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"\n${profile}\n`,
      { WANDB_API_KEY: CANARY_KEY },
    );

  it("restarts a failed container (on-failure), the restart count as the attempt", async () => {
    // The container's own filesystem outlives a restart: the marker survives into the second attempt.
    const box = sandbox("retries = 2\nrm = true");
    const { tracked } = await launchAndTrack(
      // The image has sh, not bash.
      { name: "flaky", command: ["sh", "-c", failsOnce("/tmp/slipway-test-marker")] },
      sandboxOptions(box, "box"),
    );
    expect(await tracked.wait()).toMatchObject({
      state: "succeeded",
      exitCode: 0,
      reason: "succeeded on attempt 2 of 3",
    });
    // rm = true with a restart policy: Docker refuses AutoRemove, so slipway removed it once it saw the end.
    expect(await inspectStatus(socket, tracked.nativeId)).toBe(404);
  });

  it("follows the logs of every attempt, each line once", async () => {
    const box = sandbox("retries = 1");
    const { tracked } = await launchAndTrack(
      { name: "flaky", command: ["sh", "-c", `sleep 1; ${failsOnce("/tmp/slipway-test-marker")}`] },
      sandboxOptions(box, "box"),
    );
    expect(await collect(tracked.logs({ follow: true }))).toEqual(["first attempt", "second attempt"]);
    expect(await tracked.status()).toMatchObject({ state: "succeeded" });
  });

  it("stops a container at its time limit and fails it with that reason, not restarted", async () => {
    const box = sandbox('retries = 1\ntime = "00:00:05"');
    const { tracked } = await launchAndTrack(
      { name: "slow", command: ["sleep", "600"] },
      sandboxOptions(box, "box"),
    );
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "failed" });
    expect(ended.reason).toContain("time limit reached (00:00:05)");
    expect(await collect(tracked.logs({ stream: "stderr" }))).toContain(
      "slipway: time limit 00:00:05 reached: SIGTERM to the job, SIGKILL after 10 s",
    );
  });
});

describeWithEngine("retries and time limits on the ray executor", rayHead(), (address) => {
  const sandbox = (profile: string): Sandbox =>
    makeSandbox(
      tempDir(),
      `${WANDB.replace("offline", "online")}\n[ray]\nexecutor = "ray"\naddress = "${address}"\n${profile}\n`,
      { WANDB_API_KEY: CANARY_KEY },
    );
  const ray = new RayClient({ address });

  it("submits a failed job again as <id>-r1, the attempt in status and logs, from another process", async () => {
    const box = sandbox("retries = 2");
    // The Ray head runs on this machine: the job sees the sandbox. Every attempt reads the secrets package.
    const marker = join(box.root, "marker");
    const script = `[ \${#WANDB_API_KEY} -eq ${CANARY_KEY.length} ] && echo key present; ${failsOnce(marker)}`;
    const { tracked } = await launchAndTrack({ name: "flaky", script }, sandboxOptions(box, "ray"));
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0, reason: "succeeded on attempt 2 of 3" });
    expect((await ray.getJob(`${tracked.id}-r1`))?.status).toBe("SUCCEEDED");
    const lines = (await collect(tracked.logs())).filter((line) => !/^\d{4}-\d\d-\d\d .*INFO/.test(line));
    expect(lines.filter((line) => !line.startsWith("Running entrypoint"))).toEqual([
      "key present",
      "first attempt",
      `slipway: attempt 2 of 3 (Ray job ${tracked.id}-r1)`,
      "key present",
      "second attempt",
    ]);
    expect(lines.join("\n")).not.toContain(CANARY_KEY);
  });

  it("follows the log of every attempt, the follow itself submitting the next", async () => {
    const box = sandbox("retries = 1");
    const marker = join(box.root, "marker");
    const { tracked } = await launchAndTrack(
      { name: "follow", script: `sleep 1; ${failsOnce(marker)}` },
      sandboxOptions(box, "ray"),
    );
    const lines = (await collect(tracked.logs({ follow: true }))).filter(
      (line) => !/^\d{4}-\d\d-\d\d .*INFO/.test(line) && !line.startsWith("Running entrypoint"),
    );
    expect(lines).toEqual([
      "first attempt",
      `slipway: attempt 2 of 2 (Ray job ${tracked.id}-r1)`,
      "second attempt",
    ]);
    expect(await tracked.status()).toMatchObject({ state: "succeeded" });
  });

  it("stops a job at its time limit and fails it with that reason, not resubmitted", async () => {
    const box = sandbox('retries = 1\ntime = "00:00:05"');
    const { tracked } = await launchAndTrack(
      { name: "slow", command: ["sleep", "600"] },
      sandboxOptions(box, "ray"),
    );
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "failed", reason: "time limit reached (00:00:05)" });
    expect(await ray.getJob(`${tracked.id}-r1`)).toBeUndefined();
  });
});

describeWithEngine("retries and time limits on the slurm executor", slurmCluster(), (value) => {
  const access = (value === "" ? {} : JSON.parse(value)) as SlurmClusterAccess;

  it("requeues a failed run, which sees SLURM_RESTART_COUNT, and succeeds", async () => {
    const box = clusterSandbox(tempDir(), access, { retries: 1 });
    const { tracked } = await launchAndTrack(
      {
        name: "flaky",
        script: 'echo "restart ${SLURM_RESTART_COUNT:-0}"; [ "${SLURM_RESTART_COUNT:-0}" -ge 1 ]',
      },
      sandboxOptions(box, "cluster"),
    );
    expect(await tracked.wait()).toMatchObject({ state: "succeeded", exitCode: 0 });
  });

  it("fails a job that runs past its time limit", async () => {
    const box = clusterSandbox(tempDir(), access);
    const { tracked } = await launchAndTrack(
      { name: "slow", command: ["sleep", "600"], time: "00:00:05" },
      sandboxOptions(box, "cluster"),
    );
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "failed" });
    expect(ended.reason).toMatch(/time limit/i);
  });
});

describeWithEngine("retries and time limits on the kubernetes executor", kubernetesCluster(), (value) => {
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const sandbox = (profile: string): Sandbox =>
    makeSandbox(
      tempDir(),
      [
        WANDB,
        "[k8s]",
        'executor = "kubernetes"',
        `image = "${cluster.images.busybox}"`,
        'image_pull_policy = "Never"',
        `namespace = "${cluster.namespace}"`,
        `kubeconfig = "${cluster.kubeconfig}"`,
        "grace_seconds = 5",
        profile,
        "",
      ].join("\n"),
      { WANDB_API_KEY: CANARY_KEY },
    );

  it("replaces a failed pod, which sees the first pod's marker on the node, and succeeds", async () => {
    // The one-node test cluster's node is this machine: a hostPath directory is shared by every attempt.
    const shared = tempDir();
    chmodSync(shared, 0o777);
    mkdirSync(join(shared, "m"), { mode: 0o777 });
    const box = sandbox(`retries = 1\nmounts = ["host:${shared}/m:/shared"]`);
    const { tracked } = await launchAndTrack(
      { name: "flaky", command: ["sh", "-c", failsOnce("/shared/marker")] },
      sandboxOptions(box, "k8s"),
    );
    expect(await tracked.wait()).toMatchObject({ state: "succeeded", exitCode: 0 });
  });

  it("fails a job that runs past the recipe's time limit", async () => {
    const box = sandbox("");
    const { tracked } = await launchAndTrack(
      { name: "slow", command: ["sleep", "600"], time: "00:00:05" },
      sandboxOptions(box, "k8s"),
    );
    const ended = await tracked.wait();
    expect(ended).toMatchObject({ state: "failed" });
    expect(ended.reason).toContain("time limit reached");
  });
});
