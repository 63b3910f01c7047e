import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { choice, formatted, int, nonEmptyStr, size, str } from "./fields.ts";
import { isSlurmTime } from "./slurm-profile-schema.ts";

const stringTable = () => z.record(z.string(), str());

/** A volume mount as written: `pvc:<claim>:<path>[:ro]` or `host:<node path>:<path>[:ro]`. */
export const KUBERNETES_MOUNT = /^(pvc|host):([^:]+):(\/[^:]*)(?::(ro|rw))?$/;

function toleration() {
  return z
    .strictObject({
      key: str(),
      operator: choice(["Exists", "Equal"]),
      value: str(),
      effect: choice(["NoSchedule", "PreferNoSchedule", "NoExecute"]),
      toleration_seconds: int(0),
    })
    .partial();
}

/** A `kubernetes` profile as written. */
export function kubernetesProfileSchema() {
  return z
    .strictObject({
      executor: executorField("kubernetes"),
      ...commonShape(),
      image: nonEmptyStr().describe("Container image to run (required)."),
      namespace: str().describe("Namespace of the job (default default).").meta({ default: "default" }),
      context: str().describe("kubeconfig context (default: the current context)."),
      kubeconfig: str().describe(
        "Path of the kubeconfig file (default: KUBECONFIG, then ~/.kube/config, then in-cluster).",
      ),
      service_account: str().describe("Service account the pods run as."),
      node_selector: stringTable().describe("Node labels the pods must match."),
      tolerations: z.array(toleration()).describe("Taints the pods tolerate, as Kubernetes writes them."),
      image_pull_policy: choice(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
      image_pull_secrets: z.array(str()).describe("Secrets holding registry credentials (imagePullSecrets)."),
      secret_name: str().describe(
        "Existing Secret holding credentials such as the W&B key (instead of a Secret made per job).",
      ),
      time: formatted(
        isSlurmTime,
        "a time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)",
      ).describe("Time limit of the job (activeDeadlineSeconds), written as Slurm writes --time."),
      retries: int(0)
        .describe("Times a failed pod is replaced and run again (backoffLimit; default 0).")
        .meta({ default: 0 }),
      queue: str().describe("Kueue LocalQueue (label kueue.x-k8s.io/queue-name); Kueue admits the job."),
      grace_seconds: int(0)
        .describe("Seconds between SIGTERM and SIGKILL when the job is cancelled (default 30).")
        .meta({ default: 30 }),
      shm_size: size("Size of /dev/shm (a memory-backed emptyDir)"),
      mounts: z
        .array(
          formatted(
            (value) => KUBERNETES_MOUNT.test(value),
            "pvc:<claim>:<path>[:ro] or host:<node path>:<path>[:ro]",
          ),
        )
        .describe("Volumes: `pvc:<claim>:<path>[:ro]` or `host:<node path>:<path>[:ro]`."),
      labels: stringTable().describe("Extra labels on the Job and its pods."),
      master_port: int(1, 65535)
        .describe("Port of rank 0's rendezvous for multi-node torchrun (default 29500).")
        .meta({ default: 29500 }),
      ttl_seconds_after_finished: int(0).describe(
        "Let Kubernetes delete the finished Job (and its logs) after this many seconds (default: never; slipway cleanup saves the logs first).",
      ),
    })
    .partial()
    .describe("Profile running the job as a Kubernetes Job.");
}
