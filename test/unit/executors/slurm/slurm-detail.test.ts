import { describe, expect, it } from "vitest";
import { slurmDetailSchema } from "../../../../src/executors/slurm/slurm-detail.ts";

const LOGIN = {
  tunnel: "ssh",
  host: "127.0.0.1",
  user: "slipway",
  port: 2222,
  identity: undefined,
  jump: undefined,
  hostKeyPolicy: "strict",
} as const;

describe("slurm record detail", () => {
  it("reads what submit writes, every target key given back", () => {
    const written = {
      target: { tunnel: "ssh", host: "127.0.0.1", user: "slipway", port: 2222, hostKeyPolicy: "strict" },
      label: "slipway@127.0.0.1:2222",
      jobDir: "/home/slipway/.slipway/jobs/sft-k3j9x2",
      array: "0-3,5",
    };
    expect(slurmDetailSchema().parse(JSON.parse(JSON.stringify(written)))).toEqual({
      ...written,
      target: LOGIN,
    });
  });

  it.each([
    [
      "an ssh target with every key",
      {
        tunnel: "ssh",
        host: "login1",
        host_key_policy: "accept-new",
        user: "me",
        port: 22,
        identity: "~/.ssh/id_hpc",
        jump: "me@bastion",
        target: "me@login1:22 via me@bastion",
        jobDir: "/home/me/.slipway/jobs/a-aaaaaa",
        array: "0-15%4",
        cluster: "north",
      },
      {
        target: {
          tunnel: "ssh",
          host: "login1",
          user: "me",
          port: 22,
          identity: "~/.ssh/id_hpc",
          jump: "me@bastion",
          hostKeyPolicy: "accept-new",
        },
        label: "me@login1:22 via me@bastion",
        jobDir: "/home/me/.slipway/jobs/a-aaaaaa",
        array: "0-15%4",
        cluster: "north",
      },
    ],
    [
      "a cleaned job",
      {
        tunnel: "ssh",
        host: "127.0.0.1",
        host_key_policy: "strict",
        user: "slipway",
        port: 2222,
        target: "slipway@127.0.0.1:2222",
        jobDir: "/home/slipway/.slipway/jobs/b-bbbbbb",
        cleaned: true,
      },
      {
        target: LOGIN,
        label: "slipway@127.0.0.1:2222",
        jobDir: "/home/slipway/.slipway/jobs/b-bbbbbb",
        cleaned: true,
      },
    ],
    [
      'tunnel = "local"',
      { tunnel: "local", target: "local", jobDir: "/home/me/.slipway/jobs/c-cccccc" },
      { target: { tunnel: "local" }, label: "local", jobDir: "/home/me/.slipway/jobs/c-cccccc" },
    ],
  ])("reads a record of the previous version (snake_case keys): %s", (_, old, expected) => {
    expect(slurmDetailSchema().parse(old)).toEqual(expected);
  });

  it.each([
    ["no job directory", { target: LOGIN, label: "x" }, "jobDir"],
    ["an empty host", { target: { ...LOGIN, host: "" }, label: "x", jobDir: "/j" }, "target.host"],
    ["a relative job directory", { target: LOGIN, label: "x", jobDir: "jobs/a" }, "jobDir"],
    ["an unknown key", { target: LOGIN, label: "x", jobDir: "/j", extra: 1 }, "extra"],
  ])("refuses %s", (_, detail, path) => {
    const result = slurmDetailSchema().safeParse(detail);
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((issue) =>
      [...issue.path, ...("keys" in issue ? issue.keys : [])].join("."),
    );
    expect(paths).toContain(path);
  });
});
