import { shq } from "../shell-quote.ts";

/** How the line a job's watchdog writes to stderr when it stops the job at its time limit starts. */
export const TIME_LIMIT_LINE = "slipway: time limit";

/**
 * How long the watchdog sleeps at most between checks that the job is still there: it leaves at most this long after
 * a job that `exec`ed the command ended (a `sleep 1` a second is all it costs meanwhile).
 */
const CHECK_SECONDS = 1;

/**
 * What {@link timeLimitWatchdog} needs: everything is decided by the plan.
 *
 * @example
 * ```ts
 * const options: WatchdogOptions = { seconds: "300", limit: "00:05:00", graceSeconds: 10 };
 * ```
 */
export interface WatchdogOptions {
  /** A shell word for the seconds left until the limit: a number, or a variable the script set before. */
  readonly seconds: string;
  /** The limit as written, for the line the watchdog prints. */
  readonly limit: string;
  /** Seconds between SIGTERM and SIGKILL. */
  readonly graceSeconds: number;
  /** A shell command run at the limit before any signal (e.g. one that records a marker file). */
  readonly onLimit?: string;
}

/**
 * A POSIX shell snippet (one line, ending in `;`) that starts the time-limit watchdog in the background and leaves
 * its pid in `$slipway_watch`. Every executor without a native time limit (local, docker, ray) runs its job under it.
 *
 * The watchdog counts down a second at a time and leaves as soon as the script's own process (`$$`, which may have
 * become the command through `exec`) is gone, or when it gets SIGTERM (a cancel signals the whole group). At the
 * limit it runs `onLimit`, writes a line starting with {@link TIME_LIMIT_LINE} to stderr, sends SIGTERM to its
 * process group (the job: the wrapper traps it, the command and its children get it), waits the grace period (a
 * second at a time, leaving when the job is gone) and then sends SIGKILL to the group if the job is still there. It
 * ignores its own SIGTERM while it signals. Its stdout is /dev/null: it keeps no pipe of the job's open.
 *
 * @example
 * ```ts
 * const script = `${timeLimitWatchdog({ seconds: "5", limit: "00:00:05", graceSeconds: 2 })} exec "$@"`;
 * // sh -c "$script" slipway-entry sleep 600  → stopped after 5 s
 * ```
 */
export function timeLimitWatchdog(options: WatchdogOptions): string {
  // Whole seconds: the shell counts in them (a grace of 2.5 s waits 3 s).
  const grace = Math.ceil(options.graceSeconds);
  const napUntilTerm = `trap 'kill "$slipway_nap" 2>/dev/null; exit 0' TERM`;
  const say = (text: string): string => `printf '%s\\n' ${shq(text)} >&2`;
  // Sleeps `seconds` (a shell word) by the clock, a step at a time while `$$` lives, so the steps add no drift; `-le`
  // on whole seconds: never less than `seconds`, at most two more.
  const countDown = (seconds: string): string[] => [
    `slipway_end=$(( $(date +%s) + ${seconds} ))`,
    'while [ "$(date +%s)" -le "$slipway_end" ]; do kill -0 $$ 2>/dev/null || exit 0',
    `sleep ${CHECK_SECONDS} & slipway_nap=$!`,
    'wait "$slipway_nap"; done',
  ];
  const steps = [
    napUntilTerm,
    ...countDown(options.seconds),
    "trap '' TERM",
    ...(options.onLimit === undefined ? [] : [options.onLimit]),
    say(`${TIME_LIMIT_LINE} ${options.limit} reached: SIGTERM to the job, SIGKILL after ${grace} s`),
    "kill -TERM 0",
    napUntilTerm,
    ...countDown(String(grace)),
    "kill -0 $$ 2>/dev/null || exit 0",
    say(`slipway: the job still runs ${grace} s after SIGTERM: SIGKILL`),
    "kill -KILL 0",
  ];
  return `( ${steps.join("; ")} ) >/dev/null & slipway_watch=$!;`;
}

/**
 * Whether a job's log (or an engine's message quoting its end) holds the watchdog's line, i.e. the job was stopped at
 * its time limit.
 *
 * @example
 * ```ts
 * reachedTimeLimit("…\nslipway: time limit 00:00:05 reached: SIGTERM to the job, SIGKILL after 10 s\n"); // true
 * ```
 */
export function reachedTimeLimit(log: string): boolean {
  return log
    .split("\n")
    .some((line) => line.startsWith(`${TIME_LIMIT_LINE} `) && line.includes(" reached: "));
}
