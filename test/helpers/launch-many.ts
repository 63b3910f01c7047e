import { expect } from "vitest";
import type { JobHandle } from "../../src/executors/types.ts";
import { launch } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { sandboxOptions, type Sandbox } from "./sandbox.ts";

/**
 * Launches `count` detached jobs at once from this process (named load-0, load-1, …) and checks that nothing was
 * lost or doubled: `count` distinct ids and engine ids, `count` records in the store, each with its engine id.
 * Returns the handles.
 */
export async function launchMany(
  box: Sandbox,
  profile: string,
  command: readonly string[],
  count: number,
): Promise<JobHandle[]> {
  const options = { ...sandboxOptions(box, profile), detach: true };
  const jobs = await Promise.all(
    Array.from({ length: count }, (_, i) => launch({ name: `load-${i}`, command }, options)),
  );
  expect(new Set(jobs.map((job) => job.id)).size).toBe(count);
  expect(new Set(jobs.map((job) => job.nativeId)).size).toBe(count);
  const records = new JobStore(box.slipwayHome).list();
  expect(records).toHaveLength(count);
  for (const record of records) {
    expect(record.nativeId, record.id).not.toBe("");
    expect(record.raw, record.id).not.toBe("submitting");
  }
  return jobs;
}
