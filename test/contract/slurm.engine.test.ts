import { afterAll } from "vitest";
import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { sandboxOptions } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness } from "./harness.ts";
import { submitContract } from "./submit-contract.ts";

describeWithEngine("contract suites on the real Slurm cluster", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  const access = (): SlurmClusterAccess => JSON.parse(value) as SlurmClusterAccess;
  const clusterOptions = (settings: Record<string, string> = {}) =>
    sandboxOptions(clusterSandbox(tempDir(), access(), settings), "cluster");
  afterAll(async () => {
    await defaultConnections().close();
  });

  handleContract((): ContractHarness => {
    const options = clusterOptions();
    const runtime = runtimeOf(options);
    return {
      start: (job) => launch({ name: job, script: CONTRACT_SCRIPTS[job] }, { ...options, detach: true }),
      reattach: (id) => getJob(id, options),
      cleanup: (id) => cleanupJob(runtime.store.read(id), runtime),
      record: (id) => runtime.store.read(id),
      mergesStreams: false,
      cleanupFrees: true,
    };
  });

  submitContract(() => ({
    kind: "slurm",
    options: clusterOptions(),
    // sbatch refuses a partition the cluster does not have.
    refused: {
      recipe: { name: "refused", command: ["true"] },
      options: clusterOptions({ partition: "nope" }),
    },
  }));
});
