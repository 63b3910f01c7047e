import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { describeWithEngine, dockerDaemon } from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness } from "./harness.ts";
import { submitContract } from "./submit-contract.ts";

const tempDir = useTempDirs();

function dockerToml(extra = ""): string {
  return `[box]\nexecutor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"\n${extra}\n`;
}

function dockerHarness(extra = ""): () => ContractHarness {
  return () => {
    const options = sandboxOptions(makeSandbox(tempDir(), dockerToml(extra)), "box");
    const runtime = runtimeOf(options);
    return {
      // The busybox test image has sh but no bash (what a recipe's `script` runs under).
      start: (job) => launch({ name: job, command: ["sh", "-c", CONTRACT_SCRIPTS[job]] }, options),
      reattach: (id) => getJob(id, options),
      cleanup: (id) => cleanupJob(runtime.store.read(id), runtime),
      record: (id) => runtime.store.read(id),
      mergesStreams: false,
      cleanupFrees: true,
    };
  };
}

describeWithEngine("handle contract on the docker executor (real dockerd)", dockerDaemon(), () => {
  handleContract(dockerHarness());
});

describeWithEngine("submit contract on the docker executor", dockerDaemon(), () => {
  submitContract(() => {
    const options = sandboxOptions(makeSandbox(tempDir(), dockerToml()), "box");
    return {
      kind: "docker",
      options,
      // Refused by the daemon: not a valid image reference.
      refused: { recipe: { name: "refused", command: ["true"], image: "slipway-test/UPPER:1" }, options },
    };
  });
});
