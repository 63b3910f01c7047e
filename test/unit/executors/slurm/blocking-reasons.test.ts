import { describe, expect, it } from "vitest";
import { jobStatus, parseQueue } from "../../../../src/executors/slurm/queue-status.ts";
import { slurmBlocked } from "../../../../src/executors/slurm/states.ts";

const single = { nativeId: "42", jobDir: "/j/a", arrayIndices: undefined };

describe("Slurm pending reasons that waiting cannot resolve", () => {
  it.each([
    [
      "PartitionNodeLimit",
      "the job asks for more nodes than its partition has or allows; ask for fewer (--nodes) or use another partition",
    ],
    [
      "ReqNodeNotAvail, UnavailableNodes:node[1-3]",
      "the nodes the job needs are down, drained or reserved; use another partition or ask the cluster's admins",
    ],
    ["PartitionDown", "the partition is down; use another partition or ask the cluster's admins"],
    [
      "InvalidAccount",
      "the account does not exist or you are not in it; check account in the profile (sacctmgr show assoc)",
    ],
    [
      "InvalidQOS",
      "the QOS does not exist or the account may not use it; check qos in the profile (sacctmgr show qos)",
    ],
  ])("%s is blocked, with what to change", (reason, hint) => {
    const status = jobStatus(single, parseQueue(`42|PENDING|${reason}\n`), new Map());
    expect(status).toEqual({ state: "pending", raw: "PENDING", exitCode: undefined, reason, blocked: hint });
  });

  it.each(["Priority", "Resources", "Dependency", "BeginTime", "None", ""])(
    "%s can resolve by waiting",
    (reason) => {
      expect(jobStatus(single, parseQueue(`42|PENDING|${reason}\n`), new Map())?.blocked).toBeUndefined();
      expect(slurmBlocked(reason)).toBeUndefined();
    },
  );

  it("a running job is never blocked, whatever the reason column says", () => {
    expect(jobStatus(single, parseQueue("42|RUNNING|InvalidQOS\n"), new Map())?.blocked).toBeUndefined();
  });

  it("an array is blocked when every waiting task is", () => {
    const ref = { nativeId: "7", jobDir: "/j/b", arrayIndices: [0, 1] };
    const blocked = jobStatus(
      ref,
      parseQueue("7_0|PENDING|InvalidAccount\n7_1|PENDING|InvalidAccount\n"),
      new Map(),
    );
    expect(blocked?.reason).toBe("InvalidAccount");
    expect(blocked?.blocked).toMatch(/^the account does not exist/);
    const waiting = jobStatus(
      ref,
      parseQueue("7_0|PENDING|InvalidAccount\n7_1|PENDING|Priority\n"),
      new Map(),
    );
    expect(waiting?.blocked).toBeUndefined();
  });
});
