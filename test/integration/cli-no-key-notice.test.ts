import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { DEFAULT_TOML, makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

describe('the "no API key" notice', () => {
  it("is said once a day per env.toml, with how to silence it", () => {
    const box = makeSandbox(tempDir());
    const opts = { env: box.env, cwd: box.root };
    const notice =
      `slipway: W&B: no API key: WANDB_API_KEY is unset and there is no ${join(box.home, ".netrc")} (run "wandb login"); ` +
      `jobs run with WANDB_MODE=offline (said once a day; mode = "offline" under [wandb] in ${box.config} silences it)\n`;
    expect(runCli(["launch", "--dry-run", "--", "true"], opts).stderr).toBe(notice);
    expect(runCli(["launch", "--dry-run", "--", "true"], opts).stderr).toBe("");
    const launched = runCli(["launch", "--", "true"], opts);
    expect(launched.stderr).not.toContain("no API key");
    // Another env.toml is another notice.
    const other = join(box.root, "other.toml");
    writeFileSync(other, DEFAULT_TOML);
    expect(runCli(["launch", "--dry-run", "--config", other, "--", "true"], opts).stderr).toContain(
      `under [wandb] in ${other} silences it)\n`,
    );
  });

  it('is not said with mode = "offline"', () => {
    const box = makeSandbox(
      tempDir(),
      DEFAULT_TOML.replace('entity = "tests"', 'entity = "tests"\nmode = "offline"'),
    );
    expect(runCli(["launch", "--dry-run", "--", "true"], { env: box.env, cwd: box.root }).stderr).toBe("");
  });
});
