import type { TimeLimit } from "../../job/time-limit.ts";
import { shq } from "../../shell-quote.ts";
import { TIME_LIMIT_LINE, timeLimitWatchdog } from "../time-limit-shell.ts";

/** Where the entry wrapper keeps the job's first start (seconds since the epoch), in the container's own filesystem. */
export const STARTED_FILE = "/tmp/.slipway-started";

/** Written in the container by the entry wrapper when the job reached its time limit; the engine looks for it. */
export const TIME_LIMIT_MARKER = "/tmp/.slipway-time-limit-reached";

/**
 * What the entry wrapper of a container does before it becomes the command.
 *
 * @example
 * ```ts
 * const input: DockerEntryInput = { secretsFile: SECRETS_TARGET, timeLimit: { text: "30", seconds: 1800 }, graceSeconds: 10 };
 * ```
 */
export interface DockerEntryInput {
  /** The mounted secrets file to source, if secrets travel in a file. */
  readonly secretsFile: string | undefined;
  readonly timeLimit: TimeLimit | undefined;
  /** Seconds between SIGTERM and SIGKILL at the time limit. */
  readonly graceSeconds: number;
}

/**
 * The `/bin/sh -c` script a container starts with when slipway must do something before the command (`$0` is only a
 * name; the command is `"$@"`), or `undefined` when the command can be the entrypoint itself. It reads the secrets
 * file with tracing off, starts the time-limit watchdog, then `exec`s the command, which so gets `docker stop`'s
 * SIGTERM directly.
 *
 * The time limit is for the whole job: the first start is kept in {@link STARTED_FILE} of the container's filesystem,
 * which a restart (`retries`) keeps, so a restarted attempt only gets what is left. At the limit the watchdog writes
 * {@link TIME_LIMIT_MARKER}; a restart that finds it (or no time left) exits 0 at once, so that Docker's `on-failure`
 * policy stops there: a job stopped at its time limit is not retried. Without a writable /tmp the limit counts from
 * each start and the marker cannot be kept (the wrapper says so on stderr).
 *
 * @example
 * ```ts
 * dockerEntryScript({ secretsFile: "/run/secrets/slipway-env", timeLimit: undefined, graceSeconds: 10 });
 * // 'set +x; . /run/secrets/slipway-env || exit 126; exec "$@"'
 * ```
 */
export function dockerEntryScript(input: DockerEntryInput): string | undefined {
  const { secretsFile, timeLimit } = input;
  if (secretsFile === undefined && timeLimit === undefined) return undefined;
  const parts = secretsFile === undefined ? [] : ["set +x", `. ${shq(secretsFile)} || exit 126`];
  if (timeLimit !== undefined) {
    const say = (text: string): string => `printf '%s\\n' ${shq(text)} >&2`;
    const mark = `{ : > ${TIME_LIMIT_MARKER}; } 2>/dev/null`;
    parts.push(
      `if [ -e ${TIME_LIMIT_MARKER} ]; then ${say("slipway: the time limit was reached in an earlier attempt; not starting again")}; exit 0; fi`,
      "slipway_now=$(date +%s)",
      `if [ ! -s ${STARTED_FILE} ] && ! { printf '%s\\n' "$slipway_now" > ${STARTED_FILE}; } 2>/dev/null; then ${say(`slipway: cannot write ${STARTED_FILE}: the time limit counts from this start`)}; fi`,
      `slipway_left=$(( $(cat ${STARTED_FILE} 2>/dev/null || echo "$slipway_now") + ${timeLimit.seconds} - slipway_now ))`,
      `if [ "$slipway_left" -le 0 ]; then ${mark}; ${say(`${TIME_LIMIT_LINE} ${timeLimit.text} reached before this start; not starting again`)}; exit 0; fi`,
      timeLimitWatchdog({
        seconds: "$slipway_left",
        limit: timeLimit.text,
        graceSeconds: input.graceSeconds,
        onLimit: mark,
      }).replace(/;$/, ""),
    );
  }
  return `${parts.join("; ")}; exec "$@"`;
}
