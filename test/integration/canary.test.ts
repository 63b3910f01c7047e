import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

const TOML = `[wandb]
project = "canary"
mode = "online"

[local]
executor = "local"
grace_seconds = 1
`;

function sandboxWithKey() {
  return makeSandbox(tempDir(), TOML, { WANDB_API_KEY: CANARY_KEY });
}

/** The pids of `root` and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...filesUnder(path)] : [path];
  });
}

describe("canary: the W&B key never leaks", () => {
  it("is in the job's environment but in no argv, output or record", () => {
    const sandbox = sandboxWithKey();
    const opts = { env: sandbox.env, cwd: sandbox.root };
    const launched = runCli(
      ["launch", "--detach", "--", "sh", "-c", 'echo "key length ${#WANDB_API_KEY}"; sleep 3'],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    const status = JSON.parse(runCli(["status", "--json", id], opts).stdout) as {
      nativeId: string;
      state: string;
    };
    expect(status.state).toBe("running");

    const pids = processTree(Number(status.nativeId));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of pids) {
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8"), `argv of pid ${pid}`).not.toContain(CANARY_KEY);
    }
    // The check above can fail: the key did reach the job, through its environment.
    const jobPid = pids[pids.length - 1]!;
    expect(readFileSync(`/proc/${jobPid}/environ`, "utf8")).toContain(`WANDB_API_KEY=${CANARY_KEY}`);

    const outputs = [
      launched,
      runCli(["status", id], opts),
      runCli(["list"], opts),
      runCli(["list", "--json"], opts),
      runCli(["logs", "-f", id], opts),
      runCli(["doctor"], opts),
      runCli(["doctor", "--json"], opts),
      runCli(["launch", "--dry-run", "--", "python", "train.py"], opts),
      runCli(["launch", "--dry-run", "--json", "--", "python", "train.py"], opts),
    ];
    for (const out of outputs) {
      expect(out.stdout + out.stderr).not.toContain(CANARY_KEY);
    }
    expect(outputs[4]!.stdout).toContain(`key length ${CANARY_KEY.length}`);
    expect(outputs[7]!.stdout).toContain("WANDB_API_KEY=***");

    for (const file of filesUnder(sandbox.slipwayHome)) {
      const mode = statSync(file).mode & 0o777;
      expect(mode & 0o077, `${file} is ${mode.toString(8)}`).toBe(0);
      if (statSync(file).isFile()) expect(readFileSync(file, "utf8"), file).not.toContain(CANARY_KEY);
    }
  });

  it("keeps the key out of error messages", () => {
    const sandbox = makeSandbox(tempDir(), TOML, { WANDB_API_KEY: `${CANARY_KEY}\n` });
    const result = runCli(["launch", "--", "true"], { env: sandbox.env, cwd: sandbox.root });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("WANDB_API_KEY");
    expect(result.stderr).not.toContain(CANARY_KEY);

    const bad = makeSandbox(tempDir(), TOML.replace('mode = "online"', 'mode = "online"\ntags = [""]'), {
      WANDB_API_KEY: CANARY_KEY,
    });
    const invalid = runCli(["launch", "--", "true"], { env: bad.env, cwd: bad.root });
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain("tag 1 is empty");
    expect(invalid.stderr + invalid.stdout).not.toContain(CANARY_KEY);
  });

  it("redacts the key by value wherever it was copied: other names, a format error, dry runs, records", () => {
    const copied = TOML.replace(
      "grace_seconds = 1\n",
      'grace_seconds = 1\nenv = { MY_KEY = "${env:WANDB_API_KEY}", PLAIN_COPY = "${env:WANDB_API_KEY}", AUTH = "Bearer ${env:WANDB_API_KEY}", HF_TOKEN = "hf_0123456789abcdef" }\n' +
        '\n[bad]\nexecutor = "local"\nmemory = "${env:WANDB_API_KEY}"\n',
    );
    const sandbox = makeSandbox(tempDir(), copied, { WANDB_API_KEY: CANARY_KEY });
    const opts = { env: sandbox.env, cwd: sandbox.root };
    const dry = runCli(["launch", "--dry-run", "-p", "local", "--", "sh", "-c", "true"], opts);
    const json = runCli(["launch", "--dry-run", "--json", "-p", "local", "--", "sh", "-c", "true"], opts);
    const format = runCli(["launch", "--dry-run", "-p", "bad", "--", "true"], opts);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain("bad.memory");
    for (const name of ["MY_KEY", "PLAIN_COPY", "AUTH", "HF_TOKEN"])
      expect(dry.stdout).toContain(`${name}=***`);
    const launched = runCli(
      ["launch", "-p", "local", "--", "sh", "-c", 'test "$PLAIN_COPY" = "$WANDB_API_KEY"'],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    for (const out of [dry, json, format, launched]) {
      expect(out.stdout + out.stderr).not.toContain(CANARY_KEY);
      expect(out.stdout + out.stderr).not.toContain("hf_0123456789abcdef");
    }
    for (const file of filesUnder(sandbox.slipwayHome)) {
      if (statSync(file).isFile()) expect(readFileSync(file, "utf8"), file).not.toContain(CANARY_KEY);
    }
  });
});
