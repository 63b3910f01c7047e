import { basename } from "node:path";
import type { ExecutorKind, Launcher } from "../../config/types.ts";
import { SlipwayError } from "../../errors.ts";
import type { JobHandle, JobStatus } from "../../executors/types.ts";
import { dryRun, launch } from "../../launch.ts";
import type { Recipe } from "../../job/recipe.ts";
import type { PackageMode } from "../../package/code-package.ts";
import { duration, paint, printJson, say, spinner } from "../output.ts";
import { writeOut } from "../std-output.ts";
import { UsageError } from "../usage-error.ts";
import { pipeLogs } from "./pipe-logs.ts";
import { watchStart } from "./watch-start.ts";

export interface LaunchFlags {
  readonly profile?: string;
  readonly executor?: ExecutorKind;
  readonly config?: string;
  readonly name?: string;
  readonly env: readonly string[];
  readonly workdir?: string;
  readonly launcher?: Launcher;
  readonly nodes?: number;
  readonly gpusPerNode?: number;
  readonly array?: string;
  readonly dependsOn: readonly string[];
  readonly retries?: number;
  readonly time?: string;
  readonly package?: PackageMode;
  readonly exclude: readonly string[];
  readonly allowDirty?: true;
  readonly dryRun?: true;
  readonly detach?: true;
  readonly follow?: true;
  readonly json?: true;
  /** Cancel a foreground job whose pending reason cannot resolve by waiting (default on; `--no-fail-fast`). */
  readonly failFast?: boolean;
  /** `--sweep name=values` specs: launch a sweep instead of one job. */
  readonly sweep?: readonly string[];
  readonly sweepMode?: "grid" | "random";
  readonly samples?: number;
  readonly seed?: number;
  readonly maxParallel?: number;
  readonly yes?: true;
  /** `--wandb-sweep entity/project/id`: run `wandb agent` workers for a W&B sweep instead of a command. */
  readonly wandbSweep?: string;
  readonly agents?: number;
  readonly count?: number;
}

