import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { createServer, connect } from "node:net";
import { join } from "node:path";
import { expect, it } from "vitest";
import { EngineError, SlipwayError, UnsupportedError } from "../../src/errors.ts";
import { getJob } from "../../src/jobs.ts";
import { dryRun, launch } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, dockerDaemon } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const BUSYBOX = "slipway-test/busybox:latest";

function dockerToml(extra = "", wandb = 'mode = "online"'): string {
  return `[wandb]\nproject = "dock"\nentity = "tests"\n${wandb}\n\n[box]\nexecutor = "docker"\nimage = "${BUSYBOX}"\npull = "never"\n${extra}\n`;
}

function setup(extra = "", env: Record<string, string> = { WANDB_API_KEY: CANARY_KEY }): { box: Sandbox } {
  return { box: makeSandbox(tempDir(), dockerToml(extra), env) };
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = [];
  for await (const line of lines) out.push(line);
  return out;
}

async function caught(promise: Promise<unknown>): Promise<SlipwayError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof SlipwayError)) throw new Error(`expected a SlipwayError, got ${String(error)}`);
  return error;
}

/** The daemon's HTTP status for `GET /containers/{id}/json`: 200 while the container exists, 404 once it is gone. */
function inspectStatus(socketPath: string, container: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(
      { socketPath, path: `/containers/${container}/json`, agent: false },
      (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      },
    );
    request.on("error", reject);
    request.end();
  });
}

