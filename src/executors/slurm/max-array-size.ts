/**
 * The cluster's `MaxArraySize` from `scontrol show config` output, or `undefined` when the line is missing. Array
 * indices must be below it.
 *
 * @example
 * ```ts
 * maxArraySizeOf("MaxArraySize            = 1001\nMaxJobCount = 10000\n"); // 1001
 * ```
 */
export function maxArraySizeOf(config: string): number | undefined {
  const match = /^MaxArraySize\s*=\s*(\d+)\s*$/m.exec(config);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** sbatch's words when an array is larger than the cluster allows (or malformed, which the plan already refused). */
export const INVALID_ARRAY = "Invalid job array specification";
