import { sep } from "node:path";

/**
 * The files of one job in the job store. The store owns this layout; nothing else spells these names.
 *
 * @example
 * ```ts
 * const files = store.files("sft-k3j9x2");
 * console.log(files.log("stdout")); // ~/.slipway/jobs/sft-k3j9x2/stdout.log
 * ```
 */
export interface JobFiles {
  /** The job's directory (0700). */
  readonly dir: string;
  /** The record, `job.json`. */
  readonly record: string;
  /** The exit code written by a local job's wrapper. */
  readonly exitCode: string;
  /** Present once a cancel was asked for; engines read it to tell "cancelled" from "failed". */
  readonly cancelRequested: string;
  /** The attempt a local job's wrapper is on (`2`), written when it starts the command again; absent: the first. */
  readonly attempt: string;
  /** Present once a local job reached its time limit; written by the wrapper's watchdog before it stops the job. */
  readonly timeLimitReached: string;
  /**
   * A local job's ordered log: one `<time> <stdout|stderr> <line>` record per line in the order the lines arrived,
   * then `<time> end` once both streams closed. Absent for jobs launched before it existed (and other executors).
   */
  readonly output: string;
  /** A log of the job (local jobs write them; other executors save them here at cleanup). `index`: an array task. */
  log(stream: "stdout" | "stderr", index?: number): string;
}

/**
 * The layout of a job directory.
 *
 * @example
 * ```ts
 * jobFiles("/home/me/.slipway/jobs/sft-k3j9x2").log("stderr", 3); // …/stderr-3.log
 * ```
 */
export function jobFiles(dir: string): JobFiles {
  // Plain concatenation: `dir` is already a normalised path, and `slipway list` builds these for every record.
  const at = (name: string): string => `${dir}${sep}${name}`;
  return {
    dir,
    record: at("job.json"),
    exitCode: at("exit-code"),
    cancelRequested: at("cancel-requested"),
    attempt: at("attempt"),
    timeLimitReached: at("time-limit-reached"),
    output: at("output.log"),
    log: (stream, index) => at(index === undefined ? `${stream}.log` : `${stream}-${index}.log`),
  };
}
