import { Secret } from "../secret.ts";
import type { DockerSettings, KubernetesSettings, RaySettings, SlurmSettings } from "./types.ts";
import { isOneOf } from "./fields.ts";
import { KUBERNETES_MOUNT } from "./kubernetes-profile-schema.ts";
import type { RawProfileOf } from "./profile-schemas.ts";
import { slurmTimeSeconds } from "./slurm-time.ts";

// The schemas checked these choices; `pick` only narrows the type (and fills the default).
function pick<T extends string>(choices: readonly T[], value: string | undefined, fallback: T): T {
  return isOneOf(choices, value) ? value : fallback;
}

/**
 * The typed, defaulted settings of a validated docker profile table (`${env:…}` resolved).
 *
 * @example
 * ```ts
 * dockerSettingsOf({ image: "train:1" }).pull; // "missing"
 * ```
 */
export function dockerSettingsOf(raw: RawProfileOf<"docker">): DockerSettings {
  const gpus: unknown = raw.gpus;
  return {
    image: raw.image ?? "",
    gpus:
      gpus === "all" || typeof gpus === "number"
        ? gpus
        : Array.isArray(gpus)
          ? gpus.filter((id): id is string => typeof id === "string")
          : typeof gpus === "string" && /^\d+$/.test(gpus)
            ? Number(gpus)
            : undefined,
    shmSize: raw.shm_size,
    mounts: raw.mounts ?? [],
    host: raw.host,
    pull: pick(["never", "missing", "always"], raw.pull, "missing"),
    user: raw.user,
    network: raw.network,
    init: raw.init ?? true,
    secrets: pick(["file", "env"], raw.secrets, "file"),
    rm: raw.rm ?? false,
    retries: raw.retries ?? 0,
    time: raw.time,
  };
}

/**
 * The typed settings of a validated ray profile table; the token becomes a {@link Secret}.
 *
 * @example
 * ```ts
 * raySettingsOf({ address: "http://ray:8265/" }).address; // "http://ray:8265"
 * ```
 */
export function raySettingsOf(raw: RawProfileOf<"ray">): RaySettings {
  return {
    address: (raw.address ?? "").replace(/\/+$/, ""),
    token: raw.token === undefined ? undefined : new Secret(raw.token),
    workingDir: raw.working_dir,
    numCpus: raw.num_cpus,
    numGpus: raw.num_gpus,
    memory: typeof raw.memory === "number" ? raw.memory : undefined,
    resources: raw.resources ?? {},
    pip: raw.pip ?? [],
    retries: raw.retries ?? 0,
    time: raw.time,
  };
}

/**
 * The typed, defaulted settings of a validated kubernetes profile table.
 *
 * @example
 * ```ts
 * kubernetesSettingsOf({ image: "train:1" }).namespace; // "default"
 * ```
 */
export function kubernetesSettingsOf(raw: RawProfileOf<"kubernetes">): KubernetesSettings {
  return {
    image: raw.image ?? "",
    namespace: raw.namespace ?? "default",
    context: raw.context,
    kubeconfig: raw.kubeconfig,
    serviceAccount: raw.service_account,
    nodeSelector: raw.node_selector ?? {},
    tolerations: (raw.tolerations ?? []).map((t) => ({
      ...(t.key === undefined ? {} : { key: t.key }),
      ...(isOneOf(["Exists", "Equal"] as const, t.operator) ? { operator: t.operator } : {}),
      ...(t.value === undefined ? {} : { value: t.value }),
      ...(isOneOf(["NoSchedule", "PreferNoSchedule", "NoExecute"] as const, t.effect)
        ? { effect: t.effect }
        : {}),
      ...(t.toleration_seconds === undefined ? {} : { tolerationSeconds: t.toleration_seconds }),
    })),
    imagePullPolicy: isOneOf(["Always", "IfNotPresent", "Never"] as const, raw.image_pull_policy)
      ? raw.image_pull_policy
      : undefined,
    imagePullSecrets: raw.image_pull_secrets ?? [],
    secretName: raw.secret_name,
    timeLimitSeconds: raw.time === undefined ? undefined : slurmTimeSeconds(raw.time),
    retries: raw.retries ?? 0,
    queue: raw.queue,
    graceSeconds: raw.grace_seconds ?? 30,
    shmSize: raw.shm_size,
    mounts: (raw.mounts ?? []).flatMap((mount) => {
      const match = KUBERNETES_MOUNT.exec(mount);
      if (match === null) return [];
      const [, kind, source = "", path = "", mode] = match;
      return [{ kind: kind === "pvc" ? "pvc" : "host", source, path, readOnly: mode === "ro" } as const];
    }),
    labels: raw.labels ?? {},
    masterPort: raw.master_port ?? 29500,
    ttlSecondsAfterFinished: raw.ttl_seconds_after_finished,
  };
}

/**
 * The typed, defaulted settings of a validated slurm profile table.
 *
 * @example
 * ```ts
 * slurmSettingsOf({ host: "login1" }).target; // { tunnel: "ssh", host: "login1", hostKeyPolicy: "strict", … }
 * ```
 */
export function slurmSettingsOf(raw: RawProfileOf<"slurm">): SlurmSettings {
  return {
    target:
      raw.tunnel === "local"
        ? { tunnel: "local" }
        : {
            tunnel: "ssh",
            host: raw.host ?? "",
            user: raw.user,
            port: raw.port,
            identity: raw.identity,
            jump: raw.jump,
            hostKeyPolicy: pick(["strict", "accept-new"], raw.host_key_policy, "strict"),
          },
    account: raw.account,
    partition: raw.partition,
    qos: raw.qos,
    time: raw.time,
    constraint: raw.constraint,
    exclusive: raw.exclusive ?? false,
    cpusPerTask: raw.cpus_per_task,
    sbatchArgs: raw.sbatch_args ?? [],
    remoteJobDir: (raw.remote_job_dir ?? "~/.slipway/jobs").replace(/(.)\/+$/, "$1"),
    containerImage: raw.container_image,
    containerMounts: raw.container_mounts ?? [],
    setup: raw.setup ?? [],
    retries: raw.retries ?? 0,
  };
}
