import { isAbsolute, resolve } from "node:path";
import type { ExecutorKind, Launcher, Resources } from "../config/types.ts";
import { jobTrackingEnv, type TrackingEnv } from "../env/tracking-env.ts";
import { wandbRunUrl } from "../env/wandb-run-url.ts";
import { SlipwayError } from "../errors.ts";
import type { JobState } from "./job-state.ts";
import { isSecret, Secret } from "../secret.ts";
import { holdsSecret, looksSecret } from "../secret-values.ts";
import { newJobId } from "./job-id.ts";
import type { Recipe } from "./recipe.ts";
import type { ResolvedProfile } from "../config/types.ts";
import type { ShippedCode } from "../package/code-package.ts";
import { isSlurmTime } from "../config/slurm-profile-schema.ts";
import { TIME_LIMIT_EXPECTED } from "../config/slurm-time.ts";

/**
 * Variables that are secret whatever their source (a profile's `env` or a recipe's); any name that looks secret
 * (`looksSecret`: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*`) is treated the same way.
 */
export const SECRET_ENV_NAMES: ReadonlySet<string> = new Set(["WANDB_API_KEY"]);

/** Variables slipway never passes to a job: they only make sense in the launching process tree. */
export const NEVER_FORWARDED_ENV: ReadonlySet<string> = new Set(["WANDB_SERVICE", "WANDB_LAUNCH"]);

/**
 * A recipe resolved against a profile: everything an executor needs to plan it, with a fresh id.
 *
 * @example
 * ```ts
 * const job = buildJob(recipe, executor);
 * job.env.WANDB_PROJECT; // from [wandb], unless the profile or recipe env overrides it
 * ```
 */
export interface Job {
  readonly id: string;
  readonly name: string;
  readonly profile: string;
  readonly executor: ExecutorKind;
  /** The program and its arguments; a script recipe becomes `["bash", "-c", script]`. */
  readonly command: readonly string[];
  /** Absolute working directory, or `undefined` for the executor's default. */
  readonly workdir: string | undefined;
  /**
   * The job's environment for every rank, by precedence: recipe env > profile env > env_file variables > tracking
   * variables.
   */
  readonly env: Readonly<Record<string, string | Secret>>;
  /** Variables only rank 0 receives (`WANDB_RUN_ID`, and `WANDB_RESUME` for a resumable or requeued run). */
  readonly rankZeroEnv: Readonly<Record<string, string>>;
  /** The W&B run the job reports to, when known before it starts (online, entity, project and run id set). */
  readonly wandbUrl: string | undefined;
  readonly resources: Resources;
  readonly launcher: Launcher;
  readonly image: string | undefined;
  /** The directory the job was launched from. */
  readonly launchDir: string;
  /** ISO time the job was built. */
  readonly createdAt: string;
  /** A job array as Slurm writes it (`"0-15%4"`), or `undefined` for a single job. */
  readonly array: string | undefined;
  /** Jobs that must succeed before this one starts, as recorded when they were launched. */
  readonly dependsOn: readonly JobDependency[];
  /** How many times a failed run is started again; `undefined` leaves it to the profile. */
  readonly retries: number | undefined;
  /** The recipe's time limit (Slurm's `--time` format), which wins over the profile's `time`; `undefined` leaves it to the profile. */
  readonly time: string | undefined;
  /**
   * The code shipped with the job (`package = "git"` or `"dir"`), or `undefined` when it is already where the job
   * runs (`package = "none"`). The command runs in `code.subdir` of the shipped tree unless `workdir` says otherwise.
   */
  readonly code: ShippedCode | undefined;
  /**
   * For a sweep launched as one array job (Slurm) or Indexed Job (Kubernetes): each array task's command and the variables that differ between
   * tasks, by task index. `command` and `env` are then task 0's.
   */
  readonly sweep?: SweepTasks | undefined;
}

/**
 * The per-task part of a sweep run as one array job: task `i` runs `tasks[i].command` with `tasks[i].env` set.
 *
 * @example
 * ```ts
 * const sweep: SweepTasks = { tasks: [{ command: ["python", "train.py", "--lr", "1e-4"], env: { WANDB_NAME: "sft-lr=1e-4" } }] };
 * ```
 */
export interface SweepTasks {
  readonly tasks: readonly {
    readonly command: readonly string[];
    readonly env: Readonly<Record<string, string>>;
  }[];
  /** At most this many tasks run at once (Kubernetes' `parallelism`; Slurm writes it as the array's `%K`). */
  readonly maxParallel?: number | undefined;
}

