import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { HttpExchange, HttpTransport } from "../../../../src/executors/ray/http-transport.ts";
import { attemptId, nextAttemptBody, timeLeft } from "../../../../src/executors/ray/ray-attempts.ts";
import { RayClient } from "../../../../src/executors/ray/ray-client.ts";
import { rayEngine } from "../../../../src/executors/ray/ray-engine.ts";
import { jobFiles } from "../../../../src/store/job-files.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const ID = "sft-k3j9x2";

const FAILED = {
  submission_id: ID,
  status: "FAILED",
  driver_exit_code: 3,
  message: "Job entrypoint command failed with exit code 3",
  start_time: 1_000,
  end_time: 61_000,
  entrypoint: "python train.py",
  runtime_env: { working_dir: "gcs://_ray_pkg_abc.zip", env_vars: { WANDB_PROJECT: "p" } },
  metadata: { "slipway.job": ID },
  entrypoint_num_cpus: 2,
};

describe("ray attempts", () => {
  it.each([
    [1, ID],
    [2, `${ID}-r1`],
    [4, `${ID}-r3`],
  ])("names attempt %i %s", (attempt, id) => {
    expect(attemptId(ID, attempt)).toBe(id);
  });

  it("submits the next attempt as the failed one was, with the time left", () => {
    expect(nextAttemptBody(FAILED, `${ID}-r1`, 240)).toEqual({
      entrypoint: "python train.py",
      submission_id: `${ID}-r1`,
      runtime_env: {
        working_dir: "gcs://_ray_pkg_abc.zip",
        env_vars: { WANDB_PROJECT: "p", slipway_time_left: "240" },
      },
      metadata: { "slipway.job": ID, "slipway.attempt": `${ID}-r1` },
      entrypoint_num_cpus: 2,
    });
    expect(nextAttemptBody({ status: "FAILED" }, `${ID}-r1`, undefined)).toBeUndefined();
  });

  it("counts every attempt's run time against the limit", () => {
    const limit = { text: "00:05:00", seconds: 300 };
    expect(timeLeft(limit, [FAILED])).toBe(240);
    expect(timeLeft(limit, [FAILED, { start_time: 100_000, end_time: 400_000 }])).toBe(-60);
  });
});

// A Ray that knows the jobs in `jobs` (by submission id) and records what is submitted.
function fakeRay(jobs: Record<string, object>) {
  const sent: HttpExchange[] = [];
  const transport: HttpTransport = (exchange) => {
    sent.push(exchange);
    const path = new URL(exchange.url).pathname;
    if (exchange.method === "POST" && path === "/api/jobs/") {
      const body = JSON.parse(Buffer.from(exchange.body ?? new Uint8Array()).toString()) as {
        submission_id: string;
      };
      jobs[body.submission_id] = { ...body, status: "PENDING" };
      return Promise.resolve({ status: 200, body: `{"submission_id":"${body.submission_id}"}` });
    }
    const job = /^\/api\/jobs\/([^/]+)$/.exec(path)?.[1];
    if (exchange.method === "GET" && job !== undefined) {
      const known = jobs[decodeURIComponent(job)];
      return Promise.resolve(
        known === undefined ? { status: 404, body: "{}" } : { status: 200, body: JSON.stringify(known) },
      );
    }
    if (exchange.method === "GET" && path.endsWith("/logs"))
      return Promise.resolve({ status: 200, body: '{"logs":""}' });
    return Promise.reject(new Error(`unexpected ${exchange.method} ${path}`));
  };
  return { sent, client: () => new RayClient({ address: "http://ray:8265", transport }) };
}

describe("ray engine with retries", () => {
  it("submits a failed attempt again as <id>-r1 and reports it pending, then follows it", async () => {
    const jobs: Record<string, object> = { [ID]: FAILED };
    const ray = fakeRay(jobs);
    const engine = rayEngine(ID, jobFiles(tempDir()), ray.client, {}, { retries: 2, timeLimit: "00:05:00" });
    expect(await engine.probe()).toEqual({
      state: "pending",
      raw: "PENDING",
      exitCode: undefined,
      reason: "attempt 1 exited with code 3 (attempt 2 of 3)",
    });
    expect(jobs[`${ID}-r1`]).toMatchObject({ runtime_env: { env_vars: { slipway_time_left: "240" } } });
    jobs[`${ID}-r1`] = { ...FAILED, submission_id: `${ID}-r1`, status: "SUCCEEDED", driver_exit_code: 0 };
    expect(await engine.probe()).toMatchObject({ state: "succeeded", reason: "succeeded on attempt 2 of 3" });
  });

  it("finds the latest attempt from another process, and gives up after the last", async () => {
    const jobs: Record<string, object> = {
      [ID]: FAILED,
      [`${ID}-r1`]: { ...FAILED, submission_id: `${ID}-r1` },
    };
    const ray = fakeRay(jobs);
    const engine = rayEngine(ID, jobFiles(tempDir()), ray.client, {}, { retries: 1, timeLimit: undefined });
    expect(await engine.probe()).toMatchObject({
      state: "failed",
      exitCode: 3,
      reason: "Job entrypoint command failed with exit code 3 (attempt 2 of 2)",
    });
    expect(ray.sent.some((exchange) => exchange.method === "POST")).toBe(false);
  });

  it("does not submit again after a cancel, nor after the time limit", async () => {
    const files = jobFiles(tempDir());
    writeFileSync(files.cancelRequested, "now\n");
    const cancelled = fakeRay({ [ID]: FAILED });
    const engine = rayEngine(ID, files, cancelled.client, {}, { retries: 2, timeLimit: undefined });
    expect(await engine.probe()).toMatchObject({
      state: "cancelled",
      reason: "cancelled after attempt 1 of 3 failed",
    });
    const line = "slipway: time limit 00:00:05 reached: SIGTERM to the job, SIGKILL after 10 s";
    const timedOut = fakeRay({ [ID]: { ...FAILED, message: `…\n${line}\n` } });
    const limited = rayEngine(
      ID,
      jobFiles(tempDir()),
      timedOut.client,
      {},
      { retries: 2, timeLimit: "00:00:05" },
    );
    expect(await limited.probe()).toMatchObject({ state: "failed", reason: "time limit reached (00:00:05)" });
    expect([...cancelled.sent, ...timedOut.sent].some((exchange) => exchange.method === "POST")).toBe(false);
  });
});
