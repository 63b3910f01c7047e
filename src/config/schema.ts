import * as z from "zod";
import type { ConfigIssue } from "../errors.ts";
import { WANDB_MODES } from "./types.ts";
import { findMalformedEnvRef, hasEnvRef } from "./interpolate.ts";

// JSON Schema pattern editors use to accept `${env:…}` in fields whose values are otherwise checked.
const ENV_REF_JSON = { pattern: "\\$\\{env:" };

/**
 * A key path as users read it: `gpu0.env.HF_HOME`, `wandb.tags[1]`, and keys that are not bare TOML keys quoted
 * (`gpu0.env."A.B"`), so that a path always points at one place.
 *
 * @example
 * ```ts
 * formatPath(["wandb", "tags", 1]); // "wandb.tags[1]"
 * ```
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      out += out === "" ? part : `.${part}`;
    }
  }
  return out;
}

/**
 * The candidate closest to `input` (optimal string alignment distance, so `slrum` → `slurm` is one edit), if it is
 * within two edits and shorter than `input` itself; ties go to the alphabetically first candidate.
 *
 * @example
 * ```ts
 * closestMatch("partiton", ["partition", "qos"]); // "partition"
 * ```
 */
export function closestMatch(input: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = Math.min(3, input.length);
  for (const candidate of [...candidates].sort(compareText)) {
    const d = editDistance(input, candidate);
    if (d < bestDistance) [best, bestDistance] = [candidate, d];
  }
  return best;
}

// Optimal string alignment distance: Levenshtein plus adjacent transpositions, on rows of a flat table.
function editDistance(a: string, b: string): number {
  const width = b.length + 1;
  const d = new Array<number>((a.length + 1) * width).fill(0);
  const at = (i: number, j: number): number => d[i * width + j] ?? 0;
  for (let i = 0; i <= a.length; i++) d[i * width] = i;
  for (let j = 0; j <= b.length; j++) d[j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      let best = Math.min(
        at(i - 1, j) + 1,
        at(i, j - 1) + 1,
        at(i - 1, j - 1) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * width + j] = best;
    }
  }
  return at(a.length, b.length);
}

/**
 * Compares strings by code unit, so sorted output never depends on the user's locale.
 *
 * @example
 * ```ts
 * ["b", "a"].sort(compareText); // ["a", "b"]
 * ```
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The TOML type of a parsed value as users know it: `string`, `integer`, `float`, `boolean`, `datetime`, `array`,
 * `table`.
 *
 * @example
 * ```ts
 * tomlType(1); // "integer"
 * ```
 */
export function tomlType(value: unknown): string {
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "float";
  if (value instanceof Date) return "datetime";
  if (Array.isArray(value)) return "array";
  if (typeof value === "object" && value !== null) return "table";
  return typeof value;
}

/**
 * Whether a parsed TOML value is a table (smol-toml returns datetimes as objects too).
 *
 * @example
 * ```ts
 * isTable({ a: 1 }); // true
 * ```
 */
export function isTable(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** A value as a message shows it: strings quoted, numbers and booleans as written, anything else by type. */
function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return tomlType(value);
}

function malformedRef(value: unknown): string {
  const bad = typeof value === "string" ? (findMalformedEnvRef(value) ?? value) : "";
  return `malformed reference ${JSON.stringify(bad)} (write \${env:NAME} or \${env:NAME:-default})`;
}

/**
 * A string in which `${env:…}` references must be well-formed; the base of every string field.
 *
 * @example
 * ```ts
 * const workdir = str().describe("Working directory of the job");
 * ```
 */
