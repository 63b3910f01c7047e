import { describe, expect, it } from "vitest";
import type { SlurmJobRef } from "../../../../src/executors/slurm/queue-status.ts";
import { StatusBatcher } from "../../../../src/executors/slurm/status-batcher.ts";
import type { CommandResult, CommandRunner } from "../../../../src/transport/command-runner.ts";

/** A transport that answers each command by its first word and records every command it was given. */
function scripted(answers: Record<string, Partial<CommandResult>>) {
  const commands: string[] = [];
  const transport: CommandRunner = {
    label: "me@login:22",
    run: (command) => {
      commands.push(command);
      const word = /^(for id in|\S+)/.exec(command)?.[1] ?? "";
      const key = word === "for id in" ? "scontrol" : word;
      return Promise.resolve({ stdout: "", stderr: "", exitCode: 0, ...answers[key] });
    },
    home: () => Promise.resolve("/home/me"),
    writeFile: () => Promise.resolve(),
    mkdir: () => Promise.resolve(),
    close: () => undefined,
  };
  return { transport, commands };
}

const ref = (id: string): SlurmJobRef => ({ nativeId: id, jobDir: `/h/j/${id}`, arrayIndices: undefined });

describe("StatusBatcher", () => {
  it("answers every status asked in one tick with one squeue, and reads nothing else for live jobs", async () => {
    const { transport, commands } = scripted({
      squeue: { stdout: "1|RUNNING|None\n2|PENDING|Priority\n3|PENDING|Dependency\n" },
    });
    const batcher = new StatusBatcher(transport);
    const statuses = await Promise.all(["1", "2", "3"].map((id) => batcher.status(ref(id))));
    expect(statuses.map((s) => s.state)).toEqual(["running", "pending", "pending"]);
    expect(commands).toEqual(["squeue -h -t all --me -r -o '%i|%T|%r'"]);
  });

  it("reads exit codes only of jobs that ended, asks scontrol for one killed before its trap", async () => {
    const { transport, commands } = scripted({
      squeue: { stdout: "1|COMPLETED|None\n2|NODE_FAIL|None\n3|RUNNING|None\n" },
      grep: { stdout: "/h/j/1/exit-code:0\n/h/j/4/exit-code:9\n" },
      scontrol: {
        stdout: "JobId=2 JobName=x UserId=me(1) JobState=NODE_FAIL ExitCode=0:9 RunTime=00:00:03\n",
      },
    });
    const batcher = new StatusBatcher(transport);
    const [one, two, , four] = await Promise.all(["1", "2", "3", "4"].map((id) => batcher.status(ref(id))));
    expect(one).toMatchObject({ state: "succeeded", exitCode: 0 });
    expect(two).toMatchObject({
      state: "failed",
      raw: "NODE_FAIL",
      exitCode: 0,
      reason: "killed by signal 9",
    });
    expect(four).toMatchObject({ state: "failed", exitCode: 9 });
    expect(commands).toHaveLength(3);
    expect(commands[1]).toBe(
      "grep -sH . /h/j/1/exit-code /h/j/2/exit-code /h/j/4/exit-code; " +
        "rm -f /h/j/1/secrets.env /h/j/2/secrets.env /h/j/4/secrets.env; true",
    );
    expect(commands[2]).toContain('for id in 2; do scontrol -o show job "$id"; done');
  });

  it("asks sacct about forgotten jobs once, and never again on a cluster without accounting", async () => {
    const { transport, commands } = scripted({
      sacct: { exitCode: 1, stderr: "sacct: error: Slurm accounting storage is disabled\n" },
    });
    const batcher = new StatusBatcher(transport);
    const first = await batcher.status(ref("7"));
    expect(first).toMatchObject({ state: "unknown", raw: "gone" });
    expect(first.reason).toBe(
      "Slurm job 7 is no longer listed by squeue and wrote no exit code to /h/j/7; the cluster has no accounting (sacct)",
    );
    await batcher.status(ref("7"));
    expect(commands.filter((c) => c.startsWith("sacct"))).toHaveLength(1);
  });

  it("takes a forgotten job's end from sacct when the cluster has accounting", async () => {
    const { transport } = scripted({ sacct: { stdout: "7|CANCELLED by 1000|0:15\n" } });
    expect(await new StatusBatcher(transport).status(ref("7"))).toMatchObject({
      state: "cancelled",
      raw: "CANCELLED",
      exitCode: 0,
      reason: "from sacct",
    });
  });

  it("says squeue failed, with its message, when the controller does not answer", async () => {
    const { transport } = scripted({
      squeue: { exitCode: 1, stderr: "slurm_load_jobs error: Unable to contact slurm controller\n" },
      sacct: { exitCode: 1, stderr: "sacct: error: Slurm accounting storage is disabled\n" },
    });
    expect(await new StatusBatcher(transport).status(ref("1"))).toMatchObject({
      state: "unknown",
      raw: "squeue failed",
      reason: "squeue failed on me@login:22: slurm_load_jobs error: Unable to contact slurm controller",
    });
  });
});
