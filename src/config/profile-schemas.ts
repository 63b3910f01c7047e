import * as z from "zod";
import { EXECUTOR_KINDS, LAUNCHERS, type ExecutorKind } from "./types.ts";
import { findMalformedEnvRef, hasEnvRef } from "./interpolate.ts";
import { choice, closestMatch, formatted, int, nonEmptyStr, num, str, tomlType } from "./schema.ts";

const SIZE = /^[1-9][0-9]*[KMGT](?:i|B|iB)?$/i;
const size = (what: string) =>
  formatted((v) => SIZE.test(v), 'a size such as "64G" or "512M"').describe(
    `${what}: a number with a unit K, M, G or T, e.g. "64G".`,
  );

/**
 * Whether `value` is a Slurm `--time`: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
 *
 * @example
 * ```ts
 * isSlurmTime("1-12:00"); // true
 * isSlurmTime("2h"); // false
 * ```
 */
export function isSlurmTime(value: string): boolean {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(value);
  if (match === null) return false;
  const [, days, first, second, third] = match;
  const below = (n: string | undefined, limit: number) => n === undefined || Number(n) < limit;
  // With days the first field is hours; without, `A:B:C` is hours and `A:B` is minutes, and only `A` is unbounded.
  if (days !== undefined)
    return (
      first !== undefined && first.length <= 2 && below(first, 24) && below(second, 60) && below(third, 60)
    );
  return below(second, 60) && below(third, 60);
}

const MOUNT = /^[^:]+:[^:]+(?::(?:ro|rw))?$/;
const mounts = z.array(formatted((v) => MOUNT.test(v), 'a mount "source:target" or "source:target:ro|rw"'));

function isHttpUrl(value: string): boolean {
  return URL.canParse(value) && /^https?:$/.test(new URL(value).protocol);
}

// Docker's `--gpus` accepts all GPUs, a count, or device ids; a union in zod would report one branch's complaint
// instead of the whole expectation, so the check is written out.
const dockerGpus = z
  .unknown()
  .superRefine((v, ctx) => {
    const ok =
      v === "all" ||
      (typeof v === "string" && hasEnvRef(v) && findMalformedEnvRef(v) === undefined) ||
      (typeof v === "number" && Number.isSafeInteger(v) && v >= 0) ||
      (Array.isArray(v) && v.every((id) => typeof id === "string" && id !== ""));
    const got = typeof v === "string" || typeof v === "number" ? JSON.stringify(v) : tomlType(v);
    const message = `expected "all", an integer ≥ 0 or an array of device ids, got ${got}`;
    if (!ok) ctx.addIssue({ code: "custom", message });
  })
  .describe('GPUs for the container: "all", a count, or device ids such as ["0", "1"].')
  .meta({
    anyOf: [
      { const: "all" },
      { type: "integer", minimum: 0 },
      { type: "array", items: { type: "string" } },
      { type: "string", pattern: "\\$\\{env:" },
    ],
  });

const stringTable = z.record(z.string(), str());

/** Keys every profile may have, whatever its executor. */
const commonShape = {
  extends: z
    .string()
    .describe("Name of another profile whose settings this one starts from; `env` tables merge."),
  env: z
    .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), str())
    .describe(
      "Extra environment variables for every job; merged key-wise along `extends`, the child winning.",
    ),
  workdir: str().describe(
    "Working directory of the job (default: the executor's own, the launch directory for local).",
  ),
  nodes: int(1).describe("Number of nodes (default 1).").meta({ default: 1 }),
  gpus_per_node: int(0).describe("GPUs per node (default 0).").meta({ default: 0 }),
  nproc_per_node: int(1).describe(
    "Processes per node for the launcher (default: gpus_per_node, or 1 without GPUs).",
  ),
  cpus_per_node: int(1).describe("CPU cores per node."),
  memory: size("Memory per node"),
  launcher: choice(LAUNCHERS)
    .describe(
      "How the command starts on each node: `none` runs it as is, `torchrun` wraps it (default none).",
    )
    .meta({ default: "none" }),
};

const executor = (kind: ExecutorKind) =>
  z
    .literal(kind)
    .describe(`Executor that runs the job (one of ${EXECUTOR_KINDS.join(", ")}); may come from \`extends\`.`);

