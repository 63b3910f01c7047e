import { isAbsolute, join, resolve } from "node:path";
import type { DockerProfile, DockerSettings } from "../../config/types.ts";
import type { Job } from "../../job/job.ts";
import { splitEnv } from "../../job/split-env.ts";
import type { ShippedCode } from "../../package/code-package.ts";
import type { Secret } from "../../secret.ts";
import { singleNodeOptions, torchrunCommand } from "../torchrun-command.ts";
import type { Plan } from "../types.ts";
import { timeLimitOf, type TimeLimit } from "../../job/time-limit.ts";
import { dockerEntryScript } from "./entry-script.ts";
import { dockerHost } from "./docker-host.ts";
import { sizeInBytes } from "../size-in-bytes.ts";

/** Where the secrets file appears inside the container. */
export const SECRETS_TARGET = "/run/secrets/slipway-env";

/**
 * The container's entrypoint when secrets travel in a file: read the file with tracing off, then become the
 * command. `$0` is only a name; the command is `"$@"`. With a time limit, {@link dockerEntryScript} adds its watchdog.
 */
export const SECRETS_WRAPPER = `set +x; . ${SECRETS_TARGET} || exit 126; exec "$@"`;

/** The name the entry wrapper runs under (`$0` of `/bin/sh -c`). */
export const ENTRY_NAME = "slipway-entry";

/** The Engine API body of `POST /containers/create`, as far as slipway sets it. */
export interface ContainerCreateBody {
  readonly Image: string;
  readonly Entrypoint: readonly string[];
  readonly Cmd: readonly string[];
  readonly Env: readonly string[];
  readonly WorkingDir?: string;
  readonly User?: string;
  readonly Labels: Readonly<Record<string, string>>;
  readonly Tty: false;
  readonly OpenStdin: false;
  readonly HostConfig: {
    readonly Init: boolean;
    readonly AutoRemove: boolean;
    /** Docker restarts a container that exits non-zero, at most `MaximumRetryCount` times (`retries`). */
    readonly RestartPolicy?: { readonly Name: "on-failure"; readonly MaximumRetryCount: number };
    readonly Binds: readonly string[];
    readonly ShmSize?: number;
    readonly Memory?: number;
    readonly MemorySwap?: number;
    readonly NanoCpus?: number;
    readonly NetworkMode?: string;
    readonly DeviceRequests?: readonly {
      readonly Driver: string;
      readonly Count: number;
      readonly DeviceIDs?: readonly string[];
      readonly Capabilities: readonly (readonly string[])[];
    }[];
  };
}

/**
 * The docker executor's native request: the container create body (no secret in it) and how secrets reach the
 * container.
 *
 * @example
 * ```ts
 * const plan = planDocker(job, profile, { jobDir: store.jobDir(job.id), env: context.env, homeDir });
 * plan.create.HostConfig.Binds; // ["/data:/data:ro", "…/secret-env:/run/secrets/slipway-env:ro"]
 * ```
 */
export interface DockerPlan extends Plan {
  readonly executor: "docker";
  /** The daemon, e.g. `unix:///var/run/docker.sock`. */
  readonly host: string;
  readonly name: string;
  readonly image: string;
  readonly pull: DockerSettings["pull"];
  readonly create: ContainerCreateBody;
  /** Secret variables: in `file` mode a 0400 file mounted read-only at {@link SECRETS_TARGET}; in `env` mode, `Env`. */
  readonly secrets: {
    readonly mode: "file" | "env";
    readonly values: Readonly<Record<string, Secret>>;
    /** The host file holding them (file mode); written just before the container starts, removed right after. */
    readonly file: string;
  };
  /** Host paths that bind mounts need; checked before anything is created (Docker would create them empty). */
  readonly mountSources: readonly string[];
  readonly graceSeconds: number;
  readonly rm: boolean;
  /**
   * With `rm` and a restart policy or a time limit, Docker cannot remove the container itself (it refuses AutoRemove
   * with a restart policy; the time limit's marker must be read after the end): slipway removes it once it sees the
   * job ended.
   */
  readonly removeWhenEnded: boolean;
  /** Times Docker restarts a failed container (restart policy `on-failure`). */
  readonly retries: number;
  /** The job's time limit, enforced by the entry wrapper in the container. */
  readonly timeLimit: TimeLimit | undefined;
  /** With `package = "git"`/`"dir"`: the code, copied into the created container at `dir` before it starts. */
  readonly code: { readonly summary: ShippedCode; readonly dir: string } | undefined;
}

