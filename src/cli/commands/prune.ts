import { TERMINAL_STATES, type JobState } from "../../job/job-state.ts";
import { runtimeOf } from "../../runtime.ts";
import { paint, say } from "../output.ts";
import { removeJob } from "./remove-jobs.ts";
import { POINT_IN_TIME_HINT, pointInTime } from "./since.ts";

/** Flags of `slipway prune`. */
export interface PruneFlags {
  /** Only jobs that ended (or, never ended, were created) before this long ago: `7d`, `12h`, or an ISO time. */
  readonly olderThan?: string;
  /** Only jobs in these states (ended states only). */
  readonly state?: readonly string[];
  readonly saveLogs?: string;
  /** List what would be removed, remove nothing. */
  readonly dryRun?: true;
}

/**
 * `slipway prune [--older-than 7d] [--state failed]… [--save-logs DIR] [--dry-run]`: removes ended jobs from the job
 * store (records and logs, after freeing what they hold on their engines), never a job that has not ended.
 */
export async function runPrune(flags: PruneFlags): Promise<number> {
  const before = flags.olderThan === undefined ? undefined : pointInTime(flags.olderThan, new Date());
  if (flags.olderThan !== undefined && before === undefined) {
    return usage(`--older-than ${flags.olderThan}: not a duration or a time`, POINT_IN_TIME_HINT);
  }
  const states = flags.state ?? [];
  const wrong = states.find((state) => !TERMINAL_STATES.has(state as JobState));
  if (wrong !== undefined) {
    return usage(
      `--state ${wrong}: prune removes ended jobs only`,
      `give one of ${[...TERMINAL_STATES].join(", ")} (cancel a job first to remove it)`,
    );
  }
  const runtime = runtimeOf();
  const chosen = runtime.store.list().filter((record) => {
    if (!TERMINAL_STATES.has(record.state)) return false;
    if (states.length > 0 && !states.includes(record.state)) return false;
    return before === undefined || Date.parse(record.endedAt ?? record.createdAt) < before.getTime();
  });
  if (flags.dryRun === true) {
    for (const record of chosen)
      say(`would remove ${record.id} (${record.state}, ${record.endedAt ?? record.createdAt})`);
    say(`${chosen.length} job(s) would be removed`);
    return 0;
  }
  let removed = 0;
  for (const record of chosen) {
    const result = await removeJob(record, runtime, flags.saveLogs);
    if (result.removed) removed += 1;
    say(`${result.id}: ${result.message}`);
  }
  say(removed === 0 ? "nothing to prune" : `removed ${removed} job(s)`);
  return 0;
}

function usage(message: string, hint: string): number {
  process.stderr.write(`${paint("red", "error:", "stderr")} ${message}\n`);
  process.stderr.write(`${paint("yellow", "hint:", "stderr")} ${hint}\n`);
  return 2;
}
