import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeHttp } from "../../src/executors/ray/http-transport.ts";
import { until } from "../contract/harness.ts";
import {
  describeWithEngine,
  dockerDaemon,
  kubernetesCluster,
  rayHead,
  slurmCluster,
  slurmSshOptions,
  type EngineProbe,
  type KubernetesClusterAccess,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { kubectlOf } from "../helpers/kubectl.ts";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox, type Sandbox } from "../helpers/sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

const TOML = `[wandb]
project = "canary"
mode = "online"

[local]
executor = "local"
grace_seconds = 1
`;

function sandboxWithKey() {
  return makeSandbox(tempDir(), TOML, { WANDB_API_KEY: CANARY_KEY });
}

/** The pids of `root` and all its descendants, from /proc. */
function processTree(root: number): number[] {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch {
      // Exited while we looked.
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(parents.get(tree[i]!) ?? []));
  return tree;
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...filesUnder(path)] : [path];
  });
}

describe("canary: the W&B key never leaks", () => {
  it("is in the job's environment but in no argv, output or record", () => {
    const sandbox = sandboxWithKey();
    const opts = { env: sandbox.env, cwd: sandbox.root };
    const launched = runCli(
      ["launch", "--detach", "--", "sh", "-c", 'echo "key length ${#WANDB_API_KEY}"; sleep 3'],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    const id = launched.stdout.trim();
    const status = JSON.parse(runCli(["status", "--json", id], opts).stdout) as {
      nativeId: string;
      state: string;
    };
    expect(status.state).toBe("running");

    const pids = processTree(Number(status.nativeId));
    expect(pids.length).toBeGreaterThanOrEqual(2);
    for (const pid of pids) {
      expect(readFileSync(`/proc/${pid}/cmdline`, "utf8"), `argv of pid ${pid}`).not.toContain(CANARY_KEY);
    }
    // The check above can fail: the key did reach the job, through its environment.
    const jobPid = pids[pids.length - 1]!;
    expect(readFileSync(`/proc/${jobPid}/environ`, "utf8")).toContain(`WANDB_API_KEY=${CANARY_KEY}`);

    const outputs = [
      launched,
      runCli(["status", id], opts),
      runCli(["list"], opts),
      runCli(["list", "--json"], opts),
      runCli(["logs", "-f", id], opts),
      runCli(["doctor"], opts),
      runCli(["doctor", "--json"], opts),
      runCli(["launch", "--dry-run", "--", "python", "train.py"], opts),
      runCli(["launch", "--dry-run", "--json", "--", "python", "train.py"], opts),
    ];
    for (const out of outputs) {
      expect(out.stdout + out.stderr).not.toContain(CANARY_KEY);
    }
    expect(outputs[4]!.stdout).toContain(`key length ${CANARY_KEY.length}`);
    expect(outputs[7]!.stdout).toContain("WANDB_API_KEY=***");

    for (const file of filesUnder(sandbox.slipwayHome)) {
      const mode = statSync(file).mode & 0o777;
      expect(mode & 0o077, `${file} is ${mode.toString(8)}`).toBe(0);
      if (statSync(file).isFile()) expect(readFileSync(file, "utf8"), file).not.toContain(CANARY_KEY);
    }
  });

  it("keeps the key out of error messages", () => {
    const sandbox = makeSandbox(tempDir(), TOML, { WANDB_API_KEY: `${CANARY_KEY}\n` });
    const result = runCli(["launch", "--", "true"], { env: sandbox.env, cwd: sandbox.root });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain("WANDB_API_KEY");
    expect(result.stderr).not.toContain(CANARY_KEY);

    const bad = makeSandbox(tempDir(), TOML.replace('mode = "online"', 'mode = "online"\ntags = [""]'), {
      WANDB_API_KEY: CANARY_KEY,
    });
    const invalid = runCli(["launch", "--", "true"], { env: bad.env, cwd: bad.root });
    expect(invalid.status).toBe(2);
    expect(invalid.stderr).toContain("tag 1 is empty");
    expect(invalid.stderr + invalid.stdout).not.toContain(CANARY_KEY);
  });

  it("redacts the key by value wherever it was copied: other names, a format error, dry runs, records", () => {
    const copied = TOML.replace(
      "grace_seconds = 1\n",
      'grace_seconds = 1\nenv = { MY_KEY = "${env:WANDB_API_KEY}", PLAIN_COPY = "${env:WANDB_API_KEY}", AUTH = "Bearer ${env:WANDB_API_KEY}", HF_TOKEN = "hf_0123456789abcdef" }\n' +
        '\n[bad]\nexecutor = "local"\nmemory = "${env:WANDB_API_KEY}"\n',
    );
    const sandbox = makeSandbox(tempDir(), copied, { WANDB_API_KEY: CANARY_KEY });
    const opts = { env: sandbox.env, cwd: sandbox.root };
    const dry = runCli(["launch", "--dry-run", "-p", "local", "--", "sh", "-c", "true"], opts);
    const json = runCli(["launch", "--dry-run", "--json", "-p", "local", "--", "sh", "-c", "true"], opts);
    const format = runCli(["launch", "--dry-run", "-p", "bad", "--", "true"], opts);
    expect(format.status).toBe(2);
    expect(format.stderr).toContain("bad.memory");
    for (const name of ["MY_KEY", "PLAIN_COPY", "AUTH", "HF_TOKEN"])
      expect(dry.stdout).toContain(`${name}=***`);
    const launched = runCli(
      ["launch", "-p", "local", "--", "sh", "-c", 'test "$PLAIN_COPY" = "$WANDB_API_KEY"'],
      opts,
    );
    expect(launched.status, launched.stderr).toBe(0);
    for (const out of [dry, json, format, launched]) {
      expect(out.stdout + out.stderr).not.toContain(CANARY_KEY);
      expect(out.stdout + out.stderr).not.toContain("hf_0123456789abcdef");
    }
    for (const file of filesUnder(sandbox.slipwayHome)) {
      if (statSync(file).isFile()) expect(readFileSync(file, "utf8"), file).not.toContain(CANARY_KEY);
    }
  });
});

// A W&B key found only in a `.env` file (`env_file`), not in the environment and with no netrc, must reach the job on
// every executor, by the executor's secrets path, and show up nowhere else.
const DOTENV_KEY = "dotenv0000deadbeef0000cafebabe0000feedface42";
const DOTENV_TOKEN = "hf_dotenv0000c0ffee0000d00d0000beef0042";
const DOTENV = `WANDB_API_KEY=${DOTENV_KEY}\nexport HF_TOKEN="${DOTENV_TOKEN}"\nDOTENV_PLAIN=plain-value # a comment\nCOPY=${DOTENV_TOKEN}\n`;
const JOB_SCRIPT =
  'printf %s "$WANDB_API_KEY" | md5sum; printf %s "$HF_TOKEN" | md5sum; echo "plain=$DOTENV_PLAIN"; sleep 6';
const md5 = (text: string): string => createHash("md5").update(text).digest("hex");
const ETCD = "http://127.0.0.1:23790";

/** One executor under test: its engine, its profile table, and the texts its engine keeps about a job. */
interface DotenvTarget {
  readonly kind: string;
  readonly probe: EngineProbe;
  readonly profile: (value: string) => string;
  /** Prepares the sandbox's home (e.g. known_hosts). */
  readonly prepare?: (value: string, box: Sandbox) => void;
  /** What the engine shows about the running job: none of it may hold a canary. */
  readonly engineTexts?: (value: string, job: { id: string; nativeId: string }) => Promise<string[]>;
  /** What the engine keeps once the job ended. */
  readonly leftovers?: (value: string, job: { id: string; nativeId: string }) => Promise<string[]>;
}

const slurmAccess = (value: string) => JSON.parse(value) as SlurmClusterAccess;
const k8sAccess = (value: string) => JSON.parse(value) as KubernetesClusterAccess;

function onLoginNode(value: string, command: string): string {
  const access = slurmAccess(value);
  const args = ["-F", "/dev/null", ...slurmSshOptions(access), "-p", String(access.port)];
  const result = spawnSync("ssh", [...args, `${access.user}@${access.host}`, command], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`ssh ${command}: ${result.stderr}`);
  return result.stdout;
}

function grepTree(dir: string, needles: readonly string[]): string[] {
  // The needles go through stdin, never argv, where this very test (or one running beside it) looks for them.
  const result = spawnSync("grep", ["-rlF", "-f", "-", "--", dir], {
    encoding: "utf8",
    input: needles.join("\n"),
  });
  // 1 is "no match"; anything else is an error, which must not pass for "nothing found".
  if (result.status !== 0 && result.status !== 1) throw new Error(`grep in ${dir} failed: ${result.stderr}`);
  return result.stdout.split("\n").filter((line) => line !== "");
}

function etcdKeysHolding(text: string): string[] {
  const all = Buffer.from("\0").toString("base64");
  const body = JSON.stringify({ key: all, range_end: all });
  const range = spawnSync("curl", ["-sf", "-X", "POST", `${ETCD}/v3/kv/range`, "-d", body], {
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  const kvs = (JSON.parse(range.stdout) as { kvs?: { key: string; value: string }[] }).kvs ?? [];
  return kvs
    .filter((kv) => Buffer.from(kv.value, "base64").includes(text))
    .map((kv) => Buffer.from(kv.key, "base64").toString());
}

async function rayGet(url: string): Promise<string> {
  // Plain HTTP, like curl: Ray redacts env_vars for browser-looking clients such as fetch, which would hide a leak.
  const answer = await nodeHttp({ method: "GET", url, headers: {}, timeoutMs: 30_000 });
  return `${answer.status} ${answer.body}`;
}

const DOTENV_TARGETS: readonly DotenvTarget[] = [
  {
    kind: "local",
    probe: { ok: true, value: "" },
    profile: () => 'executor = "local"\ngrace_seconds = 1',
  },
  {
    kind: "docker",
    probe: dockerDaemon(),
    profile: () => 'executor = "docker"\nimage = "slipway-test/busybox:latest"\npull = "never"',
    engineTexts: async (_socket, { nativeId }) => {
      const inspected = spawnSync("docker", ["inspect", nativeId], { encoding: "utf8" });
      expect(inspected.status, `docker inspect ${nativeId}: ${inspected.stderr}`).toBe(0);
      const fullId = (JSON.parse(inspected.stdout) as { Id: string }[])[0]?.Id ?? "";
      const stored = ["config.v2.json", "hostconfig.json"].map((file) =>
        readFileSync(`/var/lib/docker/containers/${fullId}/${file}`, "utf8"),
      );
      return Promise.resolve([inspected.stdout, ...stored]);
    },
  },
  {
    kind: "slurm",
    probe: slurmCluster(),
    profile: (value) => {
      const { host, port, user, identity } = slurmAccess(value);
      return `executor = "slurm"\nhost = "${host}"\nport = ${port}\nuser = "${user}"\nidentity = "${identity}"\npartition = "debug"`;
    },
    prepare: (value, box) => {
      mkdirSync(join(box.home, ".ssh"), { mode: 0o700 });
      copyFileSync(slurmAccess(value).knownHosts, join(box.home, ".ssh", "known_hosts"));
    },
    engineTexts: (value, { nativeId }) =>
      Promise.resolve([onLoginNode(value, `scontrol write batch_script ${nativeId} -; ps -eo args`)]),
    // Everything of the cluster: slurmctld's and slurmd's state, the shared home with the job's directory, logs.
    leftovers: () => Promise.resolve(grepTree("/tmp/slipway-slurm", [DOTENV_KEY, DOTENV_TOKEN])),
  },
  {
    kind: "ray",
    probe: rayHead(),
    profile: (address) => `executor = "ray"\naddress = "${address}"`,
    engineTexts: async (address, { id }) =>
      Promise.all(["/api/jobs/", `/api/jobs/${id}`].map((path) => rayGet(`${address}${path}`))),
    leftovers: async (address, { id }) => [await rayGet(`${address}/api/jobs/${id}/logs`)],
  },
  {
    kind: "kubernetes",
    probe: kubernetesCluster(),
    profile: (value) => {
      const cluster = k8sAccess(value);
      return [
        'executor = "kubernetes"',
        `image = "${cluster.images.busybox}"`,
        'image_pull_policy = "Never"',
        `namespace = "${cluster.namespace}"`,
        `kubeconfig = "${cluster.kubeconfig}"`,
        "grace_seconds = 5",
      ].join("\n");
    },
    engineTexts: (value, { id }) => {
      const kubectl = kubectlOf(k8sAccess(value));
      const secret = JSON.parse(kubectl("get", "secret", `${id}-env`, "-o", "json")) as {
        data: Record<string, string>;
      };
      // The Secret holds them all, base64-encoded; nothing else in etcd does.
      expect(Object.keys(secret.data).sort()).toEqual(["COPY", "HF_TOKEN", "WANDB_API_KEY"]);
      const elsewhere = [DOTENV_KEY, DOTENV_TOKEN]
        .flatMap(etcdKeysHolding)
        .filter((key) => !key.endsWith(`/${id}-env`));
      return Promise.resolve([
        kubectl("get", "job", id, "-o", "yaml"),
        kubectl("get", "pods", "-l", `slipway.dev/job-id=${id}`, "-o", "yaml"),
        kubectl("get", "events", "-o", "yaml"),
        elsewhere.join("\n"),
      ]);
    },
  },
];

for (const target of DOTENV_TARGETS) {
  describeWithEngine(`canary: a W&B key only in a .env file, ${target.kind}`, target.probe, (value) => {
    it("reaches the job by the secrets path and is in no dry run, argv, log, engine record or file", async () => {
      const toml = `[wandb]\nproject = "canary"\nmode = "online"\n\n[p]\n${target.profile(value)}\nenv_file = ".env"\n`;
      const box = makeSandbox(tempDir(), toml);
      target.prepare?.(value, box);
      const dotenv = join(box.root, ".env");
      writeFileSync(dotenv, DOTENV, { mode: 0o600 });
      const opts = { env: box.env, cwd: box.root };
      const canaries = [DOTENV_KEY, DOTENV_TOKEN];
      const clean = (what: string, text: string): void => {
        for (const canary of canaries) expect(text, what).not.toContain(canary);
      };

      const launched = runCli(["launch", "--detach", "-p", "p", "--", "sh", "-c", JOB_SCRIPT], opts);
      expect(launched.status, launched.stderr).toBe(0);
      expect(launched.stderr).toContain(`W&B key from ${dotenv}`);
      const id = launched.stdout.trim();
      let job = { id, nativeId: "" };
      await until(
        "the job runs",
        () => {
          const status = JSON.parse(runCli(["status", "--json", id], opts).stdout) as {
            nativeId: string;
            state: string;
          };
          job = { id, nativeId: status.nativeId };
          return status.state === "running";
        },
        90_000,
      );
      for (const pid of readdirSync("/proc").filter((entry) => /^\d+$/.test(entry))) {
        let cmdline: string;
        try {
          cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8");
        } catch {
          continue; // exited while we looked
        }
        clean(`argv of pid ${pid}`, cmdline);
      }
      for (const text of (await target.engineTexts?.(value, job)) ?? [])
        clean(`the ${target.kind} engine`, text);

      const logs = runCli(["logs", "-f", id], opts);
      expect(logs.stdout).toContain(`${md5(DOTENV_KEY)}  -`);
      expect(logs.stdout).toContain(`${md5(DOTENV_TOKEN)}  -`);
      expect(logs.stdout).toContain("plain=plain-value");
      for (const text of (await target.leftovers?.(value, job)) ?? [])
        clean(`the ${target.kind} engine`, text);

      const dry = runCli(["launch", "--dry-run", "-p", "p", "--", "python", "train.py"], opts);
      expect(dry.status, dry.stderr).toBe(0);
      expect(dry.stdout).toContain("HF_TOKEN");
      expect(dry.stdout).toContain("plain-value");
      const doctor = runCli(["doctor", "--json"], opts);
      const report = JSON.parse(doctor.stdout) as { profiles: { key: string }[] };
      expect(report.profiles[0]?.key).toMatch(new RegExp(`^${dotenv.replaceAll(".", "\\.")} for `));
      const outputs = [
        launched,
        logs,
        dry,
        doctor,
        runCli(["launch", "--dry-run", "--json", "-p", "p", "--", "python", "train.py"], opts),
        runCli(["status", id], opts),
        runCli(["list", "--json"], opts),
        runCli(["doctor"], opts),
      ];
      for (const [i, out] of outputs.entries()) clean(`output ${i}`, out.stdout + out.stderr);
      for (const file of filesUnder(box.slipwayHome)) {
        if (statSync(file).isFile()) clean(file, readFileSync(file, "utf8"));
      }
    });
  });
}
