/** The executors slipway knows; `executor` in a profile picks one. */
export const EXECUTOR_KINDS = ["local", "docker", "slurm", "kubernetes", "ray"] as const;

/**
 * One of the executors slipway knows (`executor` in a profile).
 *
 * @example
 * ```ts
 * const kind: ExecutorKind = "local";
 * const profiles = listProfiles(loadConfig({ cwd: process.cwd(), env: process.env }));
 * console.log(profiles.filter((p) => p.executor === kind).map((p) => p.name));
 * ```
 */
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** How the command is started on each node. */
export const LAUNCHERS = ["none", "torchrun"] as const;

/**
 * How the command is started on each node: `none` runs it as is, `torchrun` wraps it (one torchrun per node,
 * `nprocPerNode` processes each). A recipe's `launcher` wins over the profile's.
 *
 * @example
 * ```ts
 * const launcher: Launcher = recipe.launcher ?? profile.launcher; // what the job's `launcher` becomes
 * if (launcher === "torchrun") console.log(`${profile.resources.nprocPerNode} processes per node`);
 * ```
 */
export type Launcher = (typeof LAUNCHERS)[number];

/** W&B run modes slipway accepts in `[wandb].mode`. */
export const WANDB_MODES = ["online", "offline", "disabled"] as const;

/**
 * A W&B run mode, as `[wandb].mode` sets it for every job (`WANDB_MODE`).
 *
 * @example
 * ```ts
 * const mode: WandbMode | undefined = resolveWandb(config, process.env).mode;
 * if (mode === "offline" || mode === "disabled") console.log("no W&B key needed");
 * ```
 */
export type WandbMode = (typeof WANDB_MODES)[number];

/**
 * Resource requests; a recipe's values win over the profile's defaults.
 *
 * @example
 * ```ts
 * const recipe: Recipe = { name: "sft", command: ["python", "train.py"], resources: { gpusPerNode: 2 } };
 * const { job } = await dryRun(recipe, { executor: "local" });
 * const resources: Resources = job.resources; // { nodes: 1, gpusPerNode: 2, nprocPerNode: 2, … }
 * ```
 */
export interface Resources {
  readonly nodes: number;
  readonly gpusPerNode: number;
  /** Processes per node for a launcher such as torchrun; defaults to `gpusPerNode`, or 1 without GPUs. */
  readonly nprocPerNode: number;
  readonly cpusPerNode: number | undefined;
  /** Memory per node as written, e.g. `"64G"`. */
  readonly memory: string | undefined;
}

/** Fields every resolved profile has, whatever its executor. No field is optional: defaults are filled in. */
export interface ProfileBase {
  /** The profile's table name in env.toml. */
  readonly name: string;
  /** Absolute path of the env.toml it came from. */
  readonly file: string;
  /** Extra environment for every job, `${env:…}` already resolved. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory of the job; `undefined` means the executor's default (the launch directory for local). */
  readonly workdir: string | undefined;
  readonly resources: Resources;
  readonly launcher: Launcher;
}

/**
 * A resolved profile of the local executor: jobs run as a process group on this machine.
 *
 * @example
 * ```ts
 * const profile = resolveProfile(loadConfig({ cwd: process.cwd(), env: process.env }), "local", process.env);
 * if (profile.executor === "local") {
 *   const local: LocalProfile = profile;
 *   console.log(local.inheritEnv, local.graceSeconds); // true 10, unless env.toml says otherwise
 * }
 * ```
 */
export interface LocalProfile extends ProfileBase {
  readonly executor: "local";
  /** Pass the launching shell's environment to the job (default true). */
  readonly inheritEnv: boolean;
  /** Seconds between SIGTERM and SIGKILL on cancel (default 10). */
  readonly graceSeconds: number;
}

/** Settings of executors whose implementation lands in later issues: validated, kept as written in env.toml. */
export interface PendingProfile<K extends Exclude<ExecutorKind, "local">> extends ProfileBase {
  readonly executor: K;
  readonly settings: Readonly<Record<string, unknown>>;
}

/**
 * A profile with `extends` merged, `${env:…}` resolved and every default filled in.
 *
 * @example
 * ```ts
 * const profile: ResolvedProfile = resolveProfile(config, "gpu0", process.env);
 * if (profile.executor === "local") console.log(profile.graceSeconds);
 * else console.log(profile.settings); // executor-specific keys as written in env.toml, defaults filled in
 * ```
 */
export type ResolvedProfile =
  | LocalProfile
  | PendingProfile<"docker">
  | PendingProfile<"slurm">
  | PendingProfile<"kubernetes">
  | PendingProfile<"ray">;

/**
 * The `[wandb]` section with `${env:…}` resolved; `undefined` means "not set in env.toml".
 *
 * @example
 * ```ts
 * const config = loadConfig({ cwd: process.cwd(), env: process.env });
 * const wandb: WandbSettings = resolveWandb(config, process.env);
 * console.log(wandb.project ?? "(W&B default project)", wandb.tags?.join(",") ?? "", wandb.requireKey);
 * ```
 */
export interface WandbSettings {
  readonly project: string | undefined;
  readonly entity: string | undefined;
  /** As written in env.toml; the effective URL is decided by key detection (env.toml, then WANDB_BASE_URL, …). */
  readonly baseUrl: string | undefined;
  readonly name: string | undefined;
  readonly group: string | undefined;
  readonly jobType: string | undefined;
  readonly tags: readonly string[] | undefined;
  readonly notes: string | undefined;
  readonly mode: WandbMode | undefined;
  /** Fail the launch when no key is found (default false: warn and continue offline). */
  readonly requireKey: boolean;
}
