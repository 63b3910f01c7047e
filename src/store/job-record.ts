import * as z from "zod";
import { EXECUTOR_KINDS } from "../config/types.ts";
import { JOB_STATES } from "../job/job-state.ts";

/** The record format this slipway writes and reads. */
export const RECORD_VERSION = 1;

/**
 * Job ids: lowercase letters and digits in dash-separated words, e.g. `sft-smollm-k3j9x2` (see `newJobId`). Safe as
 * a file name, a Slurm job name, a Kubernetes object name and a W&B run id.
 */
export const JOB_ID_PATTERN = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/** The longest id `newJobId` makes is 47 characters; Kubernetes names allow 63. */
export const JOB_ID_MAX_LENGTH = 63;

/** Whether `id` is a well-formed job id. */
export function isJobId(id: string): boolean {
  return id.length <= JOB_ID_MAX_LENGTH && JOB_ID_PATTERN.test(id);
}

const optionalText = z.string().optional();
const timestamp = z.iso.datetime({ offset: true });

/** The process that created a record; a record without a native id whose launcher is gone was interrupted. */
const launcherSchema = z.strictObject({ pid: z.int().positive(), startTime: z.string() });

/**
 * The schema every record is parsed with when read; `detail` is parsed again by the executor's own schema.
 *
 * @example
 * ```ts
 * const parsed = jobRecordSchema.safeParse(JSON.parse(text));
 * ```
 */
export const jobRecordSchema = z.object({
  version: z.literal(RECORD_VERSION),
  id: z.string().refine(isJobId, "expected a job id (lowercase letters, digits and dashes)"),
  name: z.string(),
  profile: z.string(),
  executor: z.enum(EXECUTOR_KINDS),
  configFile: optionalText,
  nativeId: z.string(),
  command: z.array(z.string()),
  workdir: optionalText,
  createdAt: timestamp,
  startedAt: timestamp.optional(),
  endedAt: timestamp.optional(),
  state: z.enum(JOB_STATES),
  raw: z.string(),
  exitCode: z.int().optional(),
  reason: optionalText,
  plan: z.unknown(),
  detail: z.record(z.string(), z.unknown()),
  launchedBy: launcherSchema.optional(),
  cleanedAt: timestamp.optional(),
  wandbUrl: optionalText,
});

type Parsed = z.infer<typeof jobRecordSchema>;

/**
 * What the job store keeps about a job, so any later shell can find it again. Holds no secret: the plan is stored
 * in its rendered form, where secrets are `***`.
 *
 * @example
 * ```ts
 * const [newest] = await listJobs();
 * if (newest !== undefined) console.log(newest.record.id, newest.record.state, newest.record.nativeId);
 * ```
 */
export interface JobRecord {
  readonly version: typeof RECORD_VERSION;
  readonly id: string;
  readonly name: string;
  readonly profile: string;
  readonly executor: Parsed["executor"];
  readonly configFile: string | undefined;
  /** The executor's own id; empty until the job was submitted. */
  readonly nativeId: string;
  readonly command: readonly string[];
  readonly workdir: string | undefined;
  readonly createdAt: string;
  readonly startedAt: string | undefined;
  readonly endedAt: string | undefined;
  /** Last known state; final once it is succeeded, failed or cancelled. */
  readonly state: Parsed["state"];
  readonly raw: string;
  readonly exitCode: number | undefined;
  readonly reason: string | undefined;
  /** The plan as JSON, secrets shown as `***`. */
  readonly plan: unknown;
  /** Executor-specific facts needed to reattach (a pid and its start time, a host, …); the executor's schema. */
  readonly detail: Readonly<Record<string, unknown>>;
  /** The process that launched the job, until it was submitted. */
  readonly launchedBy?: { readonly pid: number; readonly startTime: string } | undefined;
  /** When `slipway cleanup` freed the job's engine resources; logs are then read from the store. */
  readonly cleanedAt?: string | undefined;
  /** The W&B run the job reports to, when it was known at launch. */
  readonly wandbUrl?: string | undefined;
}
