import { compareText } from "./compare-text.ts";

/** The most edits a suggestion may be away from the input. */
const MAX_EDITS = 2;
/** Longer inputs and candidates get no suggestion: nobody mistypes them by hand, and comparing them costs time. */
const MAX_LENGTH = 128;

/**
 * The candidate closest to `input` (optimal string alignment distance, so `slrum` → `slurm` is one edit), if it is
 * within two edits and shorter than `input` itself; ties go to the alphabetically first candidate. Names longer than
 * 128 characters are never suggested nor get a suggestion, so the cost stays bounded whatever the input.
 *
 * @example
 * ```ts
 * closestMatch("partiton", ["partition", "qos"]); // "partition"
 * ```
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  if (input.length > MAX_LENGTH) return undefined;
  let best: string | undefined;
  let bestDistance = Math.min(MAX_EDITS + 1, input.length);
  const near = [...candidates].filter(
    (c) => c.length <= MAX_LENGTH && Math.abs(c.length - input.length) < bestDistance,
  );
  for (const candidate of near.sort(compareText)) {
    const d = editDistance(input, candidate, bestDistance);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions) on three rolling rows; returns `limit`
 * as soon as the distance is known to be at least `limit`.
 */
function editDistance(a: string, b: string, limit: number): number {
  // A length difference alone costs that many edits.
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  let current = new Array<number>(b.length + 1).fill(0);
  let previousMin = 0;
  for (let i = 1; i <= a.length; i++) {
    current[0] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d = Math.min(d, (before[j - 2] ?? 0) + 1);
      current[j] = d;
      rowMin = Math.min(rowMin, d);
    }
    // A row's minimum is at least the smaller of the last row's and the one before's plus one (a transposition).
    if (rowMin >= limit && previousMin >= limit - 1) return limit;
    [before, previous, current] = [previous, current, before];
    previousMin = rowMin;
  }
  return Math.min(previous[b.length] ?? limit, limit);
}
