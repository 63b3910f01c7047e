import type { JobStore } from "../store/job-store.ts";

/** What an executor may read from the launching machine; captured once, so plans stay pure. */
export interface ExecutorContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  readonly store: JobStore;
}
