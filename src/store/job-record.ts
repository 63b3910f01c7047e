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

// Built on first use: the job store checks records by hand (wellFormedRecord) and asks the schema only for the
// reasons a record is refused, so a list or a launch never builds it.
function buildJobRecordSchema() {
  const optionalText = z.string().optional();
  const timestamp = z.iso.datetime({ offset: true });
  /** The process that created a record; a record without a native id whose launcher is gone was interrupted. */
  const launcherSchema = z.strictObject({ pid: z.int().positive(), startTime: z.string() });
  return z.object({
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
}

let schema: ReturnType<typeof buildJobRecordSchema> | undefined;

/**
 * The schema of a record as read: what {@link wellFormedRecord} accepts, with zod's reasons for what it refuses;
 * `detail` is parsed again by the executor's own schema.
 *
 * @example
 * ```ts
 * const parsed = jobRecordSchema().safeParse(JSON.parse(text));
 * ```
 */
export function jobRecordSchema(): ReturnType<typeof buildJobRecordSchema> {
  return (schema ??= buildJobRecordSchema());
}

type Parsed = z.infer<ReturnType<typeof buildJobRecordSchema>>;

// zod's own pattern for `z.iso.datetime({ offset: true })`, the schema's timestamps; taken on first use (a dry run
// reads no record, and needs no zod).
let timestamp: RegExp | undefined;
const KINDS: ReadonlySet<unknown> = new Set(EXECUTOR_KINDS);
const STATES: ReadonlySet<unknown> = new Set(JOB_STATES);

/**
 * The record in `data` when {@link jobRecordSchema} accepts it, else `undefined`: the same judgement, made by hand
 * because a list reads thousands of records in a cold process, where zod's parse costs ~3 µs each (a third of
 * `slipway list`). Unknown keys are left out, as the schema's parse leaves them out. On `undefined`, parse with the
 * schema for the reasons. test/unit/store/job-record.test.ts holds the two to the same verdicts on generated records.
 *
 * @example
 * ```ts
 * const record = wellFormedRecord(JSON.parse(text)) ?? jobRecordSchema().parse(JSON.parse(text));
 * ```
 */
export function wellFormedRecord(data: unknown): JobRecord | undefined {
  if (!isPlainObject(data)) return undefined;
  const r = data;
  const { launchedBy, detail } = r;
  const ok =
    r["version"] === RECORD_VERSION &&
    typeof r["id"] === "string" &&
    isJobId(r["id"]) &&
    typeof r["name"] === "string" &&
    typeof r["profile"] === "string" &&
    KINDS.has(r["executor"]) &&
    optional(r["configFile"], isString) &&
    typeof r["nativeId"] === "string" &&
    Array.isArray(r["command"]) &&
    r["command"].every(isString) &&
    optional(r["workdir"], isString) &&
    isTimestamp(r["createdAt"]) &&
    optional(r["startedAt"], isTimestamp) &&
    optional(r["endedAt"], isTimestamp) &&
    STATES.has(r["state"]) &&
    typeof r["raw"] === "string" &&
    optional(r["exitCode"], Number.isSafeInteger) &&
    optional(r["reason"], isString) &&
    Object.hasOwn(r, "plan") &&
    isPlainObject(detail) &&
    // zod copies a record key by key, where an own `__proto__` (JSON.parse makes one) is not copied: its way, then.
    !Object.hasOwn(detail, "__proto__") &&
    optional(launchedBy, isLauncher) &&
    optional(r["cleanedAt"], isTimestamp) &&
    optional(r["wandbUrl"], isString);
  if (!ok) return undefined;
  const { cleanedAt, wandbUrl } = r;
  return {
    version: RECORD_VERSION,
    id: r["id"],
    name: r["name"],
    profile: r["profile"],
    executor: r["executor"],
    configFile: r["configFile"],
    nativeId: r["nativeId"],
    command: r["command"],
    workdir: r["workdir"],
    createdAt: r["createdAt"],
    startedAt: r["startedAt"],
    endedAt: r["endedAt"],
    state: r["state"],
    raw: r["raw"],
    exitCode: r["exitCode"],
    reason: r["reason"],
    plan: r["plan"],
    detail,
    ...(launchedBy === undefined ? {} : { launchedBy }),
    ...(cleanedAt === undefined ? {} : { cleanedAt }),
    ...(wandbUrl === undefined ? {} : { wandbUrl }),
  } as JobRecord;
}

function optional(value: unknown, check: (value: unknown) => boolean): boolean {
  return value === undefined || check(value);
}

function isString(value: unknown): value is string {
  return typeof value === "string";
}

function isTimestamp(value: unknown): boolean {
  timestamp ??= z.iso.datetime({ offset: true }).def.pattern ?? /^$/;
  return typeof value === "string" && timestamp.test(value);
}

// What zod takes for a record or an object: not null, not an array, made by `{}` (or with no prototype).
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isLauncher(value: unknown): boolean {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  return (
    keys.every((key) => key === "pid" || key === "startTime") &&
    Number.isSafeInteger(value["pid"]) &&
    (value["pid"] as number) > 0 &&
    typeof value["startTime"] === "string"
  );
}

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
