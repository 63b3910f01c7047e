/**
 * Python's `str.isspace()` set (what `str.strip()`, `\s` and configparser strip), as the body of a RegExp character
 * class for a `u`-flag pattern. JS `trim()` differs: it strips U+FEFF and keeps U+001C–U+001F and U+0085.
 *
 * @example
 * ```ts
 * const EDGE = new RegExp(`^[${PY_WHITESPACE}]|[${PY_WHITESPACE}]$`, "u");
 * EDGE.test("abc\x85"); // true
 * ```
 */
export const PY_WHITESPACE =
  "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
