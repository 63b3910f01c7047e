import * as z from "zod";

/** Where a step stands: `waiting` for its predecessors, `launching` (recorded before submit), then as its job. */
export const STEP_STATES = ["waiting", "launching", "running", "succeeded", "failed", "cancelled"] as const;

/** A step's state; see {@link STEP_STATES}. */
export type StepState = (typeof STEP_STATES)[number];

/** States a step never leaves. */
export const ENDED_STEP_STATES: ReadonlySet<StepState> = new Set(["succeeded", "failed", "cancelled"]);

const processSchema = z.strictObject({ pid: z.number(), startTime: z.string(), startedAt: z.string() });

/** The record of an experiment in the job store (`experiments/<id>.json`); parsed on every read. */
export const experimentRecordSchema = z.strictObject({
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  /** The experiment file, and the sha256 of its text: a resumed supervisor refuses a file that changed. */
  file: z.string(),
  fileHash: z.string(),
  /** The env.toml given with --config, if any; else the one found from `cwd`. */
  config: z.string().optional(),
  cwd: z.string(),
  createdAt: z.string(),
  steps: z.array(
    z.strictObject({
      name: z.string(),
      profile: z.string(),
      after: z.array(z.string()),
      sweep: z.boolean(),
      /** Chosen when the experiment is created, before anything is submitted: the key that makes a launch happen once. */
      jobId: z.string(),
      /** The Slurm cluster (`user@host:port`) the step submits to: steps on one cluster chain with afterok. */
      cluster: z.string().optional(),
      state: z.enum(STEP_STATES),
      reason: z.string().optional(),
      endedAt: z.string().optional(),
    }),
  ),
  supervisor: processSchema.optional(),
  endedAt: z.string().optional(),
});

/**
 * A recorded experiment: its steps, each with the job (or sweep) id it launches under and where it stands.
 *
 * @example
 * ```ts
 * const record: ExperimentRecord = readExperiment(store, "smollm-k3j9x2");
 * for (const step of record.steps) console.log(step.name, step.state, step.jobId);
 * ```
 */
export type ExperimentRecord = z.infer<typeof experimentRecordSchema>;

/** One step of an {@link ExperimentRecord}. */
export type StepRecord = ExperimentRecord["steps"][number];
