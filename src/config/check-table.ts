import type * as z from "zod";
import type { ConfigIssue } from "../errors.ts";
import { closestMatch } from "./closest-match.ts";
import { formatPath } from "./config-issues.ts";
import { show, tomlType } from "./toml-type.ts";

// Type names as users read them; zod says `int`, `object` and `record` where TOML says integer and table.
const TYPE_NAMES: Readonly<Record<string, string>> = { int: "integer", object: "table", record: "table" };

/**
 * The per-parse zod error map: messages of the form `expected string, got integer`. The helpers of fields.ts set their
 * own messages, which take precedence over this map.
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
 * const { issues } = checkTable(wandbSchema(), { projct: "x" }, ["wandb"]);
 * // [{ path: "wandb.projct", message: 'unknown key "projct" (did you mean "project"?)' }]
 * ```
 */
export function checkTable<S extends z.ZodObject>(
  schema: S,
  value: unknown,
  at: readonly PropertyKey[] | ((path: readonly PropertyKey[]) => readonly PropertyKey[]),
  unknownKeyHint: (key: string) => string | undefined = () => undefined,
): { data: z.output<S> | undefined; issues: ConfigIssue[] } {
  // jitless: each table is parsed once, so compiling zod's fast path (`new Function`) would cost more than it saves.
  const result = schema.safeParse(value, { error: humanMessage, jitless: true });
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
