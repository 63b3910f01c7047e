import type { CommandRunner } from "../command-runner.ts";
import type { ChannelQueueStats } from "./channel-queue.ts";

/** Counters of an SSH runner, for tests and diagnostics. */
export interface SshRunnerStats {
  /** Connections established to the target so far (more than 1 after reconnects). */
  readonly connects: number;
  /** Whether a connection is up now. */
  readonly connected: boolean;
  /** Exec and SFTP channels: open now, the most ever open at once, opened in total, callers waiting. */
  readonly channels: ChannelQueueStats;
}

/**
 * A {@link CommandRunner} over one SSH connection, with its counters. `Connections.ssh` gives the shared one for a
 * target.
 *
 * @example
 * ```ts
 * const runner: SshRunner = connections.ssh(target, { env: process.env, homeDir: os.homedir() });
 * await runner.run("hostname");
 * runner.stats().connects; // 1
 * ```
 */
export interface SshRunner extends CommandRunner {
  stats(): SshRunnerStats;
}
