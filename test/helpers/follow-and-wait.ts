import type { JobStatus } from "../../src/job/job-state.ts";
import type { JobHandle } from "../../src/executors/types.ts";

/** A job followed (`logs({ follow: true })` on stdout) and waited for at once, as the fault tests ride out faults. */
export interface Followed {
  /** Every line the follow gave, in order. */
  readonly lines: string[];
  /** Resolves once the first line came: the moment to inject the fault. */
  readonly firstLine: Promise<void>;
  /** What `wait()` ended with, once the follow ended too. */
  readonly ended: Promise<JobStatus>;
}

/**
 * Opens a follow of `job`'s stdout and a `wait()` together.
 *
 * @example
 * ```ts
 * const followed = followAndWait(job);
 * await followed.firstLine;
 * proxy.cut(); // … the fault …
 * expect(await followed.ended).toMatchObject({ state: "succeeded" });
 * ```
 */
export function followAndWait(job: JobHandle): Followed {
  const lines: string[] = [];
  let first: () => void = () => undefined;
  const firstLine = new Promise<void>((resolve) => (first = resolve));
  const following = (async () => {
    for await (const line of job.logs({ follow: true, stream: "stdout" })) {
      lines.push(line);
      first();
    }
  })();
  const waiting = job.wait();
  return { lines, firstLine, ended: Promise.all([waiting, following]).then(([status]) => status) };
}
