import { REDACTED } from "./secret.ts";

/** Variable names that hold secrets by convention: `*_KEY`, `*_TOKEN`, `*_SECRET`, `*PASSWORD*` (any case). */
const SECRET_NAME = /(?:_KEY|_TOKEN|_SECRET)$|PASSWORD/i;

/** Shorter values are not redacted by value: `***` in place of every `1` or `true` would hide more than it protects. */
const MIN_SECRET_LENGTH = 8;

/**
 * Whether a variable's name says it holds a secret: such variables travel by each executor's secrets path (a file,
 * a Secret, a package), never as a plain environment value.
 *
 * @example
 * ```ts
 * looksSecret("HF_TOKEN"); // true
 * looksSecret("HF_HOME"); // false
 * ```
 */
export function looksSecret(name: string): boolean {
  return SECRET_NAME.test(name);
}

/**
 * The values of an environment's secret-looking variables (long enough to be worth hiding), longest first: what
 * {@link redactValues} hides in text slipway prints, wherever a user copied them (`memory = "${env:WANDB_API_KEY}"`).
 *
 * @example
 * ```ts
 * secretValuesOf({ WANDB_API_KEY: "0123456789abcdef…", HOME: "/home/me" }); // ["0123456789abcdef…"]
 * ```
 */
export function secretValuesOf(env: Readonly<Record<string, string | undefined>>): string[] {
  const values = Object.entries(env).flatMap(([name, value]) =>
    looksSecret(name) && value !== undefined && value.length >= MIN_SECRET_LENGTH ? [value] : [],
  );
  return [...new Set(values)].sort((a, b) => b.length - a.length);
}

/**
 * `text` with every occurrence of each secret value replaced by `***`. Values shorter than 8 characters are left
 * alone.
 *
 * @example
 * ```ts
 * redactValues('got "abcdef0123456789"', ["abcdef0123456789"]); // 'got "***"'
 * ```
 */
export function redactValues(text: string, values: readonly string[]): string {
  let out = text;
  for (const value of values) if (value.length >= MIN_SECRET_LENGTH) out = out.replaceAll(value, REDACTED);
  return out;
}

/**
 * Whether `value` holds one of the secret values (equal to it, or with it inside, as in `Bearer <key>`).
 *
 * @example
 * ```ts
 * holdsSecret("Bearer abcdef0123456789", ["abcdef0123456789"]); // true
 * ```
 */
export function holdsSecret(value: string, secrets: readonly string[]): boolean {
  return secrets.some((secret) => secret.length >= MIN_SECRET_LENGTH && value.includes(secret));
}
