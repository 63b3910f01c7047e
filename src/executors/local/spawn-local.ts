import { existsSync, statSync, writeFileSync } from "node:fs";
import { CommandError, SlipwayError } from "../../errors.ts";
import { isSecret } from "../../secret.ts";
import { findExecutable } from "./find-executable.ts";
import { startCopier } from "./start-copier.ts";
import { localWrapperScript } from "./wrapper-script.ts";
import type { LocalPlan } from "./plan.ts";
import { NOT_INHERITED } from "./plan.ts";
import { processStartTime } from "../../job/process-info.ts";

/** A started local process. */
export interface SpawnedLocal {
  readonly pid: number;
  readonly startTime: string;
  /** Resolves when the process has ended (only in the process that started it). */
  readonly exited: Promise<unknown>;
  /** Lets the launching process exit while the job goes on. */
  readonly detach: () => void;
}

/**
 * Starts a planned local job in its own process group (a new session), its stdout and stderr piped to a detached
 * copier ({@link startCopier}) that writes the two log files and the ordered log.
 * Throws `COMMAND_NOT_FOUND` or `SPAWN_FAILED` with what to check.
 *
 * @example
 * ```ts
 * const spawned = await spawnLocal(plan, process.env);
 * ```
 */
export async function spawnLocal(
  plan: LocalPlan,
  launchEnv: Readonly<Record<string, string | undefined>>,
): Promise<SpawnedLocal> {
  const env = jobEnvironment(plan, launchEnv);
  if (!existsSync(plan.cwd) || !statSync(plan.cwd).isDirectory()) {
    throw new SlipwayError("SPAWN_FAILED", `working directory ${plan.cwd} does not exist`, {
      hint: "set workdir in the profile or recipe to an existing directory",
    });
  }
  const [program = ""] = plan.argv;
  if (findExecutable(program, env["PATH"], plan.cwd) === undefined) {
    throw new CommandError("COMMAND_NOT_FOUND", `command not found: ${program}`, {
      argv: plan.argv,
      hint: program.includes("/")
        ? `no executable file at ${program} (from ${plan.cwd})`
        : `"${program}" is not an executable in the job's PATH (${env["PATH"] ?? "unset"})`,
    });
  }
  const { execa } = await import("execa");
  // Created here, 0600, so the wrapper's `>` (which keeps an existing file's mode) never makes it world-readable.
  writeFileSync(plan.exitCodePath, "", { mode: 0o600 });
  const copier = await startCopier({
    stdout: plan.stdoutPath,
    stderr: plan.stderrPath,
    output: plan.outputPath,
  });
  try {
    const script = localWrapperScript({
      retries: plan.retries,
      timeLimit: plan.timeLimit,
      graceSeconds: plan.graceSeconds,
      files: plan.wrapperFiles,
    });
    const subprocess = execa("/bin/sh", ["-c", script, plan.exitCodePath, ...plan.argv], {
      cwd: plan.cwd,
      env,
      extendEnv: false,
      detached: true,
      cleanup: false,
      reject: false,
      buffer: false,
      stdin: "ignore",
      // execa's types list only fds 1–9; any open fd works at runtime (the child inherits it directly).
      stdout: copier.stdoutFd as 1,
      stderr: copier.stderrFd as 1,
    });
    const pid = subprocess.pid;
    if (pid === undefined) {
      const result = await subprocess;
      throw new CommandError(
        "SPAWN_FAILED",
        `could not start ${program}: ${result.shortMessage ?? "unknown error"}`,
        {
          argv: plan.argv,
        },
      );
    }
    return {
      pid,
      startTime: processStartTime(pid) ?? "",
      exited: subprocess.then(() => undefined),
      detach: () => {
        subprocess.nodeChildProcess.unref();
      },
    };
  } finally {
    // The job holds its own copies now (or never started): the copier's EOF comes when the job's are closed.
    copier.close();
  }
}

/** The exact environment of the job: inherited (if asked) less {@link NOT_INHERITED}, then the plan's variables. */
export function jobEnvironment(
  plan: LocalPlan,
  launchEnv: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const env: Record<string, string> = {};
  if (plan.inheritEnv) {
    for (const [name, value] of Object.entries(launchEnv)) {
      if (value !== undefined && !NOT_INHERITED.includes(name)) env[name] = value;
    }
  }
  for (const [name, value] of Object.entries(plan.env)) env[name] = isSecret(value) ? value.reveal() : value;
  return env;
}
