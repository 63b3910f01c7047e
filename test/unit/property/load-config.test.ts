import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import fc from "fast-check";
import { stringify } from "smol-toml";
import { describe, expect, it } from "vitest";
import type { EnvSource } from "../../../src/config/interpolate.ts";
import { loadConfig } from "../../../src/config/load-config.ts";
import { listProfiles, resolveProfile, resolveWandb } from "../../../src/config/resolve-profile.ts";
import { SlipwayError } from "../../../src/errors.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";
import { envTomlBytes } from "./env-toml-bytes.ts";
import { envSource, envTomlDocument } from "./env-toml-document.ts";

// A bound against hangs and runaway backtracking, not a benchmark: a case takes about a millisecond, and the bound
// leaves room for a slow CI machine, a GC pause and the first use of each zod schema.
const BOUND_MS = 500;

/** Runs `step`; a SlipwayError is an expected outcome, anything else fails the property naming the step. */
function onlySlipwayErrors(step: string, run: () => void): void {
  try {
    run();
  } catch (error) {
    if (error instanceof SlipwayError) return;
    const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    throw new Error(`${step} threw ${what}, not a SlipwayError`, { cause: error });
  }
}

/** Loads `dir`/env.toml as the CLI does, then resolves `[wandb]` and every profile; the time it took, in ms. */
function loadEverything(dir: string, env: EnvSource): number {
  const start = performance.now();
  onlySlipwayErrors("loadConfig", () => {
    const config = loadConfig({ cwd: dir, env });
    onlySlipwayErrors("resolveWandb", () => resolveWandb(config, env));
    for (const { name } of listProfiles(config)) {
      onlySlipwayErrors(`resolveProfile(${JSON.stringify(name)})`, () => resolveProfile(config, name, env));
    }
    onlySlipwayErrors("resolveProfile of an unknown name", () => resolveProfile(config, "no-such", env));
  });
  return performance.now() - start;
}

describe("loadConfig and resolveProfile (property)", () => {
  const tempDir = useTempDirs();

  it("throw only SlipwayErrors, within a bound, for any env.toml bytes", () => {
    const dir = tempDir();
    fc.assert(
      fc.property(envTomlBytes, envSource, (bytes, env) => {
        writeFileSync(join(dir, "env.toml"), bytes);
        expect(loadEverything(dir, env)).toBeLessThan(BOUND_MS);
      }),
      { numRuns: 300 },
    );
  }, 30_000);

  it("throw only SlipwayErrors, within a bound, for any TOML document", () => {
    const dir = tempDir();
    fc.assert(
      fc.property(envTomlDocument, envSource, (doc, env) => {
        writeFileSync(join(dir, "env.toml"), stringify(doc));
        expect(loadEverything(dir, env)).toBeLessThan(BOUND_MS);
      }),
      { numRuns: 500 },
    );
  }, 30_000);
});
