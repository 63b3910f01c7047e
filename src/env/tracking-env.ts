import type { WandbMode, WandbSettings } from "../config/types.ts";
import { SlipwayError } from "../errors.ts";
import { Secret } from "../secret.ts";
import type { WandbKeyDetection } from "./detect-wandb-key.ts";
import { DEFAULT_WANDB_BASE_URL } from "./wandb-base-url.ts";
import { projectProblem, runIdProblem, tagsProblem } from "./wandb-values.ts";

/**
 * Run metadata a recipe may set for its own run; each field wins over `[wandb]`.
 *
 * @example
 * ```ts
 * const tracking: TrackingOverrides = { group: "smollm", tags: ["sft", "lr-sweep"], resume: true };
 * await launch({ name: "sft", command: ["python", "train.py"], tracking }, { profile: "gpu0" });
 * // WANDB_RUN_GROUP=smollm, WANDB_TAGS=sft,lr-sweep; rank 0 gets WANDB_RUN_ID=<job id>, WANDB_RESUME=allow
 * ```
 */
export interface TrackingOverrides {
  readonly project?: string;
  readonly entity?: string;
  /** The run's display name (`WANDB_NAME`; default the job id); `false` sets none, e.g. for W&B sweep agents. */
  readonly name?: string | false;
  readonly group?: string;
  readonly jobType?: string;
  readonly tags?: readonly string[];
  readonly notes?: string;
  /** Make the run resumable: `true` uses the slipway job id as the W&B run id, or give the run id. */
  readonly resume?: boolean | { readonly runId: string };
  /**
   * The W&B run id of rank 0 (`WANDB_RUN_ID`). Default: the slipway job id, so the run's URL is known at launch;
   * `false` sets none (for a script that calls `wandb.init()` more than once, each run getting its own id).
   */
  readonly runId?: string | false;
}

/**
 * Where the key came from, for `doctor` and dry runs; never the key itself.
 *
 * @example
 * ```ts
 * const { key } = (await buildExecutor("gpu0")).tracking;
 * if (key.status === "found") console.log(`W&B key for ${key.host} from ${key.source}`);
 * else if (key.status === "missing") console.warn(`no W&B key (${key.reason}): runs go offline`);
 * ```
 */
export type KeySummary =
  | { readonly status: "found"; readonly source: string; readonly host: string }
  | { readonly status: "identity-token"; readonly tokenFile: string; readonly host: string }
  | { readonly status: "not-needed"; readonly mode: WandbMode }
  | { readonly status: "missing"; readonly reason: string };

/**
 * The W&B variables an executor injects into every job, decided once per profile.
 *
 * @example
 * ```ts
 * const { tracking } = await buildExecutor("gpu0");
 * tracking.vars["WANDB_PROJECT"]; // "llm-sft", from [wandb] project
 * for (const notice of tracking.notices) console.warn(notice);
 * ```
 */
export interface TrackingEnv {
  /** Variables for every rank; `WANDB_API_KEY` is a {@link Secret}. */
  readonly vars: Readonly<Record<string, string | Secret>>;
  readonly key: KeySummary;
  /** Things the user should hear about (e.g. "no key found, running offline"); never contain the key. */
  readonly notices: readonly string[];
}

/** Environment variables of one job that come from tracking: for all ranks, and for rank 0 only. */
export interface JobTrackingEnv {
  readonly vars: Readonly<Record<string, string | Secret>>;
  readonly rankZero: Readonly<Record<string, string>>;
}

export interface ResolveTrackingOptions {
  readonly settings: WandbSettings;
  readonly detection: WandbKeyDetection;
  /** The env.toml the settings came from, named in errors. */
  readonly file: string;
}

/**
 * Decides the tracking variables of a profile from `[wandb]` and the detected key. Throws `TRACKING_INVALID` for a
 * value the SDK would reject and `WANDB_KEY` when the key is unusable (or missing with `require_key = true`).
 *
 * @example
 * ```ts
 * const detection = detectWandbKey({ env: process.env, homeDir: os.homedir(), cwd: process.cwd() });
 * const tracking = resolveTrackingEnv({ settings: resolveWandb(config, process.env), detection, file: config.file });
 * ```
 */
export function resolveTrackingEnv(options: ResolveTrackingOptions): TrackingEnv {
  const { settings, detection, file } = options;
  const origin = `[wandb] in ${file}`;
  const vars: Record<string, string | Secret> = {};
  const notices: string[] = [...detection.warnings];
  setMetadata(vars, settings, origin);

  if (detection.status === "invalid" && detection.baseUrl === undefined) {
    throw new SlipwayError("WANDB_KEY", `W&B server URL is invalid: ${detection.reason}`, {
      hint: `fix base_url in ${file} or WANDB_BASE_URL`,
    });
  }
  if (detection.baseUrl !== undefined && detection.baseUrl !== DEFAULT_WANDB_BASE_URL) {
    vars["WANDB_BASE_URL"] = detection.baseUrl;
  }

  const mode = settings.mode;
  if (mode === "offline" || mode === "disabled") {
    vars["WANDB_MODE"] = mode;
    return { vars, key: { status: "not-needed", mode }, notices };
  }
  if (mode === "online") vars["WANDB_MODE"] = "online";

  switch (detection.status) {
    case "found":
      if (detection.kind === "api-key") {
        vars["WANDB_API_KEY"] = detection.key;
        // A key from a project file is easy to forget about: say which one is used.
        if (detection.source === "env-file") notices.push(`W&B key from ${keySource(detection)}`);
        return {
          vars,
          key: { status: "found", source: keySource(detection), host: detection.host },
          notices,
        };
      }
      vars["WANDB_IDENTITY_TOKEN_FILE"] = detection.tokenFile;
      return {
        vars,
        key: { status: "identity-token", tokenFile: detection.tokenFile, host: detection.host },
        notices,
      };
    case "invalid":
      throw new SlipwayError("WANDB_KEY", `W&B API key is unusable: ${detection.reason}`, {
        hint: 'fix the key (e.g. run "wandb login --relogin"), or set mode = "offline" under [wandb]',
      });
    case "missing":
      if (settings.requireKey) {
        throw new SlipwayError("WANDB_KEY", `W&B: ${detection.reason}`, {
          hint: `log in or set WANDB_API_KEY; require_key = true in ${file} makes a missing key an error`,
        });
      }
      vars["WANDB_MODE"] = "offline";
      notices.push(noKeyNotice(detection.reason, file));
      return { vars, key: { status: "missing", reason: detection.reason }, notices };
  }
}

