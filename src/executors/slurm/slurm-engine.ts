import { existsSync } from "node:fs";
import { CommandError, SlipwayError } from "../../errors.ts";
import type { JobStatus } from "../../job/job-state.ts";
import { shq } from "../../shell-quote.ts";
import type { CommandRunner } from "../../transport/command-runner.ts";
import type { JobEngine, LogSaver, RecordedJob } from "../executor-module.ts";
import { tailFiles } from "../tail-file.ts";
import type { CleanupResult, LogOptions } from "../types.ts";
import { arrayIndices } from "./array-spec.ts";
import type { SlurmJobRef } from "./queue-status.ts";
import { followRemoteFiles, readRemoteFiles } from "./remote-tail.ts";
import { JOB_FILES } from "./script.ts";
import type { SlurmDetail } from "./slurm-detail.ts";
import { goneAsEnded } from "./states.ts";
import { statusBatcher } from "./status-batcher.ts";

/** What scancel says of a job that already ended (or that slurmctld forgot): nothing left to stop. */
const ALREADY_ENDED = /already completing or completed|Invalid job id/i;

/**
 * A Slurm job's engine, over the runner of its cluster (one shared connection per cluster and process):
 * - `probe` joins the cluster's batched status query (one `squeue` per tick for every job there, exit codes from the
 *   job directory, `scontrol`/`sacct` for jobs that left the queue); a job Slurm no longer knows that left no exit
 *   code ends as failed (cancelled, if a cancel was asked for), never `unknown` for ever;
 * - `stop` is `scancel` plus removing the secrets file (the script's trap removes it too, unless the job was killed
 *   before it could run); a job that already ended is not an error;
 * - `logs` reads (or follows with `tail -F`) the job's log files on the cluster, per array task (`index`, the first
 *   task by default);
 * - `cleanup` copies every log into the job store, then removes the job's directory on the cluster.
 *
 * @example
 * ```ts
 * const engine = slurmEngine({ id, nativeId: "4242", detail, files: store.files(id) }, runner);
 * await engine.probe(); // { state: "running", raw: "RUNNING", … }
 * ```
 */
export function slurmEngine(
  job: Pick<RecordedJob<SlurmDetail>, "id" | "nativeId" | "detail" | "files">,
  runner: CommandRunner,
): JobEngine {
  const { detail, files } = job;
  const ref: SlurmJobRef = {
    nativeId: job.nativeId,
    jobDir: detail.jobDir,
    arrayIndices: detail.array === undefined ? undefined : arrayIndices(detail.array),
  };
  // One log pair per array task, or one pair for a single job.
  const tasks: readonly (number | undefined)[] = ref.arrayIndices ?? [undefined];
  const remoteLog = (stream: "stdout" | "stderr", index: number | undefined): string =>
    `${ref.jobDir}/${stream}${index === undefined ? "" : `-${index}`}.log`;

  const taskOf = (options: LogOptions): number | undefined => {
    const indices = ref.arrayIndices;
    if (indices === undefined) return undefined;
    const index = options.index ?? indices[0];
    if (index === undefined || !indices.includes(index)) {
      throw new SlipwayError(
        "RECIPE_INVALID",
        `job ${job.id} has no array task ${String(options.index)} (its tasks: ${indices.join(",")})`,
      );
    }
    return index;
  };

  return {
    poll: {
      // Each poll is a round trip to slurmctld (shared with every other job of the cluster): back off to 10 s.
      firstMs: 250,
      maxMs: 10_000,
      factor: 1.5,
      // scancel signals the job at once; slurmctld may take a while to record the end on a busy cluster.
      cancelDeadlineMs: () => 60_000,
      unconfirmedCancel: () => "scancel sent; the job has not ended yet",
    },
    async probe(): Promise<JobStatus> {
      const status = await statusBatcher(runner).status(ref);
      return goneAsEnded(status, existsSync(files.cancelRequested));
    },
    async tasks(): Promise<ReadonlyMap<number, JobStatus>> {
      if (ref.arrayIndices === undefined) return new Map([[0, await this.probe()]]);
      return statusBatcher(runner).tasks(ref);
    },
    async stop(): Promise<void> {
      const argv = ["scancel", job.nativeId];
      // The script's TERM trap deletes the secrets file too; this covers a job killed before its trap could run.
      const result = await runner.run(
        `scancel ${shq(job.nativeId)}; code=$?; rm -f ${shq(`${ref.jobDir}/${JOB_FILES.secrets}`)}; exit $code`,
      );
      if (result.exitCode === 0 || ALREADY_ENDED.test(result.stderr)) return;
      const stderr = result.stderr.trim();
      throw new CommandError(
        "ENGINE_ERROR",
        `scancel ${job.nativeId} failed on ${runner.label} (exit ${result.exitCode})${stderr === "" ? "" : `: ${stderr}`}`,
        { argv, exitCode: result.exitCode, stderr, host: runner.label },
      );
    },
    async *logs(options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<string> {
      const index = taskOf(options);
      const streams =
        options.stream === "stdout" || options.stream === "stderr"
          ? [options.stream]
          : (["stdout", "stderr"] as const);
      if (detail.cleaned === true) {
        // Cleaned up by an earlier slipway: the logs were copied into the job store under the same names.
        yield* tailFiles(
          streams.map((stream) => ({ path: files.log(stream, index) })),
          { follow: false, isDone: () => Promise.resolve(true) },
        );
        return;
      }
      const paths = streams.map((stream) => remoteLog(stream, index));
      if (options.follow === true) yield* followRemoteFiles(runner, paths, isDone, options.signal);
      else yield* readRemoteFiles(runner, paths);
    },
    async cleanup(save: LogSaver): Promise<CleanupResult> {
      if (detail.cleaned === true) return { cleaned: false, message: "already cleaned up (logs kept)" };
      for (const index of tasks) {
        for (const stream of ["stdout", "stderr"] as const) {
          const { stdout } = await runner.run(`cat ${shq(remoteLog(stream, index))} 2>/dev/null; true`);
          save(stream, stdout, index);
        }
      }
      const removed = await runner.run(`rm -rf ${shq(ref.jobDir)}`);
      if (removed.exitCode !== 0) {
        return {
          cleaned: false,
          message: `could not remove ${ref.jobDir} on ${runner.label}: ${removed.stderr.trim()}`,
        };
      }
      return { cleaned: true, message: `removed ${ref.jobDir} on ${runner.label} (logs kept)` };
    },
  };
}
