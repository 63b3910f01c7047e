import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import {
  rankZeroWrapper,
  singleNodeOptions,
  torchrunArgs,
  torchrunCommand,
} from "../../../src/executors/torchrun-command.ts";

const OPTIONS = singleNodeOptions(2);
const HEAD = ["torchrun", "--standalone", "--nnodes=1", "--nproc-per-node=2"];
const WRAPPER = 'if [ "$RANK" != 0 ]; then unset WANDB_RESUME WANDB_RUN_ID; fi; exec "$@"';

describe("torchrunCommand", () => {
  it.each([
    [
      "a script: the interpreter goes, torchrun runs it with its own",
      ["python", "train.py", "--lr", "1"],
      ["train.py", "--lr", "1"],
    ],
    ["python3 and python3.11 too", ["python3.11", "train.py"], ["train.py"]],
    [
      "a module: -m is torchrun's own flag",
      ["python3", "-m", "pkg.train", "--x"],
      ["-m", "pkg.train", "--x"],
    ],
    [
      "python -c: not a script, run as is",
      ["python", "-c", "print(1)"],
      ["--no-python", "python", "-c", "print(1)"],
    ],
    [
      "python with its own flags, run as is",
      ["python", "-u", "train.py"],
      ["--no-python", "python", "-u", "train.py"],
    ],
    [
      "an interpreter by path, run as is",
      [".venv/bin/python", "train.py"],
      ["--no-python", ".venv/bin/python", "train.py"],
    ],
    ["a bare python, run as is", ["python"], ["--no-python", "python"]],
    ["another program", ["bash", "-c", "echo hi"], ["--no-python", "bash", "-c", "echo hi"]],
  ])("without rank-0 variables: %s", (_, command, tail) => {
    expect(torchrunCommand({ options: OPTIONS, command, rankZeroOnly: [] })).toEqual([...HEAD, ...tail]);
  });

  it.each([
    [
      "a script keeps its interpreter, unbuffered as torchrun runs it",
      ["python", "train.py", "--lr", "1"],
      ["python", "-u", "train.py", "--lr", "1"],
    ],
    ["a module", ["python3", "-m", "pkg.train"], ["python3", "-u", "-m", "pkg.train"]],
    ["another program, as is", ["bash", "-c", "echo hi"], ["bash", "-c", "echo hi"]],
  ])("with rank-0 variables, every rank starts through the wrapper: %s", (_, command, perRank) => {
    expect(
      torchrunCommand({ options: OPTIONS, command, rankZeroOnly: ["WANDB_RUN_ID", "WANDB_RESUME"] }),
    ).toEqual([...HEAD, "--no-python", "/bin/sh", "-c", WRAPPER, "slipway-rank", ...perRank]);
  });

  it("gives what follows torchrun's options alone, for executors that write those themselves", () => {
    expect(torchrunArgs(["python", "train.py"], [])).toEqual(["train.py"]);
    expect(torchrunArgs(["python", "train.py"], ["WANDB_RUN_ID"])).toEqual([
      "--no-python",
      "/bin/sh",
      "-c",
      'if [ "$RANK" != 0 ]; then unset WANDB_RUN_ID; fi; exec "$@"',
      "slipway-rank",
      "python",
      "-u",
      "train.py",
    ]);
  });

  it("passes the node's options through", () => {
    expect(singleNodeOptions("gpu")).toEqual(["--standalone", "--nnodes=1", "--nproc-per-node=gpu"]);
  });

  it("writes a wrapper that unsets the names, sorted, unless RANK is 0", () => {
    expect(rankZeroWrapper(["WANDB_RUN_ID", "WANDB_RESUME"])).toBe(WRAPPER);
  });

  it.each([
    ["0", "run=sft resume=allow group=g"],
    ["1", "run=- resume=- group=g"],
    [undefined, "run=- resume=- group=g"],
  ])("keeps rank 0's variables for RANK=%s only, the shared ones for all (run by /bin/sh)", (rank, seen) => {
    const result = spawnSync(
      "/bin/sh",
      [
        "-c",
        WRAPPER,
        "slipway-rank",
        "sh",
        "-c",
        'echo "run=${WANDB_RUN_ID--} resume=${WANDB_RESUME--} group=$WANDB_RUN_GROUP"',
      ],
      {
        encoding: "utf8",
        env: {
          PATH: "/usr/bin:/bin",
          ...(rank === undefined ? {} : { RANK: rank }),
          WANDB_RUN_ID: "sft",
          WANDB_RESUME: "allow",
          WANDB_RUN_GROUP: "g",
        },
      },
    );
    expect(result.stdout).toBe(`${seen}\n`);
  });
});
