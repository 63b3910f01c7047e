import type { Command, Option } from "commander";
import { homedir } from "node:os";
import { EXECUTOR_KINDS } from "../config/types.ts";
import { JOB_STATES } from "../job/job-state.ts";

/** Printed instead of candidates when the shell should complete file names itself. */
export const FILES = ":files";

export const SHELLS = ["bash", "zsh", "fish"] as const;

type AnyCommand = Command;

/**
 * The candidates for the last of `words` (what follows `slipway` on the command line, the word being completed
 * last, possibly empty): commands, options, option values (profiles of the env.toml found from the cwd or given by
 * `--config`, executors, states), job ids from the store, or {@link FILES}.
 */
export async function complete(program: AnyCommand, words: readonly string[]): Promise<string[]> {
  const current = words.at(-1) ?? "";
  const before = words.slice(0, -1);
  const at = before.findIndex((word) => !word.startsWith("-"));
  const command = at === -1 ? undefined : findCommand(program, before[at] ?? "");
  if (command === undefined) {
    if (at !== -1) return [];
    return startingWith(current, current.startsWith("-") ? optionNames(program) : commandNames(program));
  }
  const rest = before.slice(at + 1);
  const previous = valueOption(command, rest.at(-1));
  if (previous !== undefined) return startingWith(current, await valuesOf(previous, rest));
  if (command.name() === "launch" && (rest.includes("--") || positionals(command, rest).length > 0))
    return [FILES];
  if (current.startsWith("-")) return startingWith(current, optionNames(command));
  const argument = command.registeredArguments[0]?.name();
  if (argument === "id" || argument === "ids") return startingWith(current, await jobIds());
  if (argument === "shell") return startingWith(current, [...SHELLS]);
  return command.name() === "launch" ? [FILES] : [];
}

function findCommand(program: AnyCommand, name: string): AnyCommand | undefined {
  return program.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

function commandNames(program: AnyCommand): string[] {
  return program.commands.filter((c) => !isHidden(c)).map((c) => c.name());
}

function isHidden(command: AnyCommand): boolean {
  return (command as unknown as { _hidden?: boolean })._hidden === true;
}

function optionNames(command: AnyCommand): string[] {
  const names = command.options.filter((o) => !o.hidden && o.long !== undefined).map((o) => o.long ?? "");
  return [...names, "--help"];
}

/** The option `word` names when it takes a value (`--profile`, `-p`), so the next word is that value. */
function valueOption(command: AnyCommand, word: string | undefined): Option | undefined {
  if (word === undefined || !word.startsWith("-")) return undefined;
  const option = command.options.find((o) => o.long === word || o.short === word);
  return option !== undefined && (option.required || option.optional) ? option : undefined;
}

/** The words of `rest` that are arguments, not options or their values. */
function positionals(command: AnyCommand, rest: readonly string[]): string[] {
  return rest.filter((word, i) => !word.startsWith("-") && valueOption(command, rest[i - 1]) === undefined);
}

async function valuesOf(option: Option, rest: readonly string[]): Promise<string[]> {
  switch (option.long) {
    case "--profile":
      return profiles(rest);
    case "--executor":
      return [...EXECUTOR_KINDS];
    case "--state":
      return [...JOB_STATES];
    case "--config":
    case "--workdir":
      return [FILES];
    default:
      return option.argChoices ?? [];
  }
}

/** The profiles of the env.toml that `--config`/`-c` among `rest` names, else the one found from the cwd. */
async function profiles(rest: readonly string[]): Promise<string[]> {
  const flag = rest.findIndex((word) => word === "--config" || word === "-c");
  const configPath = flag === -1 ? undefined : rest[flag + 1];
  const [{ loadConfig }, { listProfiles }] = await Promise.all([
    import("../config/load-config.ts"),
    import("../config/resolve-profile.ts"),
  ]);
  try {
    const config = loadConfig({ cwd: process.cwd(), env: process.env, configPath });
    return listProfiles(config).map((p) => p.name);
  } catch {
    return []; // no env.toml, or a broken one: nothing to offer, and nothing to say in the middle of a TAB
  }
}

/** Job ids, newest first. */
async function jobIds(): Promise<string[]> {
  const { JobStore } = await import("../store/job-store.ts");
  try {
    return JobStore.fromEnv(process.env, homedir())
      .scan()
      .records.map((r) => r.id);
  } catch {
    return []; // an unreadable store: nothing to offer
  }
}

function startingWith(prefix: string, candidates: readonly string[]): string[] {
  return candidates.filter((c) => c.startsWith(prefix));
}
