import type { ExecutorKind, ResolvedProfile } from "../config/types.ts";
import { loadConfig } from "../config/load-config.ts";
import { resolveProfile } from "../config/resolve-profile.ts";
import type { TrackingEnv } from "../env/tracking-env.ts";
import { SlipwayError, StoreError } from "../errors.ts";
import type { JobRecord } from "../store/job-record.ts";
import type { CheckResult, Executor, ExecutorContext, ExecutorModule, JobEngine } from "./executor-module.ts";
import { TrackedHandle } from "./tracked-handle.ts";

/** Any executor's module, its plan and detail types erased. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each module's plan and detail types differ; the registry erases them
type AnyModule<K extends ExecutorKind> = ExecutorModule<K, any, any>;

/**
 * Every executor kind and where its module is. Each module (and its client library) is imported only when a job of
 * its kind needs it, so commands that need none start fast. A kind missing here is a compile error.
 */
const MODULES: { readonly [K in ExecutorKind]: () => Promise<AnyModule<K>> } = {
  local: async () => (await import("./local/module.ts")).localModule,
  docker: async () => (await import("./docker/module.ts")).dockerModule,
  slurm: async () => (await import("./slurm/module.ts")).slurmModule,
  kubernetes: async () => (await import("./kubernetes/module.ts")).kubernetesModule,
  ray: async () => (await import("./ray/module.ts")).rayModule,
};

/**
 * The module of an executor kind.
 *
 * @example
 * ```ts
 * const { capabilities } = await executorModule("local");
 * ```
 */
export function executorModule<K extends ExecutorKind>(kind: K): Promise<AnyModule<K>> {
  return MODULES[kind]();
}

/**
 * The executor for a resolved profile.
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
  const module = await executorModule(profile.executor);
  return module.create(profile, tracking, context);
}

/**
 * `slipway doctor`'s check of a profile's executor; never throws.
 *
 * @example
 * ```ts
 * const { ok, text } = await checkExecutor(profile, context);
 * ```
 */
export async function checkExecutor(
  profile: ResolvedProfile,
  context: ExecutorContext,
): Promise<CheckResult> {
  try {
    const module = await executorModule(profile.executor);
    return await module.check(profile, context);
  } catch (error) {
    return { ok: false, text: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * A handle for a recorded job, from any process; reads no env.toml unless the executor needs a setting the record
 * must not hold (a Ray token), and then only the one the job was launched with.
 *
 * @example
 * ```ts
 * const handle = attachJob(store.read(id), context);
 * console.log(await handle.status());
 * ```
 */
export function attachJob(record: JobRecord, context: ExecutorContext, engine?: JobEngine): TrackedHandle {
  return new TrackedHandle(record, {
    store: context.store,
    engine,
    engineFor: (latest) => engineOf(latest, context),
  });
}

/**
 * The engine of a submitted record: its `detail` parsed with the executor's schema.
 *
 * @example
 * ```ts
 * const engine = await engineOf(store.read(id), context);
 * ```
 */
export async function engineOf(record: JobRecord, context: ExecutorContext): Promise<JobEngine> {
  const module = await executorModule(record.executor);
  const parsed = module.detail.safeParse(record.detail);
  const files = context.store.files(record.id);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => `${["detail", ...i.path].join(".")}: ${i.message}`);
    throw new StoreError(`${files.record}: not a ${record.executor} job record (${issues.join("; ")})`, {
      path: files.record,
      hint: "the record is damaged; remove the job's directory if the job is not needed",
    });
  }
  return module.engine(
    {
      id: record.id,
      nativeId: record.nativeId,
      detail: parsed.data as unknown,
      files,
      profile: () => profileOfRecord(record, context),
    },
    context,
  );
}

function profileOfRecord(record: JobRecord, context: ExecutorContext): ResolvedProfile {
  if (record.configFile === undefined) {
    throw new SlipwayError("CONFIG_NOT_FOUND", `job ${record.id} was launched without an env.toml`, {
      hint: "its profile's settings cannot be read again",
    });
  }
  const config = loadConfig({ cwd: context.cwd, env: context.env, configPath: record.configFile });
  return resolveProfile(config, record.profile, context.env);
}
