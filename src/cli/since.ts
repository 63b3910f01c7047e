import { UsageError } from "./usage-error.ts";

const UNITS: Readonly<Record<string, number>> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/**
 * A point in time from `--since`-style flags: an age (`90s`, `30m`, `2h`, `7d`, `1w`) before `now`, or an ISO date
 * (`2025-06-01`, `2025-06-01T12:00:00Z`). A bad value is a usage error naming `flag`.
 */
export function parseSince(flag: string, value: string, now: Date = new Date()): Date {
  const age = /^(\d+)\s*([smhdw])$/.exec(value.trim());
  if (age !== null) return new Date(now.getTime() - Number(age[1]) * (UNITS[age[2] ?? "s"] ?? 1) * 1000);
  if (/^\d{4}-\d{2}-\d{2}/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value);
  throw new UsageError(
    `${flag} ${value}: expected an age like 30m, 2h or 7d, or a date like 2025-06-01`,
    `for example ${flag} 1d`,
  );
}
