import type { PackageMode } from "../package/code-package.ts";
import type { Secret } from "../secret.ts";

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
  /**
   * Processes per node for a launcher such as torchrun; defaults to the GPU count, or 1 without GPUs. `"gpu"` (a
   * docker profile with `gpus = "all"`) leaves the count to torchrun: as many processes as the container sees GPUs.
   */
  readonly nprocPerNode: number | "gpu";
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
  /**
   * Extra environment for every job, `${env:…}` already resolved. In an executor's profile (`buildExecutor`) the
   * variables of the `env_file` files are merged in beneath it.
   */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory of the job; `undefined` means the executor's default (the launch directory for local). */
  readonly workdir: string | undefined;
  readonly resources: Resources;
  readonly launcher: Launcher;
  /** How the code reaches the job; `undefined` leaves it to the executor's default (see `choosePackage`). */
  readonly package: PackageMode | undefined;
  /** gitignore-style patterns left out of the shipped code. */
  readonly excludes: readonly string[];
  /** The profile's `env_file` (set here or through `extends`); read at launch, its variables beneath `env`. */
  readonly envFile: EnvFileRef | undefined;
}

/**
 * An `env_file` key of env.toml: a dotenv file whose variables join every job's environment. Only named here;
 * `readEnvFiles` reads it at launch.
 *
 * @example
 * ```ts
 * const ref: EnvFileRef = { path: ".env", configFile: "/repo/env.toml", setBy: "gpu.env_file" };
 * readEnvFiles([ref], { homeDir: os.homedir() }).vars; // the variables of /repo/.env
 * ```
 */
export interface EnvFileRef {
  /** As written (`${env:…}` resolved): relative to the directory of `configFile`, absolute, or starting with `~/`. */
  readonly path: string;
  /** The env.toml that names the file. */
  readonly configFile: string;
  /** The key that named it, as a dotted path: `gpu.env_file`, `wandb.env_file`. */
  readonly setBy: string;
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
  /**
   * The GPUs jobs may use (`CUDA_VISIBLE_DEVICES`), as indices or UUIDs; `undefined` means devices 0 to
   * `gpusPerNode - 1`.
   */
  readonly gpuIds: readonly string[] | undefined;
  /** Times a failed run is started again by the job's wrapper shell, under the same job id (default 0). */
  readonly retries: number;
  /** The job's time limit as written (Slurm's `--time` format); `undefined` for none. */
  readonly time: string | undefined;
}

/**
 * A docker profile's own settings, every default filled in.
 *
 * @example
 * ```ts
 * if (profile.executor === "docker") console.log(profile.settings.image, profile.settings.pull); // "train:1" "missing"
 * ```
 */
export interface DockerSettings {
  readonly image: string;
  /** `"all"`, a count, or device ids; `undefined` asks for no GPU (then `gpus_per_node` decides). */
  readonly gpus: "all" | number | readonly string[] | undefined;
  readonly shmSize: string | undefined;
  /** `"source:target[:ro|rw]"` as written; relative sources are relative to the launch directory. */
  readonly mounts: readonly string[];
  /** The daemon: `unix:///path`, `tcp://…`, `ssh://…`; `undefined` means `DOCKER_HOST`, else the local socket. */
  readonly host: string | undefined;
  readonly pull: "never" | "missing" | "always";
  readonly user: string | undefined;
  readonly network: string | undefined;
  readonly init: boolean;
  readonly secrets: "file" | "env";
  readonly rm: boolean;
  /** Times a failed container is restarted (restart policy `on-failure`, default 0). */
  readonly retries: number;
  /** The job's time limit as written (Slurm's `--time` format), enforced by the entry wrapper; `undefined` for none. */
  readonly time: string | undefined;
}

/**
 * A ray profile's own settings; the token is a {@link Secret}.
 *
 * @example
 * ```ts
 * if (profile.executor === "ray") console.log(profile.settings.address); // "http://127.0.0.1:8265"
 * ```
 */
export interface RaySettings {
  /** The dashboard / Jobs API address, e.g. `http://ray-head:8265`, without a trailing slash. */
  readonly address: string;
  readonly token: Secret | undefined;
  readonly workingDir: string | undefined;
  readonly numCpus: number | undefined;
  readonly numGpus: number | undefined;
  /** Bytes of memory reserved for the entrypoint. */
  readonly memory: number | undefined;
  readonly resources: Readonly<Record<string, number>>;
  readonly pip: readonly string[];
  /** Times a failed job is submitted again (`<id>-r1`, `<id>-r2`, …; default 0). */
  readonly retries: number;
  /** The job's time limit as written (Slurm's `--time` format), enforced by the entrypoint; `undefined` for none. */
  readonly time: string | undefined;
}

/**
 * A kubernetes profile's own settings.
 *
 * @example
 * ```ts
 * if (profile.executor === "kubernetes") console.log(profile.settings.namespace); // "default"
 * ```
 */
