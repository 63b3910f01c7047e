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

/**
 * A value as a message shows it: strings quoted, numbers and booleans as written, anything else by type.
 *
 * @example
 * ```ts
 * show("2h"); // '"2h"'
 * show([1]); // "array"
 * ```
 */
export function show(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return tomlType(value);
}