/** `slipway launch`: returns the job's exit code when it runs in the foreground. */
export async function runLaunch(command: readonly string[], flags: LaunchFlags): Promise<number> {
  const recipe: Recipe = {
    name: flags.name ?? nameFromCommand(command),
    command,
    env: parseEnvFlags(flags.env),
    ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
    ...(flags.launcher === undefined ? {} : { launcher: flags.launcher }),
    ...(flags.nodes === undefined && flags.gpusPerNode === undefined
      ? {}
      : {
          resources: {
            ...(flags.nodes === undefined ? {} : { nodes: flags.nodes }),
            ...(flags.gpusPerNode === undefined ? {} : { gpusPerNode: flags.gpusPerNode }),
          },
        }),
    ...(flags.array === undefined ? {} : { array: flags.array }),
    ...(flags.dependsOn.length === 0 ? {} : { dependsOn: flags.dependsOn }),
    ...(flags.retries === undefined ? {} : { retries: flags.retries }),
    ...(flags.time === undefined ? {} : { time: flags.time }),
    ...(flags.package === undefined ? {} : { package: flags.package }),
    ...(flags.exclude.length === 0 ? {} : { excludes: flags.exclude }),
  };
  const options = {
    profile: flags.profile,
    executor: flags.executor,
    config: flags.config,
    detach: flags.detach === true,
    allowDirty: flags.allowDirty === true,
    onNotice: (message: string) => {
      say(paint("yellow", message, "stderr"));
    },
  };
  if (flags.wandbSweep !== undefined) {
    const { runAgentsLaunch } = await import("./launch-agents.ts");
    return runAgentsLaunch(recipe, options, flags);
  }
  if (flags.agents !== undefined || flags.count !== undefined) {
    throw new UsageError(
      `${flags.agents === undefined ? "--count" : "--agents"} is for W&B sweep agents, and no --wandb-sweep was given`,
      "add --wandb-sweep entity/project/sweep-id (from `wandb sweep`)",
    );
  }
  if ((flags.sweep ?? []).length > 0 || sweepOnly(flags) !== undefined) {
    const { runSweepLaunch } = await import("./launch-sweep.ts");
    return runSweepLaunch(recipe, options, flags);
  }
  if (flags.dryRun === true) {
    const result = await dryRun(recipe, options);
    if (flags.json === true) printJson({ job: result.job, plan: result.plan });
    else writeOut(`${result.rendered}\n`);
    return 0;
  }
  const spin = spinner(`launching ${recipe.name}`);
  const started = Date.now();
  let job;
  try {
    job = await launch(recipe, options);
  } finally {
    spin.stop();
  }
  const tracked = job.job.wandbUrl === undefined ? "" : `, W&B run ${job.job.wandbUrl}`;
  const where = `on profile ${job.job.profile} (${job.executor} ${job.nativeId})${tracked}`;
  if (flags.detach === true) {
    if (flags.json === true)
      printJson({ id: job.id, executor: job.executor, nativeId: job.nativeId, wandbUrl: job.job.wandbUrl });
    else {
      process.stdout.write(`${job.id}\n`);
      say(`launched ${job.id} ${where}; it goes on without you`);
      say(
        `follow it: slipway logs -f ${job.id}   status: slipway status ${job.id}   stop: slipway cancel ${job.id}`,
      );
    }
    // One look at once, so a job that can never start says so now rather than in an hour.
    const first = await job.status().catch(() => undefined);
    if (first?.blocked !== undefined) {
      warnBlocked(job.id, first.reason ?? first.raw, first.blocked, `slipway cancel ${job.id} stops it`);
    }
    if (flags.follow !== true) return 0;
    await followUntilInterrupted(job);
    return 0;
  }
  say(`launched ${job.id} ${where}; Ctrl-C cancels it`);
  const { status, ran, blocked } = await runInForeground(job, flags.failFast !== false);
  const took = duration(Date.now() - started);
  if (blocked !== undefined && status.state !== "running" && status.state !== "succeeded") {
    // Cancelled by --fail-fast: a request that cannot be met is a mistake to fix, as a refused launch would be.
    const err = process.stderr;
    err.write(
      `${paint("red", "error:", "stderr")} ${job.id} can never start: ${blocked.reason ?? blocked.raw}\n`,
    );
    err.write(
      `${paint("yellow", "hint:", "stderr")} ${blocked.blocked}; ${
        status.state === "cancelled"
          ? "it was cancelled"
          : `cancel requested (${status.reason ?? status.state})`
      } (--no-fail-fast waits instead)\n`,
    );
    return 2;
  }
  say(
    status.state === "succeeded"
      ? paint("green", summaryOf(job.id, status, ran, took), "stderr")
      : paint("red", summaryOf(job.id, status, ran, took), "stderr"),
  );
  return exitCodeOf(status);
}

/**
 * The last line of a foreground launch. An exit code is shown only for a job that ran and ended by itself: a job
 * cancelled before it started never had one, whatever its engine reports.
 *
 * @example
 * ```ts
 * summaryOf("a-k3j9x2", { state: "cancelled", raw: "CANCELLED", exitCode: 0, reason: undefined }, false, "3.0 s");
 * // "a-k3j9x2 cancelled before it started, after 3.0 s"
 * ```
 */
export function summaryOf(id: string, status: JobStatus, ran: boolean, took: string): string {
  if (status.state === "cancelled") {
    return ran ? `${id} cancelled after ${took}` : `${id} cancelled before it started, after ${took}`;
  }
  const ended = status.state === "succeeded" || status.state === "failed";
  const code = ended && status.exitCode !== undefined ? ` (exit ${status.exitCode})` : "";
  return `${id} ${status.state}${code} after ${took}`;
}

