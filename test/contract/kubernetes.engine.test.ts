import { cleanupJob } from "../../src/executors/cleanup-job.ts";
import { getJob } from "../../src/jobs.ts";
import { launch } from "../../src/launch.ts";
import { runtimeOf } from "../../src/runtime.ts";
import { describeWithEngine, kubernetesCluster, type KubernetesClusterAccess } from "../helpers/engine.ts";
import { makeSandbox, sandboxOptions } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";
import { handleContract } from "./handle-contract.ts";
import { CONTRACT_SCRIPTS, type ContractHarness } from "./harness.ts";
import { submitContract } from "./submit-contract.ts";

const tempDir = useTempDirs();

describeWithEngine("contract suites on a real Kubernetes cluster", kubernetesCluster(), (value) => {
  // Skipped (no cluster): the body only declares tests, with an empty value.
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const toml = (extra = "") =>
    `[k8s]\nexecutor = "kubernetes"\nimage = "${cluster.images.busybox}"\nimage_pull_policy = "Never"\nnamespace = "${cluster.namespace}"\nkubeconfig = "${cluster.kubeconfig}"\ngrace_seconds = 2\n${extra}\n`;
  const options = (extra = "") => sandboxOptions(makeSandbox(tempDir(), toml(extra)), "k8s");

  handleContract((): ContractHarness => {
    const launchOptions = options();
    const runtime = runtimeOf(launchOptions);
    return {
      // The busybox image has sh but no bash (what a recipe's `script` runs under).
      start: (job) => launch({ name: job, command: ["sh", "-c", CONTRACT_SCRIPTS[job]] }, launchOptions),
      reattach: (id) => getJob(id, launchOptions),
      cleanup: (id) => cleanupJob(runtime.store.read(id), runtime),
      record: (id) => runtime.store.read(id),
      // The kubelet keeps one log per container, stdout and stderr merged.
      mergesStreams: true,
      cleanupFrees: true,
    };
  });

  submitContract(() => ({
    kind: "kubernetes",
    options: options(),
    // A namespace that does not exist: the API server refuses the Job.
    refused: {
      recipe: { name: "refused", command: ["true"] },
      options: sandboxOptions(
        makeSandbox(
          tempDir(),
          toml().replace(`namespace = "${cluster.namespace}"`, 'namespace = "no-such-namespace"'),
        ),
        "k8s",
      ),
    },
  }));
});
