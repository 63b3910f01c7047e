import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { PendingProfile } from "../../../src/config/types.ts";
import { resolveTrackingEnv } from "../../../src/env/tracking-env.ts";
import { planDocker } from "../../../src/executors/docker/plan.ts";
import { renderDocker } from "../../../src/executors/docker/render.ts";
import { dockerSettings, sizeInBytes } from "../../../src/executors/docker/settings.ts";
import { LogFrames } from "../../../src/executors/docker/log-frames.ts";
import { dockerState } from "../../../src/executors/docker/states.ts";
import { buildJob } from "../../../src/job/job.ts";
import { FOUND, LOCAL_PROFILE, WANDB } from "../../helpers/fixtures.ts";
import { CANARY_KEY } from "../../helpers/temp-dir.ts";

const golden = join(import.meta.dirname, "..", "..", "golden", "docker-plan.txt");

const profile: PendingProfile<"docker"> = {
  ...LOCAL_PROFILE,
  name: "box",
  executor: "docker",
  settings: {
    image: "my-train:latest",
    gpus: "all",
    shm_size: "16g",
    mounts: ["/data:/data:ro", "./out:/out", "hf-cache:/root/.cache/huggingface"],
    pull: "missing",
    init: true,
    secrets: "file",
    rm: false,
    user: "1000:1000",
  },
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
    { cwd: "/work/repo", now: new Date("2026-11-23T10:00:00Z"), random: () => new Uint8Array(6) },
  );
  return planDocker(job, profile, dockerSettings(profile), {
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
