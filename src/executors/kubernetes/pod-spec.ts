import type { KubernetesSettings } from "../../config/types.ts";
import { compareEnvNames } from "../../job/compare-env-names.ts";
import type { Job } from "../../job/job.ts";
import { sizeInBytes } from "../size-in-bytes.ts";
import { singleNodeOptions, torchrunArgs } from "../torchrun-command.ts";

/** The container's name in every pod (`kubectl logs -c job`). */
export const CONTAINER_NAME = "job";

/**
 * The entry of a multi-node pod, run by `/bin/sh -c` with the command as `"$@"`: the variables only rank 0 keeps
 * are dropped on the other ranks, `NODE_RANK` is the completion index, and ranks other than 0 wait (2 minutes at
 * most) until rank 0's name resolves: the headless Service's DNS records can lag the pods by many seconds.
 */
export const MULTI_NODE_ENTRY = [
  "set +x",
  'export NODE_RANK="${JOB_COMPLETION_INDEX:-0}"',
  'if [ "$NODE_RANK" != 0 ]; then',
  '  for name in $SLIPWAY_RANK0_ONLY; do unset "$name"; done',
  '  fqdn="$SLIPWAY_RANK0_HOST.$(hostname -d 2>/dev/null)"',
  "  tries=0",
  '  until getent hosts "$MASTER_ADDR" >/dev/null 2>&1 || nslookup "$fqdn" >/dev/null 2>&1; do',
  "    tries=$((tries + 1))",
  '    if [ "$tries" -ge 120 ]; then echo "slipway: $MASTER_ADDR does not resolve after 120 s; starting anyway" >&2; break; fi',
  "    sleep 1",
  "  done",
  "fi",
  "unset SLIPWAY_RANK0_ONLY SLIPWAY_RANK0_HOST",
  'exec "$@"',
].join("\n");

/** What the pod spec needs besides the job and settings. */
export interface PodEnv {
  readonly plain: Readonly<Record<string, string>>;
  /** Names of the secret variables, each read from `secretName` by `secretKeyRef`. */
  readonly secretNames: readonly string[];
  readonly secretName: string | undefined;
  /** The headless Service of a multi-node job (its pods' subdomain). */
  readonly service: string | undefined;
  /** The shipped code: a ConfigMap holding its archive, unpacked into an emptyDir by an init container. */
  readonly code: { readonly configMap: string; readonly subdir: string } | undefined;
  /** A sweep: the ConfigMap whose `params.sh` sets each completion index's argv and varying variables. */
  readonly sweep?: string | undefined;
}

/** Where the shipped code is unpacked in every pod. */
export const CODE_DIR = "/slipway/code";
/** The key of the code archive in the code ConfigMap. */
export const CODE_ARCHIVE_KEY = "code.tar.gz";
const ARCHIVE_DIR = "/slipway/archive";
/** The key of a sweep's parameter script in its ConfigMap, mounted in `SWEEP_DIR`. */
export const SWEEP_PARAMS_KEY = "params.sh";
const SWEEP_DIR = "/slipway/sweep";
/** A sweep's entry: the index's case in params.sh sets the argv, then it runs in place of the shell. */
const SWEEP_ENTRY = `. ${SWEEP_DIR}/${SWEEP_PARAMS_KEY} && exec "$@"`;

/** A size as a Kubernetes quantity in bytes (`"16G"` → `"17179869184"`). */
export function quantityOf(size: string): string {
  return String(sizeInBytes(size));
}

/**
 * The pod template's spec of a job: one container named {@link CONTAINER_NAME}, plain variables as values, secret
 * ones through `secretKeyRef` (never a plain value), resources, volumes, and for `nodes > 1` the subdomain of the
 * headless Service and {@link MULTI_NODE_ENTRY}.
 *
 * @example
 * ```ts
 * podSpec(job, settings, { plain, secretNames: ["WANDB_API_KEY"], secretName: "sft-k3j9x2-env", service: undefined });
 * ```
 */
