import { isSecret, type Secret } from "../secret.ts";
import { compareEnvNames } from "./compare-env-names.ts";
import type { Job } from "./job.ts";

/**
 * A job's whole environment (every rank's plus rank 0's) split the way executors ship it: plain values, which may
 * appear in the native request, and secrets, which must travel apart. Both sorted by name.
 *
 * @example
 * ```ts
 * const { plain, secrets } = splitEnv(job);
 * Object.keys(secrets); // ["WANDB_API_KEY"]
 * ```
 */
export function splitEnv(job: Job): {
  readonly plain: Readonly<Record<string, string>>;
  readonly secrets: Readonly<Record<string, Secret>>;
} {
  const entries = Object.entries({ ...job.env, ...job.rankZeroEnv }).sort(([a], [b]) =>
    compareEnvNames(a, b),
  );
  return {
    plain: Object.fromEntries(entries.filter((entry): entry is [string, string] => !isSecret(entry[1]))),
    secrets: Object.fromEntries(entries.filter((entry): entry is [string, Secret] => isSecret(entry[1]))),
  };
}
