import { basename } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ExecutorKind, Launcher } from "../../config/types.ts";
import { SlipwayError } from "../../errors.ts";
import type { JobHandle, JobStatus } from "../../executors/types.ts";
import { dryRun, launch } from "../../launch.ts";
import type { Recipe } from "../../job/recipe.ts";
import { duration, paint, printJson, say, spinner } from "../output.ts";
import { pipeLogs } from "./pipe-logs.ts";

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
  readonly allowDirty?: true;
  readonly dryRun?: true;
  readonly detach?: true;
  readonly follow?: true;
  readonly json?: true;
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
  };
  const options = {
    profile: flags.profile,
    executor: flags.executor,
    config: flags.config,
    detach: flags.detach === true,
    allowDirty: flags.allowDirty === true,
    onNotice: (message: string) => {
      say(paint("yellow", message, process.stderr));
    },
  };
  if (flags.dryRun === true) {
    const result = await dryRun(recipe, options);
    if (flags.json === true) printJson({ job: result.job, plan: result.plan });
    else process.stdout.write(`${result.rendered}\n`);
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
  if (flags.detach === true) {
    if (flags.json === true) printJson({ id: job.id, executor: job.executor, nativeId: job.nativeId });
    else {
      process.stdout.write(`${job.id}\n`);
      say(
        `launched ${job.id} on profile ${job.job.profile} (${job.executor} ${job.nativeId}); it goes on without you`,
      );
      say(
        `follow it: slipway logs -f ${job.id}   status: slipway status ${job.id}   stop: slipway cancel ${job.id}`,
      );
    }
    if (flags.follow !== true) return 0;
    await followUntilInterrupted(job);
    return 0;
  }
  say(
    `launched ${job.id} on profile ${job.job.profile} (${job.executor} ${job.nativeId}); Ctrl-C cancels it`,
  );
  const status = await runInForeground(job);
  const took = duration(Date.now() - started);
  const summary = `${job.id} ${status.state}${status.exitCode === undefined ? "" : ` (exit ${status.exitCode})`} after ${took}`;
  say(
    status.state === "succeeded"
      ? paint("green", summary, process.stderr)
      : paint("red", summary, process.stderr),
  );
  return exitCodeOf(status);
}

/** Streams the job's output until it ends; the first Ctrl-C cancels the job, a second one leaves at once. */
async function runInForeground(job: JobHandle): Promise<JobStatus> {
  const stopFollowing = new AbortController();
  let cancelling: Promise<JobStatus> | undefined;
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
  const watching = watchPending(job, stopFollowing.signal);
  try {
    await pipeLogs(job, { follow: true, signal: stopFollowing.signal });
    return await (cancelling ?? job.wait());
  } finally {
    stopFollowing.abort();
    await watching;
    process.off("SIGINT", onInterrupt);
    process.off("SIGTERM", onInterrupt);
  }
}

/** While the job waits for its engine (resources, image, runtime env), says why, each time the reason changes. */
async function watchPending(job: JobHandle, signal: AbortSignal): Promise<void> {
  let said: string | undefined;
  for (;;) {
    await sleep(2000, undefined, { signal }).catch(() => undefined);
    if (signal.aborted) return;
    const status = await job.status().catch(() => undefined);
    if (status === undefined || status.state !== "pending") {
      if (status !== undefined && status.state !== "unknown") return;
      continue;
    }
    const reason = status.reason ?? status.raw;
    if (reason !== said) say(`${job.id} is pending: ${reason}`);
    said = reason;
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
