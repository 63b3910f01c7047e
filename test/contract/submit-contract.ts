import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { buildExecutor } from "../../src/build-executor.ts";
import type { ExecutorKind } from "../../src/config/types.ts";
import { SlipwayError } from "../../src/errors.ts";
import { executorModule } from "../../src/executors/registry.ts";
import { initialRecord } from "../../src/executors/submit-job.ts";
import { getJob } from "../../src/jobs.ts";
import { dryRun, launch, type LaunchOptions } from "../../src/launch.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { CONTRACT_SCRIPTS } from "./harness.ts";

/** What the submit contract needs of a real engine: a profile that works, and a recipe or profile it refuses. */
export interface SubmitHarness {
  readonly kind: ExecutorKind;
  readonly options: LaunchOptions;
  /** A launch the engine (not slipway's own checks) refuses at submit. */
  readonly refused: { readonly recipe: Recipe; readonly options: LaunchOptions };
}

/**
 * The submit contract, the same for every executor: `submit` returns data and writes no record, leaves the plan as
 * it was, and gives a `detail` that the executor's own schema reads back; the core records the job before and after.
 */
export function submitContract(harness: () => SubmitHarness): void {
  const recipe: Recipe = { name: "contract", script: CONTRACT_SCRIPTS.runs };

  it("submit returns data, writes no record and leaves the plan unchanged", async () => {
    const { kind, options } = harness();
    const store = storeOf(options);
    const { job, plan } = await dryRun(recipe, options);
    const executor = await buildExecutor(options.profile, options);
    const files = store.create(initialRecord(executor, job, plan));
    const recordBefore = readFileSync(files.record, "utf8");
    const planBefore = JSON.stringify(plan);
    const submitted = await executor.submit(plan, { detach: true });
    try {
      expect(JSON.stringify(plan)).toBe(planBefore);
      expect(readFileSync(files.record, "utf8")).toBe(recordBefore);
      expect(submitted.nativeId).not.toBe("");
      expect(["pending", "running"]).toContain(submitted.status.state);
      expect((await executorModule(kind)).detail.safeParse(submitted.detail).success).toBe(true);
    } finally {
      store.update(job.id, {
        nativeId: submitted.nativeId,
        state: submitted.status.state,
        raw: submitted.status.raw,
        detail: submitted.detail as Record<string, unknown>,
        launchedBy: undefined,
      });
      await (await getJob(job.id, options)).cancel();
    }
  });

  it("launch records the job with its native id and a detail the executor reads back", async () => {
    const { kind, options } = harness();
    const job = await launch(recipe, { ...options, detach: true });
    try {
      const record = storeOf(options).read(job.id);
      expect(record).toMatchObject({ id: job.id, executor: kind, nativeId: job.nativeId });
      expect(record.raw).not.toBe("submitting");
      expect(record.launchedBy).toBeUndefined();
      expect((await executorModule(kind)).detail.safeParse(record.detail).success).toBe(true);
    } finally {
      await job.cancel();
    }
  });

  it("a submit the engine refuses throws and leaves the record failed, not started", async () => {
    const { refused } = harness();
    const error = await launch(refused.recipe, refused.options).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SlipwayError);
    const [record] = storeOf(refused.options).list();
    expect(record).toMatchObject({ state: "failed", raw: "not-started", reason: (error as Error).message });
    expect(record?.nativeId).toBe("");
  });
}

function storeOf(options: LaunchOptions): JobStore {
  return JobStore.fromEnv(options.env ?? {}, options.homeDir ?? "");
}
