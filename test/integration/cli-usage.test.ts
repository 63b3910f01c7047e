import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const TWO_PROFILES = '[local]\nexecutor = "local"\n\n[other]\nexecutor = "local"\n';

function sandbox(toml?: string) {
  const box = makeSandbox(tempDir(), toml);
  return { box, opts: { env: box.env, cwd: box.root } };
}

describe("usage errors: exit 2, error and hint, never a stack trace", () => {
  it.each([
    [
      ["status", "--bogus"],
      "error: unknown option '--bogus'\nhint: slipway status --help lists its options\n",
    ],
    [["status", "--jsno"], "error: unknown option '--jsno'\nhint: did you mean --json?\n"],
    [
      ["launch", "--profle", "local", "--", "true"],
      "error: unknown option '--profle'\nhint: did you mean --profile?\n",
    ],
    [["lauch"], "error: unknown command 'lauch'\nhint: did you mean launch?\n"],
    [
      ["launch"],
      "error: missing required argument 'command'\n" +
        "hint: put the program after --, for example: slipway launch -p local -- python train.py\n",
    ],
    [["cancel"], "error: missing required argument 'id'\nhint: usage: slipway cancel [options] <id>\n"],
    [["wait"], "error: missing required argument 'ids'\nhint: usage: slipway wait [options] <ids...>\n"],
    [
      ["launch", "-x", "dokcer", "--", "true"],
      "error: option '-x, --executor <kind>' argument 'dokcer' is invalid. Allowed choices are local, docker, slurm, kubernetes, ray.\n" +
        "hint: did you mean docker?\n",
    ],
    [
      ["completion", "zhs"],
      "error: command-argument value 'zhs' is invalid for argument 'shell'. Allowed choices are bash, zsh, fish.\n" +
        "hint: did you mean zsh?\n",
    ],
    [
      ["list", "--state", "runing"],
      "error: --state runing: expected one of pending, running, succeeded, failed, cancelled, unknown\n" +
        "hint: did you mean running?\n",
    ],
    [
      ["list", "--since", "yesterday"],
      "error: --since yesterday: expected an age like 30m, 2h or 7d, or a date like 2025-06-01\n" +
        "hint: for example --since 1d\n",
    ],
    [
      ["launch", "--nodes", "two", "--", "true"],
      "error: option '--nodes <n>' argument 'two' is invalid. --nodes takes a whole number ≥ 1, got \"two\"\n" +
        "hint: usage: slipway launch [options] -- <command...>\n",
    ],
    [
      ["status", "a", "b"],
      "error: too many arguments for 'status'. Expected 1 argument but got 2: a, b.\n" +
        "hint: usage: slipway status [options] [id]\n",
    ],
    [
      ["launch", "-p", "local", "-x", "docker", "--", "true"],
      "error: --profile local and --executor docker both choose where the job runs\n" +
        "hint: give one of them: a profile already names its executor\n",
    ],
  ])("%j", (args, stderr) => {
    const { opts } = sandbox();
    const result = runCli(args, opts);
    expect(result.stderr).toBe(stderr);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe("");
  });

  it("help and version still exit 0", () => {
    const { opts } = sandbox();
    expect(runCli(["status", "--help"], opts).status).toBe(0);
    expect(runCli(["--version"], opts)).toMatchObject({ status: 0, stdout: "0.1.0\n" });
  });
});

describe("flags are never silently swallowed or ignored", () => {
  it("says so when a slipway option after the program goes to the program", () => {
    const { opts } = sandbox(TWO_PROFILES);
    const result = runCli(["launch", "--dry-run", "echo", "hi", "--profile", "local"], opts);
    expect(result.stderr).toBe(
      "note: --profile comes after the program, so echo gets it, not slipway; put slipway's options first and -- " +
        "before the program: slipway launch [options] -- <command...>\n" +
        `error: ${opts.cwd}/env.toml: which profile? (profiles: local, other)\n` +
        "hint: pass --profile <name> or set SLIPWAY_PROFILE\n",
    );
    expect(result.status).toBe(2);
  });

  it("says nothing when -- marks where the program starts", () => {
    const { opts } = sandbox();
    const result = runCli(["launch", "--dry-run", "--", "python", "train.py", "--config", "x.yaml"], opts);
    expect(result.status).toBe(0);
    expect(result.stderr).not.toContain("note:");
  });

  it.each([
    [
      ["launch", "--json", "--", "true"],
      "note: --json is for --dry-run and --detach; a job in the foreground prints its own output\n",
    ],
    [
      ["launch", "--follow", "--", "true"],
      "note: --follow is for --detach; a job in the foreground is followed anyway\n",
    ],
    [
      ["launch", "--dry-run", "--detach", "--", "true"],
      "note: --detach does nothing with --dry-run, which starts nothing\n",
    ],
  ])("notes a launch flag that does nothing: %j", (args, first) => {
    const { opts } = sandbox();
    const result = runCli(args, opts);
    expect(result.status).toBe(0);
    expect(result.stderr.split("\n")[0]).toBe(first.trimEnd());
  });

  it("takes --config on commands that do not read env.toml, and says it does nothing there", () => {
    const { opts } = sandbox();
    const launched = runCli(["launch", "--detach", "--", "true"], opts);
    const id = launched.stdout.trim();
    runCli(["wait", id], opts);
    for (const command of ["status", "list", "cleanup"]) {
      const result = runCli([command, "--config", "elsewhere.toml"], opts);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stderr.split("\n")[0]).toBe(
        `note: ${command} reads the job store, not env.toml, so --config does nothing`,
      );
    }
    const profiles = runCli(["profiles", "--config", "missing.toml"], opts);
    expect(profiles.status).toBe(2);
    expect(profiles.stderr).toContain("missing.toml");
  });

  it("notes --index on a job that is not an array", () => {
    const { opts } = sandbox();
    const id = runCli(["launch", "--detach", "--", "echo", "one"], opts).stdout.trim();
    runCli(["wait", id], opts);
    const result = runCli(["logs", "--index", "2", id], opts);
    expect(result.stderr).toBe(`note: ${id} is not a job array, so --index 2 does nothing\n`);
    expect(result.stdout).toBe("one\n");
  });
});