export function podSpec(job: Job, settings: KubernetesSettings, env: PodEnv): Record<string, unknown> {
  const nodes = job.resources.nodes;
  const rank0Host = `${job.id}-0`;
  const masterAddr = env.service === undefined ? undefined : `${rank0Host}.${env.service}`;
  const command =
    env.sweep === undefined
      ? launchCommand(job, settings, masterAddr)
      : ["/bin/sh", "-c", SWEEP_ENTRY, "slipway-sweep"];
  const extraEnv: Record<string, string> =
    masterAddr === undefined
      ? {}
      : {
          MASTER_ADDR: masterAddr,
          MASTER_PORT: String(settings.masterPort),
          NNODES: String(nodes),
          SLIPWAY_RANK0_HOST: rank0Host,
          SLIPWAY_RANK0_ONLY: Object.keys(job.rankZeroEnv).sort().join(" "),
        };
  const plain = { ...env.plain, ...extraEnv };
  const { resources } = job;
  const limits: Record<string, string> = {
    ...(resources.gpusPerNode > 0 ? { "nvidia.com/gpu": String(resources.gpusPerNode) } : {}),
    ...(resources.cpusPerNode === undefined ? {} : { cpu: String(resources.cpusPerNode) }),
    ...(resources.memory === undefined ? {} : { memory: quantityOf(resources.memory) }),
  };
  const requests: Record<string, string> = Object.fromEntries(
    Object.entries(limits).filter(([name]) => name !== "nvidia.com/gpu"),
  );
  const volumes = [
    ...settings.mounts.map((mount, i) =>
      mount.kind === "pvc"
        ? { name: `mount-${i}`, persistentVolumeClaim: { claimName: mount.source, readOnly: mount.readOnly } }
        : { name: `mount-${i}`, hostPath: { path: mount.source } },
    ),
    ...(settings.shmSize === undefined
      ? []
      : [{ name: "shm", emptyDir: { medium: "Memory", sizeLimit: quantityOf(settings.shmSize) } }]),
    ...(env.code === undefined
      ? []
      : [
          { name: "code-archive", configMap: { name: env.code.configMap } },
          { name: "code", emptyDir: {} },
        ]),
    ...(env.sweep === undefined ? [] : [{ name: "sweep", configMap: { name: env.sweep } }]),
  ];
  const volumeMounts = [
    ...settings.mounts.map((mount, i) => ({
      name: `mount-${i}`,
      mountPath: mount.path,
      readOnly: mount.readOnly,
    })),
    ...(settings.shmSize === undefined ? [] : [{ name: "shm", mountPath: "/dev/shm" }]),
    ...(env.code === undefined ? [] : [{ name: "code", mountPath: CODE_DIR }]),
    ...(env.sweep === undefined ? [] : [{ name: "sweep", mountPath: SWEEP_DIR, readOnly: true }]),
  ];
  const image = job.image ?? settings.image;
  const pullPolicy =
    settings.imagePullPolicy === undefined ? {} : { imagePullPolicy: settings.imagePullPolicy };
  const workingDir =
    job.workdir ??
    (env.code === undefined
      ? undefined
      : env.code.subdir === ""
        ? CODE_DIR
        : `${CODE_DIR}/${env.code.subdir}`);
  return {
    restartPolicy: "Never",
    // Service links would add a variable per Service of the namespace to every job.
    enableServiceLinks: false,
    terminationGracePeriodSeconds: settings.graceSeconds,
    ...(env.service === undefined ? {} : { subdomain: env.service }),
    ...(settings.serviceAccount === undefined ? {} : { serviceAccountName: settings.serviceAccount }),
    ...(Object.keys(settings.nodeSelector).length === 0 ? {} : { nodeSelector: settings.nodeSelector }),
    ...(settings.tolerations.length === 0 ? {} : { tolerations: settings.tolerations }),
    ...(settings.imagePullSecrets.length === 0
      ? {}
      : { imagePullSecrets: settings.imagePullSecrets.map((name) => ({ name })) }),
    ...(env.code === undefined
      ? {}
      : {
          // The job's own image unpacks the code (it has a shell and tar; no other image to pull).
          initContainers: [
            {
              name: "unpack-code",
              image,
              ...pullPolicy,
              command: ["/bin/sh", "-c", `tar -xzf ${ARCHIVE_DIR}/${CODE_ARCHIVE_KEY} -C ${CODE_DIR}`],
              volumeMounts: [
                { name: "code-archive", mountPath: ARCHIVE_DIR, readOnly: true },
                { name: "code", mountPath: CODE_DIR },
              ],
            },
          ],
        }),
    containers: [
      {
        name: CONTAINER_NAME,
        image,
        ...pullPolicy,
        command,
        ...(workingDir === undefined ? {} : { workingDir }),
        env: [
          ...Object.entries(plain)
            .sort(([a], [b]) => compareEnvNames(a, b))
            .map(([name, value]) => ({ name, value })),
          ...(env.secretName === undefined
            ? []
            : env.secretNames.map((name) => ({
                name,
                valueFrom: { secretKeyRef: { name: env.secretName, key: name } },
              }))),
        ],
        ...(Object.keys(limits).length === 0
          ? {}
          : { resources: Object.keys(requests).length === 0 ? { limits } : { limits, requests } }),
        ...(volumeMounts.length === 0 ? {} : { volumeMounts }),
      },
    ],
    ...(volumes.length === 0 ? {} : { volumes }),
  };
}

function launchCommand(job: Job, settings: KubernetesSettings, masterAddr: string | undefined): string[] {
  const nodes = job.resources.nodes;
  const torchrun =
    job.launcher !== "torchrun"
      ? []
      : nodes > 1
        ? [
            "torchrun",
            `--nnodes=${nodes}`,
            `--nproc-per-node=${job.resources.nprocPerNode}`,
            "--node-rank=$(JOB_COMPLETION_INDEX)",
            `--master-addr=${masterAddr ?? ""}`,
            `--master-port=${settings.masterPort}`,
          ]
        : ["torchrun", ...singleNodeOptions(job.resources.nprocPerNode)];
  // Each rank, not only each pod, drops rank 0's variables under torchrun; a Python script loses its interpreter.
  const command =
    job.launcher === "torchrun"
      ? [...torchrun, ...torchrunArgs(job.command, Object.keys(job.rankZeroEnv))]
      : [...job.command];
  return nodes > 1 ? ["/bin/sh", "-c", MULTI_NODE_ENTRY, "slipway-entry", ...command] : command;
}