export function str() {
  return z
    .string()
    .refine((v) => findMalformedEnvRef(v) === undefined, { error: (iss) => malformedRef(iss.input) });
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

/**
 * The `[wandb]` section as written: strings may hold `${env:…}`. W&B-specific value checks live in the tracking
 * module, not here.
 *
 * @example
 * ```ts
 * wandbSchema.parse({ project: "llm-sft", tags: ["sft"] });
 * ```
 */
export const wandbSchema = z
  .strictObject({
    project: str().describe("W&B project the runs are logged to."),
    entity: str().describe("W&B entity (user or team) owning the project."),
    base_url: str().describe("W&B server URL, for self-hosted W&B; the default is the public cloud."),
    name: str().describe("Run name; the default lets W&B pick one."),
    group: str().describe("Run group, to view related runs together."),
    job_type: str().describe("Run job type, e.g. `train` or `eval`."),
    tags: z.array(str()).describe("Run tags."),
    notes: str().describe("Run notes (a longer description)."),
    mode: choice(WANDB_MODES).describe("W&B mode: `online`, `offline` (sync later) or `disabled`."),
    require_key: z
      .boolean()
      .describe("Fail the launch when no W&B API key is found, instead of warning and running offline.")
      .meta({ default: false }),
  })
  .partial()
  .describe("Weights & Biases settings shared by every profile.");

/** The `[wandb]` section after validation, `${env:…}` not yet resolved. */
export type RawWandb = z.output<typeof wandbSchema>;

// Type names as users read them; zod says `int`, `object` and `record` where TOML says integer and table.
const TYPE_NAMES: Readonly<Record<string, string>> = { int: "integer", object: "table", record: "table" };

/**
 * The per-parse zod error map: messages of the form `expected string, got integer`. Helpers above set their own
 * messages, which take precedence over this map.
 */
const humanMessage: z.core.$ZodErrorMap = (iss) => {
  if (iss.code === "invalid_type") {
    return `expected ${TYPE_NAMES[iss.expected] ?? iss.expected}, got ${tomlType(iss.input)}`;
  }
  if (iss.code === "invalid_value") {
    return `expected one of ${iss.values.map((v) => String(v)).join(", ")}, got ${show(iss.input)}`;
  }
  if (iss.code === "invalid_key")
    return "not a valid variable name (letters, digits and _, not starting with a digit)";
  return undefined;
};

/**
 * Validates one table of env.toml and turns zod's issues into {@link ConfigIssue}s: one issue per unknown key, with
 * "did you mean" against `schema`'s own keys (and `unknownKeyHint` for keys that belong elsewhere). `at` is the
 * table's key path, or a function placing each issue's path (a merged profile maps keys back to where they were
 * written).
 *
 * @example
 * ```ts
 * const { issues } = checkTable(wandbSchema, { projct: "x" }, ["wandb"]);
 * // [{ path: "wandb.projct", message: 'unknown key "projct" (did you mean "project"?)' }]
 * ```
 */
export function checkTable<S extends z.ZodObject>(
  schema: S,
  value: unknown,
  at: readonly PropertyKey[] | ((path: readonly PropertyKey[]) => readonly PropertyKey[]),
  unknownKeyHint: (key: string) => string | undefined = () => undefined,
): { data: z.output<S> | undefined; issues: ConfigIssue[] } {
  const result = schema.safeParse(value, { error: humanMessage });
  if (result.success) return { data: result.data, issues: [] };
  const place = typeof at === "function" ? at : (path: readonly PropertyKey[]) => [...at, ...path];
  const known = Object.keys(schema.shape);
  const issues: ConfigIssue[] = [];
  for (const iss of result.error.issues) {
    if (iss.code !== "unrecognized_keys") {
      issues.push({ path: formatPath(place(iss.path)), message: iss.message });
      continue;
    }
    for (const key of iss.keys) {
      const near = closestMatch(key, known);
      const detail = near === undefined ? unknownKeyHint(key) : `did you mean ${JSON.stringify(near)}?`;
      const message = `unknown key ${JSON.stringify(key)}${detail === undefined ? "" : ` (${detail})`}`;
      issues.push({ path: formatPath(place([...iss.path, key])), message });
    }
  }
  return { data: undefined, issues };
}

/**
 * Sorts issues by path (then message) and drops exact duplicates, so reports are stable and easy to scan.
 *
 * @example
 * ```ts
 * sortIssues([{ path: "b", message: "x" }, { path: "a", message: "y" }]); // a first
 * ```
 */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const sorted = [...issues].sort((a, b) => compareText(a.path, b.path) || compareText(a.message, b.message));
  return sorted.filter((issue, i) => {
    const previous = sorted[i - 1];
    return previous === undefined || previous.path !== issue.path || previous.message !== issue.message;
  });
}
