import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createServer, request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import { expect, it } from "vitest";
import { EngineError, SlipwayError } from "../../src/errors.ts";
import { planRay, type RayPlan } from "../../src/executors/ray/plan.ts";
import type { CodePackage } from "../../src/package/code-package.ts";
import { packCode } from "../../src/package/pack-code.ts";
import { nodeHttp, type HttpTransport } from "../../src/executors/ray/http-transport.ts";
import { RayClient } from "../../src/executors/ray/ray-client.ts";
import { submitRay } from "../../src/executors/ray/submit-ray.ts";
import { buildExecutor } from "../../src/build-executor.ts";
import { buildJob } from "../../src/job/job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, rayHead, wandbPython } from "../helpers/engine.ts";
import { runCli, startCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

/** Ray's own lines ("INFO job_manager.py … Runtime env is setting up", "Running entrypoint …") left out. */
function jobLines(lines: readonly string[]): string[] {
  return lines.filter(
    (line) => !/^\d{4}-\d\d-\d\d .*\b(INFO|WARNING)\b/.test(line) && !line.startsWith("Running entrypoint"),
  );
}

describeWithEngine("ray executor on a real Ray head", rayHead(), (address) => {
  function setup(
    extra = "",
    mode = "online",
    env: Record<string, string> = { WANDB_API_KEY: CANARY_KEY },
    at = address,
  ): Sandbox {
    const toml = `[wandb]\nproject = "rayproj"\nentity = "tests"\nmode = "${mode}"\n\n[ray]\nexecutor = "ray"\naddress = "${at}"\nworking_dir = "code"\n${extra}\n`;
    const box = makeSandbox(tempDir(), toml, env);
    mkdirSync(join(box.root, "code"));
    writeFileSync(join(box.root, "code", "hello.py"), 'print("hello from working_dir")\n');
    return box;
  }

  /** The sandbox's `code/` directory (the profile's working_dir), packed as launch() packs it. */
  const packed = (box: Sandbox): Promise<CodePackage> =>
    packCode("dir", join(box.root, "code"), { allowDirty: false, excludes: [], env: box.env });

  /** A fresh ray plan for `command` from the sandbox's profile and its packed code, without submitting it. */
  async function planFor(
    box: Sandbox,
    name: string,
    command: string[],
  ): Promise<{ plan: RayPlan; code: CodePackage }> {
    const executor = await buildExecutor("ray", {
      config: box.config,
      env: box.env,
      cwd: box.root,
      homeDir: box.home,
    });
    if (executor.profile.executor !== "ray") throw new Error("not a ray profile");
    const code = await packed(box);
    const job = buildJob({ name, command }, executor.profile, executor.tracking, {
      cwd: box.root,
      now: new Date(),
      code: code.summary,
    });
    return { plan: planRay(job, executor.profile), code };
  }

  it("runs a job from an uploaded working_dir to success", async () => {
    const box = setup();
    const job = await launch({ name: "hello", command: ["python3", "hello.py"] }, sandboxOptions(box, "ray"));
    expect(await job.wait()).toMatchObject({ state: "succeeded", raw: "SUCCEEDED", exitCode: 0 });
    expect(jobLines(await collect(job.logs()))).toEqual(["hello from working_dir"]);
  });

  it("skips the upload when Ray already has the package, and uploads again after a change", async () => {
    const box = setup();
    const plan = () => planFor(box, "reuse", ["python3", "hello.py"]);
    const client = new RayClient({ address });
    const uri = (await plan()).plan.code?.uri;
    writeFileSync(join(box.root, "code", "nonce.txt"), `${Date.now()} ${Math.random()}`);
    const first = await plan();
    const changed = first.plan.code?.uri ?? "";
    expect(changed).toMatch(/^gcs:\/\/_ray_pkg_[0-9a-f]{40}\.zip$/);
    expect(changed).not.toBe(uri);
    expect(await client.hasPackage(changed)).toBe(false);
    expect(await submitRay(first.plan, client, first.code)).toEqual({ uploaded: true });
    expect(await client.hasPackage(changed)).toBe(true);
    const second = await plan();
    expect(await submitRay(second.plan, client, second.code)).toEqual({ uploaded: false });
  });

  it("reports a failing exit as failed with its code and Ray's message", async () => {
    const box = setup();
    const job = await launch({ name: "fail", command: ["sh", "-c", "exit 3"] }, sandboxOptions(box, "ray"));
    const status = await job.wait();
    expect(status).toMatchObject({ state: "failed", raw: "FAILED", exitCode: 3 });
    expect(status.reason).toMatch(/exit code 3|exited with code 3/i);
  });

  it("cancels a running job via /stop, idempotently", async () => {
    const box = setup();
    const job = await launch(
      { name: "sleepy", command: ["sh", "-c", "echo ready; sleep 60"] },
      sandboxOptions(box, "ray"),
    );
    await until("the job runs", async () => (await job.status()).state === "running");
    expect(await job.cancel()).toMatchObject({ state: "cancelled", raw: "STOPPED" });
    expect(await job.cancel()).toMatchObject({ state: "cancelled" });
  });

  it("follows logs over the WebSocket until the job ends", async () => {
    const box = setup();
    const job = await launch(
      { name: "tick", command: ["sh", "-c", "for i in 1 2 3 4; do echo tick $i; sleep 0.3; done"] },
      sandboxOptions(box, "ray"),
    );
    expect(jobLines(await collect(job.logs({ follow: true })))).toEqual([
      "tick 1",
      "tick 2",
      "tick 3",
      "tick 4",
    ]);
    expect((await job.status()).state).toBe("succeeded");
  });

  it("asks Ray for the entrypoint resources, and reports impossible ones as pending with Ray's message", async () => {
    const box = setup("num_cpus = 1\nresources = { slipway_test = 4 }");
    const job = await launch({ name: "res", command: ["true"] }, sandboxOptions(box, "ray"));
    expect((await job.wait()).state).toBe("succeeded");
    // The head has 4 slipway_test: asking for 5 can never be met, which shows the request reached Ray.
    const never = setup("num_cpus = 1\nresources = { slipway_test = 5 }");
    const stuck = await launch({ name: "stuck", command: ["true"] }, sandboxOptions(never, "ray"));
    await until("Ray says why the job waits", async () => ((await stuck.status()).reason ?? "") !== "");
    expect((await stuck.status()).state).toBe("pending");
    const cancelled = await stuck.cancel();
    expect(cancelled.state).toBe("pending");
    expect(cancelled.reason).toMatch(
      /^stop requested; Ray stops a job waiting for resources only once it starts/,
    );
  });

  it("keeps the W&B key out of the jobs listing, the job's details and its logs; the job still gets it", async () => {
    const box = setup();
    const job = await launch(
      {
        name: "canary",
        command: [
          "sh",
          "-c",
          'printf %s "$WANDB_API_KEY" | md5sum; for d in $(printf %s "$PYTHONPATH" | tr : " "); do ls "$d"/slipway_secrets_*/env.sh 2>/dev/null; done; echo end',
        ],
      },
      sandboxOptions(box, "ray"),
    );
    await job.wait();
    const lines = jobLines(await collect(job.logs()));
    expect(lines).toEqual([`${createHash("md5").update(CANARY_KEY).digest("hex")}  -`, "end"]);
    for (const path of ["/api/jobs/", `/api/jobs/${job.id}`, `/api/jobs/${job.id}/logs`]) {
      // Plain HTTP, like curl: Ray redacts env_vars for browser-looking clients such as fetch, which would hide a leak.
      expect(await get(`${address}${path}`), path).not.toContain(CANARY_KEY);
    }
    const dry = runCli(["launch", "-p", "ray", "--dry-run", "--", "python3", "hello.py"], {
      env: box.env,
      cwd: box.root,
    });
    expect(dry.stdout).toContain("WANDB_API_KEY in a per-job package");
    expect(dry.stdout + dry.stderr).not.toContain(CANARY_KEY);
  });

  it("submits once when the answer to the POST is lost, and retries then find the job", async () => {
    const box = setup();
    const { plan, code } = await planFor(box, "lost", ["true"]);
    let posts = 0;
    const flaky: HttpTransport = async (exchange) => {
      const answer = await nodeHttp(exchange);
      if (exchange.method === "POST" && exchange.url.endsWith("/api/jobs/")) {
        posts += 1;
        // The job was made, but its answer is lost on the way back.
        if (posts === 1) throw Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
      }
      return answer;
    };
    await submitRay(plan, new RayClient({ address, transport: flaky }), code);
    const listing = JSON.parse(await get(`${address}/api/jobs/`)) as { submission_id: string }[];
    expect(listing.filter((entry) => entry.submission_id === plan.jobId)).toHaveLength(1);
    expect(posts).toBe(1);
  });

  it("reattaches from new processes and cleans up, keeping the log", () => {
    const box = setup();
    const opts = { env: box.env, cwd: box.root };
    const launched = runCli(["launch", "-p", "ray", "--detach", "--", "python3", "hello.py"], opts);
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    expect(jobLines(runCli(["logs", "-f", id], opts).stdout.split("\n"))).toContain("hello from working_dir");
    expect(runCli(["status", id], opts).stdout).toMatch(/^state\s+succeeded$/m);
    expect(runCli(["cleanup", id], opts).stderr).toContain(`${id}: deleted from Ray (log kept)`);
    expect(runCli(["logs", id], opts).stdout).toContain("hello from working_dir");
  });

  it("reaches a token-protected head with the profile's token: reattach, cleanup and logs after it", async () => {
    const token = "ray-t0ken-only-the-proxy-knows";
    const proxy = await tokenProxy(address, token);
    try {
      const box = setup(
        'token = "${env:RAY_TOKEN}"',
        "online",
        { WANDB_API_KEY: CANARY_KEY, RAY_TOKEN: token },
        proxy.address,
      );
      const launched = await launch(
        { name: "guarded", command: ["python3", "hello.py"] },
        { ...sandboxOptions(box, "ray"), detach: true },
      );
      // A new handle from the job store: the token comes from the job's env.toml, never from the record.
      const job = await getJob(launched.id, { env: box.env, cwd: box.root, homeDir: box.home });
      expect(await job.wait()).toMatchObject({ state: "succeeded", raw: "SUCCEEDED", exitCode: 0 });
      expect(
        readFileSync(JobStore.fromEnv(box.env, box.home).files(launched.id).record, "utf8"),
      ).not.toContain(token);
      // Not runCli: its spawnSync would block this process, and with it the proxy the CLI talks to.
      const opts = { env: box.env, cwd: box.root };
      const cleaned = await cliOutput(["cleanup", launched.id], opts);
      expect(cleaned.stderr).toContain(`${launched.id}: deleted from Ray (log kept)`);
      expect(proxy.refused).toEqual([]);
      expect(
        (
          await nodeHttp({
            method: "GET",
            url: `${address}/api/jobs/${launched.id}`,
            headers: {},
            timeoutMs: 30_000,
          })
        ).status,
      ).toBe(404);
      expect(jobLines((await cliOutput(["logs", launched.id], opts)).stdout.trimEnd().split("\n"))).toEqual([
        "hello from working_dir",
      ]);
    } finally {
      await proxy.close();
    }
  });

  it("a job deleted from Ray behind slipway's back ends as failed, not pending forever", async () => {
    const box = setup();
    const launched = await launch(
      { name: "gone", command: ["true"] },
      { ...sandboxOptions(box, "ray"), detach: true },
    );
    // Ray deletes only ended jobs: wait on Ray itself, so that slipway's record has not seen the end.
    await until(
      "Ray ran the job",
      async () =>
        (JSON.parse(await get(`${address}/api/jobs/${launched.id}`)) as { status: string }).status ===
        "SUCCEEDED",
    );
    const deleted = await nodeHttp({
      method: "DELETE",
      url: `${address}/api/jobs/${launched.id}`,
      headers: {},
      timeoutMs: 30_000,
    });
    expect(deleted.status).toBe(200);
    const job = await getJob(launched.id, { env: box.env, cwd: box.root, homeDir: box.home });
    expect(await job.wait()).toEqual({
      state: "failed",
      raw: "deleted",
      exitCode: undefined,
      reason: "Ray no longer knows this job (the head restarted or the job was deleted)",
    });
  });

  it("doctor reaches the head and names the key's source", () => {
    const box = setup();
    const result = runCli(["doctor", "--json"], { env: box.env, cwd: box.root });
    expect(result.status, result.stdout).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      profiles: [
        {
          name: "ray",
          ok: true,
          key: "WANDB_API_KEY for api.forge.coreweave.com",
          executorCheck: expect.stringMatching(/^Ray 2\.\d+\.\d+ Jobs API at /) as unknown,
        },
      ],
    });
  });

  it("bad input: unreachable address, a working_dir that does not exist, a 4xx from Ray", async () => {
    const away = makeSandbox(tempDir(), '[ray]\nexecutor = "ray"\naddress = "http://127.0.0.1:9"\n', {});
    const down = await launch({ name: "x", command: ["true"] }, sandboxOptions(away, "ray")).catch(
      (e: unknown) => e,
    );
    expect((down as SlipwayError).message).toBe(
      "cannot reach the Ray Jobs API at http://127.0.0.1:9: connection refused",
    );

    const nodir = makeSandbox(
      tempDir(),
      `[ray]\nexecutor = "ray"\naddress = "${address}"\nworking_dir = "missing-dir"\n`,
      {},
    );
    const missing = await launch({ name: "x", command: ["true"] }, sandboxOptions(nodir, "ray")).catch(
      (e: unknown) => e,
    );
    expect((missing as SlipwayError).message).toBe(
      `working_dir ${join(nodir.root, "missing-dir")} does not exist or is not a directory`,
    );

    const client = new RayClient({ address });
    const bad = await client.submit({ entrypoint: 3 }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(EngineError);
    expect(bad).toMatchObject({ executor: "ray", method: "POST", path: "/api/jobs/", status: 400 });
    expect((bad as SlipwayError).message).toMatch(
      /^Ray at http:\/\/127\.0\.0\.1:8265 answered 400 to POST \/api\/jobs\/: /,
    );
  });
});