describeWithEngine("docker executor on a real dockerd", dockerDaemon(), (socket) => {
  it("runs a container to success, stdout and stderr kept apart", async () => {
    const { box } = setup();
    const job = await launch(
      { name: "hello", command: ["sh", "-c", "echo out; echo err >&2"] },
      sandboxOptions(box, "box"),
    );
    expect(await job.wait()).toEqual({ state: "succeeded", raw: "exited", exitCode: 0, reason: undefined });
    expect(await collect(job.logs({ stream: "stdout" }))).toEqual(["out"]);
    expect(await collect(job.logs({ stream: "stderr" }))).toEqual(["err"]);
    // Docker keeps two pipes, so their relative order is not preserved.
    expect((await collect(job.logs())).sort()).toEqual(["err", "out"]);
  });

  it("reports a non-zero exit as failed with its code", async () => {
    const { box } = setup();
    const job = await launch({ name: "fail", command: ["sh", "-c", "exit 3"] }, sandboxOptions(box, "box"));
    expect(await job.wait()).toEqual({
      state: "failed",
      raw: "exited",
      exitCode: 3,
      reason: "exited with code 3",
    });
  });

  it("reports an OOM kill as failed with the reason", async () => {
    const { box } = setup();
    const job = await launch(
      {
        name: "oom",
        command: ["sh", "-c", 'x=$(head -c 64000000 /dev/zero | tr "\\0" a); echo survived'],
        resources: { memory: "16M" },
      },
      sandboxOptions(box, "box"),
    );
    expect(await job.wait()).toMatchObject({
      state: "failed",
      exitCode: 137,
      reason: "out of memory: the container was OOM-killed (exit 137)",
    });
  });

  it("cancels a running container at once (init forwards SIGTERM), and cancel is idempotent", async () => {
    const { box } = setup();
    const job = await launch(
      { name: "sleepy", command: ["sh", "-c", "echo ready; sleep 30"] },
      sandboxOptions(box, "box"),
    );
    await until("the job wrote ready", async () => (await collect(job.logs())).includes("ready"));
    // 143 = SIGTERM: the job stopped on docker stop's SIGTERM, not on the SIGKILL after the grace period (137).
    expect(await job.cancel()).toMatchObject({ state: "cancelled", raw: "exited", exitCode: 143 });
    expect(await job.cancel()).toMatchObject({ state: "cancelled", exitCode: 143 });
  });

  it("follows logs until the container ends", async () => {
    const { box } = setup();
    const job = await launch(
      { name: "tick", command: ["sh", "-c", "for i in 1 2 3 4; do echo tick $i; sleep 0.2; done"] },
      sandboxOptions(box, "box"),
    );
    expect(await collect(job.logs({ follow: true }))).toEqual(["tick 1", "tick 2", "tick 3", "tick 4"]);
  });

  it("reattaches from new processes: status, logs, cancel by id", () => {
    const { box } = setup();
    const opts = { env: box.env, cwd: box.root };
    const launched = runCli(
      ["launch", "-p", "box", "--detach", "--", "sh", "-c", "echo one; sleep 30"],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    const status = JSON.parse(runCli(["status", "--json", id], opts).stdout) as {
      state: string;
      executor: string;
    };
    expect(status).toMatchObject({ state: "running", executor: "docker" });
    const cancel = runCli(["cancel", id], opts);
    expect(cancel.stderr).toContain(`${id} cancelled`);
    expect(runCli(["logs", id], opts).stdout).toBe("one\n");
    expect(runCli(["list"], opts).stdout).toMatch(new RegExp(`${id}\\s+cancelled`));
  });

  it("env oracle: the job sees the tracking env, and the key arrives through the 0400 secret file", async () => {
    const { box } = setup();
    const job = await launch(
      {
        name: "oracle",
        command: [
          "sh",
          "-c",
          'env | grep ^WANDB_ | grep -v ^WANDB_API_KEY= | sort; printf %s "$WANDB_API_KEY" | md5sum; ls -l /run/secrets/slipway-env',
        ],
        tracking: { group: "g1", tags: ["a", "b"] },
      },
      sandboxOptions(box, "box"),
    );
    expect((await job.wait()).state).toBe("succeeded");
    const lines = await collect(job.logs({ stream: "stdout" }));
    const md5 = createHash("md5").update(CANARY_KEY).digest("hex");
    expect(lines.slice(0, 7)).toEqual([
      "WANDB_ENTITY=tests",
      "WANDB_MODE=online",
      `WANDB_NAME=${job.id}`,
      "WANDB_PROJECT=dock",
      "WANDB_RUN_GROUP=g1",
      `WANDB_RUN_ID=${job.id}`,
      "WANDB_TAGS=a,b",
    ]);
    expect(lines[7]).toBe(`${md5}  -`);
    expect(lines[8]).toMatch(/^-r-------- .* \/run\/secrets\/slipway-env$/);
  });

  it("canary: the key is in no docker inspect output, stored container config, host file, argv or dry run", async () => {
    const { box } = setup();
    const opts = { env: box.env, cwd: box.root };
    const job = await launch(
      { name: "canary", command: ["sh", "-c", "sleep 5"] },
      sandboxOptions(box, "box"),
    );
    const container = job.nativeId;
    const inspected = spawnSync("docker", ["inspect", container], { encoding: "utf8" });
    expect(inspected.status, inspected.stderr).toBe(0);
    expect(inspected.stdout).toContain("/run/secrets/slipway-env");
    expect(inspected.stdout).not.toContain(CANARY_KEY);
    const fullId = (JSON.parse(inspected.stdout) as { Id: string }[])[0]!.Id;
    for (const file of ["config.v2.json", "hostconfig.json"]) {
      const path = `/var/lib/docker/containers/${fullId}/${file}`;
      expect(readFileSync(path, "utf8"), path).not.toContain(CANARY_KEY);
    }
    expect(existsSync(join(box.slipwayHome, "jobs", job.id, "secret-env"))).toBe(false);
    for (const pid of readdirPids()) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
      } catch {
        continue; // exited while we looked
      }
      expect(cmdline, `argv of pid ${pid}`).not.toContain(CANARY_KEY);
    }
    const dry = runCli(["launch", "-p", "box", "--dry-run", "--", "python", "train.py"], opts);
    expect(dry.stdout).toContain("WANDB_API_KEY in a 0400 file mounted read-only");
    expect(dry.stdout + dry.stderr).not.toContain(CANARY_KEY);
    await job.cancel();
  });

  it("sends the create options in the body, never in the request URL", async () => {
    // A recording pass-through in front of the real daemon: every request line goes by it.
    const dir = tempDir();
    const proxySocket = join(dir, "docker.sock");
    const requestLines: string[] = [];
    const proxy = createServer((client) => {
      const upstream = connect("/var/run/docker.sock");
      // Keep-alive carries several requests per connection: note every request line that passes.
      client.on("data", (chunk: Buffer) => {
        for (const line of chunk.toString("latin1").split("\r\n")) {
          if (/^(GET|HEAD|POST|PUT|DELETE) \S+ HTTP\/1\.1$/.test(line)) requestLines.push(line);
        }
      });
      client.pipe(upstream).pipe(client);
      client.on("error", () => upstream.destroy());
      upstream.on("error", () => client.destroy());
    });
    await new Promise<void>((resolve) => proxy.listen(proxySocket, resolve));
    try {
      const { box } = setup(`host = "unix://${proxySocket}"`);
      const job = await launch(
        { name: "url", command: ["sh", "-c", "exit 0"], env: { MARKER: "visible-only-in-the-body" } },
        sandboxOptions(box, "box"),
      );
      await job.wait();
      const create = requestLines.filter((line) => line.includes("/containers/create"));
      expect(create).toHaveLength(1);
      expect(create[0]).toMatch(
        new RegExp(`^POST /v[0-9.]+/containers/create\\?name=slipway-${job.id} HTTP/1\\.1$`),
      );
      expect(requestLines.join("\n")).not.toContain("visible-only-in-the-body");
      expect(requestLines.join("\n")).not.toContain(CANARY_KEY);
    } finally {
      proxy.close();
    }
  });

  it('passes the key in Env with a warning when the profile sets secrets = "env"', async () => {
    const { box } = setup('secrets = "env"');
    const notices: string[] = [];
    const job = await launch(
      { name: "envmode", command: ["sh", "-c", 'printf %s "$WANDB_API_KEY" | md5sum'] },
      { ...sandboxOptions(box, "box"), onNotice: (m) => notices.push(m) },
    );
    await job.wait();
    expect(await collect(job.logs())).toEqual([`${createHash("md5").update(CANARY_KEY).digest("hex")}  -`]);
    expect(notices).toContain(
      'profile "box" sets secrets = "env": the W&B key goes into the container\'s environment, where docker inspect shows it to anyone with access to the daemon',
    );
  });

  it('refuses an image without /bin/sh clearly, and runs it with secrets = "env"', async () => {
    const { box } = setup();
    const error = await caught(
      launch(
        { name: "noshell", command: ["/hello", "true"], image: "slipway-test/noshell:latest" },
        sandboxOptions(box, "box"),
      ),
    );
    expect(error.code).toBe("NO_SHELL");
    expect(error.message).toBe(
      "image slipway-test/noshell:latest has no /bin/sh, which slipway needs to hand secrets",
    );
    const [record] = new JobStore(box.slipwayHome).list();
    expect(record).toMatchObject({ state: "failed", raw: "not-started" });

    const envMode = setup('secrets = "env"').box;
    const job = await launch(
      { name: "noshell-env", command: ["/hello", "true"], image: "slipway-test/noshell:latest" },
      sandboxOptions(envMode, "box"),
    );
    expect((await job.wait()).state).toBe("succeeded");
  });

  it("turns a GPU request on a daemon without a GPU runtime into a clear error with the daemon's message", async () => {
    const { box } = setup('gpus = "all"');
    const error = await caught(launch({ name: "gpu", command: ["true"] }, sandboxOptions(box, "box")));
    expect(error.code).toBe("GPU_UNAVAILABLE");
    expect(error.message).toMatch(
      /^the Docker daemon at unix:\/\/\/var\/run\/docker\.sock cannot give GPUs: .*could not select device driver/,
    );
    expect(error.hint).toContain("NVIDIA Container Toolkit");
  });

  it("bad input: missing image with pull = never, missing mount source, unreachable daemon, two nodes", async () => {
    const { box } = setup();
    const missing = await caught(
      launch({ name: "x", command: ["true"], image: "slipway-test/nope:1" }, sandboxOptions(box, "box")),
    );
    expect(missing.message).toBe(
      'image slipway-test/nope:1 is not on the Docker daemon at unix:///var/run/docker.sock, and pull = "never"',
    );

    const mounts = setup('mounts = ["./data:/data:ro"]').box;
    const mountError = await caught(launch({ name: "x", command: ["true"] }, sandboxOptions(mounts, "box")));
    expect(mountError.message).toBe(`mount source ${join(mounts.root, "data")} does not exist`);
    mkdirSync(join(mounts.root, "data"));
    const mounted = await launch(
      { name: "x", command: ["sh", "-c", "ls -d /data"] },
      sandboxOptions(mounts, "box"),
    );
    expect((await mounted.wait()).state).toBe("succeeded");

    const away = setup('host = "unix:///tmp/slipway-no-such.sock"').box;
    const down = await caught(launch({ name: "x", command: ["true"] }, sandboxOptions(away, "box")));
    expect(down.message).toBe(
      "cannot reach the Docker daemon at unix:///tmp/slipway-no-such.sock: the socket does not exist",
    );
    expect(down.hint).toContain("start it");

    const two = await launch(
      { name: "x", command: ["true"], resources: { nodes: 2 } },
      sandboxOptions(box, "box"),
    ).catch((e: unknown) => e);
    expect(two).toBeInstanceOf(UnsupportedError);
  });

  it('runs a local-only image with pull = "missing", and says why pull = "always" fails without a registry', async () => {
    const missing = makeSandbox(tempDir(), dockerToml().replace('pull = "never"', 'pull = "missing"'), {});
    const job = await launch({ name: "local-image", command: ["true"] }, sandboxOptions(missing, "box"));
    expect((await job.wait()).state).toBe("succeeded");

    const always = makeSandbox(tempDir(), dockerToml().replace('pull = "never"', 'pull = "always"'), {});
    const error = await caught(launch({ name: "pull", command: ["true"] }, sandboxOptions(always, "box")));
    expect(error.code).toBe("IMAGE_NOT_FOUND");
    expect(error.message).toMatch(/^could not pull slipway-test\/busybox:latest: /);
  });

  it("with rm = true removes the container when it ends and still reports the exit code", async () => {
    const { box } = setup("rm = true");
    const job = await launch({ name: "gone", command: ["sh", "-c", "exit 4"] }, sandboxOptions(box, "box"));
    expect(await job.wait()).toEqual({
      state: "failed",
      raw: "removed",
      exitCode: 4,
      reason: "exited with code 4",
    });
    const inspected = spawnSync("docker", ["inspect", job.nativeId], { encoding: "utf8" });
    expect(inspected.status).not.toBe(0);
    expect(await (await getJob(job.id, { env: box.env, homeDir: box.home })).status()).toMatchObject({
      exitCode: 4,
    });
  });

  it("with rm = true, wait() returns only once the container is gone (5 jobs at once)", async () => {
    const { box } = setup("rm = true");
    const codes = [1, 2, 3, 4, 5];
    const jobs = await Promise.all(
      codes.map((code) =>
        launch({ name: `gone${code}`, command: ["sh", "-c", `exit ${code}`] }, sandboxOptions(box, "box")),
      ),
    );
    // Inspect right as each wait() returns: Docker's "removing" must not count as gone.
    const seen = await Promise.all(
      jobs.map(async (job) => {
        const ended = await job.wait();
        return { ended, inspect: await inspectStatus(socket, job.nativeId) };
      }),
    );
    expect(seen).toEqual(
      codes.map((code) => ({
        ended: { state: "failed", raw: "removed", exitCode: code, reason: `exited with code ${code}` },
        inspect: 404,
      })),
    );
  });

  it("with rm = true, a detached job keeps its exit code: slipway removes the container once it sees the end", async () => {
    const { box } = setup("rm = true");
    const launched = await launch(
      { name: "gone-later", command: ["sh", "-c", "sleep 1; exit 5"] },
      { ...sandboxOptions(box, "box"), detach: true },
    );
    const job = await getJob(launched.id, { env: box.env, homeDir: box.home });
    expect(await job.wait()).toMatchObject({ state: "failed", exitCode: 5, reason: "exited with code 5" });
    expect(await inspectStatus(socket, launched.nativeId)).toBe(404);

    // Ended before anyone asked: Docker did not remove it (no AutoRemove), so the code is still there to read.
    const early = await launch(
      { name: "gone-early", command: ["sh", "-c", "exit 6"] },
      { ...sandboxOptions(box, "box"), detach: true },
    );
    const inspect = (): string =>
      spawnSync("docker", ["inspect", "-f", "{{.State.Status}} {{.HostConfig.AutoRemove}}", early.nativeId], {
        encoding: "utf8",
      }).stdout.trim();
    await until("the container exited", () => Promise.resolve(inspect() === "exited false"));
    const status = await (await getJob(early.id, { env: box.env, homeDir: box.home })).status();
    expect(status).toMatchObject({ state: "failed", exitCode: 6, reason: "exited with code 6" });
    expect(await inspectStatus(socket, early.nativeId)).toBe(404);
    expect(new JobStore(box.slipwayHome).read(early.id)).toMatchObject({ state: "failed", exitCode: 6 });
  });

  it("with rm = true, cancel ends as cancelled once the container is gone", async () => {
    const { box } = setup("rm = true");
    const job = await launch(
      { name: "gone-cancelled", command: ["sh", "-c", "echo ready; sleep 30"] },
      sandboxOptions(box, "box"),
    );
    await until("the job wrote ready", async () => (await collect(job.logs())).includes("ready"));
    expect(await job.cancel()).toEqual({
      state: "cancelled",
      raw: "removed",
      exitCode: 143,
      reason: "cancelled",
    });
    expect(await inspectStatus(socket, job.nativeId)).toBe(404);
  });

  it("a container removed behind slipway's back ends as failed, not running forever", async () => {
    const { box } = setup();
    const launched = await launch(
      { name: "removed", command: ["sh", "-c", "sleep 30"] },
      { ...sandboxOptions(box, "box"), detach: true },
    );
    const removed = spawnSync("docker", ["rm", "-f", launched.nativeId], { encoding: "utf8" });
    expect(removed.status, removed.stderr).toBe(0);
    const job = await getJob(launched.id, { env: box.env, homeDir: box.home });
    expect(await job.wait()).toMatchObject({ state: "failed", raw: "removed" });
    expect((await job.status()).reason).toBeTypeOf("string");
  });

  it("turns a daemon error into an EngineError naming the request", async () => {
    const { box } = setup();
    const error = await caught(
      launch({ name: "bad", command: ["true"], image: "slipway-test/UPPER:1" }, sandboxOptions(box, "box")),
    );
    if (!(error instanceof EngineError)) throw new Error(`expected an EngineError, got ${error.name}`);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message:
        "Docker daemon at unix:///var/run/docker.sock could not inspect the image: no such image: slipway-test/UPPER:1: invalid reference format: repository name must be lowercase",
      executor: "docker",
      method: "GET",
      path: "/images/slipway-test/UPPER:1/json",
      status: 400,
    });
    expect(error.body).toContain("invalid reference format");
  });

  it("doctor reaches the daemon", () => {
    const { box } = setup();
    const result = runCli(["doctor", "--json"], { env: box.env, cwd: box.root });
    expect(result.status, result.stdout).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      profiles: [
        {
          name: "box",
          ok: true,
          executorCheck: expect.stringMatching(
            /^Docker daemon at unix:\/\/\/var\/run\/docker\.sock \(API [0-9.]+\)$/,
          ) as unknown,
        },
      ],
    });
  });

  it("cleanup removes finished containers and keeps their logs", async () => {
    const { box } = setup();
    const job = await launch(
      { name: "keep", command: ["sh", "-c", "echo kept; echo also >&2"] },
      sandboxOptions(box, "box"),
    );
    await job.wait();
    const result = runCli(["cleanup"], { env: box.env, cwd: box.root });
    expect(result.stderr).toContain(`${job.id}: removed container ${job.nativeId} (logs kept)`);
    const again = await getJob(job.id, { env: box.env, homeDir: box.home });
    expect(await collect(again.logs())).toEqual(["kept", "also"]);
    expect((await again.status()).state).toBe("succeeded");
  });

  it("renders the plan purely, secrets as ***", async () => {
    const { box } = setup('secrets = "env"\nshm_size = "1g"\ngpus = 2\nmounts = ["/data:/data:ro"]');
    const { rendered } = await dryRun(
      { name: "dry", command: ["python", "train.py"], resources: { memory: "2G", cpusPerNode: 4 } },
      sandboxOptions(box, "box"),
    );
    expect(rendered).toContain('"WANDB_API_KEY=***"');
    expect(rendered).toContain('"ShmSize": 1073741824');
    expect(rendered).toContain('"MemorySwap": 2147483648');
    expect(rendered).toContain('"NanoCpus": 4000000000');
    expect(rendered).toContain('"Count": 2');
    expect(rendered).not.toContain(CANARY_KEY);
  });
});

function readdirPids(): string[] {
  return readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
}
