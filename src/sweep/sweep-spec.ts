import { SlipwayError } from "../errors.ts";

/**
 * The values one sweep parameter takes: a list (every value, for grid and random sweeps alike; numbers are written
 * as `String()` writes them), or a range drawn
 * from by a random sweep (`log` for log-uniform; `integer` when both ends are integers of a linear range).
 *
 * @example
 * ```ts
 * const lr: SweepValues = { kind: "range", scale: "log", low: 1e-5, high: 1e-2, integer: false };
 * const bs: SweepValues = ["16", "32"];
 * ```
 */
export type SweepValues =
  | readonly (string | number)[]
  | {
      readonly kind: "range";
      readonly scale: "linear" | "log";
      readonly low: number;
      readonly high: number;
      readonly integer: boolean;
    };

/** A parameter name: what `{name}` placeholders refer to. */
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

/**
 * Parses one `--sweep` spec: `name=a,b,c` (a list), `name=lo..hi` (uniform; integers when both ends are),
 * `name=log:lo..hi` (log-uniform). Throws a `RECIPE_INVALID` error naming the spec and what was expected.
 *
 * @example
 * ```ts
 * parseSweepSpec("lr=1e-4,3e-4"); // ["lr", ["1e-4", "3e-4"]]
 * parseSweepSpec("lr=log:1e-5..1e-2"); // ["lr", { kind: "range", scale: "log", low: 1e-5, high: 0.01, integer: false }]
 * ```
 */
export function parseSweepSpec(spec: string): [string, SweepValues] {
  const eq = spec.indexOf("=");
  const name = eq < 0 ? spec : spec.slice(0, eq);
  if (eq < 0 || !NAME.test(name)) {
    invalid(
      spec,
      "expected NAME=VALUES with NAME letters, digits and _ (not starting with a digit), e.g. lr=1e-4,3e-4",
    );
  }
  const text = spec.slice(eq + 1);
  if (text === "")
    invalid(spec, `${name} has no values: give a list (${name}=1,2) or a range (${name}=1..10)`);
  const log = text.startsWith("log:");
  const ends = (log ? text.slice(4) : text).split("..");
  // A value that merely contains ".." (a path) stays a one-value list; `log:` always means a range.
  if (!text.includes(",") && ends.length === 2 && (log || ends.every((end) => NUMBER.test(end)))) {
    return [name, parseRange(spec, log, ends[0] ?? "", ends[1] ?? "")];
  }
  const values = text.split(",");
  if (values.some((value) => value === "")) {
    invalid(spec, "a value is empty (two commas, or one at an end)");
  }
  if (new Set(values).size !== values.length) invalid(spec, "a value is given twice");
  return [name, values];
}

function parseRange(spec: string, log: boolean, lowText: string, highText: string): SweepValues {
  if (!NUMBER.test(lowText) || !NUMBER.test(highText)) {
    invalid(spec, "a range is LOW..HIGH with two numbers, e.g. 1..10 or log:1e-5..1e-2");
  }
  const low = Number(lowText);
  const high = Number(highText);
  if (!(low < high)) invalid(spec, `the range's low end must be below its high end`);
  if (log) {
    if (low <= 0) invalid(spec, "a log range needs a low end above 0");
    return { kind: "range", scale: "log", low, high, integer: false };
  }
  const integer = /^[+-]?\d+$/.test(lowText) && /^[+-]?\d+$/.test(highText);
  return { kind: "range", scale: "linear", low, high, integer };
}

function invalid(spec: string, why: string): never {
  throw new SlipwayError("RECIPE_INVALID", `--sweep ${spec}: ${why}`, {
    hint: "e.g. --sweep lr=1e-4,3e-4 (a list), --sweep epochs=1..10 or --sweep lr=log:1e-5..1e-2 (random ranges)",
  });
}
