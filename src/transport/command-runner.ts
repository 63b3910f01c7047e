/** What a command run on a remote host (or on this machine) gave back. */
export interface CommandResult {
  readonly stdout: string;
  readonly stderr: string;
  /** The command's exit status; `-1` when it was ended by a signal. */
  readonly exitCode: number;
}

/** Options of {@link CommandRunner.run}. */
export interface RunOptions {
  /** Bytes written to the command's stdin, then closed. */
  readonly stdin?: string | Buffer;
  /** Ends the command (closes its channel) when aborted; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called with each chunk of stdout as it arrives (the result still holds all of it). */
  readonly onStdout?: (chunk: Buffer) => void;
}

/**
 * Where commands run and files are written: a host reached over SSH, or this machine. Commands run through the
 * user's shell (`sh -c` semantics, as `ssh host command` does); files are written with an exact mode. Runners come
 * from a `Connections` object, which shares one per target between every caller in the process.
 *
 * @example
 * ```ts
 * const runner = defaultConnections().ssh(target, { env: process.env, homeDir: os.homedir() });
 * const { stdout } = await runner.run("squeue -h -t all --me -o '%i|%T'");
 * ```
 */
export interface CommandRunner {
  /** `user@host:port` (or `local`) for messages. */
  readonly label: string;
  /**
   * Runs `command` through the user's login shell. Resolves with its output and exit status whatever the status;
   * rejects only when the command could not be run (connection lost, channel refused): then with a `SlipwayError`
   * whose code is `ENGINE_UNREACHABLE` and whose message names {@link label}.
   */
  run(command: string, options?: RunOptions): Promise<CommandResult>;
  /** The user's home directory, absolute (asked once, then cached). */
  home(): Promise<string>;
  /**
   * Creates `path` (absolute) with exactly `data` and `mode`, failing if it exists. Over SSH this is SFTP: the
   * content never passes through a command line. Parent directories must exist.
   */
  writeFile(path: string, data: string | Buffer, mode: number): Promise<void>;
  /** Creates directory `path` (absolute) with `mode`; its parent must exist. Fails if it exists. */
  mkdir(path: string, mode: number): Promise<void>;
  /** Closes the connection (pending and later calls reject). */
  close(): void;
}
