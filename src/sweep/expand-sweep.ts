import { SlipwayError } from "../errors.ts";
import type { SweepValues } from "./sweep-spec.ts";

/** Above this many combinations a sweep needs `maxParallel` or `yes`: a typo in a list should not start 50,000 jobs. */
export const LARGE_SWEEP = 10_000;

/**
 * A parameter sweep: the values of each parameter and how combinations are chosen from them.
 *
 * @example
 * ```ts
 * const sweep: Sweep = { params: { lr: ["1e-4", "3e-4"], bs: ["16", "32"] } }; // grid: 4 combinations
 * const random: Sweep = {
 *   params: { lr: { kind: "range", scale: "log", low: 1e-5, high: 1e-2, integer: false } },
 *   mode: "random", samples: 8, seed: 1,
 * };
 * ```
 */
export interface Sweep {
  /** Values per parameter, in order: the first parameter varies slowest in a grid. */
  readonly params: Readonly<Record<string, SweepValues>>;
  /** `grid` (default): every combination of the lists. `random`: `samples` draws. */
  readonly mode?: "grid" | "random";
  /** How many combinations a random sweep draws. */
  readonly samples?: number;
  /** The random sweep's seed (default 0): the same seed draws the same combinations. */
  readonly seed?: number;
  /** At most this many jobs run at once (Slurm's array `%K`; refused by executors that cannot throttle). */
  readonly maxParallel?: number;
  /** Allow more than {@link LARGE_SWEEP} combinations without `maxParallel`. */
  readonly yes?: boolean;
}

/**
 * One combination: a value per parameter, in the sweep's parameter order.
 *
 * @example
 * ```ts
 * const combination: Combination = { lr: "3e-4", bs: "16" };
 * ```
 */
export type Combination = Readonly<Record<string, string>>;

/**
 * The combinations of a sweep, in order: a grid varies the last parameter fastest; a random sweep draws `samples`
 * combinations with a seeded generator (the same seed gives the same draws on any machine). Pure.
 *
 * @example
 * ```ts
 * expandSweep({ params: { lr: ["1e-4", "3e-4"], bs: ["16", "32"] } });
 * // [{ lr: "1e-4", bs: "16" }, { lr: "1e-4", bs: "32" }, { lr: "3e-4", bs: "16" }, { lr: "3e-4", bs: "32" }]
 * ```
 */
export function expandSweep(sweep: Sweep): Combination[] {
  const entries = Object.entries(sweep.params);
  if (entries.length === 0) invalid("a sweep needs at least one parameter", "e.g. --sweep lr=1e-4,3e-4");
  for (const [name, values] of entries) {
    if (Array.isArray(values) && values.length === 0) {
      invalid(`sweep parameter ${name} has no values`, `give a list, e.g. --sweep ${name}=1,2`);
    }
  }
  if (sweep.maxParallel !== undefined && !(Number.isInteger(sweep.maxParallel) && sweep.maxParallel >= 1)) {
    invalid(`maxParallel must be an integer ≥ 1, got ${sweep.maxParallel}`);
  }
  const mode = sweep.mode ?? "grid";
  const size = mode === "grid" ? gridSize(entries) : samplesOf(sweep);
  if (size > LARGE_SWEEP && sweep.maxParallel === undefined && sweep.yes !== true) {
    invalid(
      `this sweep has ${size} combinations, more than ${LARGE_SWEEP}: refused so that a mistyped list does not start that many jobs at once`,
      "check the lists; to launch them anyway, bound how many run at once with --max-parallel K (maxParallel), or confirm with --yes",
    );
  }
  const lists = entries.map(
    ([name, values]) => [name, Array.isArray(values) ? values.map(String) : values] as const,
  );
  return mode === "grid" ? grid(lists) : draw(lists, size, sweep.seed ?? 0);
}

function gridSize(entries: readonly (readonly [string, SweepValues])[]): number {
  let size = 1;
  for (const [name, values] of entries) {
    if (!Array.isArray(values)) {
      invalid(
        `sweep parameter ${name} is a range, which only a random sweep can draw from`,
        `add --sweep-mode random --samples N, or list the values: --sweep ${name}=1,2,3`,
      );
    }
    size *= (values as readonly unknown[]).length;
  }
  return size;
}

function samplesOf(sweep: Sweep): number {
  const { samples } = sweep;
  if (samples === undefined) invalid("a random sweep needs samples", "e.g. --sweep-mode random --samples 20");
  if (!Number.isInteger(samples) || samples < 1) invalid(`samples must be an integer ≥ 1, got ${samples}`);
  if (sweep.seed !== undefined && !Number.isInteger(sweep.seed)) {
    invalid(`seed must be an integer, got ${sweep.seed}`);
  }
  return samples;
}

function grid(entries: readonly (readonly [string, SweepValues])[]): Combination[] {
  let combinations: Record<string, string>[] = [{}];
  for (const [name, values] of entries) {
    combinations = combinations.flatMap((partial) =>
      (values as readonly string[]).map((value) => ({ ...partial, [name]: value })),
    );
  }
  return combinations;
}

function draw(
  entries: readonly (readonly [string, SweepValues])[],
  samples: number,
  seed: number,
): Combination[] {
  const random = mulberry32(seed);
  return Array.from({ length: samples }, () =>
    Object.fromEntries(entries.map(([name, values]) => [name, drawOne(values, random)])),
  );
}

function drawOne(values: SweepValues, random: () => number): string {
  if (Array.isArray(values)) return String(values[Math.floor(random() * values.length)] ?? "");
  const { scale, low, high, integer } = values as Exclude<SweepValues, readonly unknown[]>;
  if (integer) return String(Math.floor(low + random() * (high - low + 1)));
  const x =
    scale === "log"
      ? Math.exp(Math.log(low) + random() * (Math.log(high) - Math.log(low)))
      : low + random() * (high - low);
  // Four significant digits: enough to tell runs apart, short enough for a run name.
  return String(Math.min(high, Math.max(low, Number(x.toPrecision(4)))));
}

/** A small seeded generator (mulberry32): the same seed gives the same numbers in [0, 1) everywhere. */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function invalid(message: string, hint?: string): never {
  throw new SlipwayError("RECIPE_INVALID", message, hint === undefined ? {} : { hint });
}
