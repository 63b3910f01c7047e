import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { dockerSettingsOf } from "../../../src/config/executor-settings.ts";
import type { DockerProfile } from "../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { detachedPlan, planDocker } from "../../../src/executors/docker/plan.ts";
import { renderDocker } from "../../../src/executors/docker/render.ts";
import { dockerApiError, unreachable } from "../../../src/executors/docker/docker-api-error.ts";
import { dockerDetailSchema } from "../../../src/executors/docker/docker-detail.ts";
import { dockerHost } from "../../../src/executors/docker/docker-host.ts";
import { LogFrames } from "../../../src/executors/docker/log-frames.ts";
import { sizeInBytes } from "../../../src/executors/size-in-bytes.ts";
import {
  dockerState,
  inspectedStatus,
  REMOVAL_GRACE_MS,
  removedStatus,
} from "../../../src/executors/docker/states.ts";
import { EngineError } from "../../../src/errors.ts";
import { buildJob } from "../../../src/job/job.ts";
import { CODE, FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

const golden = join(import.meta.dirname, "..", "..", "golden", "docker-plan.txt");

const profile: DockerProfile = {
  name: "box",
  file: LOCAL_PROFILE.file,
  env: LOCAL_PROFILE.env,
  workdir: LOCAL_PROFILE.workdir,
  resources: LOCAL_PROFILE.resources,
  launcher: LOCAL_PROFILE.launcher,
  package: undefined,
  excludes: [],
  envFile: undefined,
  executor: "docker",
  settings: dockerSettingsOf({
    image: "my-train:latest",
    gpus: "all",
    shm_size: "16g",
    mounts: ["/data:/data:ro", "./out:/out", "hf-cache:/root/.cache/huggingface"],
    pull: "missing",
    init: true,
    secrets: "file",
    rm: false,
    user: "1000:1000",
  }),
};

function makePlan() {
  const tracking = resolveTrackingEnv({
    settings: { ...WANDB, tags: ["sft"] },
    detection: FOUND,
    file: "/repo/env.toml",
  });
  const job = buildJob(
    {
      name: "sft-smollm",
      command: ["python", "train.py", "--lr", "3e-4"],
      env: { HF_HOME: "/root/.cache/huggingface" },
      resources: { memory: "64G", cpusPerNode: 8 },
    },
    profile,
    tracking,
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6), code: CODE },
  );
  return planDocker(job, profile, {
    jobDir: "/home/me/.slipway/jobs/sft-smollm-000000",
    env: {},
    homeDir: "/home/me",
  });
}

