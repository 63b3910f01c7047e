import { expect, it } from "vitest";
import { isTerminal } from "../../src/job/job-state.ts";
import { collect, until, type ContractHarness } from "./harness.ts";

/**
 * The job handle contract, the same for every executor: wait, status stored once, exit codes, logs before and after
 * cleanup, idempotent cancel, reattach. Call it inside a `describe` per engine.
 */
export function handleContract(harness: () => ContractHarness): void {
  it("wait() resolves with the end; status() then comes from the record", async () => {
    const h = harness();
    const job = await h.start("succeeds");
    const ended = await job.wait();
    expect(ended).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(await job.status()).toEqual(ended);
    const record = h.record(job.id);
    expect({ state: record.state, raw: record.raw, exitCode: record.exitCode }).toEqual({
      state: ended.state,
      raw: ended.raw,
      exitCode: ended.exitCode,
    });
    expect(record.endedAt).toBeDefined();
    expect(record.nativeId).toBe(job.nativeId);
  });

  it("a non-zero exit is failed, with its code and a reason", async () => {
    const job = await harness().start("fails");
    const ended = await job.wait();
    expect(ended).toMatchObject({ state: "failed", exitCode: 3 });
    expect(ended.reason).toBeTypeOf("string");
  });

  it("logs: what the job wrote, in order, from the launching and a reattached handle", async () => {
    const h = harness();
    const job = await h.start("succeeds");
    await job.wait();
    const outOnly = (lines: string[]): string[] => lines.filter((line) => line.startsWith("out "));
    const stdout = await collect(job.logs({ stream: "stdout" }));
    expect(outOnly(stdout)).toEqual(["out 1", "out 2", "out 3"]);
    if (!h.mergesStreams) {
      expect(stdout).toEqual(["out 1", "out 2", "out 3"]);
      expect(await collect(job.logs({ stream: "stderr" }))).toEqual(["err 1"]);
    }
    const again = await h.reattach(job.id);
    expect(outOnly(await collect(again.logs({ stream: "stdout" })))).toEqual(["out 1", "out 2", "out 3"]);
  });

  it("logs({ follow }) ends when the job ends, with every line once", async () => {
    const h = harness();
    const job = await h.start("succeeds");
    const lines = await collect(job.logs({ follow: true, stream: "stdout" }));
    expect(lines.filter((line) => line.startsWith("out "))).toEqual(["out 1", "out 2", "out 3"]);
    expect(isTerminal(await job.status())).toBe(true);
  });

  it("cleanup refuses a running job, then frees the ended one and keeps its logs and status", async () => {
    const h = harness();
    const running = await h.start("runs");
    expect(await h.cleanup(running.id)).toMatchObject({ cleaned: false });
    await running.cancel();
    const job = await h.start("succeeds");
    const ended = await job.wait();
    const result = await h.cleanup(job.id);
    expect(result.cleaned).toBe(h.cleanupFrees);
    expect(result.message).toBeTypeOf("string");
    const again = await h.reattach(job.id);
    // Stored once: the engine no longer holds the job, and the status does not change.
    expect(await again.status()).toEqual(ended);
    const lines = await collect(again.logs({ stream: "stdout" }));
    expect(lines.filter((line) => line.startsWith("out "))).toEqual(["out 1", "out 2", "out 3"]);
    expect(await h.cleanup(job.id)).toMatchObject({ cleaned: false });
  });

  it("cancel() ends a running job as cancelled and is idempotent", async () => {
    const h = harness();
    const job = await h.start("runs");
    await until("the job runs", async () => (await job.status()).state === "running");
    const cancelled = await job.cancel();
    expect(cancelled.state).toBe("cancelled");
    expect(await job.cancel()).toMatchObject({ state: "cancelled" });
    expect(await job.wait()).toMatchObject({ state: "cancelled" });
    expect(await (await h.reattach(job.id)).cancel()).toMatchObject({ state: "cancelled" });
    expect(h.record(job.id).state).toBe("cancelled");
  });

  it("cancel() of an ended job changes nothing", async () => {
    const h = harness();
    const job = await h.start("fails");
    const ended = await job.wait();
    expect(await job.cancel()).toEqual(ended);
    expect(h.record(job.id).state).toBe("failed");
  });

  it("a reattached handle waits for the same end", async () => {
    const h = harness();
    const job = await h.start("succeeds");
    const again = await h.reattach(job.id);
    expect(again.nativeId).toBe(job.nativeId);
    expect(await again.wait()).toEqual(await job.wait());
  });
}
