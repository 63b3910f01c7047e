/**
 * Whether `value` is a Slurm `--time`: `MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM` or `D-HH:MM:SS`.
 *
 * @example
 * ```ts
 * isSlurmTime("1-12:00"); // true
 * isSlurmTime("2h"); // false
 * ```
 */
export function isSlurmTime(value: string): boolean {
  const match = /^(?:(\d+)-)?(\d+)(?::(\d{1,2}))?(?::(\d{1,2}))?$/.exec(value);
  if (match === null) return false;
  const [, days, first, second, third] = match;
  const below = (n: string | undefined, limit: number) => n === undefined || Number(n) < limit;
  // With days the first field is hours; without, `A:B:C` is hours and `A:B` is minutes, and only `A` is unbounded.
  if (days !== undefined)
    return (
      first !== undefined && first.length <= 2 && below(first, 24) && below(second, 60) && below(third, 60)
    );
  return below(second, 60) && below(third, 60);
}

/**
 * Seconds in a time limit written as Slurm writes `--time` (`MM`, `MM:SS`, `HH:MM:SS`, `D-HH`, `D-HH:MM`,
 * `D-HH:MM:SS`); the value must already pass `isSlurmTime`. Other executors take the same format, so one profile
 * style reads the same everywhere.
 *
 * @example
 * ```ts
 * slurmTimeSeconds("90"); // 5400
 * slurmTimeSeconds("1-12:00"); // 129600
 * ```
 */
export function slurmTimeSeconds(value: string): number {
  const dash = value.indexOf("-");
  const days = dash < 0 ? undefined : value.slice(0, dash);
  const parts = value
    .slice(dash + 1)
    .split(":")
    .map(Number);
  if (days !== undefined) {
    const [hours = 0, minutes = 0, seconds = 0] = parts;
    return ((Number(days) * 24 + hours) * 60 + minutes) * 60 + seconds;
  }
  if (parts.length === 3) {
    const [hours = 0, minutes = 0, seconds = 0] = parts;
    return (hours * 60 + minutes) * 60 + seconds;
  }
  const [minutes = 0, seconds = 0] = parts;
  return minutes * 60 + seconds;
}

/** What a time limit key expects, for schema messages: the same format on every executor. */
export const TIME_LIMIT_EXPECTED = "a time limit (MM, MM:SS, HH:MM:SS, D-HH, D-HH:MM or D-HH:MM:SS)";

/** The description of `time` on the executors that enforce it with slipway's own wrapper (local, docker, ray). */
export const TIME_LIMIT_DESCRIPTION =
  "Time limit of the whole job, written as Slurm writes --time: SIGTERM at the limit, SIGKILL after the grace period; the job then fails with reason time limit and is not retried.";
