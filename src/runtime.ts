import { homedir } from "node:os";
import { JobStore } from "./store/job-store.ts";
import { defaultConnections, type Connections } from "./transport/connections.ts";

/**
 * Where slipway reads the launching machine from; every field defaults to this process's own.
 *
 * @example
 * ```ts
 * const runtime: RuntimeOptions = { env: { ...process.env, SLIPWAY_HOME: "/tmp/slipway" }, cwd: "/repo" };
 * for (const { record, status } of await listJobs(runtime)) console.log(record.id, status.state);
 * ```
 */
export interface RuntimeOptions {
  /** Environment of the launching machine (default `process.env`); `${env:…}` and key detection read it. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Directory to launch from and to look for env.toml from (default `process.cwd()`). */
  readonly cwd?: string;
  /** Home directory for `~/.netrc`, W&B settings and the job store (default `os.homedir()`). */
  readonly homeDir?: string;
  /**
   * Pooled connections (one SSH connection per cluster) to use (default: this process's shared pool, so every
   * launch of a sweep shares one connection). Pass your own to `close()` it when done.
   */
  readonly connections?: Connections;
}

/** {@link RuntimeOptions} with the defaults filled in and the job store opened. */
export interface Runtime {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly homeDir: string;
  readonly store: JobStore;
  readonly connections: Connections;
}

/** Fills in the runtime defaults. */
export function runtimeOf(options: RuntimeOptions = {}): Runtime {
  const env = options.env ?? process.env;
  const homeDir = options.homeDir ?? homedir();
  let connections: Connections | undefined;
  return {
    env,
    cwd: options.cwd ?? process.cwd(),
    homeDir,
    store: JobStore.fromEnv(env, homeDir),
    // Taken on first use: a local job or a dry run opens no connection, and the bundled CLI then never loads the
    // SSH transport (scripts/build-cli.ts, LAZY_MODULES).
    get connections() {
      return (connections ??= options.connections ?? defaultConnections());
    },
  };
}
