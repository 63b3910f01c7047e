import type { Recipe } from "../../job/recipe.ts";
import type { LaunchOptions } from "../../launch.ts";
import { dryRunSweep, launchSweep, type LaunchedSweep } from "../../launch-sweep.ts";
import { TERMINAL_STATES } from "../../job/job-state.ts";
import type { Sweep } from "../../sweep/expand-sweep.ts";
import { sweepSummary } from "../../sweep/sweep-status.ts";
import { parseSweepSpec, type SweepValues } from "../../sweep/sweep-spec.ts";
import { printJson, say } from "../output.ts";
import { UsageError } from "../usage-error.ts";
import { exitCodeOf, sweepOnly, type LaunchFlags } from "./launch.ts";

/**
 * `slipway launch --sweep …`: launches (or, with `--dry-run`, shows) every combination. In the foreground it waits
 * for every job and Ctrl-C cancels them all; the exit code is 0 when every run succeeded, else the largest code.
 */
export async function runSweepLaunch(
  recipe: Recipe,
  options: LaunchOptions,
  flags: LaunchFlags,
): Promise<number> {
  const sweep = sweepOf(flags);
  if (flags.dryRun === true) {
    const result = await dryRunSweep(recipe, sweep, options);
    if (flags.json === true) printJson(result.record);
    else process.stdout.write(`${result.rendered}\n`);
    return 0;
  }
  return reportLaunchedSweep(await launchSweep(recipe, sweep, options), flags, "combinations");
}

/**
 * After a sweep (or W&B agents) launched: with `--detach` prints the id (or JSON) and returns; in the foreground
 * waits for every job, Ctrl-C cancelling them all, and returns 0 when every run succeeded, else the largest code.
 */
export async function reportLaunchedSweep(
  launched: LaunchedSweep,
  flags: Pick<LaunchFlags, "detach" | "json">,
  what: "combinations" | "agents",
): Promise<number> {
  const { id, record } = launched;
  const kind = what === "agents" ? "agents" : "sweep";
  if (flags.detach === true) {
    if (flags.json === true) printJson({ id, jobs: launched.jobs.map((job) => job.id), runs: record.runs });
    else process.stdout.write(`${id}\n`);
    say(
      `launched ${kind} ${id}: ${record.runs.length} ${what} on profile ${record.profile} (${record.executor}); status: slipway status ${id}   stop: slipway cancel ${id}`,
    );
    return 0;
  }
  say(`launched ${kind} ${id}: ${record.runs.length} ${what}; Ctrl-C cancels them all`);
  let cancelling = false;
  const onInterrupt = (): void => {
    if (cancelling) process.exit(130);
    cancelling = true;
    say(`cancelling ${kind} ${id} (Ctrl-C again to leave without waiting)`);
    for (const job of launched.jobs) void job.cancel().catch(() => undefined);
  };
  process.on("SIGINT", onInterrupt);
  try {
    const statuses = await Promise.all(launched.jobs.map((job) => job.wait()));
    const ended = statuses.map((status) => ({ status }));
    say(
      launched.jobs.length === 1 && record.runs.length > 1
        ? `${kind} ${id}: ${record.executor === "slurm" ? "array job" : "Indexed Job"} ${statuses[0]?.raw ?? ""}`
        : `${kind} ${id}: ${sweepSummary(ended)}`,
    );
    say(`per ${what === "agents" ? "agent" : "combination"}: slipway status ${id}`);
    const codes = statuses.filter((s) => TERMINAL_STATES.has(s.state)).map(exitCodeOf);
    return Math.max(0, ...codes);
  } finally {
    process.off("SIGINT", onInterrupt);
  }
}

function sweepOf(flags: LaunchFlags): Sweep {
  const specs = flags.sweep ?? [];
  if (specs.length === 0) {
    throw new UsageError(
      `${sweepOnly(flags) ?? "--sweep-mode"} is for a sweep, and no --sweep was given`,
      "add --sweep NAME=VALUES, e.g. --sweep lr=1e-4,3e-4",
    );
  }
  const params: Record<string, SweepValues> = {};
  for (const spec of specs) {
    const [name, values] = parseSweepSpec(spec);
    if (Object.hasOwn(params, name)) {
      throw new UsageError(
        `--sweep ${name} is given twice`,
        `give every value of ${name} in one --sweep ${name}=a,b,c`,
      );
    }
    params[name] = values;
  }
  if (flags.sweepMode !== "random" && (flags.samples !== undefined || flags.seed !== undefined)) {
    throw new UsageError(
      `${flags.samples === undefined ? "--seed" : "--samples"} is for --sweep-mode random`,
      "a grid sweep launches every combination; add --sweep-mode random to draw some",
    );
  }
  return {
    params,
    ...(flags.sweepMode === undefined ? {} : { mode: flags.sweepMode }),
    ...(flags.samples === undefined ? {} : { samples: flags.samples }),
    ...(flags.seed === undefined ? {} : { seed: flags.seed }),
    ...(flags.maxParallel === undefined ? {} : { maxParallel: flags.maxParallel }),
    ...(flags.yes === true ? { yes: true } : {}),
  };
}
