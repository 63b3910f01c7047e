import { once } from "node:events";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const TWO_PROFILES = '[local]\nexecutor = "local"\ngrace_seconds = 1\n\n[other]\nexecutor = "local"\n';

function sandbox(toml?: string) {
  const box = makeSandbox(tempDir(), toml);
  return { box, opts: { env: box.env, cwd: box.root } };
}

type Opts = ReturnType<typeof sandbox>["opts"];

function detach(opts: Opts, args: readonly string[]): string {
  const result = runCli(["launch", "--detach", ...args], opts);
  expect(result.status, result.stderr).toBe(0);
  return result.stdout.trim();
}

function ids(opts: Opts, args: readonly string[]): string[] {
  const result = runCli(["list", "--json", ...args], opts);
  expect(result.status, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { id: string }[]).map((job) => job.id);
}

describe("slipway wait", () => {
  it("exits with the job's code, or the largest code of several", () => {
    const { opts } = sandbox();
    const ok = detach(opts, ["--", "true"]);
    const three = detach(opts, ["--", "sh", "-c", "exit 3"]);
    const one = runCli(["wait", ok], opts);
    expect(one).toMatchObject({ status: 0, stdout: "", stderr: `slipway: ${ok} succeeded (exit 0)\n` });
    const both = runCli(["wait", ok, three], opts);
    expect(both.status).toBe(3);
    expect(both.stderr).toContain(`slipway: ${three} failed (exit 3)\n`);
    const json = runCli(["wait", "--json", three], opts);
    expect(json.status).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: three, state: "failed", exitCode: 3, code: 3 });
  });

  it("exits 130 for a cancelled job and prints no exit code it did not have", () => {
    const { opts } = sandbox();
    const id = detach(opts, ["--", "sleep", "30"]);
    expect(runCli(["cancel", id], opts).status).toBe(0);
    const result = runCli(["wait", id], opts);
    expect(result.status).toBe(130);
    expect(result.stderr).toMatch(new RegExp(`^slipway: ${id} cancelled`));
    expect(result.stderr).not.toContain("exit 0");
  });
});

describe("slipway list", () => {
  it("filters by state, profile, executor and creation time", () => {
    const { opts } = sandbox(TWO_PROFILES);
    const ok = detach(opts, ["-p", "local", "--", "true"]);
    const failed = detach(opts, ["-p", "other", "--", "sh", "-c", "exit 3"]);
    runCli(["wait", ok, failed], opts);
    expect(ids(opts, ["--state", "failed"])).toEqual([failed]);
    expect(ids(opts, ["--state", "failed,succeeded"]).sort()).toEqual([ok, failed].sort());
    expect(ids(opts, ["--profile", "local"])).toEqual([ok]);
    expect(ids(opts, ["-p", "other", "--state", "succeeded"])).toEqual([]);
    expect(ids(opts, ["--executor", "docker"])).toEqual([]);
    expect(ids(opts, ["--since", "1h"]).sort()).toEqual([ok, failed].sort());
    expect(ids(opts, ["--since", "2999-01-01"])).toEqual([]);
    expect(runCli(["list", "--executor", "docker"], opts).stdout).toBe("no jobs match\n");
  });

  it("cuts a long COMMAND at a word boundary with …, and says pid for a local job", () => {
    const { opts } = sandbox();
    const words = "alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima";
    const id = detach(opts, ["--", "echo", ...words.split(" ")]);
    runCli(["wait", id], opts);
    const pid = (JSON.parse(runCli(["status", "--json", id], opts).stdout) as { nativeId: string }).nativeId;
    const line = runCli(["list"], opts).stdout.split("\n")[1] ?? "";
    expect(line).toMatch(new RegExp(`^${id} +succeeded +0 +local +local pid ${pid} +\\d+ s ago +`));
    expect(line.endsWith("  echo alpha bravo charlie delta echo foxtrot golf hotel…")).toBe(true);
  });

  it("--watch prints the list again when a job appears, until Ctrl-C", async () => {
    const { opts } = sandbox();
    const watch = startCli(["list", "--watch", "--interval", "1"], opts);
    let out = "";
    const seen = (text: string): Promise<void> =>
      new Promise((resolve) => {
        const check = (): void => {
          if (out.includes(text)) resolve();
          else watch.stdout.once("data", check);
        };
        check();
      });
    watch.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
    });
    await seen("no jobs yet");
    const id = detach(opts, ["--", "true"]);
    await seen(id);
    watch.kill("SIGINT");
    const [code] = (await once(watch, "exit")) as [number | null];
    expect(code).toBe(0);
    expect(out.startsWith("no jobs yet: slipway launch --profile <name> -- <command>\n\nID ")).toBe(true);
  });
});

describe("--json on every command", () => {
  it("cancel and cleanup print JSON", () => {
    const { opts } = sandbox();
    const done = detach(opts, ["--", "true"]);
    runCli(["wait", done], opts);
    expect(JSON.parse(runCli(["cancel", "--json", done], opts).stdout)).toMatchObject({
      id: done,
      state: "succeeded",
      alreadyEnded: true,
    });
    const running = detach(opts, ["--", "sleep", "30"]);
    expect(JSON.parse(runCli(["cancel", "--json", running], opts).stdout)).toMatchObject({
      id: running,
      state: "cancelled",
      alreadyEnded: false,
    });
    expect(JSON.parse(runCli(["cleanup", "--json", done], opts).stdout)).toEqual([
      { id: done, cleaned: false, message: "nothing to free; its logs are in the job store" },
    ]);
    expect(JSON.parse(runCli(["cleanup", "--json"], opts).stdout)).toEqual([]);
  });

  it("status shows the engine's word only when it adds meaning, and pid for a local job", () => {
    const { opts } = sandbox();
    const id = detach(opts, ["--", "sleep", "30"]);
    const status = runCli(["status", id], opts).stdout;
    runCli(["cancel", id], opts);
    expect(status).toMatch(/^state {4}running\n/m);
    expect(status).toMatch(/^profile {2}local \(local pid \d+\)\n/m);
  });
});
