import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { choice, formatted, int, nonEmptyStr, str } from "./fields.ts";
import { isSlurmTime } from "./slurm-time.ts";

// Here too for the modules that import it from here; slurm-time.ts holds it so that the CLI's option parsers do not
// load zod.
export { isSlurmTime };

/** A `slurm` profile as written. */
export function slurmProfileSchema() {
  return z
    .strictObject({
      executor: executorField("slurm"),
      ...commonShape(),
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
      time: formatted(
        isSlurmTime,
        "a Slurm time (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)",
      ).describe("Time limit (--time): MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS."),
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
      retries: int(0)
        .describe("Times a failed job is requeued and run again (default 0).")
        .meta({ default: 0 }),
    })
    .partial()
    .describe("Profile submitting the job to a Slurm cluster with sbatch.");
}
