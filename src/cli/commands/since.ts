const UNITS: Readonly<Record<string, number>> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/**
 * A point in time from a duration before `now` (`90s`, `15m`, `12h`, `7d`, `2w`, combinations such as `1h30m`) or
 * an absolute ISO time (`2025-01-31`, `2025-01-31T12:00:00Z`); `undefined` when it is neither.
 *
 * @example
 * ```ts
 * pointInTime("7d", new Date("2025-02-08T00:00:00Z")); // 2025-02-01T00:00:00.000Z
 * ```
 */
export function pointInTime(text: string, now: Date): Date | undefined {
  const trimmed = text.trim();
  if (/^(\d+[smhdw])+$/.test(trimmed)) {
    let ms = 0;
    for (const [, amount, unit] of trimmed.matchAll(/(\d+)([smhdw])/g)) {
      ms += Number(amount) * (UNITS[unit ?? "s"] ?? 0);
    }
    return new Date(now.getTime() - ms);
  }
  if (!/^\d{4}-\d\d-\d\d/.test(trimmed)) return undefined;
  const time = Date.parse(trimmed);
  return Number.isNaN(time) ? undefined : new Date(time);
}

/** The hint for a value {@link pointInTime} could not read. */
export const POINT_IN_TIME_HINT =
  "give a duration such as 30s, 15m, 12h, 7d or 1h30m, or a time such as 2025-01-31T12:00:00Z";
