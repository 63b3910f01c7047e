import type { JobState } from "../types.ts";

/** Docker's container states and their unified meaning; `exited`/`dead` depend on how the container ended. */
export const DOCKER_STATES = {
  created: "pending",
  running: "running",
  restarting: "running",
  paused: "running",
  removing: "running",
  exited: "failed",
  dead: "failed",
} as const satisfies Record<string, JobState>;

/** What `inspect` says about a container's end. */
export interface DockerEnd {
  readonly status: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly error: string;
  readonly cancelRequested: boolean;
}

/**
 * Maps a container's inspected state to a unified state and reason, keeping Docker's status as the raw state.
 *
 * @example
 * ```ts
 * dockerState({ status: "exited", exitCode: 137, oomKilled: true, error: "", cancelRequested: false });
 * // { state: "failed", reason: "out of memory: the container was OOM-killed (exit 137)" }
 * ```
 */
export function dockerState(end: DockerEnd): { state: JobState; reason: string | undefined } {
  const mapped: JobState =
    end.status in DOCKER_STATES ? DOCKER_STATES[end.status as keyof typeof DOCKER_STATES] : "unknown";
  if (mapped !== "failed") return { state: mapped, reason: undefined };
  if (end.oomKilled) {
    return { state: "failed", reason: `out of memory: the container was OOM-killed (exit ${end.exitCode})` };
  }
  if (end.cancelRequested) return { state: "cancelled", reason: "cancelled" };
  if (end.exitCode === 0 && end.status === "exited") return { state: "succeeded", reason: undefined };
  if (end.error !== "") return { state: "failed", reason: end.error };
  return { state: "failed", reason: `exited with code ${end.exitCode}` };
}
