import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
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

/** The images `scripts/docker/build-test-images.sh` builds (by `docker import`: no registry is involved). */
export const DOCKER_TEST_IMAGES = ["slipway-test/busybox:latest", "slipway-test/noshell:latest"] as const;

const DOCKER_START = "bash scripts/docker/start-dockerd.sh";
const DOCKER_BUILD = "bash scripts/docker/build-test-images.sh";

// Runs in a child node process so that the probe stays synchronous: GETs each path on the socket in turn and prints
// [{ path, status, body } | { path, error }] as JSON.
const DOCKER_PROBE_SCRIPT = `
const http = require("node:http");
const [socketPath, ...paths] = process.argv.slice(1);
const get = (path) => new Promise((resolve) => {
  const req = http.get({ socketPath, path, timeout: 5000 }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => { body += chunk; });
    res.on("end", () => resolve({ path, status: res.statusCode, body: body.slice(0, 200) }));
  });
  req.on("timeout", () => req.destroy(new Error("no answer within 5 s")));
  req.on("error", (e) => resolve({ path, error: e.code ?? e.message }));
});
(async () => {
  const out = [];
  for (const path of paths) {
    const r = await get(path);
    out.push(r);
    if (r.error !== undefined) break;
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

interface DockerProbeAnswer {
  readonly path: string;
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

let dockerProbe: EngineProbe | undefined;

/**
 * A Docker daemon with the test images: value is its socket path, `/var/run/docker.sock` or the unix path in
 * `$DOCKER_HOST`. Ok when the daemon answers `GET /_ping` and every image in {@link DOCKER_TEST_IMAGES} exists.
 * `.ci/run` provides both through scripts/docker/start-dockerd.sh and scripts/docker/build-test-images.sh.
 */
export function dockerDaemon(): EngineProbe {
  dockerProbe ??= probeDocker();
  return dockerProbe;
}

/** Python with the pinned wandb, for recipes every executor runs alike; scripts/docker/load-python-image.sh loads it. */
export const DOCKER_PYTHON_IMAGE = "localhost/slipway-python:1";
let dockerPythonProbe: EngineProbe | undefined;

/**
 * The Docker daemon of {@link dockerDaemon} holding {@link DOCKER_PYTHON_IMAGE}; value is the socket path.
 * `.ci/run` loads the image after the Kubernetes test images are built (it is their Python image's tarball).
 */
export function dockerPythonImage(): EngineProbe {
  dockerPythonProbe ??= probeDockerPython();
  return dockerPythonProbe;
}

function probeDockerPython(): EngineProbe {
  const daemon = dockerDaemon();
  if (!daemon.ok) return daemon;
  const inspect = spawnSync(
    "docker",
    ["-H", `unix://${daemon.value}`, "image", "inspect", DOCKER_PYTHON_IMAGE],
    {
      encoding: "utf8",
      timeout: 30_000,
    },
  );
  if (inspect.status === 0) return daemon;
  const said = inspect.error?.message ?? inspect.stderr.trim().split("\n")[0] ?? "";
  return {
    ok: false,
    reason: `the Docker daemon lacks ${DOCKER_PYTHON_IMAGE} (${said}); run bash scripts/kubernetes/build-test-images.sh && bash scripts/docker/load-python-image.sh`,
  };
}

