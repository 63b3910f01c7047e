import { createHash } from "node:crypto";
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { defaultConnections } from "../../src/transport/connections.ts";
import { until } from "../contract/harness.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// A stand-in for the `wandb` CLI on the job's PATH: the real agent needs a W&B server, which tests cannot reach.
// It prints what the agent would be started with: its argv, the key's hash and the tracking variables.
const STAND_IN = `#!/bin/sh
printf 'argv=%s|' "$*"
printf 'key=%s|' "$(printf %s "$WANDB_API_KEY" | sha256sum | cut -d' ' -f1)"
printf 'project=%s entity=%s run_id=%s name=%s mode=%s task=%s\\n' "$WANDB_PROJECT" "$WANDB_ENTITY" \\
  "\${WANDB_RUN_ID-unset}" "\${WANDB_NAME-unset}" "\${WANDB_MODE-unset}" "\${SLURM_ARRAY_TASK_ID-}"
`;
const KEY_SHA = createHash("sha256").update(CANARY_KEY).digest("hex");

interface AgentsJson {
  readonly wandbSweep: string;
  readonly runs: readonly { index: number; jobId: string; arrayIndex?: number; state: string }[];
  readonly summary: string;
}

const cli = (box: Sandbox, args: readonly string[]) => runCli(args, { env: box.env, cwd: box.root });
const statusOf = (box: Sandbox, id: string): AgentsJson =>
  JSON.parse(cli(box, ["status", "--json", id]).stdout) as AgentsJson;
const ended = (json: AgentsJson): boolean =>
  json.runs.every((run) => ["succeeded", "failed", "cancelled"].includes(run.state));

const expected = (task: string): string =>
  `argv=agent --count 3 acme/llm/abc123|key=${KEY_SHA}|project=llm entity=acme run_id=unset name=unset mode=unset task=${task}\n`;

