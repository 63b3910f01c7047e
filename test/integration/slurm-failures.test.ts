import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import type { SlurmPlan } from "../../src/executors/slurm/plan.ts";
import { submitSlurm } from "../../src/executors/slurm/submit-slurm.ts";
import { dryRun, launch } from "../../src/launch.ts";
import { JobStore } from "../../src/store/job-store.ts";
import type { CommandRunner } from "../../src/transport/command-runner.ts";
import { defaultConnections } from "../../src/transport/connections.ts";
import { tcpProxy } from "../helpers/tcp-proxy.ts";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { runCli } from "../helpers/run-cli.ts";
import { sandboxOptions, type Sandbox } from "../helpers/sandbox.ts";
import { clusterSandbox, loginTransport } from "../helpers/slurm-sandbox.ts";
import { CANARY_KEY, useTempDirs } from "../helpers/temp-dir.ts";

// What goes wrong between a laptop and a Slurm cluster, against the real sshd and cluster: bad input gives one clear
// error and no job; a connection lost during submit still gives exactly one job; retries requeue; git packaging.

describeWithEngine("slurm executor when things go wrong", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  let parsed: SlurmClusterAccess | undefined;
  const access = (): SlurmClusterAccess => (parsed ??= JSON.parse(value) as SlurmClusterAccess);
  afterAll(async () => {
    await defaultConnections().close();
  });

  const sandbox = (settings: Record<string, string | number>, knownHosts = true): Sandbox =>
    clusterSandbox(tempDir(), access(), settings, { knownHosts });

  const cliLaunch = (box: Sandbox, ...extra: string[]) =>
    runCli(["launch", "--profile", "cluster", "--detach", ...extra, "--", "true"], {
      env: box.env,
      cwd: box.root,
    });

  /** Jobs of user slipway named `id` (what squeue still lists). */
  function jobsNamed(box: Sandbox, id: string): Promise<string[]> {
    return login(box)
      .run(`squeue -h -t all --me --name=${id} -o %i`)
      .then((r) => r.stdout.split("\n").filter((l) => l !== ""));
  }

  const login = (box: Sandbox, port?: number): CommandRunner => loginTransport(access(), box, port);

  /** Checks a CLI failure: exit 2, the expected lines, no stack trace, no key. */
  function expectUserError(result: ReturnType<typeof runCli>, ...parts: string[]): void {
    expect(result.status, result.stderr).toBe(2);
    for (const part of parts) expect(result.stderr).toContain(part);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr + result.stdout).not.toContain(CANARY_KEY);
  }

  it("unreachable host: names user@host:port and what to check", () => {
    const result = cliLaunch(sandbox({ port: 1 }));
    expectUserError(result, "slipway@127.0.0.1:1");
  });

  it("authentication failure: names the user, host and the key tried", () => {
    const dir = tempDir();
    const key = join(dir, "id_other");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", key]);
    const result = cliLaunch(sandbox({ identity: key }));
    expectUserError(result, "slipway@127.0.0.1:2222", "authentication failed");
  });

  it("unknown host key: refused under strict, recorded under accept-new", () => {
    expectUserError(cliLaunch(sandbox({}, false)), "127.0.0.1", "accept-new");
    const box = sandbox({ host_key_policy: "accept-new" }, false);
    const result = cliLaunch(box);
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(join(box.home, ".ssh", "known_hosts"), "utf8")).toContain(
      "[127.0.0.1]:2222 ssh-ed25519 ",
    );
  });

  it("changed host key: always refused, even with accept-new", () => {
    const box = sandbox({ host_key_policy: "accept-new" }, false);
    const other = join(tempDir(), "k");
    spawnSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-f", other]);
    const fake = readFileSync(`${other}.pub`, "utf8").split(" ").slice(0, 2).join(" ");
    writeFileSync(join(box.home, ".ssh", "known_hosts"), `[127.0.0.1]:2222 ${fake}\n`);
    expectUserError(cliLaunch(box), "127.0.0.1", "known_hosts");
  });

  it("a partition that does not exist: sbatch's stderr with the command, and no secrets left behind", async () => {
    const box = sandbox({ partition: "nope" });
    const result = cliLaunch(box);
    expectUserError(
      result,
      "sbatch failed on slipway@127.0.0.1:2222 (exit 1)",
      "invalid partition",
      "sbatch --parsable job.sbatch",
    );
    // Only this job's directory: other test files' jobs run on the same cluster at the same time.
    const [record] = new JobStore(box.slipwayHome).list();
    expect(record?.state).toBe("failed");
    const files = await login(box).run(`ls -A ~/.slipway/jobs/${record?.id ?? "?"}`);
    expect(files.stdout.split("\n")).toContain("job.sbatch");
    expect(files.stdout.split("\n")).not.toContain("secrets.env");
  });

  // Defect 7: `slipway logs` of a job refused before it reached the cluster said "cannot authenticate to root@:22".
  it.each([
    ["refused by sbatch", { partition: "nope" }, "sbatch failed on slipway@127.0.0.1:2222 (exit 1)"],
    ["to an unreachable host", { port: 1 }, "slipway@127.0.0.1:1"],
  ])(
    "a launch %s: logs, status and cancel say it never started, never naming an empty host",
    (_, settings, said) => {
      const box = sandbox(settings);
      expect(cliLaunch(box).status).toBe(2);
      const [record] = new JobStore(box.slipwayHome).list();
      const id = record?.id ?? "?";
      expect(record).toMatchObject({ state: "failed", raw: "not-started", nativeId: "" });
      const cli = (...args: string[]) => runCli(args, { env: box.env, cwd: box.root });
      const noEmptyHost = (result: ReturnType<typeof runCli>): string => {
        const text = result.stdout + result.stderr;
        expect(result.status, text).toBe(0);
        expect(text).not.toContain("@:");
        expect(text).not.toMatch(/ :22\b/);
        return text;
      };

      const logs = noEmptyHost(cli("logs", id));
      expect(logs).toContain(`${id} never started: `);
      expect(logs).toContain(said);

      const json = JSON.parse(noEmptyHost(cli("status", id, "--json"))) as Record<string, unknown>;
      expect(json).toMatchObject({
        state: "failed",
        raw: "not-started",
        reason: expect.stringContaining(said) as unknown,
      });
      const status = noEmptyHost(cli("status", id));
      expect(status).toMatch(/state +failed \(not-started\)/);
      expect(status).toContain(said);

      expect(noEmptyHost(cli("cancel", id))).toContain(`${id} already ended (failed); nothing to cancel`);
      expect(new JobStore(box.slipwayHome).read(id)).toMatchObject({ state: "failed", raw: "not-started" });
    },
  );

  it("a bad time is caught before anything is submitted", () => {
    expectUserError(cliLaunch(sandbox({ time: "2h" })), "cluster.time", "expected a Slurm time");
  });

  it("nodes = 0 is refused by the schema", () => {
    expectUserError(cliLaunch(sandbox({ nodes: 0 })), "cluster.nodes");
  });

  it("a remote_job_dir that cannot be written", () => {
    expectUserError(
      cliLaunch(sandbox({ remote_job_dir: "/root/slipway-jobs" })),
      "remote_job_dir /root/slipway-jobs is not writable on slipway@127.0.0.1:2222",
    );
  });

  it("a connection killed during submit still gives exactly one job (twice: before and after sbatch answered)", async () => {
    const proxy = await tcpProxy(access().host, access().port);
    try {
      const box = sandbox({ port: proxy.port });
      const known = readFileSync(access().knownHosts, "utf8");
      const line = known.split("\n").find((l) => l.startsWith(`[${access().host}]:${access().port} `));
      // The proxy is the same server under another port: the same host key, recorded for that port too.
      writeFileSync(
        join(box.home, ".ssh", "known_hosts"),
        `${known}${line?.replace(`:${access().port} `, `:${proxy.port} `) ?? ""}\n`,
      );
      for (const when of ["before", "after"] as const) {
        const { plan } = await dryRun(
          { name: `drop-${when}`, script: "true" },
          sandboxOptions(box, "cluster"),
        );
        const inner = login(box, proxy.port);
        // Slows the remote submit down so the connection is cut while it runs: before sbatch runs, or after it
        // printed the id but before the answer came back.
        const slowed = (command: string) =>
          when === "before"
            ? command.replace(/(env -u \S+ )*sbatch --parsable/, "sleep 1; $&")
            : command.replace("job.sbatch;", "job.sbatch; sleep 1;");
        const dropping: CommandRunner = {
          label: inner.label,
          run: (command, options) => {
            if (!command.includes("sbatch --parsable")) return inner.run(command, options);
            setTimeout(() => {
              proxy.dropAll();
            }, 300);
            return inner.run(slowed(command), options);
          },
          home: () => inner.home(),
          writeFile: (path, data, mode) => inner.writeFile(path, data, mode),
          mkdir: (path, mode) => inner.mkdir(path, mode),
          close: () => {
            inner.close();
          },
        };
        const submitted = await submitSlurm(plan as SlurmPlan, dropping, undefined);
        expect(proxy.dropped()).toBeGreaterThan(0);
        expect(await jobsNamed(box, plan.jobId)).toEqual([submitted.nativeId]);
      }
    } finally {
      proxy.close();
    }
  });

  it("retries a failed run by requeueing it", async () => {
    const box = sandbox({ retries: 1 });
    const job = await launch(
      {
        name: "flaky",
        script: 'echo "attempt ${SLURM_RESTART_COUNT:-0}"; [ "${SLURM_RESTART_COUNT:-0}" -ge 1 ] || exit 3',
      },
      { ...sandboxOptions(box, "cluster"), detach: true },
    );
    expect(await job.wait()).toMatchObject({ state: "succeeded", exitCode: 0 });
    const lines: string[] = [];
    for await (const l of job.logs({ stream: "stdout" })) lines.push(l);
    expect(lines).toEqual(["attempt 0", "attempt 1"]);
  });

  it('package = "git" ships HEAD, refuses a dirty tree, and ships it with --allow-dirty', async () => {
    const box = sandbox({ package: "git" });
    const git = (...args: string[]) =>
      spawnSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], {
        cwd: box.root,
        encoding: "utf8",
      });
    git("init", "-q");
    writeFileSync(join(box.root, "train.sh"), "echo committed code\n");
    git("add", "train.sh", "env.toml");
    git("commit", "-qm", "one");
    const options = { ...sandboxOptions(box, "cluster"), detach: true };
    const clean = await launch({ name: "code", command: ["bash", "train.sh"] }, options);
    expect(await clean.wait()).toMatchObject({ state: "succeeded" });
    const out: string[] = [];
    for await (const l of clean.logs({ stream: "stdout" })) out.push(l);
    expect(out).toEqual(["committed code"]);

    writeFileSync(join(box.root, "train.sh"), "echo uncommitted code\n");
    const refused = runCli(["launch", "--profile", "cluster", "--detach", "--", "bash", "train.sh"], {
      env: box.env,
      cwd: box.root,
    });
    expectUserError(refused, "has 1 uncommitted change:", " M train.sh", "--allow-dirty");
    const dirty = await launch(
      { name: "code", command: ["bash", "train.sh"] },
      { ...options, allowDirty: true },
    );
    expect(await dirty.wait()).toMatchObject({ state: "succeeded" });
    const dirtyOut: string[] = [];
    for await (const l of dirty.logs({ stream: "stdout" })) dirtyOut.push(l);
    expect(dirtyOut).toEqual(["uncommitted code"]);
  });
});