function probeDocker(): EngineProbe {
  const host = process.env["DOCKER_HOST"];
  let socket = "/var/run/docker.sock";
  if (host !== undefined && host !== "") {
    if (!host.startsWith("unix://")) {
      return {
        ok: false,
        reason: `DOCKER_HOST=${host} is not a unix socket; the Docker tests need a local daemon: unset DOCKER_HOST and run ${DOCKER_START} && ${DOCKER_BUILD}`,
      };
    }
    socket = host.slice("unix://".length);
  }
  const fixAll = `run ${DOCKER_START} && ${DOCKER_BUILD}`;
  if (!existsSync(socket)) {
    return { ok: false, reason: `no Docker daemon socket at ${socket}; ${fixAll}` };
  }
  const paths = ["/_ping", ...DOCKER_TEST_IMAGES.map((image) => `/images/${image}/json`)];
  const result = spawnSync(process.execPath, ["-e", DOCKER_PROBE_SCRIPT, socket, ...paths], {
    encoding: "utf8",
    timeout: 30_000,
  });
  let answers: DockerProbeAnswer[];
  try {
    answers = JSON.parse(result.stdout) as DockerProbeAnswer[];
  } catch {
    const why = result.error?.message ?? (result.stderr.trim() || `exit status ${String(result.status)}`);
    return { ok: false, reason: `probing the Docker daemon at ${socket} failed (${why}); ${fixAll}` };
  }
  const ping = answers[0];
  if (ping?.status !== 200 || ping.body !== "OK") {
    if (ping?.error === "EACCES") {
      return {
        ok: false,
        reason: `permission denied on the Docker socket ${socket}; run the tests as root or as a member of its group`,
      };
    }
    const what = ping?.error ?? `HTTP ${String(ping?.status)} ${ping?.body ?? ""}`.trim();
    return {
      ok: false,
      reason: `the Docker daemon at ${socket} does not answer GET /_ping (${what}); ${fixAll}`,
    };
  }
  const missing = DOCKER_TEST_IMAGES.filter((image, i) => answers[i + 1]?.status !== 200);
  if (missing.length > 0) {
    const details = missing
      .map((image) => {
        const answer = answers.find((a) => a.path === `/images/${image}/json`);
        const got = answer?.error ?? (answer?.status === undefined ? "no answer" : `HTTP ${answer.status}`);
        return `${image} (GET /images/${image}/json: ${got})`;
      })
      .join(", ");
    return {
      ok: false,
      reason: `the Docker daemon at ${socket} lacks the test image(s) ${details}; run ${DOCKER_BUILD}`,
    };
  }
  return { ok: true, value: socket };
}

const RAY_START = "bash scripts/ray/start-ray-head.sh";

// Runs in a child node process so that the probe stays synchronous: GETs the URL and prints
// { status, body } | { error } as JSON.
const RAY_PROBE_SCRIPT = `
const [url] = process.argv.slice(1);
(async () => {
  let out;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) });
    out = { status: res.status, body: (await res.text()).slice(0, 300) };
  } catch (e) {
    const cause = e.cause ?? e;
    out = { error: cause.code ?? cause.message ?? String(cause) };
  }
  process.stdout.write(JSON.stringify(out));
})();
`;

interface RayProbeAnswer {
  readonly status?: number;
  readonly body?: string;
  readonly error?: string;
}

let rayProbe: EngineProbe | undefined;

/**
 * A Ray head's Jobs API (dashboard): value is its address without a trailing slash, `$SLIPWAY_TEST_RAY_ADDRESS` or
 * `http://127.0.0.1:8265` (the port from `$SLIPWAY_RAY_PORT`, as scripts/ray/start-ray-head.sh uses it). Ok when
 * `GET /api/version` answers 200 with JSON that has `ray_version`. `.ci/run` starts the head through
 * scripts/ray/start-ray-head.sh (no auth, 2 CPUs, custom resource `slipway_test`).
 */
export function rayHead(): EngineProbe {
  rayProbe ??= probeRay();
  return rayProbe;
}