describeWithEngine(
  "end-to-end oracle: the real wandb SDK inside a Ray job",
  combine(rayHead(), wandbPython()),
  (value) => {
    const [address, python] = value.split("\n") as [string, string];
    it("sees env.toml's [wandb] values and the recipe's overrides", async () => {
      const dir = tempDir();
      const toml = `[wandb]\nproject = "llm-sft"\nentity = "my-team"\ngroup = "ray"\njob_type = "train"\ntags = ["ray"]\nmode = "offline"\n\n[ray]\nexecutor = "ray"\naddress = "${address}"\nworking_dir = "code"\nenv = { WANDB_DIR = "/tmp", WANDB_SILENT = "true" }\n`;
      const box = makeSandbox(dir, toml, {});
      mkdirSync(join(box.root, "code"));
      copyFileSync(join(import.meta.dirname, "wandb-probe.py"), join(box.root, "code", "wandb-probe.py"));
      const job = await launch(
        {
          name: "probe",
          command: [python, "wandb-probe.py"],
          tracking: { notes: "via ray", name: "ray-run" },
        },
        sandboxOptions(box, "ray"),
      );
      const status = await job.wait();
      const lines = await collect(job.logs());
      expect(status, lines.join("\n")).toMatchObject({ state: "succeeded" });
      const seen = JSON.parse(lines.find((line) => line.startsWith("{")) ?? "{}") as Record<string, unknown>;
      expect(seen).toMatchObject({
        project: "llm-sft",
        entity: "my-team",
        group: "ray",
        name: "ray-run",
        tags: ["ray"],
        job_type: "train",
        notes: "via ray",
        offline: true,
      });
    });
  },
);

