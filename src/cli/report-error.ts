import { SlipwayError } from "../errors.ts";
import { redactValues, secretValuesOf } from "../secret-values.ts";
import { paint } from "./output.ts";
import { UsageError } from "./usage-error.ts";

/**
 * Prints an error for a person and returns the exit code: a slipway error (a user mistake or an outside failure)
 * or a usage error (how slipway was called) shows its message and hint without a stack trace unless `--debug`; anything else is a bug and shows its stack.
 */
export function reportError(error: unknown, debug: boolean): number {
  const err = process.stderr;
  // The last line of defence: no value of a secret-looking variable is ever printed, whatever quoted it.
  const secrets = secretValuesOf(process.env);
  const safe = (text: string): string => redactValues(text, secrets);
  if (error instanceof SlipwayError || error instanceof UsageError) {
    err.write(`${paint("red", "error:", "stderr")} ${safe(error.message)}\n`);
    if (error.hint !== undefined) err.write(`${paint("yellow", "hint:", "stderr")} ${safe(error.hint)}\n`);
    if (debug && error.stack !== undefined) err.write(`${safe(error.stack)}\n`);
    return 2;
  }
  const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
  err.write(`${paint("red", "internal error:", "stderr")} ${safe(text)}\n`);
  err.write("This is a bug in slipway; please report it with the command you ran.\n");
  return 70;
}