function probeRay(): EngineProbe {
  const configured = process.env["SLIPWAY_TEST_RAY_ADDRESS"];
  const fromEnv = configured !== undefined && configured !== "";
  const address = (
    fromEnv ? configured : `http://127.0.0.1:${process.env["SLIPWAY_RAY_PORT"] ?? "8265"}`
  ).replace(/\/+$/, "");
  const fix = fromEnv
    ? `start the head at ${address} or unset SLIPWAY_TEST_RAY_ADDRESS and run ${RAY_START}`
    : `run ${RAY_START}`;
  if (!/^https?:\/\/[^/]+$/.test(address)) {
    return {
      ok: false,
      reason: `SLIPWAY_TEST_RAY_ADDRESS=${configured ?? ""} is not an http(s) address such as http://127.0.0.1:8265`,
    };
  }
  const url = `${address}/api/version`;
  const result = spawnSync(process.execPath, ["-e", RAY_PROBE_SCRIPT, url], {
    encoding: "utf8",
    timeout: 30_000,
  });
  let answer: RayProbeAnswer;
  try {
    answer = JSON.parse(result.stdout) as RayProbeAnswer;
  } catch {
    const why = result.error?.message ?? (result.stderr.trim() || `exit status ${String(result.status)}`);
    return { ok: false, reason: `probing the Ray head at ${url} failed (${why}); ${fix}` };
  }
  if (answer.error !== undefined) {
    return { ok: false, reason: `no Ray head answers GET ${url} (${answer.error}); ${fix}` };
  }
  let version: unknown;
  try {
    version = (JSON.parse(answer.body ?? "") as { ray_version?: unknown } | null)?.ray_version;
  } catch {
    version = undefined;
  }
  if (answer.status !== 200 || typeof version !== "string") {
    const got = `HTTP ${String(answer.status)} ${JSON.stringify((answer.body ?? "").slice(0, 120))}`;
    return {
      ok: false,
      reason: `GET ${url} answered ${got}, not a Ray dashboard's {"ray_version": …} (token auth on, or another server on the port?); ${fix}`,
    };
  }
  return { ok: true, value: address };
}

const SLURM_START = "bash scripts/slurm/start-cluster.sh";
const SLURM_CONNECTION_FILE = "/tmp/slipway-slurm/connection.json";
const SLURM_NODE_COUNT = 3;

/** How to reach the Slurm test cluster over SSH: the value of {@link slurmCluster}, as JSON. */
export interface SlurmClusterAccess {
  /** The login node (an sshd for the cluster): 127.0.0.1, port 2222. */
  readonly host: string;
  readonly port: number;
  /** The login user (not root); sbatch as this user works, its home is shared by all nodes. */
  readonly user: string;
  /** Path of the test private key (ed25519, no passphrase; readable by root only). */
  readonly identity: string;
  /** Path of a known_hosts file with the login node's and the jump host's keys ([host]:port lines). */
  readonly knownHosts: string;
  /** An sshd that only forwards to the login node (ProxyJump tests): 127.0.0.2, port 2223, same user and key. */
  readonly jumpHost: string;
  readonly jumpPort: number;
  /**
   * A Python that jobs can run (they run as `user`): /opt/slipway-test/venv/bin/python, Debian's python3 with the
   * wandb pinned in requirements-test.txt. Absent in a connection.json written before it existed.
   */
  readonly python?: string;
}

/**
 * The options for the system `ssh` client to reach the cluster with the test key and pinned host keys, without
 * prompts or the user's own ssh config (prepend `-F /dev/null` or another config file to the argument list).
 */
export function slurmSshOptions(access: SlurmClusterAccess): string[] {
  return [
    "-o",
    `IdentityFile=${access.identity}`,
    "-o",
    "IdentitiesOnly=yes",
    "-o",
    `UserKnownHostsFile=${access.knownHosts}`,
    "-o",
    "GlobalKnownHostsFile=/dev/null",
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
    "-o",
    "ConnectTimeout=5",
  ];
}

let slurmProbe: EngineProbe | undefined;

/**
 * A real 3-node Slurm cluster reachable over SSH: value is a {@link SlurmClusterAccess} as JSON, read from
 * /tmp/slipway-slurm/connection.json. Ok when `ssh` into the login node with that key and known_hosts runs
 * `sinfo -h -o %n` and sees 3 nodes. `.ci/run` starts the cluster through scripts/slurm/start-cluster.sh (Debian's
 * Slurm 22.05 with munge; slurmd's node1..node3 in their own network namespaces; no accounting database).
 */
