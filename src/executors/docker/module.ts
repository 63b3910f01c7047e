import type { DockerProfile } from "../../config/types.ts";
import type { TrackingEnv } from "../../env/tracking-env.ts";
import type { Job } from "../../job/job.ts";
import type { Executor, ExecutorContext, ExecutorModule, Submitted } from "../executor-module.ts";
import type { Capabilities, SubmitOptions } from "../types.ts";
import { dockerClient } from "./docker-client.ts";
import { dockerDetailSchema, type DockerDetail } from "./docker-detail.ts";
import { dockerEngine } from "./docker-engine.ts";
import { dockerHost } from "./docker-host.ts";
import { detachedPlan, planDocker, type DockerPlan } from "./plan.ts";
import { renderDocker } from "./render.ts";
import { startContainer } from "./submit-docker.ts";

/** What the docker executor cannot do, and why. */
export const DOCKER_CAPABILITIES: Capabilities = {
  unsupported: {
    "sweep-throttle":
      "--max-parallel needs a scheduler that holds jobs back; here every job of a sweep starts at once and nothing stays behind to start the next one (on Slurm a sweep is an array job, throttled by %K)",
    "multi-node":
      "a container runs on one machine; use a slurm, kubernetes or ray profile for more than one node",
    array: "job arrays are a Slurm feature; launch one job per index instead",
    dependencies: "waiting for other jobs is a Slurm feature here; chain the launches in your script",
  },
};

/**
 * The docker executor: one container per job on a Docker daemon, secrets in a read-only 0400 file. The container is
 * named after the job (`slipway-<id>`), so a retried submit cannot start a second one.
 *
 * @example
 * ```ts
 * const executor = dockerModule.create(profile, tracking, context);
 * const submitted = await executor.submit(executor.plan(job));
 * console.log(submitted.nativeId); // "3f2a9c1b7d0e"
 * ```
 */
export const dockerModule: ExecutorModule<"docker", DockerPlan, DockerDetail> = {
  kind: "docker",
  capabilities: DOCKER_CAPABILITIES,
  detail: dockerDetailSchema,
  create: createDockerExecutor,
  engine: (job) => dockerEngine(job.files, job.detail),
  async check(profile, context) {
    const host = dockerHost(profile.settings.host, context.env);
    try {
      const { apiVersion } = await dockerClient(host);
      return { ok: true, text: `Docker daemon at ${host} (API ${apiVersion})` };
    } catch (error) {
      return { ok: false, text: error instanceof Error ? error.message : String(error) };
    }
  },
};

function createDockerExecutor(
  profile: DockerProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Executor<DockerPlan, DockerDetail> {
  return {
    kind: "docker",
    profile,
    capabilities: DOCKER_CAPABILITIES,
    tracking,
    notices:
      profile.settings.secrets === "env" && tracking.vars["WANDB_API_KEY"] !== undefined
        ? [
            `profile "${profile.name}" sets secrets = "env": the W&B key goes into the container's environment, ` +
              "where docker inspect shows it to anyone with access to the daemon",
          ]
        : [],
    plan: (job: Job) =>
      planDocker(job, profile, {
        jobDir: context.store.jobDir(job.id),
        env: context.env,
        homeDir: context.homeDir,
      }),
    render: renderDocker,
    async submit(planned: DockerPlan, options: SubmitOptions = {}): Promise<Submitted<DockerDetail>> {
      const plan = options.detach === true ? detachedPlan(planned) : planned;
      // A process that stays to the end registers the wait for an AutoRemove container's removal before the start,
      // so it cannot miss the exit code (a detached one has no AutoRemove: see detachedPlan).
      const started = await startContainer(plan, {
        waitForRemoval: plan.create.HostConfig.AutoRemove,
        ...(options.code === undefined ? {} : { code: options.code }),
      });
      const detail: DockerDetail = {
        containerId: started.id,
        host: plan.host,
        graceSeconds: plan.graceSeconds,
        rm: plan.create.HostConfig.AutoRemove,
        removeWhenEnded: plan.removeWhenEnded,
        retries: plan.retries,
        ...(plan.timeLimit === undefined ? {} : { timeLimit: plan.timeLimit.text }),
      };
      return {
        nativeId: started.id.slice(0, 12),
        status: { state: "running", raw: "running", exitCode: undefined, reason: undefined },
        detail,
        ...(started.removed === undefined
          ? {}
          : { engine: dockerEngine(context.store.files(plan.jobId), detail, started.removed) }),
      };
    },
  };
}
