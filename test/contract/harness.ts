import type { CleanupResult, JobHandle } from "../../src/executors/types.ts";
import type { JobRecord } from "../../src/store/job-record.ts";

/** The jobs every contract case runs, as shell scripts (every executor runs a recipe's `script` under sh). */
export const CONTRACT_SCRIPTS = {
  /** Writes three stdout lines around one stderr line, then exits 0. */
  succeeds: "echo out 1; echo err 1 >&2; echo out 2; echo out 3",
  /** Exits 3. */
  fails: "echo failing; exit 3",
  /** Runs until cancelled. */
  runs: "echo ready; sleep 600",
} as const;

/** Which of {@link CONTRACT_SCRIPTS} to start. */
export type ContractJob = keyof typeof CONTRACT_SCRIPTS;

/**
 * What the contract suites need of an engine: start a job, reattach to it as a new process would, clean it up, and
 * read its record. The real engines implement it with `launch()` / `getJob()`; the unit project with a scripted fake.
 */
export interface ContractHarness {
  start(job: ContractJob): Promise<JobHandle>;
  /** A fresh handle from the job store only, as `getJob` in a later process gives. */
  reattach(id: string): Promise<JobHandle>;
  cleanup(id: string): Promise<CleanupResult>;
  record(id: string): JobRecord;
  /** Ray merges stderr into stdout. */
  readonly mergesStreams: boolean;
  /** Whether cleanup frees something on the engine (the local executor holds nothing). */
  readonly cleanupFrees: boolean;
}

/** Every line of a log iterable. */
export async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/** Polls `check` until it holds (no fixed sleeps as synchronisation: a condition, with a generous bound). */
export async function until(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = 20;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay = Math.min(delay * 2, 500);
  }
}
