import type { ExecutorKind, ResolvedProfile } from "../config/types.ts";
import type { TrackingEnv } from "../env/tracking-env.ts";
import { SlipwayError } from "../errors.ts";
import type { JobRecord } from "../store/job-record.ts";
import type { ExecutorContext } from "./context.ts";
import type { CleanupResult, Executor, JobHandle } from "./types.ts";

/** Which issue builds each executor that is not here yet; README's executor table says the same. */
const NOT_BUILT: Readonly<Record<Exclude<ExecutorKind, "local" | "docker" | "ray" | "slurm">, string>> = {
  kubernetes: "a later issue",
};

/**
 * The executor for a resolved profile. Each executor's module (and its client library) is imported only here, on
 * demand, so commands that need no executor start fast.
 *
 * @example
 * ```ts
 * const executor = await createExecutor(profile, tracking, context);
 * ```
 */
export async function createExecutor(
  profile: ResolvedProfile,
  tracking: TrackingEnv,
  context: ExecutorContext,
): Promise<Executor> {
  switch (profile.executor) {
    case "local": {
      const { createLocalExecutor } = await import("./local/index.ts");
      return createLocalExecutor(profile, tracking, context);
    }
    case "docker": {
      const { createDockerExecutor } = await import("./docker/index.ts");
      return createDockerExecutor(profile, tracking, context);
    }
    case "ray": {
      const { createRayExecutor } = await import("./ray/index.ts");
      return createRayExecutor(profile, tracking, context);
    }
    case "slurm": {
      const { createSlurmExecutor } = await import("./slurm/index.ts");
      return createSlurmExecutor(profile, tracking, context);
    }
    case "kubernetes":
      throw notBuilt(profile.executor, profile.name);
  }
}

/**
 * A handle for a recorded job, from any later process; needs no config.
 *
 * @example
 * ```ts
 * const handle = await attachJob(store.read(id), context);
 * console.log(await handle.status());
 * ```
 */
export async function attachJob(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "homeDir">>,
): Promise<JobHandle> {
  switch (record.executor) {
    case "local": {
      const { attachLocal } = await import("./local/index.ts");
      return attachLocal(record, context);
    }
    case "docker": {
      const { attachDocker } = await import("./docker/index.ts");
      return attachDocker(record, context);
    }
    case "ray": {
      const { attachRay } = await import("./ray/index.ts");
      return attachRay(record, context);
    }
    case "slurm": {
      const { attachSlurm } = await import("./slurm/index.ts");
      return attachSlurm(record, context);
    }
    case "kubernetes":
      throw notBuilt(record.executor, record.profile);
  }
}

/**
 * Frees what a finished job still holds on its engine (a docker container; its logs are saved first). Returns what
 * was done, or `undefined` when the executor keeps nothing to free.
 *
 * @example
 * ```ts
 * await cleanupJob(store.read(id), { store }); // "removed container 3f2a9c1b7d0e (logs kept)"
 * ```
 */
export async function cleanupJob(
  record: JobRecord,
  context: Pick<ExecutorContext, "store"> & Partial<Pick<ExecutorContext, "env" | "homeDir">>,
): Promise<CleanupResult | undefined> {
  switch (record.executor) {
    case "docker": {
      const { cleanupDocker } = await import("./docker/index.ts");
      return cleanupDocker(record, context);
    }
    case "ray": {
      const { cleanupRay } = await import("./ray/index.ts");
      return cleanupRay(record, context);
    }
    case "slurm": {
      const { cleanupSlurm } = await import("./slurm/cleanup-slurm.ts");
      return cleanupSlurm(record, context);
    }
    case "local":
    case "kubernetes":
      return undefined;
  }
}

function notBuilt(
  kind: Exclude<ExecutorKind, "local" | "docker" | "ray" | "slurm">,
  profile: string,
): SlipwayError {
  return new SlipwayError(
    "EXECUTOR_NOT_BUILT",
    `profile "${profile}" uses the ${kind} executor, which is not built yet (${NOT_BUILT[kind]})`,
    { hint: 'the local executor works today: executor = "local"' },
  );
}
