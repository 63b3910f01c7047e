import { once } from "node:events";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { defaultConnections } from "../../src/transport/connections.ts";
import { describeWithEngine, rayHead, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { runCli, startCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// A job that can never start says so at once, with a hint; --fail-fast (the default in the foreground) cancels it,
// and no "exit 0" is printed for a job that never ran.

const tempDir = useTempDirs();

function launchedId(stderr: string): string {
  const id = /launched ([a-z0-9-]+) /.exec(stderr)?.[1];
  if (id === undefined) throw new Error(`no launch line in:\n${stderr}`);
  return id;
}

describeWithEngine("a Slurm job that can never start", slurmCluster(), (value) => {
  const access = (): SlurmClusterAccess => JSON.parse(value) as SlurmClusterAccess;
  afterAll(async () => {
    await defaultConnections().close();
  });

  // Slurm names the partition's limit at once (PartitionConfig), then the exact one on its next pass.
  const HINTS: Record<string, string> = {
    PartitionConfig:
      "the job asks for more than its partition offers (nodes, time, …); ask for less or use another partition",
    PartitionNodeLimit:
      "the job asks for more nodes than its partition has or allows; ask for fewer (--nodes) or use another partition",
  };

  it("--nodes 4 on the 3-node partition: error and hint at once, cancelled, exit 2", () => {
    const box = clusterSandbox(tempDir(), access());
    const opts = { env: box.env, cwd: box.root };
    const result = runCli(["launch", "-p", "cluster", "--nodes", "4", "--", "true"], opts);
    const id = launchedId(result.stderr);
    expect(result.status, result.stderr).toBe(2);
    const reason = /can never start: (\w+)\n/.exec(result.stderr)?.[1] ?? "";
    expect(Object.keys(HINTS)).toContain(reason);
    expect(result.stderr).toContain(`slipway: cancelling ${id}: it can never start (${reason})\n`);
    expect(result.stderr).toContain(
      `error: ${id} can never start: ${reason}\nhint: ${HINTS[reason]}; it was cancelled (--no-fail-fast waits instead)\n`,
    );
    expect(result.stderr).not.toContain("exit 0");
    expect((JSON.parse(runCli(["status", id, "--json"], opts).stdout) as { state: string }).state).toBe(
      "cancelled",
    );
  });

  it("--detach says so at once and leaves the job to the user", () => {
    const box = clusterSandbox(tempDir(), access());
    const opts = { env: box.env, cwd: box.root };
    const result = runCli(["launch", "-p", "cluster", "--detach", "--nodes", "4", "--", "true"], opts);
    expect(result.status, result.stderr).toBe(0);
    const id = result.stdout.trim();
    const reason = /can never start as it is: (\w+)\n/.exec(result.stderr)?.[1] ?? "";
    expect(result.stderr).toContain(
      `warning: ${id} can never start as it is: ${reason}\nhint: ${HINTS[reason]}; slipway cancel ${id} stops it\n`,
    );
    expect(runCli(["cancel", id], opts).status).toBe(0);
  });

  it("--no-fail-fast warns once and keeps waiting until Ctrl-C; no exit code for a job that never ran", async () => {
    const box = clusterSandbox(tempDir(), access());
    const child = startCli(["launch", "-p", "cluster", "--no-fail-fast", "--nodes", "4", "--", "true"], {
      env: box.env,
      cwd: box.root,
    });
    let err = "";
    let interrupted = false;
    child.stderr.on("data", (chunk: Buffer) => {
      err += chunk.toString();
      if (!interrupted && err.includes("waiting anyway (--no-fail-fast)")) {
        interrupted = true;
        child.kill("SIGINT");
      }
    });
    const [code] = (await once(child, "exit")) as [number | null];
    expect(code, err).toBe(130);
    const id = launchedId(err);
    expect(err).toMatch(new RegExp(`slipway: ${id} cancelled before it started, after [0-9.]+ s\n`));
    expect(err).not.toContain("exit 0");
  });
});

describeWithEngine("a Ray job that can never start", rayHead(), (address) => {
  it("a resource no node has enough of: error and hint at once, cancel requested, exit 2", () => {
    const toml = `[wandb]\nproject = "rayproj"\nmode = "offline"\n\n[ray]\nexecutor = "ray"\naddress = "${address}"\nworking_dir = "code"\nnum_cpus = 1\nresources = { slipway_test = 50 }\n`;
    const box = makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
    mkdirSync(join(box.root, "code"));
    const result = runCli(["launch", "-p", "ray", "--", "true"], { env: box.env, cwd: box.root });
    const id = launchedId(result.stderr);
    expect(result.status, result.stderr).toBe(2);
    expect(result.stderr).toContain(`error: ${id} can never start: `);
    expect(result.stderr).toMatch(
      /\nhint: no node of the Ray cluster has slipway_test 50 \(the most on one node: \d+\); ask for less in the profile's resources; cancel requested \(stop requested; Ray stops a job waiting for resources only once it starts/,
    );
    expect(result.stderr).not.toContain("exit 0");
  });
});