export function slurmCluster(): EngineProbe {
  slurmProbe ??= probeSlurm();
  return slurmProbe;
}

function probeSlurm(): EngineProbe {
  const fix = `run ${SLURM_START}`;
  let access: SlurmClusterAccess;
  try {
    const parsed = JSON.parse(readFileSync(SLURM_CONNECTION_FILE, "utf8")) as Partial<
      Record<string, unknown>
    >;
    const { host, port, user, identity, knownHosts, jumpHost, jumpPort, python } = parsed;
    if (
      typeof host !== "string" ||
      typeof port !== "number" ||
      typeof user !== "string" ||
      typeof identity !== "string" ||
      typeof knownHosts !== "string" ||
      typeof jumpHost !== "string" ||
      typeof jumpPort !== "number"
    ) {
      return {
        ok: false,
        reason: `${SLURM_CONNECTION_FILE} lacks host/port/user/identity/knownHosts/jumpHost/jumpPort; ${fix}`,
      };
    }
    access = {
      host,
      port,
      user,
      identity,
      knownHosts,
      jumpHost,
      jumpPort,
      ...(typeof python === "string" ? { python } : {}),
    };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === "ENOENT"
        ? "is missing (no cluster started, or it was stopped)"
        : `is unreadable (${String(e)})`;
    return { ok: false, reason: `no Slurm test cluster: ${SLURM_CONNECTION_FILE} ${why}; ${fix}` };
  }
  try {
    accessSync(access.identity, constants.R_OK);
  } catch (e) {
    return {
      ok: false,
      reason: `the test key ${access.identity} is not readable here (${String(e)}); run the tests as root, like ${SLURM_START}`,
    };
  }
  const target = `${access.user}@${access.host}:${access.port}`;
  const result = spawnSync(
    "ssh",
    [
      "-F",
      "/dev/null",
      ...slurmSshOptions(access),
      "-p",
      String(access.port),
      `${access.user}@${access.host}`,
      "sinfo -h -o %n",
    ],
    { encoding: "utf8", timeout: 30_000 },
  );
  if (result.error !== undefined) {
    if ((result.error as { code?: unknown }).code === "ENOENT") {
      return { ok: false, reason: `no ssh client on PATH to reach ${target}; install openssh-client` };
    }
    return { ok: false, reason: `"ssh ${target} sinfo -h -o %n" failed (${result.error.message}); ${fix}` };
  }
  if (result.status !== 0) {
    const last = result.stderr.trim().split("\n").pop() ?? "";
    const what = result.status === 255 ? "ssh failed" : `sinfo exited with ${String(result.status)}`;
    return {
      ok: false,
      reason: `"ssh ${target} sinfo -h -o %n": ${what}${last === "" ? "" : ` (${last})`}; ${fix}`,
    };
  }
  const nodes = [
    ...new Set(
      result.stdout
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line !== ""),
    ),
  ];
  if (nodes.length !== SLURM_NODE_COUNT) {
    return {
      ok: false,
      reason: `"ssh ${target} sinfo -h -o %n" lists ${nodes.length} node(s) (${nodes.join(", ")}), not ${SLURM_NODE_COUNT}; run bash scripts/slurm/stop-cluster.sh && ${SLURM_START}`,
    };
  }
  return { ok: true, value: JSON.stringify(access) };
}

/** The login node's per-connection command (`sshd -i` in the cluster's namespace), as the cluster's socat runs it. */
export const SLURM_LOGIN_COMMAND = "/tmp/slipway-slurm/bin/login-sshd";

/**
 * The Slurm test cluster, and what a test needs to reach its login node from a network namespace of its own (root,
 * `ip`, `iptables`, `socat`, the login command): value as {@link slurmCluster}'s.
 */
