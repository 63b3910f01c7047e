import { SlipwayError } from "../../errors.ts";

/**
 * The largest index any cluster could take (Slurm caps `MaxArraySize` at 4000001). A cluster's own limit (1001 by
 * default) is its business: sbatch refuses more, and the refusal names the cluster's `MaxArraySize`.
 */
const MAX_INDEX = 4_000_000;

/**
 * The task indices of a Slurm `--array` spec (`"0-15%4"`, `"1,3,5"`, `"0-10:2"`), sorted and without repeats.
 * Throws a `RECIPE_INVALID` error naming the spec for anything sbatch would refuse.
 *
 * @example
 * ```ts
 * arrayIndices("0-6:2%2"); // [0, 2, 4, 6]
 * ```
 */
export function arrayIndices(spec: string): number[] {
  const [list = "", throttle, extra] = spec.split("%");
  if (extra !== undefined || (throttle !== undefined && !/^[1-9]\d*$/.test(throttle))) invalid(spec);
  const indices = new Set<number>();
  for (const part of list.split(",")) {
    const match = /^(\d+)(?:-(\d+)(?::([1-9]\d*))?)?$/.exec(part);
    if (match === null) invalid(spec);
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    const step = match[3] === undefined ? 1 : Number(match[3]);
    if (last < first || last > MAX_INDEX) invalid(spec);
    for (let i = first; i <= last; i += step) indices.add(i);
  }
  return [...indices].sort((a, b) => a - b);
}

function invalid(spec: string): never {
  throw new SlipwayError(
    "RECIPE_INVALID",
    `array = "${spec}" is not a Slurm array: expected indices and ranges such as "0-15", "1,3,5", "0-10:2", optionally with "%N" to run N at a time, indices 0–${MAX_INDEX}`,
  );
}