/** A `local` profile as written: the job runs as a child process of slipway. */
export const localProfileSchema = z
  .strictObject({
    executor: executor("local"),
    ...commonShape,
    inherit_env: z
      .boolean()
      .describe("Pass the launching shell's environment to the job (default true).")
      .meta({ default: true }),
    grace_seconds: num(0, true)
      .describe("Seconds between SIGTERM and SIGKILL on cancel (default 10).")
      .meta({ default: 10 }),
  })
  .partial()
  .describe("Profile running the job on this machine.");

/** A `docker` profile as written. */
export const dockerProfileSchema = z
  .strictObject({
    executor: executor("docker"),
    ...commonShape,
    image: nonEmptyStr().describe("Container image to run (required)."),
    gpus: dockerGpus,
    shm_size: size("Size of /dev/shm"),
    mounts: mounts.describe('Bind mounts, each "source:target" or "source:target:ro|rw".'),
    host: str().describe("Docker daemon to use, e.g. ssh://user@gpu-box (default: the local daemon)."),
    pull: choice(["never", "missing", "always"])
      .describe("When to pull the image (default missing).")
      .meta({ default: "missing" }),
    user: str().describe("User (and group) the container runs as, e.g. 1000:1000."),
    network: str().describe("Docker network to attach the container to."),
    init: z
      .boolean()
      .describe("Run an init process as PID 1 so signals reach the job (default true).")
      .meta({ default: true }),
    secrets: choice(["file", "env"])
      .describe(
        "How secrets such as the W&B key reach the container: a mounted file, or environment (default file).",
      )
      .meta({ default: "file" }),
    rm: z
      .boolean()
      .describe("Remove the container when the job ends (default false).")
      .meta({ default: false }),
  })
  .partial()
  .describe("Profile running the job in a Docker container.");

/** A `slurm` profile as written. */
export const slurmProfileSchema = z
  .strictObject({
    executor: executor("slurm"),
    ...commonShape,
    host: nonEmptyStr().describe('Login node reached over SSH (required unless tunnel = "local").'),
    user: str().describe("SSH user (default: from ~/.ssh/config or the local user)."),
    port: int(1, 65535).describe("SSH port (default 22)."),
    identity: str().describe("Path of the SSH private key."),
    jump: str().describe("SSH jump host (ProxyJump), e.g. user@bastion."),
    host_key_policy: choice(["strict", "accept-new"])
      .describe("Unknown SSH host keys: `strict` refuses them, `accept-new` records them (default strict).")
      .meta({ default: "strict" }),
    tunnel: choice(["ssh", "local"])
      .describe(
        "How Slurm commands run: over SSH, or locally when slipway runs on the login node (default ssh).",
      )
      .meta({ default: "ssh" }),
    account: str().describe("Slurm account (--account)."),
    partition: str().describe("Slurm partition (--partition)."),
    qos: str().describe("Slurm quality of service (--qos)."),
    time: formatted(isSlurmTime, "a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)").describe(
      "Time limit (--time): MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS.",
    ),
    constraint: str().describe("Node features required (--constraint)."),
    exclusive: z.boolean().describe("Do not share nodes with other jobs (--exclusive)."),
    cpus_per_task: int(1).describe("CPUs per task (--cpus-per-task)."),
    sbatch_args: z.array(str()).describe("Extra sbatch arguments, passed as written."),
    remote_job_dir: str()
      .describe("Directory on the cluster for job scripts and logs (default ~/.slipway/jobs).")
      .meta({ default: "~/.slipway/jobs" }),
    container_image: str().describe("Container image for the job (pyxis/enroot --container-image)."),
    container_mounts: z
      .array(str())
      .describe("Container mounts (pyxis --container-mounts), each as pyxis expects."),
    setup: z
      .array(str())
      .describe("Shell lines run in the job script before the command, e.g. module loads."),
    package: choice(["none", "git"])
      .describe("How code reaches the cluster: `none` (already there) or `git` (default none).")
      .meta({ default: "none" }),
  })
  .partial()
  .describe("Profile submitting the job to a Slurm cluster with sbatch.");

