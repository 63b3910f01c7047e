import type { Command, CommanderError } from "commander";

/** A mistake in how slipway was called: printed as `error:` and `hint:`, exit 2, never a stack trace. */
export class UsageError extends Error {
  readonly hint: string;

  constructor(message: string, hint: string) {
    super(message);
    this.name = "UsageError";
    this.hint = hint;
  }
}

/** The words a command is typed as: `slipway status`. */
export function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c !== null; c = c.parent) names.unshift(c.name());
  return names.join(" ");
}

/**
 * Turns commander's parse error into a usage error with a hint: its "(Did you mean …?)" becomes the hint, else the
 * command's usage line or where to look. `undefined` for help and version, which are not errors.
 */
export function usageErrorOf(error: CommanderError, command: Command): UsageError | undefined {
  if (["commander.helpDisplayed", "commander.version", "commander.help"].includes(error.code))
    return undefined;
  const [first = "", ...rest] = error.message.replace(/^error: /, "").split("\n");
  const suggestion = /^\(Did you mean (.+)\?\)$/.exec(rest.join(" ").trim())?.[1];
  const name = commandPath(command);
  if (suggestion !== undefined) return new UsageError(first, `did you mean ${suggestion}?`);
  switch (error.code) {
    case "commander.unknownOption":
      return new UsageError(first, `${name} --help lists its options`);
    case "commander.unknownCommand":
      return new UsageError(first, `${name} --help lists the commands`);
    case "commander.missingArgument":
      if (command.name() === "launch") {
        return new UsageError(
          first,
          "put the program after --, for example: slipway launch -p local -- python train.py",
        );
      }
      return new UsageError(first, `usage: ${name} ${command.usage()}`);
    default: {
      const choice = /'([^']*)' is invalid(?: for argument '[^']*')?\. Allowed choices are (.+)\.$/.exec(
        first,
      );
      const guess = choice === null ? undefined : closest(choice[1] ?? "", (choice[2] ?? "").split(", "));
      if (guess !== undefined) return new UsageError(first, `did you mean ${guess}?`);
      return new UsageError(first, `usage: ${name} ${command.usage()}`);
    }
  }
}

/** The closest of `candidates` to `word` (one or two edits away), for a did-you-mean hint. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = word.length <= 2 ? 1 : 2;
  for (const candidate of candidates) {
    const distance = editDistance(word, candidate);
    if (distance <= bestDistance && (best === undefined || distance < bestDistance)) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