/** What planning reads besides the job: captured once per executor, so the plan stays pure. */
export interface DockerPlanContext {
  readonly jobDir: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

/** Where the shipped code lands in the container; the job runs in the launch directory's place inside it. */
export const CODE_DIR = "/slipway/code";

/** Seconds `docker stop` waits after SIGTERM before it kills the container (with `init`, jobs stop at once). */
export const STOP_GRACE_SECONDS = 10;

/** Labels that let `list`, `status` and `cleanup` find slipway's containers again. */
export const LABEL_JOB = "slipway.job";
export const LABEL_PROFILE = "slipway.profile";

/**
 * Plans a docker job. Pure: the same job, profile and context always give the same plan.
 *
 * @example
 * ```ts
 * console.log(renderDocker(planDocker(job, profile, { jobDir, env: context.env, homeDir: context.homeDir })));
 * ```
 */
export function planDocker(job: Job, profile: DockerProfile, context: DockerPlanContext): DockerPlan {
  const { settings } = profile;
  const split = splitEnv(job);
  const plain = Object.entries(split.plain);
  const { secrets } = split;
  const useFile = settings.secrets === "file" && Object.keys(secrets).length > 0;
  const secretsFile = join(context.jobDir, "secret-env");
  const mounts = settings.mounts.map((mount) => hostMount(mount, job.launchDir, context.homeDir));
  const binds = [...mounts.map((m) => m.bind), ...(useFile ? [`${secretsFile}:${SECRETS_TARGET}:ro`] : [])];
  const command = containerCommand(job);
  const [program = "", ...args] = command;
  const memory = job.resources.memory === undefined ? undefined : sizeInBytes(job.resources.memory);
  const devices = deviceRequests(settings.gpus, job.resources.gpusPerNode);
  const retries = job.retries ?? settings.retries;
  const timeLimit = timeLimitOf(job, settings.time);
  const entry = dockerEntryScript({
    secretsFile: useFile ? SECRETS_TARGET : undefined,
    timeLimit,
    graceSeconds: STOP_GRACE_SECONDS,
  });
  const autoRemove = settings.rm && retries === 0 && timeLimit === undefined;
  const workdir =
    job.workdir ??
    (job.code === undefined
      ? undefined
      : job.code.subdir === ""
        ? CODE_DIR
        : `${CODE_DIR}/${job.code.subdir}`);
  return {
    executor: "docker",
    jobId: job.id,
    host: dockerHost(settings.host, context.env),
    name: `slipway-${job.id}`,
    image: job.image ?? settings.image,
    pull: settings.pull,
    create: {
      Image: job.image ?? settings.image,
      Entrypoint: entry === undefined ? [program] : ["/bin/sh", "-c", entry, ENTRY_NAME],
      Cmd: entry === undefined ? args : command,
      Env: plain.map(([name, value]) => `${name}=${value}`),
      ...(workdir === undefined ? {} : { WorkingDir: workdir }),
      ...(settings.user === undefined ? {} : { User: settings.user }),
      Labels: { [LABEL_JOB]: job.id, [LABEL_PROFILE]: profile.name, "slipway.name": job.name },
      Tty: false,
      OpenStdin: false,
      HostConfig: {
        Init: settings.init,
        AutoRemove: autoRemove,
        ...(retries === 0 ? {} : { RestartPolicy: { Name: "on-failure", MaximumRetryCount: retries } }),
        Binds: binds,
        ...(settings.shmSize === undefined ? {} : { ShmSize: sizeInBytes(settings.shmSize) }),
        // Swap equal to memory: on cgroup v1 a memory limit alone lets the container swap as much again.
        ...(memory === undefined ? {} : { Memory: memory, MemorySwap: memory }),
        ...(job.resources.cpusPerNode === undefined ? {} : { NanoCpus: job.resources.cpusPerNode * 1e9 }),
        ...(settings.network === undefined ? {} : { NetworkMode: settings.network }),
        ...(devices === undefined ? {} : { DeviceRequests: devices }),
      },
    },
    secrets: { mode: useFile ? "file" : "env", values: secrets, file: secretsFile },
    mountSources: mounts.flatMap((m) => (m.source === undefined ? [] : [m.source])),
    graceSeconds: STOP_GRACE_SECONDS,
    rm: settings.rm,
    removeWhenEnded: settings.rm && !autoRemove,
    retries,
    timeLimit,
    code: job.code === undefined ? undefined : { summary: job.code, dir: CODE_DIR },
  };
}

/**
 * The plan of a detached launch. With `rm = true` Docker's AutoRemove would drop the container, and its exit code,
 * as soon as it ends, and a detached launch leaves no process waiting to read that code first. So slipway removes
 * the container itself once it sees the end (`removeWhenEnded`: the next status, wait, list or cleanup), as it does
 * when a restart policy rules AutoRemove out.
 *
 * @example
 * ```ts
 * detachedPlan(plan).create.HostConfig.AutoRemove; // false
 * ```
 */
export function detachedPlan(plan: DockerPlan): DockerPlan {
  if (!plan.create.HostConfig.AutoRemove) return plan;
  const HostConfig = { ...plan.create.HostConfig, AutoRemove: false };
  return { ...plan, create: { ...plan.create, HostConfig }, removeWhenEnded: true };
}

/**
 * The container's command: the job's, or with `launcher = "torchrun"` a torchrun of `nprocPerNode` processes (the
 * GPU count of `gpus`/`gpus_per_node` unless `nproc_per_node` says otherwise; `gpu` for `gpus = "all"`), whose
 * ranks other than 0 drop rank 0's variables.
 */
function containerCommand(job: Job): readonly string[] {
  if (job.launcher !== "torchrun") return job.command;
  return torchrunCommand({
    options: singleNodeOptions(job.resources.nprocPerNode),
    command: job.command,
    rankZeroOnly: Object.keys(job.rankZeroEnv),
  });
}

/** A bind mount with its host source made absolute; named volumes (`cache:/root/.cache`) have no host source. */
function hostMount(mount: string, launchDir: string, homeDir: string): { bind: string; source?: string } {
  const [source = "", ...rest] = mount.split(":");
  const isPath = source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
  if (!isPath) return { bind: mount };
  const expanded = source === "~" || source.startsWith("~/") ? join(homeDir, source.slice(1)) : source;
  const absolute = isAbsolute(expanded) ? expanded : resolve(launchDir, expanded);
  return { bind: [absolute, ...rest].join(":"), source: absolute };
}

function deviceRequests(
  gpus: DockerSettings["gpus"],
  gpusPerNode: number,
): ContainerCreateBody["HostConfig"]["DeviceRequests"] {
  const gpu = { Driver: "", Capabilities: [["gpu"]] };
  if (gpus === "all") return [{ ...gpu, Count: -1 }];
  if (Array.isArray(gpus)) return gpus.length === 0 ? undefined : [{ ...gpu, Count: 0, DeviceIDs: gpus }];
  const count = typeof gpus === "number" ? gpus : gpusPerNode;
  return count > 0 ? [{ ...gpu, Count: count }] : undefined;
}
