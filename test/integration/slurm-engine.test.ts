import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { expect, it } from "vitest";
import {
  describeWithEngine,
  slurmCluster,
  slurmSshOptions,
  type SlurmClusterAccess,
} from "../helpers/engine.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

// Smoke test of what scripts/slurm/ give the Slurm executor's tests: a login node reachable over SSH (directly and
// through a jump host) where sbatch runs jobs on a 3-node cluster whose nodes have their own hostnames and IPs.
// Through the system ssh client, not slipway's code.

const TERMINAL = new Set([
  "COMPLETED",
  "FAILED",
  "CANCELLED",
  "TIMEOUT",
  "NODE_FAIL",
  "OUT_OF_MEMORY",
  "BOOT_FAIL",
  "DEADLINE",
  "PREEMPTED",
]);

describeWithEngine("slurm cluster", slurmCluster(), (value) => {
  const tempDir = useTempDirs();
  // Parsed on first use: when the cluster is missing, this body is only collected (skipped), with value "".
  let parsed: SlurmClusterAccess | undefined;
  const access = (): SlurmClusterAccess => (parsed ??= JSON.parse(value) as SlurmClusterAccess);

  const ssh = (args: string[]) => {
    const result = spawnSync("ssh", args, { encoding: "utf8", timeout: 30_000 });
    // One object, so that a failed expectation shows stderr and a spawn error too.
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      error: result.error?.message,
    };
  };
  /** Runs a shell command on the login node as the cluster's user. */
  const login = (command: string) => {
    const { host, port, user } = access();
    return ssh([
      "-F",
      "/dev/null",
      ...slurmSshOptions(access()),
      "-p",
      String(port),
      `${user}@${host}`,
      command,
    ]);
  };

  /** Polls `scontrol show job -o` until the job is in a terminal state; returns its fields. */
  const waitForJob = async (id: string): Promise<Record<string, string>> => {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const shown = login(`scontrol show job -o ${id}`);
      expect(shown).toMatchObject({ status: 0 });
      const fields: Record<string, string> = {};
      for (const [, key, field] of shown.stdout.matchAll(/(\w+)=(\S*)/g)) {
        if (key !== undefined) fields[key] = field ?? "";
      }
      const state = fields["JobState"] ?? "";
      if (TERMINAL.has(state)) return fields;
      if (Date.now() > deadline) throw new Error(`job ${id} still ${state} after 30 s: ${shown.stdout}`);
      await sleep(250);
    }
  };

  /** Submits with sbatch --parsable, waits for COMPLETED, returns the job's fields and output (then removes it). */
  const runJob = async (sbatchArgs: string) => {
    const submitted = login(`sbatch --parsable ${sbatchArgs}`);
    expect(submitted).toMatchObject({ status: 0, stdout: expect.stringMatching(/^\d+\n$/) as unknown });
    const job = await waitForJob(submitted.stdout.trim());
    expect(job).toMatchObject({ JobState: "COMPLETED", ExitCode: "0:0" });
    const stdOut = job["StdOut"] ?? "";
    const output = login(`cat ${stdOut} && rm -f ${stdOut}`);
    expect(output).toMatchObject({ status: 0 });
    return { job, lines: output.stdout.split("\n").filter((line) => line !== "") };
  };

  it("runs sbatch --wrap hostname on a compute node", async () => {
    const { job, lines } = await runJob("--wrap hostname");
    expect(job["NodeList"]).toMatch(/^node[1-3]$/);
    expect(lines).toEqual([job["NodeList"]]);
  });

  it("runs a 2-node job whose srun tasks see 2 distinct hostnames and IPs", async () => {
    const { job, lines } = await runJob("-N2 --wrap 'srun hostname; srun hostname -I'");
    expect(job).toMatchObject({ NumNodes: "2" });
    const hostnames = new Set(lines.filter((line) => /^node\d+$/.test(line)));
    const ips = new Set(lines.map((line) => line.trim()).filter((line) => /^\d+\.\d+\.\d+\.\d+$/.test(line)));
    expect({ hostnames: [...hostnames].sort(), ips: ips.size, lines }).toMatchObject({
      hostnames: [expect.stringMatching(/^node/), expect.stringMatching(/^node/)],
      ips: 2,
    });
  });

  it("reaches the login node through the jump host (ssh -J)", () => {
    const { host, port, user, jumpHost, jumpPort } = access();
    // -J starts a second ssh for the jump host that gets -F but not -o/-i: the key and known_hosts go in a config.
    const config = join(tempDir(), "ssh_config");
    const options = slurmSshOptions(access()).filter((_, i) => i % 2 === 1);
    writeFileSync(config, `Host *\n${options.map((option) => `  ${option.replace("=", " ")}\n`).join("")}`, {
      mode: 0o600,
    });
    const result = ssh([
      "-F",
      config,
      "-o",
      "LogLevel=VERBOSE",
      "-J",
      `${user}@${jumpHost}:${jumpPort}`,
      "-p",
      String(port),
      `${user}@${host}`,
      "sinfo -h -o %n",
    ]);
    expect(result).toMatchObject({
      status: 0,
      stdout: "node1\nnode2\nnode3\n",
      stderr: expect.stringContaining(`Authenticated to ${host} (via proxy)`) as unknown,
    });
  });
});