describe("docker plan", () => {
  it("is pure and renders as the golden file, the key only as ***", () => {
    expect(JSON.stringify(makePlan())).toBe(JSON.stringify(makePlan()));
    const rendered = `${renderDocker(makePlan())}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") writeFileSync(golden, rendered);
    expect(rendered).toBe(readFileSync(golden, "utf8"));
    expect(rendered + JSON.stringify(makePlan())).not.toContain(CANARY_KEY);
  });

  it("keeps the key out of Env and mounts it read-only", () => {
    const plan = makePlan();
    expect(plan.create.Env.some((entry) => entry.startsWith("WANDB_API_KEY"))).toBe(false);
    expect(plan.create.HostConfig.Binds).toContain(
      "/home/me/.slipway/jobs/sft-smollm-000000/secret-env:/run/secrets/slipway-env:ro",
    );
    expect(plan.mountSources).toEqual(["/data", "/work/repo/out"]);
  });

  it.each([
    ["16g", 16 * 1024 ** 3],
    ["512M", 512 * 1024 ** 2],
    ["1GiB", 1024 ** 3],
  ])("reads %s as %d bytes", (size, bytes) => {
    expect(sizeInBytes(size)).toBe(bytes);
  });
});

describe("docker states", () => {
  it.each([
    [{ status: "created", exitCode: 0 }, "pending", undefined],
    [{ status: "running", exitCode: 0 }, "running", undefined],
    [{ status: "exited", exitCode: 0 }, "succeeded", undefined],
    [{ status: "exited", exitCode: 2 }, "failed", "exited with code 2"],
    [
      { status: "exited", exitCode: 137, oomKilled: true },
      "failed",
      "out of memory: the container was OOM-killed (exit 137)",
    ],
    [{ status: "exited", exitCode: 143, cancelRequested: true }, "cancelled", "cancelled"],
    [{ status: "weird", exitCode: 0 }, "unknown", undefined],
  ])("maps %j", (end, state, reason) => {
    expect(dockerState({ oomKilled: false, error: "", cancelRequested: false, ...end })).toEqual({
      state,
      reason,
    });
  });
});

describe("a detached launch's plan", () => {
  it("with rm = true, leaves the removal to slipway (no AutoRemove), so the exit code outlives the container's end", () => {
    const plan = makePlan();
    const rm = {
      ...plan,
      create: { ...plan.create, HostConfig: { ...plan.create.HostConfig, AutoRemove: true } },
    };
    const detached = detachedPlan(rm);
    expect(detached.create.HostConfig.AutoRemove).toBe(false);
    expect(detached.removeWhenEnded).toBe(true);
    expect({ ...detached, create: rm.create, removeWhenEnded: rm.removeWhenEnded }).toEqual(rm);
    expect(detachedPlan(plan)).toBe(plan);
  });
});

describe("docker states with rm and removal", () => {
  const now = Date.parse("2026-11-23T10:00:10Z");
  const ended = (status: string, finishedAt = "2026-11-23T10:00:09Z") => ({
    status,
    exitCode: 4,
    oomKilled: false,
    error: "",
    finishedAt,
  });

  it.each([
    // rm = true: exited or removing is not final until the container is gone.
    [ended("exited"), true, { state: "running", raw: "exited", exitCode: undefined }],
    [ended("removing"), true, { state: "running", raw: "removing", exitCode: undefined }],
    [ended("removing"), false, { state: "running", raw: "removing", exitCode: undefined }],
    // rm = false: exited is final.
    [ended("exited"), false, { state: "failed", raw: "exited", exitCode: 4, reason: "exited with code 4" }],
    // A removal that never comes does not keep wait() going.
    [ended("exited", "2026-11-23T09:00:00Z"), true, { state: "failed", raw: "exited", exitCode: 4 }],
    [ended("removing", "2026-11-23T09:00:00Z"), false, { state: "failed", raw: "removing", exitCode: 4 }],
    // Docker marks a container dead while an rm deletes it: not final either, for the same grace.
    [ended("dead"), true, { state: "running", raw: "dead", exitCode: undefined }],
    [ended("dead", "2026-11-23T09:00:00Z"), true, { state: "failed", raw: "dead", exitCode: 4 }],
    [ended("dead"), false, { state: "failed", raw: "dead", exitCode: 4 }],
    [{ ...ended("running"), finishedAt: "0001-01-01T00:00:00Z" }, true, { state: "running", raw: "running" }],
  ])("maps inspected %j with rm = %s", (state, rm, expected) => {
    expect(inspectedStatus(state, { rm, cancelRequested: false, now })).toMatchObject(expected);
  });

  it("waits at most REMOVAL_GRACE_MS for a removal", () => {
    const state = ended("exited", new Date(now - REMOVAL_GRACE_MS).toISOString());
    expect(inspectedStatus(state, { rm: true, cancelRequested: false, now }).state).toBe("failed");
  });

  it.each([
    [
      { exitCode: 4, oomKilled: false, error: "" },
      false,
      { state: "failed", exitCode: 4, reason: "exited with code 4" },
    ],
    [
      { exitCode: 0, oomKilled: false, error: "" },
      false,
      { state: "succeeded", exitCode: 0, reason: undefined },
    ],
    [
      { exitCode: 143, oomKilled: false, error: "" },
      true,
      { state: "cancelled", exitCode: 143, reason: "cancelled" },
    ],
    [undefined, true, { state: "cancelled", exitCode: undefined, reason: "cancelled" }],
    [
      undefined,
      false,
      {
        state: "failed",
        exitCode: undefined,
        reason: "the container was removed before slipway saw how it ended (docker rm, or rm = true)",
      },
    ],
  ])(
    "a removed container that ended %j (cancel %s) is terminal with raw removed",
    (exit, cancelled, expected) => {
      expect(removedStatus(exit, cancelled)).toEqual({ raw: "removed", ...expected });
    },
  );
});

describe("docker host, detail and API errors", () => {
  it.each([
    ["tcp://box:2375", {}, "tcp://box:2375"],
    [undefined, { DOCKER_HOST: "ssh://me@gpu-box" }, "ssh://me@gpu-box"],
    [undefined, { DOCKER_HOST: "" }, "unix:///var/run/docker.sock"],
    [undefined, {}, "unix:///var/run/docker.sock"],
  ])("profile host %s with env %j is %s", (host, env, expected) => {
    expect(dockerHost(host, env)).toBe(expected);
  });

  it("reads a record written before rm, retries and time were kept as their defaults", () => {
    const detail = { containerId: "3f2a9c1b7d0e", host: "unix:///var/run/docker.sock", graceSeconds: 10 };
    expect(dockerDetailSchema.parse(detail)).toEqual({
      ...detail,
      rm: false,
      removeWhenEnded: false,
      retries: 0,
    });
    expect(dockerDetailSchema.safeParse({ ...detail, extra: 1 }).success).toBe(false);
  });

  it("turns a dockerode error into an EngineError with the request and the daemon's answer", () => {
    const raw = Object.assign(new Error("(HTTP code 500) server error - boom "), {
      statusCode: 500,
      json: { message: "boom" },
    });
    const error = dockerApiError(
      "unix:///var/run/docker.sock",
      { method: "POST", path: "/containers/3f2a/stop", what: "stop container 3f2a" },
      raw,
    );
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message: "Docker daemon at unix:///var/run/docker.sock could not stop container 3f2a: boom",
      executor: "docker",
      method: "POST",
      path: "/containers/3f2a/stop",
      status: 500,
      body: '{"message":"boom"}',
    });
  });

  it("says ENGINE_UNREACHABLE when nothing answered", () => {
    const raw = Object.assign(new Error("connect ENOENT /tmp/none.sock"), { code: "ENOENT" });
    const error = dockerApiError(
      "unix:///tmp/none.sock",
      { method: "GET", path: "/containers/3f2a/json", what: "inspect container 3f2a" },
      raw,
    );
    expect(error).toMatchObject({
      code: "ENGINE_UNREACHABLE",
      message: "cannot reach the Docker daemon at unix:///tmp/none.sock: the socket does not exist",
      method: "GET",
      path: "/containers/3f2a/json",
      status: undefined,
    });
    expect(unreachable("unix:///tmp/none.sock", raw)).toMatchObject({ method: "GET", path: "/version" });
  });
});

describe("LogFrames", () => {
  const frame = (stream: 1 | 2, text: string): Buffer => {
    const header = Buffer.alloc(8);
    header[0] = stream;
    header.writeUInt32BE(Buffer.byteLength(text), 4);
    return Buffer.concat([header, Buffer.from(text)]);
  };

  it("splits frames cut anywhere into lines per stream", () => {
    const bytes = Buffer.concat([frame(1, "hel"), frame(2, "oops\n"), frame(1, "lo\nwor"), frame(1, "ld")]);
    const frames = new LogFrames();
    const lines = [];
    for (let i = 0; i < bytes.length; i += 3) lines.push(...frames.push(bytes.subarray(i, i + 3)));
    lines.push(...frames.end());
    expect(lines).toEqual([
      { stream: "stderr", text: "oops" },
      { stream: "stdout", text: "hello" },
      { stream: "stdout", text: "world" },
    ]);
  });
});
