import * as z from "zod";
import { closestMatch } from "./closest-match.ts";
import { findMalformedEnvRef, hasEnvRef } from "./interpolate.ts";
import { show } from "./toml-type.ts";

// JSON Schema pattern editors use to accept `${env:…}` in fields whose values are otherwise checked.
const ENV_REF_JSON = { pattern: "\\$\\{env:" };

function malformedRef(value: unknown): string {
  const bad = typeof value === "string" ? (findMalformedEnvRef(value) ?? value) : "";
  return `malformed reference ${JSON.stringify(bad)} (write \${env:NAME} or \${env:NAME:-default})`;
}

/**
 * A string in which `${env:…}` references must be well-formed and which holds no NUL character (checked again once
 * references are resolved); the base of every string field. `holder` names what could not hold a NUL: the process
 * environment for values that become environment variables, else a command line, path or name.
 *
 * @example
 * ```ts
 * const workdir = str().describe("Working directory of the job");
 * const value = str("process environment"); // value contains a NUL character, which no process environment can hold
 * ```
 */
export function str(holder = "command line, path or name") {
  return z
    .string()
    .refine((v) => findMalformedEnvRef(v) === undefined, { error: (iss) => malformedRef(iss.input) })
    .refine((v) => !v.includes("\0"), {
      error: `value contains a NUL character, which no ${holder} can hold`,
    });
}

/**
 * A string that must not be empty (once its `${env:…}` references are resolved).
 *
 * @example
 * ```ts
 * const image = nonEmptyStr().describe("Container image");
 * ```
 */
export function nonEmptyStr() {
  return str().min(1, { error: "expected a non-empty string" });
}

/**
 * A string that must match a format (a size, a Slurm time, a URL…). Strings with `${env:…}` pass at load time and are
 * checked again after resolution.
 *
 * @example
 * ```ts
 * const time = formatted((v) => /^\d+$/.test(v), "a number of minutes");
 * ```
 */
export function formatted(check: (value: string) => boolean, expected: string) {
  return str().refine((v) => hasEnvRef(v) || check(v), {
    error: (iss) => `expected ${expected}, got ${show(iss.input)}`,
  });
}

/**
 * One of a fixed set of strings, or a string with `${env:…}` (checked once resolved). The output type stays `string`
 * for that reason; narrow with {@link isOneOf} after resolution.
 *
 * @example
 * ```ts
 * const pull = choice(["never", "missing", "always"]);
 * ```
 */
export function choice(values: readonly string[]) {
  const message = (input: unknown): string => {
    if (typeof input === "string" && findMalformedEnvRef(input) !== undefined) return malformedRef(input);
    const hint = typeof input === "string" ? closestMatch(input, values) : undefined;
    const suffix = hint === undefined ? "" : ` (did you mean ${JSON.stringify(hint)}?)`;
    return `expected one of ${values.join(", ")}, got ${show(input)}${suffix}`;
  };
  return z
    .string({ error: (iss) => message(iss.input) })
    .refine((v) => values.includes(v) || (hasEnvRef(v) && findMalformedEnvRef(v) === undefined), {
      error: (iss) => message(iss.input),
    })
    .meta({ anyOf: [{ enum: [...values] }, ENV_REF_JSON] });
}

/**
 * Narrows a resolved string to one of a set of values.
 *
 * @example
 * ```ts
 * if (isOneOf(LAUNCHERS, value)) launcher = value;
 * ```
 */
export function isOneOf<const T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === "string" && (values as readonly string[]).includes(value);
}

/**
 * An integer within bounds; the message states the bounds and the value given.
 *
 * @example
 * ```ts
 * const nodes = int(1); // expected integer ≥ 1, got 0
 * ```
 */
export function int(min: number, max?: number) {
  const expected = max === undefined ? `expected integer ≥ ${min}` : `expected integer from ${min} to ${max}`;
  const error = (iss: { input?: unknown }) => `${expected}, got ${show(iss.input)}`;
  const base = z.int({ error }).min(min, { error });
  return max === undefined ? base : base.max(max, { error });
}

/**
 * A finite number above (`exclusive`) or at least `min`.
 *
 * @example
 * ```ts
 * const grace = num(0, true); // expected number > 0, got 0
 * ```
 */
export function num(min: number, exclusive = false) {
  const error = (iss: { input?: unknown }) =>
    `expected number ${exclusive ? ">" : "≥"} ${min}, got ${show(iss.input)}`;
  return exclusive ? z.number({ error }).gt(min, { error }) : z.number({ error }).min(min, { error });
}

const SIZE = /^[1-9][0-9]*[KMGT](?:i|B|iB)?$/i;

/**
 * A size such as `"64G"` or `"512M"`, described as `what`.
 *
 * @example
 * ```ts
 * const memory = size("Memory per node");
 * ```
 */
export function size(what: string) {
  return formatted((v) => SIZE.test(v), 'a size such as "64G" or "512M"').describe(
    `${what}: a number with a unit K, M, G or T, e.g. "64G".`,
  );
}
