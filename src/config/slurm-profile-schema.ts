import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { choice, formatted, int, nonEmptyStr, str } from "./fields.ts";

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

/** A `slurm` profile as written. */
export function slurmProfileSchema() {
  return z
    .strictObject({
      executor: executorField("slurm"),
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