/**
 * A token-protected Ray head for the tests: an HTTP proxy on 127.0.0.1 in front of the real (token-less) head that
 * answers 401 to any request without `Authorization: Bearer <token>`, and lists those it refused.
 */
async function tokenProxy(
  head: string,
  token: string,
): Promise<{ address: string; refused: string[]; close: () => Promise<void> }> {
  const refused: string[] = [];
  const server = createServer((incoming, outgoing) => {
    if (incoming.headers.authorization !== `Bearer ${token}`) {
      refused.push(`${incoming.method ?? "?"} ${incoming.url ?? "?"}`);
      incoming.resume();
      outgoing
        .writeHead(401, { "content-type": "text/plain" })
        .end("401: Unauthorized: missing or bad token\n");
      return;
    }
    const forwarded = httpRequest(
      `${head}${incoming.url ?? "/"}`,
      { method: incoming.method, headers: { ...incoming.headers, host: new URL(head).host } },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forwarded.on("error", () => {
      outgoing.destroy();
    });
    incoming.pipe(forwarded);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    address: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    refused,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}

/** `slipway <args>` in a child process, without blocking this one; resolves with its exit status and output. */
function cliOutput(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string },
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = startCli(args, options);
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (status) => {
      resolve({ status, stdout, stderr });
    });
  });
}

async function get(url: string): Promise<string> {
  const answer = await nodeHttp({ method: "GET", url, headers: {}, timeoutMs: 30_000 });
  if (answer.status !== 200) throw new Error(`GET ${url}: ${answer.status} ${answer.body}`);
  return answer.body;
}

function combine(...probes: ReturnType<typeof rayHead>[]): ReturnType<typeof rayHead> {
  const missing = probes.find((probe) => !probe.ok);
  if (missing !== undefined) return missing;
  return { ok: true, value: probes.map((probe) => (probe.ok ? probe.value : "")).join("\n") };
}
