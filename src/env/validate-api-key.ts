import { PY_WHITESPACE } from "./py-whitespace.ts";

// The SDK's whitespace check uses Python's `str.strip()`, hence Python's whitespace set rather than JS `trim()`'s.
const EDGE_WHITESPACE = new RegExp(`^[${PY_WHITESPACE}]|[${PY_WHITESPACE}]$`, "u");
// Python's Unicode `\w` is letters, numbers and "_" (checked equal to `[\p{L}\p{N}_]` for every code point
// assigned in Python 3.11's Unicode 14).
const JWT = /^[\p{L}\p{N}_-]+\.[\p{L}\p{N}_-]+\.[\p{L}\p{N}_-]+$/u;
const SECRET_CHARS = /^[\p{L}\p{N}_-]+$/u;
const MIN_SECRET_LENGTH = 40;

/** Why an API key is rejected when it has whitespace around it (the SDK refuses such a `WANDB_API_KEY` outright). */
const WHITESPACE_REASON = "it has leading or trailing whitespace";

/**
 * Whether `value` starts or ends with a character Python's `str.strip()` removes.
 *
 * @example
 * ```ts
 * hasEdgeWhitespace("abc\n"); // true
 * hasEdgeWhitespace("a b"); // false
 * ```
 */
export function hasEdgeWhitespace(value: string): boolean {
  return EDGE_WHITESPACE.test(value);
}

/**
 * Checks an API key's shape the way the W&B SDK does before it will use it (`wbauth.validation.check_api_key`, plus
 * the settings' whitespace rule): non-empty; a JWT (`a.b.c`) passes; otherwise the text after the first `-` (or the
 * whole key) must be 40 or more letters, digits, `_` or `-`. So 40-hex legacy keys, 86-character keys and
 * `local-…` on-prem keys pass.
 *
 * @returns why the key is rejected (never quoting it), or `undefined` when it is well-formed.
 * @example
 * ```ts
 * validateApiKey("a".repeat(40)); // undefined
 * validateApiKey("local-abc"); // 'the part after the first "-" must be at least 40 characters of letters, …'
 * ```
 */
export function validateApiKey(key: string): string | undefined {
  if (key === "") return "it is empty";
  if (hasEdgeWhitespace(key)) return WHITESPACE_REASON;
  if (JWT.test(key)) return undefined;
  const dash = key.indexOf("-");
  const secret = dash === -1 ? key : key.slice(dash + 1);
  // eslint-disable-next-line @typescript-eslint/no-misused-spread -- Python's len() counts code points, as spread does.
  if (SECRET_CHARS.test(secret) && [...secret].length >= MIN_SECRET_LENGTH) return undefined;
  return dash === -1
    ? `it must be at least ${MIN_SECRET_LENGTH} characters of letters, digits or "_"`
    : `the part after the first "-" must be at least ${MIN_SECRET_LENGTH} characters of letters, digits, "_" or "-"`;
}
