import * as z from "zod";
import { EXECUTOR_KINDS } from "../config/types.ts";

const valuesSchema = z.union([
  z.array(z.string()),
  z.strictObject({
    kind: z.literal("range"),
    scale: z.enum(["linear", "log"]),
    low: z.number(),
    high: z.number(),
    integer: z.boolean(),
  }),
]);

/** The record of a sweep in the job store (`sweeps/<id>.json`); parsed on every read. */
export const sweepRecordSchema = z.strictObject({
  version: z.literal(1),
  id: z.string(),
  name: z.string(),
  profile: z.string(),
  executor: z.enum(EXECUTOR_KINDS),
  createdAt: z.string(),
  /** `grid` and `random` sweep parameters; `wandb-agents` runs `wandb agent` workers for a W&B sweep. */
  mode: z.enum(["grid", "random", "wandb-agents"]),
  /** For `wandb-agents`: the W&B sweep (`entity/project/sweep-id`) and the runs each agent takes. */
  wandbSweep: z.string().optional(),
  count: z.number().optional(),
  seed: z.number().optional(),
  maxParallel: z.number().optional(),
  params: z.record(z.string(), valuesSchema),
  /** One entry per combination: its values and the job that runs it (with its array index on Slurm). */
  runs: z.array(
    z.strictObject({
      index: z.number(),
      values: z.record(z.string(), z.string()),
      jobId: z.string(),
      arrayIndex: z.number().optional(),
      command: z.array(z.string()),
    }),
  ),
});

/**
 * A recorded sweep: its parameters and, per combination, the job (and array index) that runs it.
 *
 * @example
 * ```ts
 * const record: SweepRecord = readSweep(store, "sft-sweep-k3j9x2");
 * for (const run of record.runs) console.log(run.index, run.values, run.jobId, run.arrayIndex);
 * ```
 */
export type SweepRecord = z.infer<typeof sweepRecordSchema>;
