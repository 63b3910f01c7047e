import { describe } from "vitest";
import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness } from "./harness.ts";
import { submitContract } from "./submit-contract.ts";

const tempDir = useTempDirs();

function localHarness(): ContractHarness {
  const options = sandboxOptions(makeSandbox(tempDir()));
  const runtime = runtimeOf(options);
  return {
    start: (job) => launch({ name: job, script: CONTRACT_SCRIPTS[job] }, options),
    reattach: (id) => getJob(id, options),
    cleanup: (id) => cleanupJob(runtime.store.read(id), runtime),
    record: (id) => runtime.store.read(id),
    mergesStreams: false,
    cleanupFrees: false,
  };
}

describe("handle contract on the local executor (real process groups)", () => {
  handleContract(localHarness);
});

describe("submit contract on the local executor", () => {
  submitContract(() => {
    const options = sandboxOptions(makeSandbox(tempDir()));
    return {
      kind: "local",
      options,
      // Refused by the engine's own check: the job's working directory does not exist.
      refused: { recipe: { name: "refused", command: ["true"], workdir: "/nonexistent/dir" }, options },
    };
  });
});
