import { once } from "node:events";
import { writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

function sandbox(toml?: string) {
  const box = makeSandbox(tempDir(), toml);
  return { box, opts: { env: box.env, cwd: box.root } };
}

describe("slipway CLI", () => {
  it("prints help with every command", () => {
    const { opts } = sandbox();
    const result = runCli(["--help"], opts);
    expect(result.status).toBe(0);
    for (const command of ["launch", "status", "logs", "cancel", "list", "profiles", "doctor", "schema"]) {
      expect(result.stdout).toContain(command);
    }
  });

  it("streams a foreground job's output and exits with its exit code", () => {
    const { opts } = sandbox();
    const result = runCli(
      ["launch", "--profile", "local", "--", "sh", "-c", "echo to-out; echo to-err >&2; exit 7"],
      opts,
    );
    expect(result.status).toBe(7);
    expect(result.stdout).toBe("to-out\n");
    expect(result.stderr).toContain("to-err\n");
    expect(result.stderr).toMatch(/failed \(exit 7\) after/);
  });

  it("cancels the job on Ctrl-C and exits 130", async () => {
    const { opts } = sandbox();
    const child = startCli(
      ["launch", "--name", "interrupt-me", "--", "sh", "-c", "echo ready; sleep 30"],
      opts,
    );
    let out = "";
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes("ready")) child.kill("SIGINT");
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code).toBe(130);
    const list = JSON.parse(runCli(["list", "--json"], opts).stdout) as { name: string; state: string }[];
    expect(list.find((j) => j.name === "interrupt-me")?.state).toBe("cancelled");
  });

  it("detaches, then status, logs and cancel work from later processes", () => {
    const { opts } = sandbox();
    const launched = runCli(
      ["launch", "--detach", "--", "sh", "-c", "echo first; sleep 0.5; echo second"],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    expect(launched.stderr).toContain(`slipway logs -f ${id}`);
    expect(runCli(["status", id], opts).stdout).toMatch(/state\s+(running|succeeded)/);
    expect(runCli(["logs", "-f", id], opts).stdout).toBe("first\nsecond\n");
    expect(runCli(["status", id], opts).stdout).toMatch(/state\s+succeeded \(exited\(0\)\)/);
    const cancel = runCli(["cancel", id], opts);
    expect(cancel.status).toBe(0);
    expect(cancel.stderr).toContain(`${id} already ended (succeeded); nothing to cancel`);
    expect(runCli(["list"], opts).stdout).toContain(id);
  });

  it("prints a dry run and starts nothing", () => {
    const { opts } = sandbox();
    const result = runCli(["launch", "--dry-run", "--env", "A=1 2", "--", "python", "train.py"], opts);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^local job train-[0-9a-z]{6}\n {2}command: python train.py\n/);
    expect(result.stdout).toContain("    A='1 2'\n");
    expect(runCli(["list", "--json"], opts).stdout.trim()).toBe("[]");
  });

  it.each([
    [
      ["launch", "--profile", "nope", "--", "true"],
      /^error: .*env\.toml: no profile "nope" \(profiles: local\)/,
    ],
    [["status", "nope"], /^error: no job "nope" in .*\/jobs\nhint: slipway list shows the known jobs\n$/],
    [["launch", "--env", "NOEQUALS", "--", "true"], /^error: --env NOEQUALS: expected NAME=VALUE\n/],
    [
      ["launch", "--", "pyhton3"],
      /^error: command not found: pyhton3\nhint: "pyhton3" is not an executable/m,
    ],
  ])("fails cleanly on %j, without a stack trace", (args, message) => {
    const { opts } = sandbox();
    const result = runCli(args, opts);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it("points at the line and column of a TOML syntax error", () => {
    const { box, opts } = sandbox();
    writeFileSync(box.config, '[local]\nexecutor = "local"\nnodes = = 2\n');
    const result = runCli(["launch", "--", "true"], opts);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`error: ${box.config}:3:`);
    expect(result.stderr).not.toMatch(/\n\s+at /);
    const debug = runCli(["launch", "--debug", "--", "true"], opts);
    expect(debug.stderr).toMatch(/\n\s+at /);
  });

  it("lists profiles and prints the JSON Schema", () => {
    const { opts } = sandbox(
      '[local]\nexecutor = "local"\n\n[gpu0]\nextends = "local"\nenv = { CUDA_VISIBLE_DEVICES = "0" }\n',
    );
    expect(JSON.parse(runCli(["profiles", "--json"], opts).stdout)).toMatchObject({
      profiles: [
        { name: "local", executor: "local" },
        { name: "gpu0", executor: "local", extends: "local" },
      ],
    });
    const schema = JSON.parse(runCli(["schema"], opts).stdout) as Record<string, unknown>;
    expect(schema["$schema"]).toContain("json-schema.org");
  });

  it("doctor names the key's source, never the key", () => {
    const { opts } = sandbox();
    const result = runCli(["doctor", "--json"], {
      ...opts,
      env: { ...opts.env, WANDB_API_KEY: "k".repeat(40) },
    });
    expect(result.status).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      ok: true,
      profiles: [{ name: "local", ok: true, key: "WANDB_API_KEY for api.forge.coreweave.com" }],
    });
    expect(result.stdout).not.toContain("k".repeat(40));
  });
});
