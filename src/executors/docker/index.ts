import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PendingProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { JobRecord } from "../../store/job-record.ts";
import type { ExecutorContext } from "../context.ts";
import type { Capabilities, CleanupResult, Executor, JobHandle } from "../types.ts";
import { TERMINAL_STATES } from "../types.ts";
import { dockerClient, statusCodeOf } from "./docker-client.ts";
import { DockerJobHandle } from "./docker-handle.ts";
import { LogFrames } from "./log-frames.ts";
import { planDocker, type DockerPlan } from "./plan.ts";
import { renderDocker } from "./render.ts";
import { dockerSettings } from "./settings.ts";
import { startContainer } from "./submit-docker.ts";

/** What the docker executor cannot do, and why. */
export const DOCKER_CAPABILITIES: Capabilities = {
  unsupported: {
    "multi-node":
      "a container runs on one machine; use a slurm, kubernetes or ray profile for more than one node",
    torchrun: 'launcher = "torchrun" is not built for docker jobs yet; put torchrun in the command itself',
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
    retries: "requeue on failure is a Slurm feature here; relaunch the job instead",
  },
};

/**
 * The docker executor: one container per job on a Docker daemon, secrets in a read-only 0400 file.
 *
 * @example
 * ```ts
 * const executor = createDockerExecutor(profile, tracking, context);
 * const handle = await executor.submit(executor.plan(job));
 * ```
 */
export function createDockerExecutor(
  profile: PendingProfile<"docker">,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<DockerPlan> {
  const settings = dockerSettings(profile);
  return {
    kind: "docker",
    profile,
    capabilities: DOCKER_CAPABILITIES,
    tracking,
    notices:
      settings.secrets === "env" && tracking.vars["WANDB_API_KEY"] !== undefined
        ? [
            `profile "${profile.name}" sets secrets = "env": the W&B key goes into the container's environment, ` +
              "where docker inspect shows it to anyone with access to the daemon",
          ]
        : [],
    plan: (job: Job) =>
      planDocker(job, profile, settings, {
        jobDir: context.store.jobDir(job.id),
        env: context.env,
        homeDir: context.homeDir,
      }),
    render: renderDocker,
    async submit(plan: DockerPlan): Promise<JobHandle> {
      const started = await startContainer(plan);
      context.store.update(plan.jobId, {
        nativeId: started.id.slice(0, 12),
        state: "running",
        raw: "running",
        startedAt: new Date().toISOString(),
        detail: { containerId: started.id, host: plan.host, graceSeconds: plan.graceSeconds },
      });
      return attachDocker(context.store.read(plan.jobId), context);
    },
  };
}

/**
 * A handle for a docker job recorded earlier, from any process; needs no config.
 *
 * @example
 * ```ts
 * const handle = attachDocker(store.read("sft-k3j9x2"), { store });
 * ```
 */
export function attachDocker(record: JobRecord, context: Pick<ExecutorContext, "store">): JobHandle {
  const { containerId, host, graceSeconds } = record.detail;
  return new DockerJobHandle(
    {
      id: record.id,
      jobDir: context.store.jobDir(record.id),
      host: typeof host === "string" ? host : "unix:///var/run/docker.sock",
      containerId: typeof containerId === "string" ? containerId : "",
      graceSeconds: typeof graceSeconds === "number" ? graceSeconds : 10,
    },
    context.store,
  );
}

/**
 * Removes the container of a finished docker job after saving its logs in the job directory, so `slipway logs`
 * still works. Returns what it did, for the CLI.
 *
 * @example
 * ```ts
 * await cleanupDocker(store.read(id), { store }); // "removed container 3f2a9c1b7d0e (logs kept)"
 * ```
 */
export async function cleanupDocker(
  record: JobRecord,
  context: Pick<ExecutorContext, "store">,
): Promise<CleanupResult> {
  const handle = attachDocker(record, context);
  const status = await handle.status();
  if (!TERMINAL_STATES.has(status.state))
    return { cleaned: false, message: `still ${status.state}; cancel it first` };
  const { host, containerId } = record.detail;
  if (typeof host !== "string" || typeof containerId !== "string") {
    return { cleaned: false, message: "no container was created" };
  }
  const { docker } = await dockerClient(host);
  const container = docker.getContainer(containerId);
  let raw: Buffer;
  try {
    raw = await container.logs({ follow: false, stdout: true, stderr: true });
  } catch (error) {
    if (statusCodeOf(error) === 404) return { cleaned: false, message: "container already removed" };
    throw error;
  }
  const frames = new LogFrames();
  const lines = [...frames.push(raw), ...frames.end()];
  const jobDir = context.store.jobDir(record.id);
  for (const stream of ["stdout", "stderr"] as const) {
    const text = lines.filter((line) => line.stream === stream).map((line) => `${line.text}\n`);
    writeFileSync(join(jobDir, `${stream}.log`), text.join(""), { mode: 0o600 });
  }
  await container.remove({ force: true });
  return { cleaned: true, message: `removed container ${containerId.slice(0, 12)} (logs kept)` };
}
