import { Argument, Command, Option } from "@commander-js/extra-typings";
import type { Command as AnyCommand, CommanderError } from "commander";
import { EXECUTOR_KINDS as EXECUTORS } from "../config/types.ts";
import { JOB_STATES } from "../job/job-state.ts";
import { PACKAGE_MODES } from "../package/code-package.ts";
import { endQuietlyOnClosedPipe } from "./std-output.ts";
import { SHELLS } from "./complete.ts";
import { checkLaunchFlags, checkLogsFlags } from "./flag-checks.ts";
import { note } from "./output.ts";
import { parseSince } from "./since.ts";
import { collect, count, oneOf, timeLimit } from "./option-parsers.ts";
import { UsageError, usageErrorOf } from "./usage-error.ts";

const LAUNCHER_NAMES = ["none", "torchrun"] as const;
const SWEEP_MODES = ["grid", "random"] as const;

/** Commander's parse error, with the command it was parsing (for the hint). */
class ParseFailure extends Error {
  readonly error: CommanderError;
  readonly command: AnyCommand;

  constructor(error: CommanderError, command: AnyCommand) {
    super(error.message);
    this.error = error;
    this.command = command;
  }
}

/**
 * Runs the slipway CLI and returns its exit code. Command modules are imported when their command runs, so
 * `--help` loads nothing but the argument parser.
 */
export async function main(rawArgv: readonly string[]): Promise<number> {
  endQuietlyOnClosedPipe();
  // --debug works anywhere before "--" (commander alone would only take it before the subcommand).
  const end = rawArgv.includes("--") ? rawArgv.indexOf("--") : rawArgv.length;
  const debug = rawArgv.slice(0, end).includes("--debug");
  const argv = [...rawArgv.slice(0, end).filter((arg) => arg !== "--debug"), ...rawArgv.slice(end)];
  const run = { exitCode: 0 };
  // Only the command named, when it is one (a typo, help or completion gets every command).
  const named = argv[2]?.startsWith("-") === false ? argv[2] : undefined;
  let program = slipwayProgram(rawArgv, run, named);
  if (named !== undefined && program.commands.length === 0) program = slipwayProgram(rawArgv, run);
  try {
    if (argv[2] === "__complete") {
      // What the completion scripts call on TAB: candidates for the words typed so far, one a line.
      const { complete } = await import("./complete.ts");
      const candidates = await complete(program as unknown as AnyCommand, argv.slice(3));
      process.stdout.write(candidates.map((c) => `${c}\n`).join(""));
      return 0;
    }
    await program.parseAsync(argv);
    return run.exitCode;
  } catch (caught) {
    let error: unknown = caught;
    if (caught instanceof ParseFailure) {
      error = usageErrorOf(caught.error, caught.command);
      if (error === undefined) return caught.error.exitCode; // help or version, printed already
    }
    const { reportError } = await import("./report-error.ts");
    return reportError(error, debug);
  }
}

/**
 * What `--help` prints for the program (key `""`) and for each command, under its name and its aliases: the bundle's
 * entry prints these without loading the CLI (scripts/build-cli.ts renders them at build time).
 *
 * @example
 * ```ts
 * process.stdout.write(helpTexts()["launch"] ?? "");
 * ```
 */
export function helpTexts(): Record<string, string> {
  const program = slipwayProgram([], { exitCode: 0 }) as unknown as AnyCommand;
  const texts: Record<string, string> = { "": program.helpInformation() };
  for (const command of program.commands) {
    for (const name of [command.name(), ...command.aliases()]) texts[name] = command.helpInformation();
  }
  return texts;
}

/** Help is wrapped at this width whatever the terminal's, so that it can be rendered once, at build time. */
const HELP_WIDTH = 80;

/**
 * The command tree; a command's action leaves its exit code in `run`. With `only`, just the command of that name or
 * alias (none when no command has it): the rest would cost a few ms of every start to build.
 */