function warnBlocked(id: string, reason: string, blocked: string, then: string): void {
  const err = process.stderr;
  err.write(`${paint("yellow", "warning:", "stderr")} ${id} can never start as it is: ${reason}\n`);
  err.write(`${paint("yellow", "hint:", "stderr")} ${blocked}; ${then}\n`);
}

/**
 * Streams the job's output until it ends; the first Ctrl-C cancels the job, a second one leaves at once. While the
 * job waits to start, the elapsed time and the reason are shown; with `failFast`, a reason that cannot resolve by
 * waiting cancels the job at once.
 */
async function runInForeground(
  job: JobHandle,
  failFast: boolean,
): Promise<{ status: JobStatus; ran: boolean; blocked: (JobStatus & { blocked: string }) | undefined }> {
  const stopFollowing = new AbortController();
  let cancelling: Promise<JobStatus> | undefined;
  let blocked: (JobStatus & { blocked: string }) | undefined;
  const onInterrupt = (): void => {
    if (cancelling !== undefined) {
      say(`leaving without waiting; the job may still be stopping: slipway status ${job.id}`);
      process.exit(130);
    }
    say(`cancelling ${job.id} (Ctrl-C again to leave without waiting)`);
    cancelling = job.cancel();
  };
  process.on("SIGINT", onInterrupt);
  process.on("SIGTERM", onInterrupt);
  const watch = watchStart(job, {
    signal: stopFollowing.signal,
    onBlocked: (status) => {
      blocked = status;
      if (!failFast) {
        warnBlocked(job.id, status.reason ?? status.raw, status.blocked, "waiting anyway (--no-fail-fast)");
        return;
      }
      say(`cancelling ${job.id}: it can never start (${status.reason ?? status.raw})`);
      // It never ran, so it has no output to wait for: stop following once the cancel has an answer.
      cancelling ??= job.cancel().finally(() => {
        stopFollowing.abort();
      });
    },
  });
  try {
    const lines = await pipeLogs(job, { follow: true, signal: stopFollowing.signal });
    const status = await (cancelling ?? job.wait());
    return { status, ran: watch.ran() || lines > 0, blocked: failFast ? blocked : undefined };
  } finally {
    stopFollowing.abort();
    await watch.done;
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}

async function followUntilInterrupted(job: JobHandle): Promise<void> {
  const stop = new AbortController();
  const onInterrupt = (): void => {
    stop.abort();
  };
  process.once("SIGINT", onInterrupt);
  try {
    await pipeLogs(job, { follow: true, signal: stop.signal });
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

/** The CLI's exit code for a finished job: its own code, 130 when cancelled, 1 for another failure. */
export function exitCodeOf(status: JobStatus): number {
  if (status.state === "succeeded") return 0;
  if (status.state === "cancelled") return 130;
  return status.exitCode !== undefined && status.exitCode !== 0 ? status.exitCode : 1;
}

/** The first sweep-only flag given, if any. */
export function sweepOnly(flags: LaunchFlags): string | undefined {
  if (flags.sweepMode !== undefined) return "--sweep-mode";
  if (flags.samples !== undefined) return "--samples";
  if (flags.seed !== undefined) return "--seed";
  if (flags.maxParallel !== undefined) return "--max-parallel";
  return flags.yes === true ? "--yes" : undefined;
}

/** `python train.py --lr 3e-4` → `train`; `./run.sh` → `run`; `nvidia-smi` → `nvidia-smi`. */
export function nameFromCommand(command: readonly string[]): string {
  const script = command.find((arg) => /\.(py|sh|ts|js|jl|r)$/i.test(arg));
  const chosen = script ?? command[0] ?? "job";
  return basename(chosen).replace(/\.[^.]+$/, "") || "job";
}

function parseEnvFlags(pairs: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) {
      throw new SlipwayError("RECIPE_INVALID", `--env ${pair}: expected NAME=VALUE`, {
        hint: "for example --env CUDA_VISIBLE_DEVICES=0",
      });
    }
    env[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return env;
}
