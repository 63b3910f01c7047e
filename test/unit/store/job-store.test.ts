import { spawnSync } from "node:child_process";
import { mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlipwayError, StoreError } from "../../../src/errors.ts";
import type { JobRecord } from "../../../src/store/job-record.ts";
import { isJobId } from "../../../src/store/job-record.ts";
import { JobStore } from "../../../src/store/job-store.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";
import { thrown } from "../../helpers/thrown.ts";

const tempDir = useTempDirs();

function record(id: string, patch: Partial<JobRecord> = {}): JobRecord {
  return {
    version: 1,
    id,
    name: "n",
    profile: "local",
    executor: "local",
    configFile: undefined,
    nativeId: "",
    command: ["true"],
    workdir: undefined,
    createdAt: "2026-12-04T10:00:00.000Z",
    startedAt: undefined,
    endedAt: undefined,
    state: "pending",
    raw: "submitting",
    exitCode: undefined,
    reason: undefined,
    plan: {},
    detail: {},
    ...patch,
  };
}

describe("job ids", () => {
  it.each(["sft-smollm-k3j9x2", "a", "job-0"])("accepts %s", (id) => {
    expect(isJobId(id)).toBe(true);
  });
  it.each(["", "..", "../x", "a/b", "A-b", "-a", "a-", "a--b", "a.b", "x".repeat(64), "a\u0000b"])(
    "refuses %j",
    (id) => {
      expect(isJobId(id)).toBe(false);
    },
  );
});

describe("JobStore", () => {
  it("owns the file layout of a job directory", () => {
    const store = new JobStore("/s");
    const files = store.files("sft-k3j9x2");
    expect([files.dir, files.record, files.exitCode, files.cancelRequested]).toEqual([
      "/s/jobs/sft-k3j9x2",
      "/s/jobs/sft-k3j9x2/job.json",
      "/s/jobs/sft-k3j9x2/exit-code",
      "/s/jobs/sft-k3j9x2/cancel-requested",
    ]);
    expect([files.log("stdout"), files.log("stderr", 3)]).toEqual([
      "/s/jobs/sft-k3j9x2/stdout.log",
      "/s/jobs/sft-k3j9x2/stderr-3.log",
    ]);
    expect(thrown(() => store.files("../x"))).toMatchObject({ code: "JOB_ID_INVALID" });
  });

  it("round-trips a record and lists newest first", () => {
    const store = new JobStore(tempDir());
    store.create(record("old-aaaaaa", { createdAt: "2026-12-01T00:00:00.000Z" }));
    store.create(record("new-bbbbbb", { createdAt: "2026-12-03T00:00:00.000Z", exitCode: 0 }));
    expect(store.read("new-bbbbbb")).toEqual(
      record("new-bbbbbb", { createdAt: "2026-12-03T00:00:00.000Z", exitCode: 0 }),
    );
    expect(store.list().map((r) => r.id)).toEqual(["new-bbbbbb", "old-aaaaaa"]);
    expect(store.resolve("new")).toBe("new-bbbbbb");
    expect(store.resolve(undefined)).toBe("new-bbbbbb");
  });

  it.each([
    ["a newer record version", { version: 2 }, "record version 2 was written by a newer slipway"],
    ["a record of another id", { id: "other-cccccc" }, 'holds job "other-cccccc", not "job-dddddd"'],
    ["a bad state", { state: "exploded" }, "not a job record (state: "],
    ["a created time that is a number", { createdAt: 5 }, "not a job record (createdAt: "],
  ])("refuses %s with a StoreError naming the file", (_what, patch, message) => {
    const store = new JobStore(tempDir());
    const dir = join(store.jobsDir, "job-dddddd");
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "job.json"), JSON.stringify({ ...record("job-dddddd"), ...patch }));
    const error = thrown(() => store.read("job-dddddd"));
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ path: join(dir, "job.json") });
    expect((error as Error).message).toContain(message);
  });

  it("scan reports damaged entries but not a directory being created right now", () => {
    const store = new JobStore(tempDir());
    store.create(record("good-aaaaaa"));
    mkdirSync(join(store.jobsDir, "fresh-bbbbbb"));
    const stale = join(store.jobsDir, "stale-cccccc");
    mkdirSync(stale);
    utimesSync(stale, new Date(0), new Date(0));
    writeFileSync(join(store.jobsDir, "Not A Job"), "");
    const { records, problems } = store.scan();
    expect(records.map((r) => r.id)).toEqual(["good-aaaaaa"]);
    expect(problems.map((p) => p.path).sort()).toEqual([
      join(store.jobsDir, "Not A Job"),
      join(stale, "job.json"),
    ]);
  });

  it("a missing job is JOB_NOT_FOUND, not a store error", () => {
    const store = new JobStore(tempDir());
    const error = thrown(() => store.read("nope-aaaaaa"));
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).not.toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: "JOB_NOT_FOUND" });
  });

  it("refuses a record that is not a regular file, without following it or waiting on it", () => {
    const store = new JobStore(tempDir());
    const elsewhere = join(tempDir(), "job.json");
    writeFileSync(elsewhere, JSON.stringify(record("link-aaaaaa")));
    const make: Record<string, (path: string) => void> = {
      "link-aaaaaa": (path) => {
        symlinkSync(elsewhere, path);
      },
      "dir-aaaaaa": (path) => {
        mkdirSync(path);
      },
      "fifo-aaaaaa": (path) => {
        expect(spawnSync("mkfifo", [path]).status).toBe(0);
      },
    };
    for (const [id, makeRecord] of Object.entries(make)) {
      store.create(record(id));
      const path = store.files(id).record;
      rmSync(path);
      makeRecord(path);
      const error = thrown(() => store.read(id));
      expect(error).toBeInstanceOf(StoreError);
      expect((error as Error).message).toBe(`${path} is not a regular file`);
    }
  });

  it("reads a record larger than its first read, and refuses one past the size bound", () => {
    const store = new JobStore(tempDir());
    const big = record("big-aaaaaa", { command: ["echo", "x".repeat(300_000)] });
    store.create(big);
    expect(store.read("big-aaaaaa")).toEqual(big);
    store.create(record("huge-aaaaaa"));
    const path = store.files("huge-aaaaaa").record;
    writeFileSync(path, " ".repeat(17 * 1024 * 1024));
    expect((thrown(() => store.read("huge-aaaaaa")) as Error).message).toBe(
      `${path} is larger than 16 MiB: not a job record`,
    );
  });
});
