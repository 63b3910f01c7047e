import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { raySettingsOf } from "../../../src/config/executor-settings.ts";
import type { RayProfile } from "../../../src/config/types.ts";
import type { ExecutorContext, LogSaver } from "../../../src/executors/executor-module.ts";
import type { HttpExchange, HttpTransport } from "../../../src/executors/ray/http-transport.ts";
import { RayClient } from "../../../src/executors/ray/ray-client.ts";
import { DELETED_STATUS, rayEngine } from "../../../src/executors/ray/ray-engine.ts";
import { rayModule } from "../../../src/executors/ray/module.ts";
import type { JobStatus } from "../../../src/job/job-state.ts";
import { jobFiles } from "../../../src/store/job-files.ts";
import { JobStore } from "../../../src/store/job-store.ts";
import { Connections } from "../../../src/transport/connections.ts";
import { LOCAL_PROFILE } from "../../helpers/fixtures.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const ID = "sft-k3j9x2";

// Answers by "METHOD path"; every request is kept, so a test sees what was sent and in which order.
function scripted(answers: Record<string, { status: number; body: string }>): {
  transport: HttpTransport;
  sent: HttpExchange[];
} {
  const sent: HttpExchange[] = [];
  return {
    sent,
    transport: (exchange) => {
      sent.push(exchange);
      const answer = answers[`${exchange.method} ${new URL(exchange.url).pathname}`];
      return answer === undefined ? Promise.reject(new Error("unexpected request")) : Promise.resolve(answer);
    },
  };
}

function engineWith(answers: Record<string, { status: number; body: string }>) {
  const { transport, sent } = scripted(answers);
  const files = jobFiles(tempDir());
  const engine = rayEngine(ID, files, () => new RayClient({ address: "http://ray:8265", transport }));
  return { engine, sent, files };
}

const running = (status: string, extra = "") => ({
  status: 200,
  body: `{"submission_id":"${ID}","status":"${status}"${extra}}`,
});

