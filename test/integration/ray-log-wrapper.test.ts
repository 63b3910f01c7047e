import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeWithEngine, rayHead } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

describeWithEngine("Ray logs without slipway's secrets wrapper", rayHead(), (address) => {
  it("Ray's entrypoint line shows the job's command, not the shell line that loads the key", () => {
    const toml = `[wandb]\nproject = "rayproj"\nentity = "tests"\n\n[ray]\nexecutor = "ray"\naddress = "${address}"\nworking_dir = "code"\n`;
    const box = makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
    mkdirSync(join(box.root, "code"));
    const opts = { env: box.env, cwd: box.root };
    const launched = runCli(["launch", "--detach", "--", "echo", "hello"], opts);
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    const followed = runCli(["logs", "-f", id], opts).stdout;
    const again = runCli(["logs", id], opts).stdout;
    for (const logs of [followed, again]) {
      expect(logs).toContain(`Running entrypoint for job ${id}: echo hello\n`);
      expect(logs).not.toContain("PYTHONPATH");
      expect(logs).not.toContain("slipway_secrets");
    }
    expect(runCli(["cleanup", id], opts).status).toBe(0);
    expect(runCli(["logs", id], opts).stdout).toContain(`Running entrypoint for job ${id}: echo hello\n`);
  });
});
