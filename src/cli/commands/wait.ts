import type { JobStatus } from "../../job/job-state.ts";
import { getJob } from "../../jobs.ts";
import { paint, say } from "../output.ts";
import { exitCodeOf } from "./exit-code-of.ts";

/**
 * `slipway wait <id...>`: waits until every job has ended and exits with the job's code (0 succeeded, 130
 * cancelled, else its exit code), or with the largest code of them; each job is reported as it ends. Ctrl-C stops
 * waiting, never the jobs.
 */
export async function runWait(ids: readonly string[], flags: { readonly json?: true }): Promise<number> {
  const jobs = await Promise.all(ids.map((id) => getJob(id)));
  const codes = await Promise.all(
    jobs.map(async (job) => {
      const status = await job.wait();
      const code = exitCodeOf(status);
      if (flags.json === true) {
        process.stdout.write(`${JSON.stringify({ id: job.id, ...status, code })}\n`);
      } else {
        const line = `${job.id} ${describe(status)}`;
        say(code === 0 ? paint("green", line, "stderr") : paint("red", line, "stderr"));
      }
      return code;
    }),
  );
  return Math.max(0, ...codes);
}

/** "succeeded (exit 0)", "failed (exit 3)", "cancelled", "failed: no such file"; no exit code it did not have. */
function describe(status: JobStatus): string {
  if (status.exitCode !== undefined) return `${status.state} (exit ${status.exitCode})`;
  return status.reason === undefined || status.reason === status.state
    ? status.state
    : `${status.state}: ${status.reason}`;
}
