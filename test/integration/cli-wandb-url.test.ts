import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

describe("the W&B run URL of a job", () => {
  it("is in the launch line, in status and in the job's WANDB_RUN_ID when the run is online", () => {
    const box = makeSandbox(tempDir(), undefined, { WANDB_API_KEY: CANARY_KEY });
    const opts = { env: box.env, cwd: box.root };
    const result = runCli(["launch", "--name", "url", "--", "sh", "-c", 'echo "$WANDB_RUN_ID"'], opts);
    expect(result.status, result.stderr).toBe(0);
    const id = result.stdout.trim();
    const url = `https://forge.coreweave.com/wandb/tests/slipway-test/runs/${id}`;
    expect(result.stderr).toMatch(
      new RegExp(
        `^slipway: launched ${id} on profile local \\(local \\d+\\), W&B run ${url}; Ctrl-C cancels it\\n`,
      ),
    );
    expect(runCli(["status", id], opts).stdout).toContain(`\nW&B run    ${url}\n`);
  });

  it("is not shown offline (no key): the job still gets its run id", () => {
    const box = makeSandbox(tempDir());
    const opts = { env: box.env, cwd: box.root };
    const result = runCli(["launch", "--detach", "--", "true"], opts);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).not.toContain("W&B run");
    expect(runCli(["status", result.stdout.trim()], opts).stdout).not.toContain("W&B run");
  });
});
