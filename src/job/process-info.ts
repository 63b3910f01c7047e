import { readFileSync } from "node:fs";

/**
 * The start time of a process (clock ticks since boot, `/proc/<pid>/stat` field 22), which tells a live job from
 * an unrelated process that reused its pid. `undefined` when the process is gone or a zombie.
 *
 * @example
 * ```ts
 * const started = processStartTime(child.pid);
 * // later, from another shell:
 * const alive = processStartTime(pid) === started;
 * ```
 */
export function processStartTime(pid: number): string | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined;
  }
  // The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const state = fields[0];
  if (state === "Z" || state === "X") return undefined;
  return fields[19];
}

/** True while the process that started at `startTime` is still running. */
export function isSameProcessAlive(pid: number, startTime: string): boolean {
  return processStartTime(pid) === startTime;
}
