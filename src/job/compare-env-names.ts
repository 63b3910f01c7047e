// Environment variable names are sorted with `localeCompare`, whose first call loads ICU's collator: ~7 ms and ~2 MiB
// of a dry run. Names of ASCII letters, digits and `_` in a locale without collation rules of its own sort here by the
// same rules ICU's root collation applies (test/unit/job/compare-env-names.test.ts checks that they agree), so
// the collator loads only for other names or locales and the rendered order stays exactly what it was.

const PLAIN_NAME = /^[A-Za-z0-9_]*$/;
// The locale V8 takes from the environment (LC_ALL, then LC_MESSAGES, then LANG): unset, C, POSIX or plain English use
// root collation; any other may tailor it (cs sorts "ch" after "h", da puts uppercase first).
const ROOT_COLLATION_LOCALE = /^(?:C|POSIX|en(?:_[A-Z]{2})?)?(?:\.[^@]*)?$/;

let rootCollation: boolean | undefined;

/** Primary weight in root collation: `_`, then digits, then letters regardless of case. */
function primary(code: number): number {
  if (code === 95) return 0;
  if (code <= 57) return code - 47;
  return code <= 90 ? code - 54 : code - 86;
}

/**
 * Compares two environment variable names as `a.localeCompare(b)` does, without loading ICU's collator when it can.
 *
 * @example
 * ```ts
 * ["WANDB_RUN_ID", "WANDB_MODE", "wandb_x"].sort(compareEnvNames); // ["WANDB_MODE", "WANDB_RUN_ID", "wandb_x"]
 * ```
 */
export function compareEnvNames(a: string, b: string): number {
  rootCollation ??= ROOT_COLLATION_LOCALE.test(
    process.env["LC_ALL"] || process.env["LC_MESSAGES"] || process.env["LANG"] || "",
  );
  if (!rootCollation || !PLAIN_NAME.test(a) || !PLAIN_NAME.test(b)) return a.localeCompare(b);
  const shorter = Math.min(a.length, b.length);
  for (let i = 0; i < shorter; i++) {
    const difference = primary(a.charCodeAt(i)) - primary(b.charCodeAt(i));
    if (difference !== 0) return difference < 0 ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  // Same letters: the first difference in case decides, lowercase first.
  for (let i = 0; i < shorter; i++) {
    if (a[i] !== b[i]) return a.charCodeAt(i) > b.charCodeAt(i) ? -1 : 1;
  }
  return 0;
}
