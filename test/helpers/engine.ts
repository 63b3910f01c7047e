import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";

/** Whether an engine or oracle a test needs is here, and if not, why. */
export type EngineProbe =
  { readonly ok: true; readonly value: string } | { readonly ok: false; readonly reason: string };

const repoRoot = join(import.meta.dirname, "..", "..");
const inCi = process.env["CI"] === "true";

/**
 * `describe` for tests that need an engine or oracle. When it is missing the block is skipped with a printed reason
 * locally, and fails in CI (`CI=true`), so a missing install step can never pass silently.
 */
export function describeWithEngine(name: string, probe: EngineProbe, body: (value: string) => void): void {
  if (probe.ok) {
    describe(name, () => {
      body(probe.value);
    });
    return;
  }
  if (inCi) {
    describe(name, () => {
      it("has its engine", () => {
        throw new Error(`engine missing in CI: ${probe.reason}`);
      });
    });
    return;
  }
  console.warn(`[skipped] ${name}: ${probe.reason}`);
  describe.skip(name, () => {
    body("");
  });
}

let pythonProbe: EngineProbe | undefined;

/**
 * A Python interpreter with the pinned `wandb` SDK: `$SLIPWAY_TEST_PYTHON`, else the repo's `.venv` that `.ci/run`
 * (or `scripts/setup-python.sh`) creates.
 */
export function wandbPython(): EngineProbe {
  if (pythonProbe) return pythonProbe;
  const candidate = process.env["SLIPWAY_TEST_PYTHON"] ?? join(repoRoot, ".venv", "bin", "python");
  if (!existsSync(candidate)) {
    pythonProbe = {
      ok: false,
      reason: `no Python with wandb at ${candidate}; run scripts/setup-python.sh or set SLIPWAY_TEST_PYTHON`,
    };
    return pythonProbe;
  }
  const result = spawnSync(candidate, ["-c", "import wandb; print(wandb.__version__)"], { encoding: "utf8" });
  pythonProbe =
    result.status === 0
      ? { ok: true, value: candidate }
      : {
          ok: false,
          reason: `${candidate} cannot import wandb: ${result.stderr.trim().split("\n").pop() ?? ""}`,
        };
  return pythonProbe;
}