/**
 * The notice of a launch that found no W&B key and runs offline, with how to silence it. `launch()` shows it once a
 * day per env.toml.
 *
 * @example
 * ```ts
 * noKeyNotice("no API key: WANDB_API_KEY is unset", "/repo/env.toml");
 * // 'W&B: no API key: WANDB_API_KEY is unset; jobs run with WANDB_MODE=offline (said once a day; mode = "offline" under [wandb] in /repo/env.toml silences it)'
 * ```
 */
export function noKeyNotice(reason: string, file: string): string {
  return `W&B: ${reason}; jobs run with WANDB_MODE=offline (said once a day; mode = "offline" under [wandb] in ${file} silences it)`;
}

/**
 * Applies a recipe's tracking overrides on top of the profile's tracking env, for one job.
 *
 * @example
 * ```ts
 * const { vars, rankZero } = jobTrackingEnv(executor.tracking, { tags: ["ablation"], resume: true }, "sft-k3j9x2");
 * rankZero.WANDB_RESUME; // "allow"
 * ```
 */
export function jobTrackingEnv(
  tracking: TrackingEnv,
  overrides: TrackingOverrides | undefined,
  jobId: string,
): JobTrackingEnv {
  const vars: Record<string, string | Secret> = { ...tracking.vars };
  if (vars["WANDB_NAME"] === undefined) vars["WANDB_NAME"] = jobId;
  if (overrides === undefined) return { vars, rankZero: {} };
  setMetadata(vars, overrides, "recipe.tracking");
  if (overrides.name === false) delete vars["WANDB_NAME"];
  const rankZero: Record<string, string> = {};
  if (overrides.resume !== undefined && overrides.resume !== false) {
    const runId = overrides.resume === true ? jobId : overrides.resume.runId;
    const problem = runIdProblem(runId);
    if (problem !== undefined) {
      throw new SlipwayError("TRACKING_INVALID", `recipe.tracking.resume.runId "${runId}" ${problem}`);
    }
    rankZero["WANDB_RUN_ID"] = runId;
    rankZero["WANDB_RESUME"] = "allow";
  } else if (typeof overrides.runId === "string") {
    const problem = runIdProblem(overrides.runId);
    if (problem !== undefined) {
      throw new SlipwayError("TRACKING_INVALID", `recipe.tracking.runId "${overrides.runId}" ${problem}`);
    }
    rankZero["WANDB_RUN_ID"] = overrides.runId;
  }
  return { vars, rankZero };
}

/** The run metadata shared by `[wandb]` and a recipe's overrides. */
interface Metadata {
  readonly project?: string | undefined;
  readonly entity?: string | undefined;
  readonly name?: string | false | undefined;
  readonly group?: string | undefined;
  readonly jobType?: string | undefined;
  readonly tags?: readonly string[] | undefined;
  readonly notes?: string | undefined;
}

function setMetadata(vars: Record<string, string | Secret>, values: Metadata, origin: string): void {
  if (values.project !== undefined) {
    const problem = projectProblem(values.project);
    if (problem !== undefined) invalid(`project "${values.project}" in ${origin} ${problem}`);
    vars["WANDB_PROJECT"] = values.project;
  }
  if (values.tags !== undefined) {
    const problem = tagsProblem(values.tags);
    if (problem !== undefined) invalid(`tags in ${origin}: ${problem}`);
    if (values.tags.length > 0) vars["WANDB_TAGS"] = values.tags.join(",");
    else delete vars["WANDB_TAGS"];
  }
  const plain: readonly [keyof Metadata, string][] = [
    ["entity", "WANDB_ENTITY"],
    ["name", "WANDB_NAME"],
    ["group", "WANDB_RUN_GROUP"],
    ["jobType", "WANDB_JOB_TYPE"],
    ["notes", "WANDB_NOTES"],
  ];
  for (const [field, name] of plain) {
    const value = values[field];
    if (typeof value === "string") vars[name] = value;
  }
}

function invalid(message: string): never {
  throw new SlipwayError("TRACKING_INVALID", message, {
    hint: "the W&B SDK would reject this value when the job starts",
  });
}

function keySource(detection: Extract<WandbKeyDetection, { kind: "api-key" }>): string {
  switch (detection.source) {
    case "WANDB_API_KEY":
      return "WANDB_API_KEY";
    case "env-file":
      return detection.envFilePath ?? "an env_file";
    case "settings":
      return `api_key in ${detection.settingsPath ?? "a W&B settings file"}`;
    case "netrc": {
      const entry =
        detection.machine === "default" ? "default entry" : `machine ${detection.machine ?? detection.host}`;
      return `netrc ${detection.netrcPath ?? ""} (${entry})`;
    }
  }
}
