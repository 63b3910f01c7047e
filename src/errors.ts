/**
 * Stable machine-readable codes of {@link SlipwayError}. Codes are part of the public API: add, never rename.
 *
 * @example
 * ```ts
 * const exitCodes: Partial<Record<ErrorCode, number>> = { CONFIG_SCHEMA: 2, WANDB_KEY: 3 };
 * if (e instanceof SlipwayError) process.exitCode = exitCodes[e.code] ?? 1;
 * ```
 */
export type ErrorCode =
  | "CONFIG_NOT_FOUND"
  | "CONFIG_READ"
  | "CONFIG_SYNTAX"
  | "CONFIG_SCHEMA"
  | "PROFILE_UNKNOWN"
  | "ENV_UNSET"
  | "WANDB_KEY"
  | "TRACKING_INVALID"
  | "RECIPE_INVALID"
  | "UNSUPPORTED"
  | "EXECUTOR_NOT_BUILT"
  | "COMMAND_NOT_FOUND"
  | "SPAWN_FAILED"
  | "JOB_NOT_FOUND"
  | "JOB_AMBIGUOUS"
  | "JOB_ID_INVALID"
  | "STORE"
  | "ENGINE_UNREACHABLE"
  | "ENGINE_ERROR"
  | "IMAGE_NOT_FOUND"
  | "MOUNT_SOURCE_MISSING"
  | "GPU_UNAVAILABLE"
  | "NO_SHELL"
  | "PACKAGE_FAILED";

/** Options shared by every slipway error. */
export interface SlipwayErrorOptions {
  /** One line telling the user what to do next. */
  readonly hint?: string | undefined;
  readonly cause?: unknown;
}

/**
 * The one error type slipway throws on purpose. `code` is stable; the first line of `message` says what failed and
 * where; `hint` says what to do. Subclasses add public structured fields.
 *
 * @example
 * ```ts
 * try { await launch(recipe, { profile: "gpu" }); }
 * catch (e) { if (e instanceof SlipwayError && e.code === "PROFILE_UNKNOWN") console.error(e.message); }
 * ```
 */
export class SlipwayError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: SlipwayErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "SlipwayError";
    this.code = code;
    this.hint = options.hint;
  }
}

/**
 * One problem found in a configuration file, at a dotted key path.
 *
 * @example
 * ```ts
 * // env.toml: [gpu0] nodes = "two"
 * const issues: readonly ConfigIssue[] = e instanceof ConfigError ? e.issues : [];
 * for (const { path, message } of issues) console.error(`${path}: ${message}`);
 * // gpu0.nodes: expected integer ≥ 1, got "two"
 * ```
 */
export interface ConfigIssue {
  /** Dotted key path inside the file, e.g. `gpu0.env.CUDA_VISIBLE_DEVICES`; empty for the whole file. */
  readonly path: string;
  /** What was expected or what is wrong, e.g. `expected string, got integer`. */
  readonly message: string;
}

/** Where a {@link ConfigError} points in its file. */
export interface ConfigErrorDetails extends SlipwayErrorOptions {
  readonly file: string;
  readonly line?: number | undefined;
  readonly column?: number | undefined;
  readonly issues?: readonly ConfigIssue[] | undefined;
}

/**
 * A problem with `env.toml` (or another config file): `file` always names it; syntax errors carry `line`/`column`;
 * schema errors carry every `issues` entry at once.
 *
 * @example
 * ```ts
 * if (e instanceof ConfigError) for (const i of e.issues) console.error(`${e.file}: ${i.path}: ${i.message}`);
 * ```
 */
export class ConfigError extends SlipwayError {
  readonly file: string;
  readonly line: number | undefined;
  readonly column: number | undefined;
  readonly issues: readonly ConfigIssue[];

  constructor(code: ErrorCode, message: string, details: ConfigErrorDetails) {
    super(code, message, details);
    this.name = "ConfigError";
    this.file = details.file;
    this.line = details.line;
    this.column = details.column;
    this.issues = details.issues ?? [];
  }
}