export function slurmFromOwnNetns(): EngineProbe {
  const cluster = slurmCluster();
  if (!cluster.ok) return cluster;
  if (process.getuid?.() !== 0) {
    return { ok: false, reason: "a network namespace of the test's own needs root; run the tests as root" };
  }
  for (const [tool, args] of [
    ["ip", ["-V"]],
    ["iptables", ["--version"]],
    ["socat", ["-V"]],
  ] as const) {
    const result = spawnSync(tool, args, { stdio: "ignore" });
    if (result.error !== undefined || result.status !== 0) {
      return {
        ok: false,
        reason: `${tool} is not runnable (${result.error?.message ?? `exit ${String(result.status)}`}); ${SLURM_START} installs it`,
      };
    }
  }
  try {
    accessSync(SLURM_LOGIN_COMMAND, constants.X_OK);
  } catch {
    return { ok: false, reason: `${SLURM_LOGIN_COMMAND} is missing; ${SLURM_START}` };
  }
  return cluster;
}

const KUBERNETES_START = "bash scripts/kubernetes/start-cluster.sh";
const KUBERNETES_CLUSTER_FILE = "/tmp/slipway-k8s/cluster.json";

/** How to reach the Kubernetes test cluster: the value of {@link kubernetesCluster}, as JSON. */
export interface KubernetesClusterAccess {
  /** The admin kubeconfig (cluster-admin client certificate, embedded): /tmp/slipway-k8s/pki/admin.kubeconfig. */
  readonly kubeconfig: string;
  /**
   * A kubeconfig of the ServiceAccount `slipway-limited` (a bearer token, 24 h left at least, current namespace
   * {@link namespace}): every verb the executor uses there except `create secrets`.
   */
  readonly limitedKubeconfig: string;
  /** The namespace for test jobs: `slipway-test`. */
  readonly namespace: string;
  /** Images already in the node's containerd; nothing can be pulled, so `imagePullPolicy` Never or IfNotPresent. */
  readonly images: {
    /** `localhost/busybox:1`: busybox applets in /bin, `sh` as the command. */
    readonly busybox: string;
    /** `localhost/slipway-python:1`: `python` (3, on the PATH) with the wandb pinned in requirements-test.txt. */
    readonly python: string;
  };
  /** kubectl of the cluster's version, to arrange or inspect objects around slipway. */
  readonly kubectl: string;
}

let kubernetesProbe: EngineProbe | undefined;

/**
 * A real one-node Kubernetes cluster (etcd, kube-apiserver, controller manager, scheduler, kubelet, containerd,
 * CoreDNS; no kube-proxy): value is a {@link KubernetesClusterAccess} as JSON, read from /tmp/slipway-k8s/cluster.json.
 * Ok when `GET /readyz` through the admin kubeconfig answers `ok`, the node is Ready and its status lists both test
 * images. `.ci/run` starts the cluster through scripts/kubernetes/start-cluster.sh (binaries from
 * scripts/kubernetes/build-cluster.sh, images from scripts/kubernetes/build-test-images.sh).
 */
export function kubernetesCluster(): EngineProbe {
  kubernetesProbe ??= probeKubernetes();
  return kubernetesProbe;
}

