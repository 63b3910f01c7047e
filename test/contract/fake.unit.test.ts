import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import type { Executor, JobEngine } from "../../src/executors/executor-module.ts";
import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { initialRecord, submitJob } from "../../src/executors/submit-job.ts";
import { TrackedHandle } from "../../src/executors/tracked-handle.ts";
import type { Plan } from "../../src/executors/types.ts";
import { SlipwayError } from "../../src/errors.ts";
import { dryRun } from "../../src/launch.ts";
import type { JobRecord } from "../../src/store/job-record.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { Connections } from "../../src/transport/connections.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { FakeEngine } from "./fake-engine.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness, type ContractJob } from "./harness.ts";

const tempDir = useTempDirs();

/** A job store, a fake engine per job, and a fake executor whose submit hands out those engines. */
function fakeWorld(engineOptions: ConstructorParameters<typeof FakeEngine>[1] = {}) {
  const dir = tempDir();
  const store = new JobStore(dir);
  const context = { env: {}, cwd: dir, homeDir: dir, store, connections: new Connections() };
  const engines = new Map<string, FakeEngine>();
  const engineFor = (record: JobRecord): Promise<JobEngine> => {
    const engine = engines.get(record.id);
    if (engine === undefined) throw new Error(`no fake engine for ${record.id}`);
    return Promise.resolve(engine);
  };
  let gate: Promise<void> = Promise.resolve();
  const executor = (job: ContractJob): Executor<Plan, { readonly seq: number }> => ({
    kind: "local",
    profile: { file: `${dir}/env.toml` } as Executor["profile"],
    capabilities: { unsupported: {} },
    tracking: {} as Executor["tracking"],
    notices: [],
    plan: (j) => ({ executor: "local", jobId: j.id }),
    render: () => "",
    async submit(plan) {
      await gate;
      engines.set(plan.jobId, new FakeEngine(job, engineOptions));
      return {
        nativeId: `fake-${engines.size}`,
        status: { state: "pending", raw: "QUEUED", exitCode: undefined, reason: undefined },
        detail: { seq: engines.size },
      };
    },
  });
  const start = async (job: ContractJob): Promise<TrackedHandle> => {
    const planned = await dryRun(
      { name: job, script: CONTRACT_SCRIPTS[job] },
      {
        executor: "local",
        env: { PATH: "/usr/bin:/bin" },
        cwd: dir,
        homeDir: dir,
        onNotice: () => undefined,
      },
    );
    const chosen = executor(job);
    return submitJob(chosen, planned.job, chosen.plan(planned.job), context, {}, engineFor);
  };
  const reattach = (id: string): TrackedHandle => new TrackedHandle(store.read(id), { store, engineFor });
  return {
    store,
    engines,
    context,
    start,
    reattach,
    engineFor,
    hold: () => {
      let release = (): void => undefined;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}

describe("handle contract on a scripted fake engine", () => {
  handleContract((): ContractHarness => {
    const world = fakeWorld();
    return {
      start: world.start,
      reattach: (id) => Promise.resolve(world.reattach(id)),
      cleanup: (id) => cleanupJob(world.store.read(id), world.context, world.engineFor),
      record: (id) => world.store.read(id),
      mergesStreams: false,
      cleanupFrees: true,
    };
  });
});

describe("the one job handle, on the fake engine", () => {
  it("stores a terminal status once and never asks the engine again", async () => {
    const world = fakeWorld();
    const job = await world.start("succeeds");
    await job.wait();
    const engine = world.engines.get(job.id);
    const asked = engine?.probes;
    await job.status();
    await world.reattach(job.id).status();
    await world.reattach(job.id).wait();
    expect(engine?.probes).toBe(asked);
  });

  it("wait() and a log follow ride out an engine that cannot be reached for a while; status() says so at once", async () => {
    const world = fakeWorld({ probesUntilEnd: 6, outage: { from: 2, count: 3 } });
    const job = await world.start("succeeds");
    const first = await job.status();
    expect(first.state).toBe("running");
    await expect(job.status()).rejects.toMatchObject({ code: "ENGINE_UNREACHABLE" });
    const lines: string[] = [];
    const following = (async () => {
      for await (const line of job.logs({ follow: true, stream: "stdout" })) lines.push(line);
    })();
    expect(await job.wait()).toMatchObject({ state: "succeeded", exitCode: 0 });
    await following;
    expect(lines).toEqual(["out 1", "out 2", "out 3"]);
  });

  it("wait() does not ride out an engine it never reached", async () => {
    const world = fakeWorld({ outage: { from: 1, count: 100 } });
    const job = await world.start("succeeds");
    await expect(job.wait()).rejects.toMatchObject({ code: "ENGINE_UNREACHABLE" });
  });

  it("cancel() says it could not confirm the end when the engine does not stop the job in time", async () => {
    const world = fakeWorld({ ignoresStop: true });
    const job = await world.start("runs");
    const status = await job.cancel();
    expect(status.state).toBe("running");
    expect(status.reason).toMatch(
      /^cancel requested; the local engine had not confirmed the end after \d+ s$/,
    );
    expect(world.engines.get(job.id)?.stops).toBe(1);
  });

  it("a cancel asked for while the job is being submitted stops it once it exists", async () => {
    const world = fakeWorld();
    const release = world.hold();
    const launching = world.start("runs");
    await until(() => world.store.list().length === 1);
    const [record] = world.store.list();
    expect(record).toMatchObject({ state: "pending", raw: "submitting", nativeId: "" });
    const early = await world.reattach(record?.id ?? "").cancel();
    expect(early).toMatchObject({ state: "pending", raw: "submitting" });
    release();
    const job = await launching;
    expect(world.engines.get(job.id)?.stops).toBe(1);
    expect(await job.status()).toMatchObject({ state: "cancelled" });
  });

  it("a record without a native id whose launching process is gone is failed: launch interrupted", async () => {
    const world = fakeWorld();
    const planned = await dryRun(
      { name: "orphan", command: ["true"] },
      {
        executor: "local",
        env: { PATH: "/usr/bin:/bin" },
        cwd: world.context.cwd,
        homeDir: world.context.cwd,
      },
    );
    const gone = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], {
      encoding: "utf8",
    });
    const record = {
      ...initialRecord({ profile: { file: undefined } as never }, planned.job, planned.plan),
      launchedBy: { pid: Number(gone.stdout), startTime: "1" },
    };
    world.store.create(record);
    const handle = world.reattach(record.id);
    const interrupted = {
      state: "failed",
      raw: "not-started",
      exitCode: undefined,
      reason: `launch interrupted: the launching process (pid ${gone.stdout}) ended before the job was submitted`,
    };
    expect(await handle.wait()).toEqual(interrupted);
    expect(await world.reattach(record.id).cancel()).toEqual(interrupted);
    expect(world.store.read(record.id)).toMatchObject({ state: "failed", raw: "not-started" });
  });

  it("a refused submit leaves the record failed, not started, and rethrows", async () => {
    const world = fakeWorld();
    const planned = await dryRun(
      { name: "refused", command: ["true"] },
      {
        executor: "local",
        env: { PATH: "/usr/bin:/bin" },
        cwd: world.context.cwd,
        homeDir: world.context.cwd,
      },
    );
    const refusing: Executor = {
      kind: "local",
      profile: { file: undefined } as never,
      capabilities: { unsupported: {} },
      tracking: {} as Executor["tracking"],
      notices: [],
      plan: (j) => ({ executor: "local", jobId: j.id }),
      render: () => "",
      submit: () => Promise.reject(new SlipwayError("ENGINE_ERROR", "the engine said no")),
    };
    const error = await submitJob(refusing, planned.job, planned.plan, world.context).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlipwayError);
    expect(world.store.read(planned.job.id)).toMatchObject({
      state: "failed",
      raw: "not-started",
      reason: "the engine said no",
      nativeId: "",
    });
  });
});

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(check()).toBe(true);
}