/**
 * Something a job or executor cannot do; `reasons` lists each unsupported request with why. Thrown before
 * anything starts.
 *
 * @example
 * ```ts
 * const recipe: Recipe = { name: "big", command: ["python", "train.py"], resources: { nodes: 4 } };
 * try { await launch(recipe, { profile: "local" }); }
 * catch (e) { if (e instanceof UnsupportedError) console.error(e.executor, e.reasons); }
 * // local ["nodes = 4: it runs on this machine only; use a slurm, kubernetes or ray profile …"]
 * ```
 */
export class UnsupportedError extends SlipwayError {
  readonly executor: string;
  readonly reasons: readonly string[];

  constructor(executor: string, reasons: readonly string[], options: SlipwayErrorOptions = {}) {
    super(
      "UNSUPPORTED",
      `the ${executor} executor cannot run this job:\n${reasons.map((r) => `  - ${r}`).join("\n")}`,
      options,
    );
    this.name = "UnsupportedError";
    this.executor = executor;
    this.reasons = reasons;
  }
}

/**
 * A command slipway ran (or tried to run) failed; keeps its argv, exit code and stderr.
 *
 * @example
 * ```ts
 * try { await launch({ name: "typo", command: ["pyhton", "train.py"] }, { profile: "local" }); }
 * catch (e) { if (e instanceof CommandError) console.error(e.code, e.argv, e.exitCode); }
 * // COMMAND_NOT_FOUND ["pyhton", "train.py"] undefined
 * ```
 */
export class CommandError extends SlipwayError {
  readonly argv: readonly string[];
  readonly exitCode: number | undefined;
  readonly stderr: string;
  /** Where the command ran (`user@host:port`), or `undefined` for this machine. */
  readonly host: string | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details: SlipwayErrorOptions & {
      argv: readonly string[];
      exitCode?: number | undefined;
      stderr?: string;
      host?: string | undefined;
    },
  ) {
    super(code, message, details);
    this.name = "CommandError";
    this.argv = details.argv;
    this.exitCode = details.exitCode;
    this.stderr = details.stderr ?? "";
    this.host = details.host;
  }
}

/**
 * The job store could not be used, or holds a record slipway cannot read; `path` names the file or directory.
 *
 * @example
 * ```ts
 * try { await getJob("sft-k3j9x2"); }
 * catch (e) { if (e instanceof StoreError) console.error(e.path); } // …/jobs/sft-k3j9x2/job.json
 * ```
 */
export class StoreError extends SlipwayError {
  readonly path: string;

  constructor(message: string, details: SlipwayErrorOptions & { readonly path: string }) {
    super("STORE", message, details);
    this.name = "StoreError";
    this.path = details.path;
  }
}

/** Where an {@link EngineError} happened: the request an engine refused or answered with something unreadable. */
export interface EngineErrorDetails extends SlipwayErrorOptions {
  readonly executor: string;
  /** HTTP method (or API operation, e.g. `container.inspect`). */
  readonly method: string;
  /** Request path or endpoint, e.g. `/api/jobs/sft-k3j9x2`. */
  readonly path: string;
  /** HTTP status, when the engine answered. */
  readonly status?: number | undefined;
  /** The engine's answer (cut to a readable length), when it gave one. */
  readonly body?: string | undefined;
}

/**
 * An engine's API refused a request or gave an answer slipway cannot read (a Ray dashboard behind a proxy that
 * answers HTML, a Docker daemon error). The request and the answer are fields, not just text.
 *
 * @example
 * ```ts
 * catch (e) { if (e instanceof EngineError && e.status === 401) console.error(`token refused by ${e.path}`); }
 * ```
 */
export class EngineError extends SlipwayError {
  readonly executor: string;
  readonly method: string;
  readonly path: string;
  readonly status: number | undefined;
  readonly body: string | undefined;

  constructor(code: ErrorCode, message: string, details: EngineErrorDetails) {
    super(code, message, details);
    this.name = "EngineError";
    this.executor = details.executor;
    this.method = details.method;
    this.path = details.path;
    this.status = details.status;
    this.body = details.body;
  }
}
