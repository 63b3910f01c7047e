/**
 * slipway: launch ML training jobs anywhere, with W&B tracking wired in.
 *
 * @example
 * ```ts
 * import { launch } from "slipway";
 * const job = await launch({ name: "sft", command: ["python", "train.py"] }, { profile: "local" });
 * console.log(await job.wait());
 * ```
 * @packageDocumentation
 */
export { launch, dryRun, type LaunchOptions, type LaunchedJob, type DryRun } from "./launch.ts";
export { launchSweep, dryRunSweep, type LaunchedSweep, type SweepDryRun } from "./launch-sweep.ts";
export { launchAgents, dryRunAgents, type AgentRecipe } from "./launch-agents.ts";
export type { WandbAgents } from "./sweep/plan-agents.ts";
export { expandSweep, type Sweep, type Combination } from "./sweep/expand-sweep.ts";
export { parseSweepSpec, type SweepValues } from "./sweep/sweep-spec.ts";
export type { SweepRecord } from "./sweep/sweep-record.ts";
export {
  experiment,
  type ExperimentOptions,
  type StartedExperiment,
} from "./experiment/launch-experiment.ts";
export type { ExperimentRecord } from "./experiment/experiment-record.ts";
export { buildExecutor, type BuildExecutorOptions } from "./build-executor.ts";
export { getJob, listJobs, type JobSummary, type ListJobsOptions } from "./jobs.ts";
export type { ProfileChoice } from "./select-profile.ts";
export type { RuntimeOptions } from "./runtime.ts";
export type { Recipe, ResourceRequest } from "./job/recipe.ts";
export type { Job } from "./job/job.ts";
export type {
  Capabilities,
  CleanupResult,
  Feature,
  JobHandle,
  LogOptions,
  LogStream,
  LogEntry,
  Plan,
  SubmitOptions,
} from "./executors/types.ts";
export type {
  CheckResult,
  Executor,
  ExecutorContext,
  ExecutorModule,
  JobEngine,
  LogSaver,
  PollPolicy,
  RecordedJob,
  Submitted,
} from "./executors/executor-module.ts";
export { JOB_STATES, TERMINAL_STATES, type JobState, type JobStatus } from "./job/job-state.ts";
export { Connections } from "./transport/connections.ts";
export type { TrackingEnv, TrackingOverrides, KeySummary } from "./env/tracking-env.ts";
export { detectWandbKey, type WandbKeyDetection } from "./env/detect-wandb-key.ts";
export { loadConfig } from "./config/load-config.ts";
export type { LoadedConfig } from "./config/loaded-config.ts";
export { resolveProfile, resolveWandb, listProfiles } from "./config/resolve-profile.ts";
export type {
  EnvFileRef,
  ExecutorKind,
  Launcher,
  LocalProfile,
  ResolvedProfile,
  Resources,
  WandbMode,
  WandbSettings,
} from "./config/types.ts";
export type { JobRecord } from "./store/job-record.ts";
export { Secret, REDACTED } from "./secret.ts";
export {
  SlipwayError,
  ConfigError,
  UnsupportedError,
  CommandError,
  EngineError,
  StoreError,
  type ErrorCode,
  type ConfigIssue,
} from "./errors.ts";