describe("ray engine", () => {
  it.each<[string, string, Partial<JobStatus>]>([
    ["PENDING", "", { state: "pending", raw: "PENDING" }],
    ["RUNNING", "", { state: "running", raw: "RUNNING" }],
    ["SUCCEEDED", ',"driver_exit_code":0', { state: "succeeded", exitCode: 0 }],
    [
      "FAILED",
      ',"driver_exit_code":3,"message":"Job entrypoint command failed with exit code 3"',
      { state: "failed", exitCode: 3, reason: "Job entrypoint command failed with exit code 3" },
    ],
    ["STOPPED", "", { state: "cancelled", raw: "STOPPED" }],
    ["SOMETHING_NEW", "", { state: "unknown", raw: "SOMETHING_NEW" }],
  ])("probes %s through the state table", async (status, extra, expected) => {
    const { engine } = engineWith({ [`GET /api/jobs/${ID}`]: running(status, extra) });
    expect(await engine.probe()).toMatchObject(expected);
  });

  it("a job Ray no longer knows is failed (terminal), raw deleted, with the reason", async () => {
    const { engine } = engineWith({ [`GET /api/jobs/${ID}`]: { status: 404, body: "not found" } });
    expect(await engine.probe()).toEqual({
      state: "failed",
      raw: "deleted",
      exitCode: undefined,
      reason: "Ray no longer knows this job (the head restarted or the job was deleted)",
    });
    expect(DELETED_STATUS.state).toBe("failed");
  });

  it("has nothing for stderr: Ray merges it into the one log", async () => {
    const { engine, sent } = engineWith({});
    const lines: string[] = [];
    for await (const line of engine.logs({ stream: "stderr" }, () => Promise.resolve(true))) lines.push(line);
    expect(lines).toEqual([]);
    expect(sent).toEqual([]);
  });

  it("cleanup saves the log as stdout first, then deletes the job from Ray", async () => {
    const { engine, sent } = engineWith({
      [`GET /api/jobs/${ID}/logs`]: { status: 200, body: '{"logs":"out 1\\nout 2"}' },
      [`DELETE /api/jobs/${ID}`]: { status: 200, body: '{"deleted":true}' },
    });
    const saved: Parameters<LogSaver>[] = [];
    const result = await engine.cleanup?.((...args) => {
      saved.push(args);
    });
    expect(result).toEqual({ cleaned: true, message: "deleted from Ray (log kept)" });
    expect(saved).toEqual([["stdout", "out 1\nout 2\n"]]);
    expect(sent.map((exchange) => exchange.method)).toEqual(["GET", "DELETE"]);
  });

  it("cleanup of a job Ray already deleted saves nothing and says so", async () => {
    const { engine } = engineWith({ [`GET /api/jobs/${ID}/logs`]: { status: 404, body: "not found" } });
    expect(await engine.cleanup?.(() => undefined)).toEqual({
      cleaned: false,
      message: "already deleted from Ray",
    });
  });

  it("gives a pending job 5 s to confirm a cancel and says why Ray may not stop it", () => {
    const { engine } = engineWith({});
    const pending: JobStatus = { state: "pending", raw: "PENDING", exitCode: undefined, reason: undefined };
    const runningStatus: JobStatus = { ...pending, state: "running", raw: "RUNNING" };
    expect(engine.poll.cancelDeadlineMs(pending)).toBe(5_000);
    expect(engine.poll.cancelDeadlineMs(runningStatus)).toBe(60_000);
    expect(engine.poll.unconfirmedCancel?.(pending, 5_000)).toBe(
      "stop requested; Ray stops a job waiting for resources only once it starts or its start times out " +
        "(RAY_JOB_START_TIMEOUT_SECONDS on the cluster, 15 min by default)",
    );
    expect(engine.poll.unconfirmedCancel?.(runningStatus, 60_000)).toBe(
      "stop requested; the job has not ended yet",
    );
  });
});

describe("ray module", () => {
  it("reads the token from the job's profile only when a request is made, and sends it", async () => {
    const dir = tempDir();
    const store = new JobStore(dir);
    const context: ExecutorContext = {
      env: {},
      cwd: dir,
      homeDir: dir,
      store,
      connections: new Connections(),
    };
    const profile: RayProfile = {
      name: "ray",
      file: LOCAL_PROFILE.file,
      env: {},
      workdir: undefined,
      resources: LOCAL_PROFILE.resources,
      launcher: LOCAL_PROFILE.launcher,
      package: undefined,
      excludes: [],
      envFile: undefined,
      executor: "ray",
      settings: raySettingsOf({ address: "http://ray:8265", token: "t0ken" }),
    };
    const seen: (string | undefined)[] = [];
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      request.resume();
      response.writeHead(200, { "content-type": "application/json" }).end(running("RUNNING").body);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    let reads = 0;
    const engine = rayModule.engine(
      {
        id: ID,
        nativeId: ID,
        detail: { address, usesToken: true, retries: 0 },
        files: store.files(ID),
        profile: () => {
          reads += 1;
          return profile;
        },
      },
      context,
    );
    try {
      expect(reads).toBe(0);
      expect(await engine.probe()).toMatchObject({ state: "running" });
      expect(await engine.probe()).toMatchObject({ state: "running" });
      expect(reads).toBe(1);
      expect(seen).toEqual(["Bearer t0ken", "Bearer t0ken"]);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("keeps the address and whether a token is used in the detail, never the token", () => {
    // A record written before retries were kept reads as none.
    expect(rayModule.detail.parse({ address: "http://ray:8265", usesToken: true })).toEqual({
      address: "http://ray:8265",
      usesToken: true,
      retries: 0,
    });
    expect(
      rayModule.detail.safeParse({ address: "http://ray:8265", usesToken: true, token: "x" }).success,
    ).toBe(false);
  });
});
