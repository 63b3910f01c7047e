import { inspect } from "node:util";

/**
 * What every printed form of a {@link Secret} shows instead of the value.
 *
 * @example
 * ```ts
 * const { rendered } = await dryRun(recipe, { profile: "gpu0" });
 * console.log(rendered.includes(`WANDB_API_KEY=${REDACTED}`)); // true when a key was found
 * ```
 */
export const REDACTED = "***";

/**
 * A value that must never be printed: its string, JSON and `util.inspect` forms are all `***`.
 * Only {@link Secret.reveal} gives the value, and only code that hands it to a job calls it.
 *
 * @example
 * ```ts
 * const key = new Secret("0123…");
 * console.log(`${key}`, JSON.stringify({ key })); // *** {"key":"***"}
 * child.env.WANDB_API_KEY = key.reveal();
 * ```
 */
export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  /** The secret value itself; pass it straight to the job, never to a log or message. */
  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return REDACTED;
  }

  toJSON(): string {
    return REDACTED;
  }

  [inspect.custom](): string {
    return REDACTED;
  }
}

/** True when `value` is a {@link Secret}. */
export function isSecret(value: unknown): value is Secret {
  return value instanceof Secret;
}
