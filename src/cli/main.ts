import { Command, CommanderError, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import { paint } from "./output.ts";

const EXECUTORS = ["local", "docker", "slurm", "kubernetes", "ray"] as const;
const LAUNCHER_NAMES = ["none", "torchrun"] as const;

/**
 * Runs the slipway CLI and returns its exit code. Command modules are imported when their command runs, so
 * `--help` loads nothing but the argument parser.
 */
export async function main(rawArgv: readonly string[]): Promise<number> {
  // --debug works anywhere before "--" (commander alone would only take it before the subcommand).
  const end = rawArgv.includes("--") ? rawArgv.indexOf("--") : rawArgv.length;
  const debug = rawArgv.slice(0, end).includes("--debug");
  const argv = [...rawArgv.slice(0, end).filter((arg) => arg !== "--debug"), ...rawArgv.slice(end)];
  let exitCode = 0;
  const program = new Command("slipway")
    .description("Launch ML training jobs anywhere, with W&B tracking wired in.")
    .version("0.1.0")
    .option("--debug", "show stack traces of errors")
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      outputError: (text, write) => {
        write(paint("red", text, process.stderr));
      },
    });

  program
    .command("launch")
    .description("launch a command as a job")
    .usage("[options] -- <command...>")
    .argument("<command...>", "the program and its arguments")
    .option("-p, --profile <name>", "profile in env.toml")
    .addOption(new Option("-x, --executor <kind>", "pick the profile by executor kind").choices(EXECUTORS))
    .option("-c, --config <file>", "env.toml to use (default: $SLIPWAY_CONFIG, else found from the cwd up)")
    .option("-n, --name <name>", "job name (default: from the command)")
    .option("-e, --env <NAME=VALUE>", "set a variable for the job (repeatable)", collect, [] as string[])
    .option("--workdir <dir>", "working directory of the job")
    .addOption(new Option("--launcher <name>", "how the command starts on each node").choices(LAUNCHER_NAMES))
    .option("--nodes <n>", "number of nodes", count("--nodes", 1))
    .option("--gpus-per-node <n>", "GPUs per node", count("--gpus-per-node", 0))
    .option("--array <spec>", 'job array, as Slurm writes it: "0-15%4" runs 16 tasks, 4 at a time')
    .option("--depends-on <id>", "start after this job succeeded (repeatable)", collect, [] as string[])
    .option("--retries <n>", "requeue a failed run up to n times", count("--retries", 0))
    .option("--allow-dirty", 'with package = "git": ship uncommitted changes and untracked files too')
    .option("--dry-run", "print what would be submitted, secrets as ***, and start nothing")
    .option("-d, --detach", "print the job id and return; the job goes on")
    .option("-f, --follow", "with --detach: still stream the logs (Ctrl-C stops following, not the job)")
    .option("--json", "with --dry-run or --detach: print JSON")
    .passThroughOptions()
    .action(async (command, options) => {
      const { runLaunch } = await import("./commands/launch.ts");
      exitCode = await runLaunch(command, options);
    });

  program
    .command("status")
    .description("show a job's state (default: the newest job)")
    .argument("[id]", "job id or a unique prefix")
    .option("--json", "print JSON")
    .action(async (id, options) => {
      const { runStatus } = await import("./commands/status.ts");
      exitCode = await runStatus(id, options);
    });

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
    .action(async (id, options) => {
      const { runLogs } = await import("./commands/logs.ts");
      exitCode = await runLogs(id, options);
    });

  program
    .command("cancel")
    .description("stop a job (a no-op for a job that has ended)")
    .argument("<id>", "job id or a unique prefix")
    .action(async (id) => {
      const { runCancel } = await import("./commands/cancel.ts");
      exitCode = await runCancel(id);
    });

  program
    .command("cleanup")
    .description("remove the containers of finished jobs (their logs are kept)")
    .argument("[ids...]", "jobs to clean up (default: every finished job)")
    .action(async (ids) => {
      const { runCleanup } = await import("./commands/cleanup.ts");
      exitCode = await runCleanup(ids);
    });

  program
    .command("list")
    .alias("ls")
    .description("list jobs, newest first")
    .option("--json", "print JSON")
    .option("-a, --all", "show every job (default: the newest 20)")
    .action(async (options) => {
      const { runList } = await import("./commands/list.ts");
      exitCode = await runList(options);
    });

  program
    .command("profiles")
    .description("list the profiles in env.toml")
    .option("-c, --config <file>", "env.toml to use")
    .option("--json", "print JSON")
    .action(async (options) => {
      const { runProfiles } = await import("./commands/profiles.ts");
      exitCode = await runProfiles(options);
    });

  program
    .command("doctor")
    .description("check env.toml, where each profile's W&B key comes from (never the key), and executors")
    .option("-c, --config <file>", "env.toml to use")
    .option("--json", "print JSON")
    .action(async (options) => {
      const { runDoctor } = await import("./commands/doctor.ts");
      exitCode = await runDoctor(options);
    });

  program
    .command("schema")
    .description("print the JSON Schema of env.toml (for editor completion)")
    .action(async () => {
      const { runSchema } = await import("./commands/schema.ts");
      exitCode = await runSchema();
    });

  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has printed its message (or the help/version text) already.
      return error.exitCode;
    }
    const { reportError } = await import("./report-error.ts");
    return reportError(error, debug);
  }
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** A parser for an integer option of at least `min`. */
function count(flag: string, min: number): (value: string) => number {
  return (value) => {
    if (!/^\d+$/.test(value) || Number(value) < min) {
      throw new InvalidArgumentError(`${flag} takes a whole number ≥ ${min}, got "${value}"`);
    }
    return Number(value);
  };
}
