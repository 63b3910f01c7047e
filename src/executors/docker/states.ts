import { isTerminal, type JobState, type JobStatus } from "../../job/job-state.ts";

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

/** The fields of `inspect`'s `State` that slipway reads. */
export interface InspectedState {
  readonly status: string;
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly error: string;
  /** RFC 3339; Docker's zero time (`0001-01-01T00:00:00Z`) while the container never ended. */
  readonly finishedAt: string;
}

/** How a container ended, as far as slipway saw it (from `inspect`, or from the daemon's `wait`). */
export interface ContainerExit {
  readonly exitCode: number;
  readonly oomKilled: boolean;
  readonly error: string;
}

/**
 * How long an ended container may stay before Docker removes it (`rm = true`, or `removing`) until its end counts as
 * final anyway; a removal that never comes must not keep `wait()` going forever.
 */
export const REMOVAL_GRACE_MS = 30_000;

/**
 * The end an inspected container shows, if it ended (exited, dead or being removed after it ended).
 *
 * @example
 * ```ts
 * exitOf({ status: "removing", exitCode: 4, oomKilled: false, error: "", finishedAt: "2026-11-23T10:00:00Z" });
 * // { exitCode: 4, oomKilled: false, error: "" }
 * ```
 */
export function exitOf(state: InspectedState): ContainerExit | undefined {
  const ended =
    (state.status === "exited" || state.status === "dead" || state.status === "removing") &&
    Date.parse(state.finishedAt) > 0;
  return ended ? { exitCode: state.exitCode, oomKilled: state.oomKilled, error: state.error } : undefined;
}

/**
 * An inspected container's status. With `rm` (Docker removes the container when it ends) an exited container, like
 * one being removed, is not final yet: the job ends when the container is gone, so that `wait()` returns only then
 * ({@link removedStatus}). A removal still pending {@link REMOVAL_GRACE_MS} after the end is not waited for.
 *
 * @example
 * ```ts
 * const state = { status: "exited", exitCode: 4, oomKilled: false, error: "", finishedAt: new Date().toISOString() };
 * inspectedStatus(state, { rm: true, cancelRequested: false, now: Date.now() }).state; // "running"
 * inspectedStatus(state, { rm: false, cancelRequested: false, now: Date.now() }); // { state: "failed", raw: "exited", exitCode: 4, … }
 * ```
 */
export function inspectedStatus(
  state: InspectedState,
  context: {
    readonly rm: boolean;
    readonly cancelRequested: boolean;
    readonly now: number;
    readonly outage?: DaemonOutage | undefined;
  },
): JobStatus {
  const exit = exitOf(state);
  // With rm, Docker marks the container dead while it deletes its files, just before it is gone.
  const awaitingRemoval =
    state.status === "removing" || (context.rm && (state.status === "exited" || state.status === "dead"));
  if (exit !== undefined && awaitingRemoval) {
    if (context.now - Date.parse(state.finishedAt) < REMOVAL_GRACE_MS) {
      return {
        state: "running",
        raw: state.status,
        exitCode: undefined,
        reason: `ended with code ${exit.exitCode}; Docker is removing the container`,
      };
    }
  }
  // A removal that never came: the container's end is all there is.
  const status = state.status === "removing" && exit !== undefined ? "exited" : state.status;
  const mapped = dockerState({ ...state, status, cancelRequested: context.cancelRequested });
  const restarted =
    mapped.state === "failed" && !state.oomKilled && endedDuring(state.finishedAt, context.outage);
  return {
    state: mapped.state,
    raw: state.status,
    exitCode: isTerminal(mapped) ? state.exitCode : undefined,
    reason: restarted ? daemonRestartReason(state.exitCode) : mapped.reason,
  };
}

/**
 * A time slipway could not reach a container's daemon: from the last answer that showed the container running to the
 * first answer after (epoch milliseconds, the launching machine's clock).
 */
export interface DaemonOutage {
  readonly from: number;
  readonly to: number;
}

/**
 * Why a container that ended while its daemon was away failed: a daemon without live-restore stops its containers
 * (SIGTERM, then SIGKILL) as it shuts down, and nothing else tells that end from the job's own.
 *
 * @example
 * ```ts
 * daemonRestartReason(143);
 * // "the Docker daemon restarted and stopped the container (exit 143) …"
 * ```
 */
export function daemonRestartReason(exitCode: number): string {
  return `the Docker daemon restarted and stopped the container (exit ${exitCode}): it ended while the daemon could not be reached; a daemon with live-restore keeps containers running across its restarts`;
}

function endedDuring(finishedAt: string, outage: DaemonOutage | undefined): boolean {
  const ended = Date.parse(finishedAt);
  return outage !== undefined && ended > 0 && ended >= outage.from && ended <= outage.to;
}

/**
 * The status of a container that is gone (`inspect` answers 404): terminal always, with raw `removed`; how it ended
 * if slipway saw the end, else failed with the reason.
 *
 * @example
 * ```ts
 * removedStatus({ exitCode: 4, oomKilled: false, error: "" }, false);
 * // { state: "failed", raw: "removed", exitCode: 4, reason: "exited with code 4" }
 * ```
 */
export function removedStatus(exit: ContainerExit | undefined, cancelRequested: boolean): JobStatus {
  if (exit === undefined) {
    return cancelRequested
      ? { state: "cancelled", raw: "removed", exitCode: undefined, reason: "cancelled" }
      : {
          state: "failed",
          raw: "removed",
          exitCode: undefined,
          reason: "the container was removed before slipway saw how it ended (docker rm, or rm = true)",
        };
  }
  const mapped = dockerState({ status: "exited", ...exit, cancelRequested });
  return { state: mapped.state, raw: "removed", exitCode: exit.exitCode, reason: mapped.reason };
}
