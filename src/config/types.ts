/** The executors slipway knows; `executor` in a profile picks one. */
export const EXECUTOR_KINDS = ["local", "docker", "slurm", "kubernetes", "ray"] as const;
export type ExecutorKind = (typeof EXECUTOR_KINDS)[number];

/** How the command is started on each node. */
export const LAUNCHERS = ["none", "torchrun"] as const;
export type Launcher = (typeof LAUNCHERS)[number];

/** W&B run modes slipway accepts in `[wandb].mode`. */
export const WANDB_MODES = ["online", "offline", "disabled"] as const;
export type WandbMode = (typeof WANDB_MODES)[number];

/** Resource requests; a recipe's values win over the profile's defaults. */
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

/** A profile with `extends` merged, `${env:…}` resolved and every default filled in. */
export type ResolvedProfile =
  | LocalProfile
  | PendingProfile<"docker">
  | PendingProfile<"slurm">
  | PendingProfile<"kubernetes">
  | PendingProfile<"ray">;

/** The `[wandb]` section with `${env:…}` resolved; `undefined` means "not set in env.toml". */
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
