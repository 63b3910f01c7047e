import fc from "fast-check";

/** Variable names `${env:…}` references use: plain, odd and Object.prototype's; `UNSET` is never set. */
export const ENV_NAMES = [
  "HOME",
  "DATA",
  "EMPTY",
  "UNSET",
  "_",
  "A1",
  "constructor",
  "toString",
  "__proto__",
];
/** Keys that are unsafe (`__proto__`), near misses of real keys, or otherwise odd. */
export const ODD_KEYS = [
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "HF_HOME",
  "a.b",
  "",
  "nodez",
  "image ",
];
/** Strings some key accepts, so that generated text often looks like a real value. */
export const GENERIC = ["login1", "/data", "~/x", "ubuntu:22.04", "train.py", "x y", "é🙂", "it's", ""];
export const SIZES = ["16G", "512M", "1Ti", "64GB", "16", "0G"];

/** `${env:…}` references, well-formed (with and without defaults) and not. */
export const envRef = fc.oneof(
  fc.constantFrom(...ENV_NAMES).map((name) => `\${env:${name}}`),
  fc
    .tuple(fc.constantFrom(...ENV_NAMES), fc.string({ unit: "binary", maxLength: 8 }))
    .map(([name, fallback]) => `\${env:${name}:-${fallback}}`),
  fc.constantFrom(
    "${env:",
    "${env:}",
    "${env:1A}",
    "${env:A",
    "${env:A B}",
    "${env:HOME:-${env:DATA}}",
    "${env:HOME:-x}}",
    "${env:HOME-x}",
    "${ENV:HOME}",
    "${HOME}",
    "$HOME",
  ),
);

/** Any string: random code points, references and plausible values, run together. */
export const anyText = fc
  .array(
    fc.oneof(fc.string({ unit: "binary", maxLength: 10 }), envRef, fc.constantFrom(...GENERIC, ...SIZES)),
    { maxLength: 3 },
  )
  .map((parts) => parts.join(""));

const scalar = fc.oneof(
  { arbitrary: anyText, weight: 4 },
  { arbitrary: fc.integer({ min: -3, max: 70_000 }), weight: 2 },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  // Beyond 64 bits, and datetimes (some outside what TOML can write): wrong types, and syntax errors.
  fc.bigInt(),
  fc.date({ noInvalidDate: true }),
);

/** A table from generated key/value pairs; `Object.fromEntries` makes even `__proto__` an own key. */
export const tableOf = (pair: fc.Arbitrary<readonly [string, unknown]>, maxKeys: number) =>
  fc.array(pair, { maxLength: maxKeys }).map((pairs): Record<string, unknown> => Object.fromEntries(pairs));

/**
 * Any key: `known` ones (to get a wrong type), unsafe and near-miss ones, and random ones.
 *
 * @example
 * ```ts
 * const pair = fc.tuple(anyKey(["nodes", "image"]), anyValue);
 * ```
 */
export function anyKey(known: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: fc.constantFrom(...known), weight: 3 },
    fc.constantFrom(...ODD_KEYS),
    fc.string({ unit: "binary", maxLength: 8 }),
  );
}

/**
 * Any TOML value: strings, integers, floats (NaN, ±inf), booleans, integers beyond 64 bits, datetimes, and arrays and
 * tables of those (keys from `known` and anywhere), nested a few levels.
 *
 * @example
 * ```ts
 * stringify({ gpu: { nodes: fc.sample(anyTomlValue(["nodes"]), 1)[0] } });
 * ```
 */
export function anyTomlValue(known: readonly string[]): fc.Arbitrary<unknown> {
  const key = anyKey(known);
  return fc.letrec<{ value: unknown }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small", maxDepth: 3 },
      { arbitrary: scalar, weight: 4 },
      fc.array(tie("value"), { maxLength: 3 }),
      tableOf(fc.tuple(key, tie("value")), 3),
    ),
  })).value;
}