function slipwayProgram(rawArgv: readonly string[], run: { exitCode: number }, only?: string) {
  const wants = (...names: string[]) => only === undefined || names.includes(only);
  const program = new Command("slipway")
    .description("Launch ML training jobs anywhere, with W&B tracking wired in.")
    .version("0.1.0")
    .option("--debug", "show stack traces of errors")
    .enablePositionalOptions()
    .configureOutput({
      outputError: () => undefined, // printed by reportError, with a hint
      getOutHelpWidth: () => HELP_WIDTH,
      getErrHelpWidth: () => HELP_WIDTH,
    });

  if (wants("launch")) {
    const launch = program
      .command("launch")
      .description("launch a command as a job")
      .usage("[options] -- <command...>")
      .argument("[command...]", "the program and its arguments (none with --wandb-sweep)")
      .option("-p, --profile <name>", "profile in env.toml")
      .addOption(new Option("-x, --executor <kind>", "pick the profile by executor kind").choices(EXECUTORS))
      .option("-c, --config <file>", "env.toml to use (default: $SLIPWAY_CONFIG, else found from the cwd up)")
      .option("-n, --name <name>", "job name (default: from the command)")
      .option("-e, --env <NAME=VALUE>", "set a variable for the job (repeatable)", collect, [] as string[])
      .option("--workdir <dir>", "working directory of the job")
      .addOption(
        new Option("--launcher <name>", "how the command starts on each node").choices(LAUNCHER_NAMES),
      )
      .option("--nodes <n>", "number of nodes", count("--nodes", 1))
      .option("--gpus-per-node <n>", "GPUs per node", count("--gpus-per-node", 0))
      .option("--array <spec>", 'job array, as Slurm writes it: "0-15%4" runs 16 tasks, 4 at a time')
      .option("--depends-on <id>", "start after this job succeeded (repeatable)", collect, [] as string[])
      .option("--retries <n>", "start a failed run again, up to n times", count("--retries", 0))
      .option(
        "--time <limit>",
        'time limit of the job, as Slurm writes it: "30" (minutes), "04:00:00", "1-12:00"',
        timeLimit("--time"),
      )
      .addOption(
        new Option(
          "--package <mode>",
          "how the code reaches the job: none, git or dir (default: the profile's)",
        ).choices(PACKAGE_MODES),
      )
      .option(
        "--exclude <pattern>",
        "leave files out of the shipped code, gitignore-style (repeatable)",
        collect,
        [] as string[],
      )
      .option("--allow-dirty", 'with package = "git": ship uncommitted changes and untracked files too')
      .option("--dry-run", "print what would be submitted, secrets as ***, and start nothing")
      .option("-d, --detach", "print the job id and return; the job goes on")
      .option("-f, --follow", "with --detach: still stream the logs (Ctrl-C stops following, not the job)")
      .option("--json", "with --dry-run or --detach: print JSON")
      .option(
        "--no-fail-fast",
        "keep waiting for a job whose pending reason cannot resolve (default: cancel it)",
      )
      .option(
        "--sweep <name=values>",
        "sweep a {name} placeholder over a,b,c or a range lo..hi / log:lo..hi (repeatable)",
        collect,
        [] as string[],
      )
      .addOption(
        new Option("--sweep-mode <mode>", "grid (every combination) or random (--samples draws)").choices(
          SWEEP_MODES,
        ),
      )
      .option("--samples <n>", "with --sweep-mode random: how many combinations", count("--samples", 1))
      .option("--seed <n>", "with --sweep-mode random: the seed of the draws (default 0)", count("--seed", 0))
      .option("--max-parallel <k>", "a sweep runs at most k jobs at once (Slurm)", count("--max-parallel", 1))
      .option("--yes", "launch a sweep of more than 10,000 combinations")
      .option(
        "--wandb-sweep <path>",
        "run `wandb agent` workers for a W&B sweep (entity/project/sweep-id) instead of a command",
      )
      .option("--agents <n>", "with --wandb-sweep: how many agents (default 1)", count("--agents", 1))
      .option(
        "--count <n>",
        "with --wandb-sweep: runs each agent takes (default: until the sweep ends)",
        count("--count", 1),
      )
      .passThroughOptions()
      .action(async (command, options) => {
        if (command.length === 0 && options.wandbSweep === undefined) {
          throw new UsageError(
            "missing required argument 'command'",
            "put the program after --, for example: slipway launch -p local -- python train.py",
          );
        }
        checkLaunchFlags(command, options, {
          dashDash: rawArgv.includes("--"),
          longOptions: launch.options.flatMap((o) => (o.long === undefined ? [] : [o.long])),
        });
        const { runLaunch } = await import("./commands/launch.ts");
        run.exitCode = await runLaunch(command, options);
      });
  }

  if (wants("status")) {
    program
      .command("status")
      .description("show a job's state (default: the newest job)")
      .argument("[id]", "job id or a unique prefix")
      .option("--json", "print JSON")
      .action(async (id, options) => {
        const { runStatus } = await import("./commands/status.ts");
        run.exitCode = await runStatus(id, options);
      });
  }

  if (wants("run")) {
    program
      .command("run")
      .description("start an experiment file's steps under a detached supervisor; print the experiment id")
      .argument("[file]", "the experiment TOML file")
      .option("-c, --config <file>", "env.toml to use (default: $SLIPWAY_CONFIG, else found from the cwd up)")
      .option("--resume <id>", "start the supervisor of a recorded experiment again (launches no step twice)")
      .option("--json", "print JSON")
      .action(async (file, options) => {
        const { runRun } = await import("./commands/run.ts");
        run.exitCode = await runRun(file, options);
      });
  }

  if (wants("__supervise")) {
    program
      .command("__supervise", { hidden: true })
      .argument("<id>")
      .action(async (id) => {
        const { runSupervise } = await import("./commands/run.ts");
        run.exitCode = await runSupervise(id);
      });
  }

  if (wants("logs")) {
    program
      .command("logs")
      .description("print a job's output (default: the newest job)")
      .argument("[id]", "job id or a unique prefix")
      .option("-f, --follow", "keep printing until the job ends")
      .addOption(new Option("--stream <name>", "which output").choices(["stdout", "stderr", "all"] as const))
      .option(
        "--index <n>",
        "for a job array: the task whose output to print (default: the first)",
        count("--index", 0),
      )
      .option("--tail <n>", "print only the last <n> lines (then follow, with -f)", count("--tail", 0))
      .option(
        "--since <age|time>",
        "only lines written since then: an age (30m, 2h) or a time",
        (value: string) => parseSince("--since", value),
      )
      .option("--timestamps", "prefix each line with the time it was written")
      .option("--json", "print one JSON object per line: stream, line, and time where known")
      .action(async (id, options) => {
        await checkLogsFlags(id, options);
        const { runLogs } = await import("./commands/logs.ts");
        run.exitCode = await runLogs(id, options);
      });
  }

  if (wants("wait")) {
    program
      .command("wait")
      .description("wait until jobs end; exit with the job's code, or the largest of their codes")
      .argument("<ids...>", "job ids or unique prefixes")
      .option("--json", "print one JSON line per job as it ends")
      .action(async (ids, options) => {
        const { runWait } = await import("./commands/wait.ts");
        run.exitCode = await runWait(ids, options);
      });
  }

  if (wants("cancel")) {
    program
      .command("cancel")
      .description("stop a job (a no-op for a job that has ended)")
      .argument("<id>", "job id or a unique prefix")
      .option("--json", "print JSON")
      .action(async (id, options) => {
        const { runCancel } = await import("./commands/cancel.ts");
        run.exitCode = await runCancel(id, options);
      });
  }

  if (wants("cleanup")) {
    program
      .command("cleanup")
      .description("remove the containers of finished jobs (their logs are kept)")
      .argument("[ids...]", "jobs to clean up (default: every finished job)")
      .option("--json", "print JSON")
      .action(async (ids, options) => {
        const { runCleanup } = await import("./commands/cleanup.ts");
        run.exitCode = await runCleanup(ids, options);
      });
  }

  if (wants("rm")) {
    program
      .command("rm")
      .description("remove ended jobs from the job store: record and logs (frees what they hold first)")
      .argument("<ids...>", "jobs to remove (ids or unique prefixes)")
      .option("--save-logs <dir>", "copy each job's logs to <dir>/<id>/ first")
      .action(async (ids, options) => {
        const { runRm } = await import("./commands/rm.ts");
        run.exitCode = await runRm(ids, options);
      });
  }

  if (wants("prune")) {
    program
      .command("prune")
      .description("remove every ended job matching the filters from the job store")
      .option("--older-than <age>", "ended before this long ago (7d, 12h, 30m) or this time (2025-01-31)")
      .option(
        "--state <state>",
        "only jobs in this state: succeeded, failed, cancelled (repeatable)",
        collect,
        [] as string[],
      )
      .option("--save-logs <dir>", "copy each job's logs to <dir>/<id>/ first")
      .option("--dry-run", "list what would be removed")
      .action(async (options) => {
        const { runPrune } = await import("./commands/prune.ts");
        run.exitCode = await runPrune(options);
      });
  }

  if (wants("list", "ls")) {
    program
      .command("list")
      .alias("ls")
      .description("list jobs, newest first")
      .option("--json", "print JSON")
      .option("-a, --all", "show every job (default: the newest 20)")
      .option(
        "-s, --state <state>",
        "only jobs in this state (repeatable, or a,b)",
        oneOf("--state", JOB_STATES),
        [],
      )
      .option("-p, --profile <name>", "only jobs of this profile (repeatable)", collect, [] as string[])
      .option(
        "-x, --executor <kind>",
        "only jobs on this executor (repeatable)",
        oneOf("--executor", EXECUTORS),
        [],
      )
      .option("--since <when>", "only jobs created since: an age (30m, 2h, 7d) or a date", (value) =>
        parseSince("--since", value),
      )
      .option("-w, --watch", "show the list again every few seconds until Ctrl-C")
      .option(
        "--interval <seconds>",
        "with --watch: seconds between refreshes (default: 2)",
        count("--interval", 1),
      )
      .action(async ({ interval, ...options }) => {
        if (interval !== undefined && options.watch !== true) note("--interval is for --watch");
        const { runList } = await import("./commands/list.ts");
        run.exitCode = await runList({ ...options, interval: interval ?? 2 });
      });
  }

  if (wants("profiles")) {
    program
      .command("profiles")
      .description("list the profiles in env.toml")
      .option("-c, --config <file>", "env.toml to use")
      .option("--json", "print JSON")
      .action(async (options) => {
        const { runProfiles } = await import("./commands/profiles.ts");
        run.exitCode = await runProfiles(options);
      });
  }

  if (wants("doctor")) {
    program
      .command("doctor")
      .description("check env.toml, where each profile's W&B key comes from (never the key), and executors")
      .option("-c, --config <file>", "env.toml to use")
      .option("--json", "print JSON")
      .action(async (options) => {
        const { runDoctor } = await import("./commands/doctor.ts");
        run.exitCode = await runDoctor(options);
      });
  }

  if (wants("schema")) {
    program
      .command("schema")
      .description("print the JSON Schema of env.toml (for editor completion)")
      .option("--json", "print JSON (what it prints anyway)")
      .action(async () => {
        const { runSchema } = await import("./commands/schema.ts");
        run.exitCode = await runSchema();
      });
  }

  if (wants("completion")) {
    program
      .command("completion")
      .description("print the shell completion script: source <(slipway completion bash)")
      .addArgument(new Argument("<shell>", "bash, zsh or fish").choices(SHELLS))
      .action(async (shell) => {
        const { runCompletion } = await import("./commands/completion.ts");
        run.exitCode = await runCompletion(shell);
      });
  }

  for (const command of program.commands as unknown as AnyCommand[]) {
    if (!command.options.some((o) => o.long === "--config")) configNotRead(command);
  }
  for (const command of [program, ...program.commands] as unknown as AnyCommand[]) {
    command.exitOverride((error) => {
      throw new ParseFailure(error, command);
    });
  }
  return program;
}

/** A command that reads the job store, not env.toml: takes `--config` (as every command does) and says so. */
function configNotRead(command: AnyCommand): void {
  command
    .addOption(
      command.createOption("-c, --config <file>", "not used: this command reads the job store").hideHelp(),
    )
    .hook("preAction", (self) => {
      if (self.opts<{ config?: string }>().config !== undefined) {
        note(`${self.name()} reads the job store, not env.toml, so --config does nothing`);
      }
    });
}
