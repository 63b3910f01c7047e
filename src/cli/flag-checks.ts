import { note } from "./output.ts";
import { UsageError } from "./usage-error.ts";

/** The launch flags whose combinations are checked before anything loads. */
export interface LaunchFlagSet {
  readonly profile?: string;
  readonly executor?: string;
  readonly dryRun?: true;
  readonly detach?: true;
  readonly follow?: true;
  readonly json?: true;
}

/**
 * Flags of `launch` that conflict are a usage error; flags that would do nothing get a note saying so, as does a
 * word after the program that looks like one of slipway's options when no `--` marked where the program starts.
 */
export function checkLaunchFlags(
  command: readonly string[],
  flags: LaunchFlagSet,
  options: { readonly dashDash: boolean; readonly longOptions: readonly string[] },
): void {
  if (flags.profile !== undefined && flags.executor !== undefined) {
    throw new UsageError(
      `--profile ${flags.profile} and --executor ${flags.executor} both choose where the job runs`,
      "give one of them: a profile already names its executor",
    );
  }
  if (flags.dryRun === true && (flags.detach === true || flags.follow === true)) {
    note(
      `${flags.detach === true ? "--detach" : "--follow"} does nothing with --dry-run, which starts nothing`,
    );
  } else if (flags.json === true && flags.dryRun !== true && flags.detach !== true) {
    note("--json is for --dry-run and --detach; a job in the foreground prints its own output");
  } else if (flags.follow === true && flags.detach !== true) {
    note("--follow is for --detach; a job in the foreground is followed anyway");
  }
  if (options.dashDash) return;
  const [program = "", ...args] = command;
  const stray = args.find((arg) => options.longOptions.includes(arg.split("=")[0] ?? ""));
  if (stray !== undefined) {
    note(
      `${stray.split("=")[0] ?? ""} comes after the program, so ${program} gets it, not slipway; ` +
        "put slipway's options first and -- before the program: slipway launch [options] -- <command...>",
    );
  }
}

/**
 * Notes for `logs` flags that do nothing for this job: `--stream` on Ray, which merges stderr into stdout, and
 * `--index` on a job that is not an array.
 */
export async function checkLogsFlags(
  id: string | undefined,
  flags: { readonly stream?: string; readonly index?: number },
): Promise<void> {
  if ((flags.stream === undefined || flags.stream === "all") && flags.index === undefined) return;
  const { runtimeOf } = await import("../runtime.ts");
  const { store } = runtimeOf();
  let record;
  try {
    record = store.read(store.resolve(id));
  } catch {
    return; // the logs command itself says what is wrong with the id
  }
  if (record.executor === "ray" && flags.stream === "stdout") {
    note("Ray merges a job's stderr into its stdout, so --stream stdout shows both");
  } else if (record.executor === "ray" && flags.stream === "stderr") {
    note("Ray merges a job's stderr into its stdout, so --stream stderr shows nothing; drop --stream");
  }
  if (flags.index !== undefined && typeof record.detail["array"] !== "string") {
    note(`${record.id} is not a job array, so --index ${flags.index} does nothing`);
  }
}
