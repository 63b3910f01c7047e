import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { describeWithEngine, rayHead } from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness } from "./harness.ts";
import { submitContract } from "./submit-contract.ts";

const tempDir = useTempDirs();

describeWithEngine("contract suites on a real Ray head", rayHead(), (address) => {
  const rayOptions = (at = address) =>
    sandboxOptions(makeSandbox(tempDir(), `[ray]\nexecutor = "ray"\naddress = "${at}"\n`), "ray");

  handleContract((): ContractHarness => {
    const options = rayOptions();
    const runtime = runtimeOf(options);
    return {
      start: (job) => launch({ name: job, script: CONTRACT_SCRIPTS[job] }, options),
      reattach: (id) => getJob(id, options),
      cleanup: (id) => cleanupJob(runtime.store.read(id), runtime),
      record: (id) => runtime.store.read(id),
      mergesStreams: true,
      cleanupFrees: true,
    };
  });

  submitContract(() => ({
    kind: "ray",
    options: rayOptions(),
    // Nothing listens on the discard port: the engine cannot be reached at submit.
    refused: { recipe: { name: "refused", command: ["true"] }, options: rayOptions("http://127.0.0.1:9") },
  }));
});