export interface KubernetesSettings {
  readonly image: string;
  readonly namespace: string;
  readonly context: string | undefined;
  readonly kubeconfig: string | undefined;
  readonly serviceAccount: string | undefined;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly KubernetesToleration[];
  readonly imagePullPolicy: "Always" | "IfNotPresent" | "Never" | undefined;
  readonly imagePullSecrets: readonly string[];
  /** An existing Secret holding the secret variables; `undefined` makes one Secret per job. */
  readonly secretName: string | undefined;
  /** The job's time limit in seconds (activeDeadlineSeconds). */
  readonly timeLimitSeconds: number | undefined;
  /** Pod failures tolerated before the Job fails (backoffLimit). */
  readonly retries: number;
  /** The Kueue LocalQueue, if Kueue admits the job. */
  readonly queue: string | undefined;
  readonly graceSeconds: number;
  readonly shmSize: string | undefined;
  readonly mounts: readonly KubernetesMount[];
  readonly labels: Readonly<Record<string, string>>;
  readonly masterPort: number;
  readonly ttlSecondsAfterFinished: number | undefined;
}

/**
 * A taint the pods tolerate, as Kubernetes writes it.
 *
 * @example
 * ```ts
 * const gpu: KubernetesToleration = { key: "nvidia.com/gpu", operator: "Exists", effect: "NoSchedule" };
 * ```
 */
export interface KubernetesToleration {
  readonly key?: string;
  readonly operator?: "Exists" | "Equal";
  readonly value?: string;
  readonly effect?: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  readonly tolerationSeconds?: number;
}

/**
 * A volume mounted into the job's containers: a PersistentVolumeClaim or a path of the node.
 *
 * @example
 * ```ts
 * const data: KubernetesMount = { kind: "pvc", source: "datasets", path: "/data", readOnly: true };
 * ```
 */
export interface KubernetesMount {
  readonly kind: "pvc" | "host";
  /** The claim's name, or the node's path. */
  readonly source: string;
  readonly path: string;
  readonly readOnly: boolean;
}

/**
 * Where a slurm profile's commands run: over SSH to a login node, or on this machine (`tunnel = "local"`).
 *
 * @example
 * ```ts
 * const target: SlurmTarget = { tunnel: "ssh", host: "login1", user: "me", port: 2222, identity: undefined, jump: undefined, hostKeyPolicy: "strict" };
 * ```
 */
export type SlurmTarget =
  | {
      readonly tunnel: "ssh";
      readonly host: string;
      readonly user: string | undefined;
      readonly port: number | undefined;
      readonly identity: string | undefined;
      readonly jump: string | undefined;
      readonly hostKeyPolicy: "strict" | "accept-new";
    }
  | { readonly tunnel: "local" };

/**
 * A slurm profile's own settings, every default filled in.
 *
 * @example
 * ```ts
 * if (profile.executor === "slurm") console.log(profile.settings.remoteJobDir); // "~/.slipway/jobs"
 * ```
 */
export interface SlurmSettings {
  readonly target: SlurmTarget;
  readonly account: string | undefined;
  readonly partition: string | undefined;
  readonly qos: string | undefined;
  readonly time: string | undefined;
  readonly constraint: string | undefined;
  readonly exclusive: boolean;
  readonly cpusPerTask: number | undefined;
  readonly sbatchArgs: readonly string[];
  /** As written, without a trailing slash: may start with `~/`. */
  readonly remoteJobDir: string;
  readonly containerImage: string | undefined;
  readonly containerMounts: readonly string[];
  readonly setup: readonly string[];
  readonly retries: number;
}

/**
 * A resolved profile of an executor with settings of its own (`settings`, typed and defaulted).
 *
 * @example
 * ```ts
 * const profile = resolveProfile(config, "gpu0", process.env);
 * if (profile.executor === "docker") console.log(profile.settings.image);
 * ```
 */
export interface ProfileWith<K extends Exclude<ExecutorKind, "local">, S> extends ProfileBase {
  readonly executor: K;
  readonly settings: S;
}

/** A resolved docker profile. */
export type DockerProfile = ProfileWith<"docker", DockerSettings>;
/** A resolved slurm profile. */
export type SlurmProfile = ProfileWith<"slurm", SlurmSettings>;
/** A resolved kubernetes profile. */
export type KubernetesProfile = ProfileWith<"kubernetes", KubernetesSettings>;
/** A resolved ray profile. */
export type RayProfile = ProfileWith<"ray", RaySettings>;

/**
 * A profile with `extends` merged, `${env:…}` resolved and every default filled in: a union on `executor`, each
 * branch fully typed.
 *
 * @example
 * ```ts
 * const profile: ResolvedProfile = resolveProfile(config, "gpu0", process.env);
 * if (profile.executor === "local") console.log(profile.graceSeconds);
 * else if (profile.executor === "slurm") console.log(profile.settings.partition);
 * ```
 */
export type ResolvedProfile = LocalProfile | DockerProfile | SlurmProfile | KubernetesProfile | RayProfile;

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
  /** `[wandb].env_file`: a dotenv file for every profile, beneath each profile's own `env_file`. */
  readonly envFile: EnvFileRef | undefined;
}
