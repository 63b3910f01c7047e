import { InvalidArgumentError } from "@commander-js/extra-typings";
import { isSlurmTime, TIME_LIMIT_EXPECTED } from "../config/slurm-time.ts";
import { closest, UsageError } from "./usage-error.ts";

/** For a repeatable option: collects its values. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A parser for a repeatable option of a few choices, also given as `a,b`; a typo gets a did-you-mean. */
export function oneOf<T extends string>(
  flag: string,
  choices: readonly T[],
): (value: string, previous: T[]) => T[] {
  return (value, previous) => {
    const picked = value.split(",").map((word) => {
      const choice = choices.find((c) => c === word.trim());
      if (choice !== undefined) return choice;
      const guess = closest(word, choices);
      throw new UsageError(
        `${flag} ${word}: expected one of ${choices.join(", ")}`,
        guess === undefined ? `for example ${flag} ${choices[0] ?? ""}` : `did you mean ${guess}?`,
      );
    });
    return [...previous, ...picked];
  };
}

/** A parser for an integer option of at least `min`. */
export function count(flag: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}, got "${value}"`);
    }
    return Number(value);
  };
}

/** A parser for a time limit option, written as Slurm writes `--time`. */
export function timeLimit(flag: string): (value: string) => string {
  return (value) => {
    if (!isSlurmTime(value)) {
      throw new InvalidArgumentError(
        `${flag} takes ${TIME_LIMIT_EXPECTED}, got "${value}" (e.g. ${flag} 04:00:00)`,
      );
    }
    return value;
  };
}