/**
 * A job another job waits for, as its record in the job store says.
 *
 * @example
 * ```ts
 * const { job } = await dryRun({ name: "eval", command: ["python", "eval.py"], dependsOn: ["train-k3j9x2"] },
 *   { profile: "cluster" });
 * job.dependsOn[0]?.nativeId; // "4242", the Slurm id of train-k3j9x2
 * ```
 */
export interface JobDependency {
  readonly id: string;
  readonly executor: ExecutorKind;
  /** The executor's id of the job; empty when it was never submitted. */
  readonly nativeId: string;
  /** Where it runs, as its executor records it (for Slurm, the cluster's `user@host:port`). */
  readonly target: string | undefined;
  readonly state: JobState;
}

/** What {@link buildJob} reads from the world; injected so tests can pin them. */
export interface BuildJobContext {
  readonly cwd: string;
  readonly now: Date;
  readonly random?: (size: number) => Uint8Array;
  /** Finds a job named in `dependsOn` (by id or unique prefix); without it, `dependsOn` is refused. */
  readonly findJob?: (idOrPrefix: string) => JobDependency;
  /** What the launch ships (packed before the job is built, since packing reads the disk). */
  readonly code?: ShippedCode;
  /** The job's id when it is decided elsewhere (a sweep's array job takes the sweep id); default: a new one. */
  readonly id?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Resolves a recipe with a profile and its tracking env into a {@link Job} with a new id.
 *
 * @example
 * ```ts
 * const job = buildJob({ name: "sft", command: ["python", "train.py"] }, executor.profile, executor.tracking,
 *   { cwd: process.cwd(), now: new Date() });
 * ```
 */
export function buildJob(
  recipe: Recipe,
  profile: ResolvedProfile,
  tracking: TrackingEnv,
  context: BuildJobContext,
): Job {
  const command = commandOf(recipe);
  const id = context.id ?? newJobId(recipe.name, context.random);
  const trackingEnv = jobTrackingEnv(tracking, recipe.tracking, id);
  const env: Record<string, string | Secret> = { ...trackingEnv.vars };
  // A plain value that holds a secret (the key copied under another name, `Bearer <key>`) is a secret too.
  // Values of secret-looking names count too: an env_file often repeats a token under a plain name.
  const knownSecrets = [
    ...Object.values(trackingEnv.vars).flatMap((value) => (isSecret(value) ? [value.reveal()] : [])),
    ...[profile.env, recipe.env ?? {}].flatMap((layer) =>
      Object.entries(layer).flatMap(([name, value]) =>
        isSecret(value) ? [value.reveal()] : looksSecret(name) ? [value] : [],
      ),
    ),
  ];
  for (const [at, layer] of [
    [`${profile.name}.env`, profile.env],
    ["recipe.env", recipe.env ?? {}],
  ] as const) {
    for (const [name, value] of Object.entries(layer)) {
      checkEnvName(name);
      checkNoNul(`${at}.${name}`, isSecret(value) ? value.reveal() : value, "process environment");
      if (NEVER_FORWARDED_ENV.has(name)) continue;
      env[name] =
        isSecret(value) || !(looksSecret(name) || holdsSecret(value, knownSecrets))
          ? value
          : new Secret(value);
    }
  }
  const nodes = recipe.resources?.nodes ?? profile.resources.nodes;
  const gpusPerNode = recipe.resources?.gpusPerNode ?? profile.resources.gpusPerNode;
  checkCount("resources.nodes", nodes, 1);
  checkCount("resources.gpusPerNode", gpusPerNode, 0);
  if (recipe.retries !== undefined) checkCount("retries", recipe.retries, 0);
  if (recipe.time !== undefined && !isSlurmTime(recipe.time))
    invalidRecipe(`recipe.time must be ${TIME_LIMIT_EXPECTED}, got ${JSON.stringify(recipe.time)}`);
  const workdir = recipe.workdir ?? profile.workdir;
  const retries =
    recipe.retries ?? (profile.executor === "local" ? profile.retries : profile.settings.retries);
  const rankZeroEnv = {
    ...trackingEnv.rankZero,
    ...defaultRunId(id, env, trackingEnv.rankZero, recipe, retries),
  };
  return {
    id,
    name: recipe.name,
    profile: profile.name,
    executor: profile.executor,
    command,
    workdir:
      workdir === undefined ? undefined : isAbsolute(workdir) ? workdir : resolve(context.cwd, workdir),
    env,
    rankZeroEnv,
    wandbUrl: wandbRunUrl({ ...env, ...rankZeroEnv }, tracking.key),
    resources: {
      nodes,
      gpusPerNode,
      nprocPerNode:
        recipe.resources?.nprocPerNode ??
        (recipe.resources?.gpusPerNode === undefined
          ? profile.resources.nprocPerNode
          : Math.max(gpusPerNode, 1)),
      cpusPerNode: recipe.resources?.cpusPerNode ?? profile.resources.cpusPerNode,
      memory: recipe.resources?.memory ?? profile.resources.memory,
    },
    launcher: recipe.launcher ?? profile.launcher,
    image: recipe.image,
    launchDir: context.cwd,
    createdAt: context.now.toISOString(),
    array: recipe.array,
    dependsOn: (recipe.dependsOn ?? []).map((id) => {
      if (context.findJob === undefined)
        invalidRecipe("recipe.dependsOn needs the job store to find its jobs");
      return context.findJob(id);
    }),
    retries: recipe.retries,
    time: recipe.time,
    code: context.code,
  };
}

/**
 * Rank 0's default W&B run id: the job id, so the run's URL is known at launch and the run is found from the job.
 * None when the recipe or profile set `WANDB_RUN_ID`, asked for a run id or `runId: false`, for an array (its tasks
 * would share one run) or with tracking disabled. A job that may be requeued also gets `WANDB_RESUME=allow`, so
 * its next start continues the run instead of colliding with it.
 */
function defaultRunId(
  id: string,
  env: Readonly<Record<string, string | Secret>>,
  rankZero: Readonly<Record<string, string>>,
  recipe: Recipe,
  retries: number,
): Record<string, string> {
  const asked = recipe.tracking?.runId !== undefined || rankZero["WANDB_RUN_ID"] !== undefined;
  if (asked || env["WANDB_RUN_ID"] !== undefined || env["WANDB_MODE"] === "disabled") return {};
  if (recipe.array !== undefined) return {};
  return { WANDB_RUN_ID: id, ...(retries > 0 ? { WANDB_RESUME: "allow" } : {}) };
}

function commandOf(recipe: Recipe): readonly string[] {
  if (recipe.name.trim() === "") invalidRecipe("recipe.name must not be empty");
  if (recipe.command !== undefined && recipe.script !== undefined) {
    invalidRecipe("give recipe.command or recipe.script, not both");
  }
  if (recipe.script !== undefined) {
    if (recipe.script.trim() === "")
      invalidRecipe("recipe.script is empty: say what to run (e.g. python train.py)");
    checkNoNul("recipe.script", recipe.script, "process argument");
    return ["bash", "-c", recipe.script];
  }
  if (recipe.command === undefined || recipe.command.length === 0) {
    invalidRecipe("recipe.command is empty: say what to run (e.g. python train.py)");
  }
  // No executor can start a program named "": a dry run must refuse it just as a launch would.
  if (recipe.command[0] === "") {
    invalidRecipe("recipe.command[0], the program, is empty: say what to run (e.g. python train.py)");
  }
  for (const [i, arg] of recipe.command.entries())
    checkNoNul(`recipe.command[${i}]`, arg, "process argument");
  return recipe.command;
}

function checkNoNul(path: string, value: string, holder: string): void {
  if (value.includes("\0")) invalidRecipe(`${path} contains a NUL character, which no ${holder} can hold`);
}

// Names a job's shell wrappers use for themselves (slipway_*) or that bash will not let a script set.
const RESERVED_ENV_NAMES: ReadonlySet<string> = new Set([
  "BASHOPTS",
  "BASH_VERSINFO",
  "EUID",
  "GROUPS",
  "PPID",
  "SHELLOPTS",
  "UID",
]);

function checkEnvName(name: string): void {
  if (!ENV_NAME.test(name)) {
    invalidRecipe(
      `environment variable name "${name}" is invalid (letters, digits and _, not starting with a digit)`,
    );
  }
  if (name.startsWith("slipway_") || RESERVED_ENV_NAMES.has(name)) {
    invalidRecipe(
      `environment variable name "${name}" is reserved (${name.startsWith("slipway_") ? "slipway_* names are the job wrappers' own" : "bash does not let a job set it"})`,
    );
  }
}

function checkCount(path: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min)
    invalidRecipe(`${path} must be an integer ≥ ${min}, got ${value}`);
}

function invalidRecipe(message: string): never {
  throw new SlipwayError("RECIPE_INVALID", message);
}
