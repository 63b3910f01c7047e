import { spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sbatchScript, type ScriptInput } from "../../../src/executors/slurm/script.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";
import { nulFields, shellWord, type WordEncoding } from "./shell-word.ts";

// The job prints its whole environment, so the exported variables are checked where the job sees them.
const JOB: Omit<ScriptInput, "env"> = {
  jobId: "prop-k3j9x2",
  profile: "prop",
  directives: ["--job-name=prop-k3j9x2"],
  hasSecrets: false,
  rankZeroOnly: [],
  setup: [],
  workdir: undefined,
  srun: [],
  command: ["env", "-0"],
  torchrun: undefined,
  retries: 0,
  arrayTasks: undefined,
};

// A prefix keeps clear of bash's special and read-only variables (SHELLOPTS, UID, RANDOM) and of the script's own.
const PREFIX = "PROP_";
const variableName = fc.stringMatching(/^[A-Za-z0-9_]{0,8}$/).map((tail) => `${PREFIX}${tail}`);

describe("sbatchScript exports (property)", () => {
  const tempDir = useTempDirs();

  it.each<WordEncoding>(["utf8", "latin1"])(
    "the job sees exactly the %s values of env",
    (encoding) => {
      const dir = tempDir();
      const bin = join(dir, "bin");
      mkdirSync(bin);
      // srun with no options: run the step here.
      writeFileSync(join(bin, "srun"), '#!/bin/sh\nexec "$@"\n');
      chmodSync(join(bin, "srun"), 0o755);
      const scriptPath = join(dir, "job.sbatch");
      const processEnv = {
        PATH: `${bin}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        LC_ALL: "C.UTF-8",
        SLURM_SUBMIT_DIR: dir,
      };

      fc.assert(
        fc.property(
          fc.dictionary(variableName, shellWord(encoding), { maxKeys: 6, noNullPrototype: true }),
          (env) => {
            writeFileSync(scriptPath, Buffer.from(sbatchScript({ ...JOB, env }), encoding));
            const result = spawnSync("bash", [scriptPath], { cwd: dir, env: processEnv });
            const seen = nulFields(result.stdout, encoding)
              .map((entry): [string, string] => {
                const at = entry.indexOf("=");
                return [entry.slice(0, at), entry.slice(at + 1)];
              })
              .filter(([name]) => name.startsWith(PREFIX));
            const printed = { status: result.status, env: Object.fromEntries(seen) };
            expect(printed, result.stderr.toString()).toEqual({ status: 0, env });
          },
        ),
        { numRuns: 100 },
      );
    },
    20_000,
  );
});
