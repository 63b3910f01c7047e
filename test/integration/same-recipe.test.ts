/**
 * The promise of a launcher: the command that works on a laptop works unchanged on the cluster. One recipe —
 * `python3 code/train.py` launched from the root of a git project, reading `data/input.txt` by a relative path — runs
 * with each executor's default packaging (local: in place; the others: the launch directory shipped) and must print
 * the same three lines everywhere: the data it read, the sha256 of the W&B key it received, and its working directory
 * relative to the project's root.
 */
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { SlipwayError } from "../../src/errors.ts";
import type { Recipe } from "../../src/job/recipe.ts";
import { JobStore } from "../../src/store/job-store.ts";
import { dryRun, launch } from "../../src/launch.ts";
import {
  describeWithEngine,
  DOCKER_PYTHON_IMAGE,
  dockerPythonImage,
  kubernetesCluster,
  rayHead,
  slurmCluster,
  type KubernetesClusterAccess,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { makeSandbox, sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

const TRAIN_PY = `import hashlib, os, pathlib
root = pathlib.Path(__file__).resolve().parent.parent
with open("data/input.txt") as f:
    print("data", f.read().strip())
print("key", hashlib.sha256(os.environ.get("WANDB_API_KEY", "").encode()).hexdigest())
print("cwd", os.path.relpath(os.getcwd(), root))
`;

const RECIPE: Recipe = { name: "same", command: ["python3", "code/train.py"] };

/** What every executor must print. */
const EXPECTED = ["data 42", "key " + createHash("sha256").update(CANARY_KEY).digest("hex"), "cwd ."];

/** Turns the sandbox's launch directory into a committed git project holding the recipe's code and data. */
function gitProject(box: Sandbox): void {
  mkdirSync(join(box.root, "code"));
  mkdirSync(join(box.root, "data"));
  writeFileSync(join(box.root, "code", "train.py"), TRAIN_PY);
  writeFileSync(join(box.root, "data", "input.txt"), "42\n");
  writeFileSync(join(box.root, ".gitignore"), "*.ckpt\n");
  writeFileSync(join(box.root, "model.ckpt"), "not shipped");
  const git = (...args: string[]) =>
    execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", "-C", box.root, ...args], {
      env: { ...box.env, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null" },
    });
  git("init", "-q");
  git("add", "-A");
  git("commit", "-q", "-m", "project");
}

/** Launches the recipe from the project's root with the profile, and returns the recipe's own stdout lines. */
async function runRecipe(box: Sandbox, profile: string): Promise<string[]> {
  const job = await launch(RECIPE, { ...sandboxOptions(box, profile), detach: true });
  const status = await job.wait();
  const lines: string[] = [];
  for await (const line of job.logs({ stream: "stdout" })) lines.push(line);
  expect(status, lines.join("\n")).toMatchObject({ state: "succeeded" });
  // Ray adds its own lines to the job's log.
  return lines.filter((line) => /^(data|key|cwd) /.test(line));
}

it("runs in place on local (package none by default) and prints the expected lines", async () => {
  const box = makeSandbox(tempDir(), '[local]\nexecutor = "local"\n', { WANDB_API_KEY: CANARY_KEY });
  gitProject(box);
  const { job } = await dryRun(RECIPE, sandboxOptions(box, "local"));
  expect(job.code).toBeUndefined();
  expect(await runRecipe(box, "local")).toEqual(EXPECTED);
});

describeWithEngine("the same recipe on Docker", dockerPythonImage(), () => {
  it("ships the project into the container and prints what local printed", async () => {
    const toml = `[box]\nexecutor = "docker"\nimage = "${DOCKER_PYTHON_IMAGE}"\npull = "never"\n`;
    const box = makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
    gitProject(box);
    const { job, rendered } = await dryRun(RECIPE, sandboxOptions(box, "box"));
    expect(job.code).toMatchObject({ mode: "dir", subdir: "", files: 4 });
    expect(rendered).toContain("runs in:   /slipway/code\n");
    expect(await runRecipe(box, "box")).toEqual(EXPECTED);
  });
});

describeWithEngine("the same recipe on Slurm", slurmCluster(), (value) => {
  it("ships the project beside the script and prints what local printed", async () => {
    const box = clusterSandbox(tempDir(), JSON.parse(value) as SlurmClusterAccess);
    gitProject(box);
    expect(await runRecipe(box, "cluster")).toEqual(EXPECTED);
  });
});

describeWithEngine("the same recipe on Ray", rayHead(), (address) => {
  it("ships the project as working_dir and prints what local printed", async () => {
    const toml = `[ray]\nexecutor = "ray"\naddress = "${address}"\n`;
    const box = makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
    gitProject(box);
    expect(await runRecipe(box, "ray")).toEqual(EXPECTED);
  });
});

describeWithEngine("the same recipe on Kubernetes", kubernetesCluster(), (value) => {
  const cluster = (value === "" ? {} : JSON.parse(value)) as KubernetesClusterAccess;
  const sandbox = (): Sandbox => {
    const toml = [
      "[k8s]",
      'executor = "kubernetes"',
      `image = "${cluster.images.python}"`,
      'image_pull_policy = "Never"',
      `namespace = "${cluster.namespace}"`,
      `kubeconfig = "${cluster.kubeconfig}"`,
      "",
    ].join("\n");
    const box = makeSandbox(tempDir(), toml, { WANDB_API_KEY: CANARY_KEY });
    gitProject(box);
    return box;
  };

  it("ships the project in a ConfigMap unpacked by an init container and prints what local printed", async () => {
    expect(await runRecipe(sandbox(), "k8s")).toEqual(EXPECTED);
  });

  it("refuses code over the ConfigMap limit before creating anything, saying what to do", async () => {
    const box = sandbox();
    // Random bytes do not compress: 1.5 MB stays over the 1 MiB a ConfigMap holds.
    writeFileSync(join(box.root, "weights.bin"), randomBytes(1_500_000));
    const error = await launch(RECIPE, sandboxOptions(box, "k8s")).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as SlipwayError).message).toMatch(
      /^the code archive of .+ is 1\.5 MB compressed \(5 files\), over the 1 MiB a Kubernetes ConfigMap holds$/,
    );
    expect((error as SlipwayError).hint).toContain("excludes");
    const [record] = new JobStore(box.slipwayHome).list();
    expect(record).toMatchObject({ state: "failed", raw: "not-started" });
    const kubectl = kubectlOf(cluster);
    expect(
      kubectl("get", "jobs,configmaps", "-l", `slipway.dev/job-id=${record?.id ?? ""}`, "-o", "name"),
    ).toBe("");
  });
});
