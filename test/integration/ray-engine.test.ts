import { randomUUID } from "node:crypto";
import { request } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import { describeWithEngine, rayHead } from "../helpers/engine.ts";

// Smoke test of what scripts/ray/ give the Ray executor's tests: a head whose Jobs API runs a job end to end.
// Plain HTTP against the REST API (shared reference ray-jobs.md), not slipway's code.
//
// Not through fetch: Node's fetch always sends "Sec-Fetch-Mode: cors", which Ray's dashboard takes for a browser,
// answering POST/PUT/DELETE with 405 "'POST' method not allowed for browser traffic." (and redacting runtime_env in
// what GET returns).

const TERMINAL = new Set(["SUCCEEDED", "FAILED", "STOPPED"]);

interface Answer {
  readonly status: number | undefined;
  /** Parsed JSON, or the text (Ray answers errors as text/plain). */
  readonly body: unknown;
}

function api(base: string, method: string, path: string, body?: unknown): Promise<Answer> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      `${base}${path}`,
      {
        method,
        timeout: 10_000,
        headers: payload === undefined ? {} : { "content-type": "application/json" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          text += chunk;
        });
        res.on("end", () => {
          const json = res.headers["content-type"]?.includes("json") === true;
          // One object, so that a failed expectation shows the status and the error text too.
          resolve({ status: res.statusCode, body: json ? (JSON.parse(text) as unknown) : text });
        });
        res.on("error", reject);
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} ${path}: no answer within 10 s`)));
    req.on("error", reject);
    req.end(payload);
  });
}

const jobStatus = (answer: Answer | undefined): string | undefined =>
  (answer?.body as { status?: string } | null | undefined)?.status;

describeWithEngine("ray head", rayHead(), (address) => {
  it("runs a job through the Jobs API: submit, SUCCEEDED, logs, delete", async () => {
    const id = `slipway-smoke-${randomUUID()}`;
    expect(
      await api(address, "POST", "/api/jobs/", { entrypoint: "echo ok", submission_id: id }),
    ).toMatchObject({
      status: 200,
      body: { submission_id: id },
    });
    let job: Answer | undefined;
    try {
      const deadline = Date.now() + 60_000;
      do {
        if (job !== undefined) await sleep(200);
        job = await api(address, "GET", `/api/jobs/${id}`);
      } while (job.status === 200 && !TERMINAL.has(jobStatus(job) ?? "") && Date.now() < deadline);
      expect(job).toMatchObject({ status: 200, body: { status: "SUCCEEDED" } });
      const logs = await api(address, "GET", `/api/jobs/${id}/logs`);
      expect(logs).toMatchObject({ status: 200, body: { logs: expect.stringMatching(/^ok$/m) as unknown } });
    } finally {
      // A job left running (timeout, failed expectation) is stopped, so that it does not hold the head's CPUs.
      if (!TERMINAL.has(jobStatus(job) ?? "")) await api(address, "POST", `/api/jobs/${id}/stop`);
    }
    expect(await api(address, "DELETE", `/api/jobs/${id}`)).toEqual({ status: 200, body: { deleted: true } });
  });
});