describe("W&B sweep agents on this machine", () => {
  const tempDir = useTempDirs();

  const localBox = (): Sandbox => {
    const dir = tempDir();
    const bin = join(dir, "agent-bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "wandb"), STAND_IN);
    chmodSync(join(bin, "wandb"), 0o755);
    const toml = `[wandb]\nproject = "p"\nentity = "tests"\n\n[local]\nexecutor = "local"\ngrace_seconds = 1\nenv = { PATH = "${bin}:/usr/bin:/bin" }\n`;
    return makeSandbox(dir, toml, { WANDB_API_KEY: CANARY_KEY });
  };

  it("start N agents as N jobs, each with the key and the sweep's project, no run id or name", async () => {
    const box = localBox();
    const args = ["launch", "-p", "local", "-d", "--wandb-sweep", "acme/llm/abc123", "--agents", "2"];
    const launched = cli(box, [...args, "--count", "3"]);
    expect(launched.stderr).not.toContain("error");
    expect(launched.status).toBe(0);
    const id = launched.stdout.trim();
    expect(id).toMatch(/^agent-abc123-[0-9a-z]{6}$/);
    await until("the agents end", () => ended(statusOf(box, id)), 30_000);
    const json = statusOf(box, id);
    expect(json.wandbSweep).toBe("acme/llm/abc123");
    expect(json.summary).toBe("2 jobs: 2 succeeded");
    const jobs = json.runs.map((run) => run.jobId);
    expect(new Set(jobs).size).toBe(2);
    for (const job of jobs) expect(cli(box, ["logs", job]).stdout).toBe(expected(""));
    const text = cli(box, ["status", id]).stdout;
    expect(text.split("\n")[0]).toBe(`agents ${id} of W&B sweep acme/llm/abc123 (local, local), 3 runs each`);
  });

  it("show the agents and the request in a dry run, the key as ***", () => {
    const box = localBox();
    const args = ["launch", "-p", "local", "--dry-run", "--wandb-sweep", "llm/abc123", "--agents", "3"];
    const result = cli(box, args);
    expect(result.status).toBe(0);
    expect(result.stdout.split("\n")[0]).toBe(
      "3 W&B agents for sweep tests/llm/abc123 on profile local (local): 3 jobs",
    );
    expect(result.stdout).toContain("wandb agent tests/llm/abc123");
    expect(result.stdout).toContain("(and 2 more requests like it, one per agent)");
    expect(result.stdout + result.stderr).not.toContain(CANARY_KEY);
    expect(() => readdirSync(join(box.slipwayHome, "jobs"))).toThrow();
  });

  it.each([
    [
      ["--wandb-sweep", "acme/llm/abc123", "--", "python", "train.py"],
      "error: --wandb-sweep starts `wandb agent`",
    ],
    [["--wandb-sweep", "acme/llm/abc123", "--sweep", "lr=1,2"], "error: --sweep and --wandb-sweep both say"],
    [
      ["--wandb-sweep", "acme/llm/abc/def", "--agents", "2"],
      'error: --wandb-sweep "acme/llm/abc/def" is not a W&B sweep path',
    ],
    [
      ["--agents", "2", "--", "true"],
      "error: --agents is for W&B sweep agents, and no --wandb-sweep was given",
    ],
    [["--wandb-sweep", "acme/llm/abc123", "--launcher", "torchrun"], "a W&B agent starts the program itself"],
    [[], "error: missing required argument 'command'"],
  ])("refuse %j with exit 2 and launch nothing", (flags, message) => {
    const box = makeSandbox(tempDir(), undefined, { WANDB_API_KEY: CANARY_KEY });
    const result = cli(box, ["launch", "-p", "local", ...flags]);
    expect(result.stderr).toContain(message);
    expect(result.status).toBe(2);
    expect(() => readdirSync(join(box.slipwayHome, "jobs"))).toThrow();
  });

  it("refuse to start without a W&B key, since an agent must fetch its runs", () => {
    const box = makeSandbox(tempDir());
    const result = cli(box, ["launch", "-p", "local", "--wandb-sweep", "acme/llm/abc123"]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("error: a W&B agent fetches its runs from W&B and needs an API key");
  });
});

describeWithEngine("W&B sweep agents on the real Slurm cluster", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  const access = (): SlurmClusterAccess => JSON.parse(value) as SlurmClusterAccess;
  afterAll(async () => {
    await defaultConnections().close();
  });

  it("are one array job whose tasks each run wandb agent with the key", async () => {
    const box = clusterSandbox(tempDir(), access());
    const login = loginTransport(access(), box);
    const bin = `agent-bin-${Date.now().toString(36)}`;
    const home = (await login.run('printf %s "$HOME"')).stdout;
    const installed = await login.run(
      `mkdir -p ~/${bin} && cat > ~/${bin}/wandb <<'STAND_IN'\n${STAND_IN}STAND_IN\nchmod 755 ~/${bin}/wandb`,
    );
    expect(installed.exitCode).toBe(0);
    const args = ["launch", "-p", "cluster", "-d", "--wandb-sweep", "acme/llm/abc123", "--agents", "3"];
    const env = ["-e", `PATH=${home}/${bin}:/usr/local/bin:/usr/bin:/bin`];
    const launched = cli(box, [...args, "--count", "3", ...env]);
    expect(launched.stderr).not.toContain("error");
    const id = launched.stdout.trim();
    await until("the array ends", () => ended(statusOf(box, id)), 120_000);
    const json = statusOf(box, id);
    expect(json.summary).toBe("3 jobs: 3 succeeded");
    expect(json.runs.map((run) => [run.jobId, run.arrayIndex])).toEqual([0, 1, 2].map((i) => [id, i]));
    expect(readdirSync(join(box.slipwayHome, "jobs"))).toEqual([id]);
    for (const i of [0, 1, 2]) {
      const out = cli(box, ["logs", id, "--index", String(i), "--stream", "stdout"]).stdout;
      expect(out).toBe(expected(String(i)));
    }
    const script = await login.run(`cat ~/.slipway/jobs/${id}/job.sbatch`);
    expect(script.stdout).toContain("#SBATCH --array=0-2");
    expect(script.stdout).not.toContain(CANARY_KEY);
    await login.run(`rm -rf ~/${bin}`);
  });
});