function probeKubernetes(): EngineProbe {
  const fix = `run ${KUBERNETES_START}`;
  let access: KubernetesClusterAccess;
  let node: string;
  let tokenExpires: unknown;
  try {
    const parsed = JSON.parse(readFileSync(KUBERNETES_CLUSTER_FILE, "utf8")) as Partial<
      Record<string, unknown>
    >;
    const { kubeconfig, limitedKubeconfig, namespace, images, kubectl } = parsed;
    const { busybox, python } = (images ?? {}) as Partial<Record<string, unknown>>;
    if (
      typeof kubeconfig !== "string" ||
      typeof limitedKubeconfig !== "string" ||
      typeof namespace !== "string" ||
      typeof busybox !== "string" ||
      typeof python !== "string" ||
      typeof kubectl !== "string" ||
      typeof parsed["node"] !== "string"
    ) {
      return {
        ok: false,
        reason: `${KUBERNETES_CLUSTER_FILE} lacks kubeconfig/limitedKubeconfig/namespace/images/kubectl/node; ${fix}`,
      };
    }
    access = { kubeconfig, limitedKubeconfig, namespace, images: { busybox, python }, kubectl };
    node = parsed["node"];
    tokenExpires = parsed["limitedTokenExpires"];
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    const why =
      code === "ENOENT"
        ? "is missing (no cluster started, or it was stopped)"
        : `is unreadable (${String(e)})`;
    return { ok: false, reason: `no Kubernetes test cluster: ${KUBERNETES_CLUSTER_FILE} ${why}; ${fix}` };
  }
  for (const file of [access.kubeconfig, access.limitedKubeconfig]) {
    try {
      accessSync(file, constants.R_OK);
    } catch (e) {
      return {
        ok: false,
        reason: `the kubeconfig ${file} is not readable here (${String(e)}); run the tests as root, like ${KUBERNETES_START}`,
      };
    }
  }
  if (typeof tokenExpires === "string" && !(Date.parse(tokenExpires) > Date.now())) {
    return {
      ok: false,
      reason: `the token in ${access.limitedKubeconfig} expired at ${tokenExpires}; ${fix}`,
    };
  }
  const kubectl = (...args: string[]): { ok: true; out: string } | { ok: false; why: string } => {
    const result = spawnSync(
      access.kubectl,
      ["--kubeconfig", access.kubeconfig, "--request-timeout=5s", ...args],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    if (result.error !== undefined) return { ok: false, why: result.error.message };
    if (result.status !== 0) {
      const last = result.stderr.trim().split("\n").pop() ?? "";
      return { ok: false, why: `exit status ${String(result.status)}${last === "" ? "" : `: ${last}`}` };
    }
    return { ok: true, out: result.stdout };
  };
  const ready = kubectl("get", "--raw", "/readyz");
  if (!ready.ok || ready.out.trim() !== "ok") {
    const got = ready.ok ? JSON.stringify(ready.out.trim().slice(0, 120)) : ready.why;
    return {
      ok: false,
      reason: `GET /readyz through ${access.kubeconfig} did not answer ok (${got}); ${fix}`,
    };
  }
  const got = kubectl("get", "node", node, "-o", "json");
  if (!got.ok) return { ok: false, reason: `kubectl get node ${node} failed (${got.why}); ${fix}` };
  interface NodeStatus {
    readonly status?: {
      readonly conditions?: readonly { readonly type?: string; readonly status?: string }[];
      readonly images?: readonly { readonly names?: readonly string[] }[];
    };
  }
  let status: NodeStatus["status"];
  try {
    status = (JSON.parse(got.out) as NodeStatus).status;
  } catch {
    return { ok: false, reason: `kubectl get node ${node} -o json printed no JSON; ${fix}` };
  }
  const readyCondition = status?.conditions?.find((c) => c.type === "Ready")?.status ?? "missing";
  if (readyCondition !== "True") {
    return { ok: false, reason: `node ${node} is not Ready (Ready: ${readyCondition}); ${fix}` };
  }
  const present = new Set((status?.images ?? []).flatMap((image) => image.names ?? []));
  const missing = [access.images.busybox, access.images.python].filter((image) => !present.has(image));
  if (missing.length > 0) {
    return {
      ok: false,
      reason: `node ${node} lacks the test image(s) ${missing.join(", ")}; run bash scripts/kubernetes/build-test-images.sh (or ${KUBERNETES_START})`,
    };
  }
  return { ok: true, value: JSON.stringify(access) };
}
