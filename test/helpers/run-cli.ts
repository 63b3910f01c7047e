import { spawn, spawnSync } from "node:child_process";
import { join } from "node:path";

const cli = join(import.meta.dirname, "..", "..", "src", "cli.ts");

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `slipway <args>` from the sources in a child process with exactly `env`. */
export function runCli(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): CliResult {
  const result = spawnSync(process.execPath, [cli, ...args], {
    ...options,
    encoding: "utf8",
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Same, without waiting: for tests that interrupt the CLI. */
export function startCli(args: readonly string[], options: { env: Record<string, string>; cwd: string }) {
  return spawn(process.execPath, [cli, ...args], { ...options, stdio: ["ignore", "pipe", "pipe"] });
}
