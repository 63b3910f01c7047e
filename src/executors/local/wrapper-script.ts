import type { TimeLimit } from "../../job/time-limit.ts";
import { shq } from "../../shell-quote.ts";
import { timeLimitWatchdog } from "../time-limit-shell.ts";

/**
 * What the wrapper shell of a local job does besides running the command; all decided by the plan.
 *
 * @example
 * ```ts
 * const files = store.files(id);
 * const input: LocalWrapperInput = { retries: 2, timeLimit: { text: "04:00:00", seconds: 14_400 }, graceSeconds: 10, files };
 * ```
 */
export interface LocalWrapperInput {
  /** Times a failed run is started again. */
  readonly retries: number;
  readonly timeLimit: TimeLimit | undefined;
  /** Seconds between SIGTERM and SIGKILL when the time limit is reached. */
  readonly graceSeconds: number;
  /** The job's files the wrapper writes or looks at (absolute paths). */
  readonly files: {
    readonly attempt: string;
    readonly timeLimitReached: string;
    readonly cancelRequested: string;
  };
}

/**
 * The shell that runs a local job (`sh -c <script> <exit-code file> <command...>`): it runs the command, starts it
 * again while it fails and attempts are left, then records the exit code in the file named by `$0`. Being in the
 * shell, retries and the time limit work for a detached job with no slipway process watching.
 *
 * - The trap keeps the shell alive through the SIGTERM of a cancel long enough to record the code, and marks the run
 *   as stopped so that it is not retried; the command itself gets SIGTERM's default action (traps are reset there).
 * - Before attempt N it writes N to the attempt file and `slipway: attempt N of M (…)` to stderr.
 * - With a time limit a watchdog ({@link timeLimitWatchdog}) covers the whole job, every attempt included: at the
 *   limit it records the marker file, then sends SIGTERM and, after the grace period, SIGKILL to the process group.
 *   A run stopped that way, or after a cancel was requested, is never retried.
 *
 * @example
 * ```ts
 * const script = localWrapperScript({ retries: 2, timeLimit: undefined, graceSeconds: 10, files });
 * execa("/bin/sh", ["-c", script, files.exitCode, "python", "train.py"], { detached: true });
 * ```
 */
export function localWrapperScript(input: LocalWrapperInput): string {
  const { retries, timeLimit, files } = input;
  const lines = ["trap 'slipway_stop=1' TERM INT HUP"];
  if (timeLimit !== undefined) {
    lines.push(
      timeLimitWatchdog({
        seconds: String(timeLimit.seconds),
        limit: timeLimit.text,
        graceSeconds: input.graceSeconds,
        onLimit: `: > ${shq(files.timeLimitReached)}`,
      }),
    );
  }
  if (retries === 0) {
    lines.push('"$@"', "slipway_code=$?");
  } else {
    const stop = [
      '[ "$slipway_code" -eq 0 ]',
      `[ "$slipway_try" -gt ${retries} ]`,
      '[ -n "${slipway_stop-}" ]',
      `[ -e ${shq(files.cancelRequested)} ]`,
      `[ -e ${shq(files.timeLimitReached)} ]`,
    ];
    lines.push(
      "slipway_try=1",
      "while :; do",
      '  "$@"',
      "  slipway_code=$?",
      `  if ${stop.join(" || ")}; then break; fi`,
      "  slipway_try=$((slipway_try + 1))",
      `  printf '%s\\n' "$slipway_try" > ${shq(files.attempt)}`,
      `  printf 'slipway: attempt %s of ${retries + 1} (attempt %s exited with code %s)\\n' "$slipway_try" "$((slipway_try - 1))" "$slipway_code" >&2`,
      "done",
    );
  }
  if (timeLimit !== undefined) lines.push('kill "$slipway_watch" 2>/dev/null');
  lines.push('printf \'%s\\n\' "$slipway_code" > "$0"', 'exit "$slipway_code"');
  return lines.join("\n");
}
