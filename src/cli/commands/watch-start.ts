import { setTimeout as sleep } from "node:timers/promises";
import type { JobHandle, JobStatus } from "../../executors/types.ts";
import { duration, paint, say } from "../output.ts";

/** What {@link watchStart} saw. */
export interface StartWatch {
  /** Whether the job was seen running (or ended after running): a cancelled job that never ran did not. */
  readonly ran: () => boolean;
  /** Resolves when the job left `pending`, or the watch was stopped. */
  readonly done: Promise<void>;
}

const POLL_MS = 2000;

/**
 * Watches a foreground job until it starts: asks its status at once, then every 2 s. While it is pending it shows
 * the elapsed time and the current reason — one line redrawn in place every second on a terminal, a new line each
 * time the reason changes otherwise. A reason that cannot resolve by waiting (`status.blocked`) is passed to
 * `onBlocked` once.
 *
 * @example
 * ```ts
 * const watch = watchStart(job, { signal, onBlocked: (status) => void job.cancel() });
 * await watch.done;
 * ```
 */
export function watchStart(
  job: JobHandle,
  options: {
    readonly signal: AbortSignal;
    readonly onBlocked: (status: JobStatus & { readonly blocked: string }) => void;
  },
): StartWatch {
  const started = Date.now();
  const tty = process.stderr.isTTY;
  let ran = false;
  let line: string | undefined;
  let said: string | undefined;
  let blockedSeen = false;
  const draw = (): void => {
    if (line === undefined) return;
    process.stderr.write(
      `\r\x1b[2K${paint("dim", "slipway:", "stderr")} ${line} ${duration(Date.now() - started)}`,
    );
  };
  const clear = (): void => {
    if (tty && line !== undefined) process.stderr.write("\r\x1b[2K");
    line = undefined;
  };
  const redraw = tty ? setInterval(draw, 1000) : undefined;
  redraw?.unref();
  // A function, not the property: the signal is aborted by others while this loop awaits.
  const stopped = (): boolean => options.signal.aborted;
  const done = (async () => {
    try {
      for (let first = true; !stopped(); first = false) {
        if (!first) await sleep(POLL_MS, undefined, { signal: options.signal }).catch(() => undefined);
        if (stopped()) return;
        const status = await job.status().catch(() => undefined);
        if (status === undefined || status.state === "unknown") continue;
        if (status.state !== "pending") {
          ran ||= status.state !== "cancelled";
          return;
        }
        const reason = status.reason ?? status.raw;
        if (status.blocked !== undefined && !blockedSeen) {
          blockedSeen = true;
          clear();
          options.onBlocked({ ...status, blocked: status.blocked });
          if (stopped()) return;
        }
        if (tty) {
          line = `${job.id} pending: ${reason} ·`;
          draw();
        } else if (reason !== said) {
          say(`${job.id} is pending (${duration(Date.now() - started)}): ${reason}`);
        }
        said = reason;
      }
    } finally {
      if (redraw !== undefined) clearInterval(redraw);
      clear();
    }
  })();
  return { ran: () => ran, done };
}
