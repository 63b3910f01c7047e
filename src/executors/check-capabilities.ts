import type { Job } from "../job/job.ts";
import { UnsupportedError } from "../errors.ts";
import type { Capabilities } from "./types.ts";

/**
 * Throws one {@link UnsupportedError} listing everything the job asks for that the executor cannot do, before
 * anything starts.
 *
 * @example
 * ```ts
 * checkCapabilities(job, executor.capabilities); // throws for nodes = 2 on local
 * ```
 */
export function checkCapabilities(job: Job, capabilities: Capabilities): void {
  const { unsupported } = capabilities;
  const reasons: string[] = [];
  if (job.resources.nodes > 1 && unsupported["multi-node"] !== undefined) {
    reasons.push(`nodes = ${job.resources.nodes}: ${unsupported["multi-node"]}`);
  }
  if (job.launcher === "torchrun" && unsupported.torchrun !== undefined) {
    reasons.push(`launcher = "torchrun": ${unsupported.torchrun}`);
  }
  if (job.image !== undefined && unsupported["container-image"] !== undefined) {
    reasons.push(`image = "${job.image}": ${unsupported["container-image"]}`);
  }
  if (job.array !== undefined && unsupported.array !== undefined) {
    reasons.push(`array = "${job.array}": ${unsupported.array}`);
  }
  if (job.dependsOn.length > 0 && unsupported.dependencies !== undefined) {
    reasons.push(`dependsOn = ${job.dependsOn.map((d) => d.id).join(", ")}: ${unsupported.dependencies}`);
  }
  if (job.retries !== undefined && job.retries > 0 && unsupported.retries !== undefined) {
    reasons.push(`retries = ${job.retries}: ${unsupported.retries}`);
  }
  if (job.time !== undefined && unsupported["time-limit"] !== undefined) {
    reasons.push(`time = "${job.time}": ${unsupported["time-limit"]}`);
  }
  if (reasons.length > 0) throw new UnsupportedError(job.executor, reasons);
}