/** A `kubernetes` profile as written. */
export const kubernetesProfileSchema = z
  .strictObject({
    executor: executor("kubernetes"),
    ...commonShape,
    image: nonEmptyStr().describe("Container image to run (required)."),
    namespace: str().describe("Namespace of the job (default default).").meta({ default: "default" }),
    context: str().describe("kubeconfig context (default: the current context)."),
    kubeconfig: str().describe("Path of the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)."),
    service_account: str().describe("Service account the pods run as."),
    node_selector: stringTable.describe("Node labels the pods must match."),
    image_pull_policy: choice(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
    secret_name: str().describe("Existing Secret holding credentials such as the W&B key."),
  })
  .partial()
  .describe("Profile running the job as a Kubernetes Job.");

/** A `ray` profile as written; `memory` here is Ray's entrypoint memory in bytes. */
export const rayProfileSchema = z
  .strictObject({
    executor: executor("ray"),
    ...commonShape,
    address: formatted(isHttpUrl, 'an http(s) URL such as "http://ray-head:8265"').describe(
      "Ray dashboard / Jobs API address, e.g. http://ray-head:8265 (required).",
    ),
    token: str().describe("Bearer token for the Ray Jobs API; treated as a secret. Prefer ${env:RAY_TOKEN}."),
    working_dir: str().describe("Local directory uploaded as the job's runtime_env working_dir."),
    num_cpus: num(0).describe("CPUs reserved for the entrypoint."),
    num_gpus: num(0).describe("GPUs reserved for the entrypoint."),
    memory: int(0).describe(
      "Memory reserved for the entrypoint, in bytes (replaces the size string of other executors).",
    ),
    resources: z.record(z.string(), num(0)).describe("Custom Ray resources reserved for the entrypoint."),
    pip: z.array(str()).describe("pip packages for the job's runtime_env."),
    excludes: z.array(str()).describe("Paths left out of the uploaded working_dir."),
  })
  .partial()
  .describe("Profile submitting the job to a Ray cluster's Jobs API.");

/** The schema of each executor's profile table. */
export const PROFILE_SCHEMAS = {
  local: localProfileSchema,
  docker: dockerProfileSchema,
  slurm: slurmProfileSchema,
  kubernetes: kubernetesProfileSchema,
  ray: rayProfileSchema,
} as const;

/** Profile keys shared by every executor (they map to `ProfileBase` of types.ts). */
export const COMMON_KEYS: ReadonlySet<string> = new Set(["executor", ...Object.keys(commonShape)]);

/**
 * Checks the common keys of a profile whose executor is unknown, without complaining about other keys (which cannot
 * be judged without an executor).
 */
export const commonProfileSchema = z.object(commonShape).partial();

/** A profile table of executor `K` after validation, `${env:…}` not yet resolved. */
export type RawProfileOf<K extends ExecutorKind> = z.output<(typeof PROFILE_SCHEMAS)[K]>;

/** A profile table of any executor after validation. */
export type RawProfile = RawProfileOf<ExecutorKind>;

/**
 * Explains an unknown key of a `kind` profile that belongs to other executors (or is one typo away from such a key),
 * e.g. `image` in a local profile; `undefined` when it belongs nowhere.
 *
 * @example
 * ```ts
 * otherExecutorsHint("local", "image"); // "only for docker, kubernetes profiles, not local"
 * otherExecutorsHint("local", "partiton"); // 'did you mean "partition"? only for slurm profiles, not local'
 * ```
 */
export function otherExecutorsHint(kind: ExecutorKind, key: string): string | undefined {
  const all = new Set(EXECUTOR_KINDS.flatMap((k) => Object.keys(PROFILE_SCHEMAS[k].shape)));
  const target = all.has(key) ? key : closestMatch(key, all);
  if (target === undefined) return undefined;
  const owners = EXECUTOR_KINDS.filter((k) => Object.hasOwn(PROFILE_SCHEMAS[k].shape, target));
  const where = `only for ${owners.join(", ")} profiles, not ${kind}`;
  return target === key ? where : `did you mean ${JSON.stringify(target)}? ${where}`;
}

/**
 * Keys a profile must have once its `extends` chain is merged, with the message for each that is missing.
 * A `${env:…}` value that decides the requirement (slurm's `tunnel`) defers the check to resolution.
 *
 * @example
 * ```ts
 * missingRequired("docker", { nodes: 1 }); // [{ key: "image", message: 'required for executor "docker"' }]
 * ```
 */
export function missingRequired(
  kind: ExecutorKind,
  merged: Readonly<Record<string, unknown>>,
): { key: string; message: string }[] {
  const need = (key: string, note = "") =>
    merged[key] === undefined
      ? [{ key, message: `required for executor ${JSON.stringify(kind)}${note}` }]
      : [];
  switch (kind) {
    case "local":
      return [];
    case "docker":
    case "kubernetes":
      return need("image");
    case "ray":
      return need("address");
    case "slurm": {
      const tunnel = merged["tunnel"];
      if (tunnel === "local" || (typeof tunnel === "string" && hasEnvRef(tunnel))) return [];
      return need("host", ' (unless tunnel = "local")');
    }
  }
}
