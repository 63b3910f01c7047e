import {
  spawn,
  spawnSync,
  type ChildProcessByStdio,
  type ChildProcessWithoutNullStreams,
} from "node:child_process";
import { once } from "node:events";
import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { stripVTControlCharacters } from "node:util";
import { describe, expect, it } from "vitest";
import { runCli, startCli } from "../helpers/run-cli.ts";
import { makeSandbox } from "../helpers/sandbox.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const CLI = join(import.meta.dirname, "..", "..", "src", "cli.ts");
const TWO_PROFILES = '[local]\nexecutor = "local"\n\n[other]\nexecutor = "local"\n';

/** A sandbox with a `slipway` command on its PATH, as the completion scripts call it. */
function sandbox(toml?: string) {
  const box = makeSandbox(tempDir(), toml);
  const bin = join(box.root, "..", "bin");
  mkdirSync(bin);
  writeFileSync(join(bin, "slipway"), `#!/bin/sh\nexec "${process.execPath}" "${CLI}" "$@"\n`);
  chmodSync(join(bin, "slipway"), 0o755);
  const env = { ...box.env, PATH: `${bin}:${box.env["PATH"] ?? ""}` };
  return { box, env, opts: { env, cwd: box.root } };
}

// Locally a missing shell skips its test with a printed reason; in CI (which installs them) it runs, and fails.
function has(shell: string): boolean {
  if (process.env["CI"] === "true") return true;
  const found = spawnSync("sh", ["-c", `command -v ${shell}`]).status === 0;
  if (!found) console.warn(`[skipped] shell completion with ${shell}: ${shell} is not installed`);
  return found;
}

function shell(command: string, args: readonly string[], opts: { env: Record<string, string>; cwd: string }) {
  const result = spawnSync(command, args, { ...opts, encoding: "utf8", timeout: 60_000 });
  expect(result.stderr).toBe("");
  expect(result.status).toBe(0);
  return result.stdout;
}

// Runs the generated bash script's completion function as bash would on TAB, for each line of words.
const BASH_DRIVER = `source <(slipway completion bash)
complete -p slipway
while IFS= read -r line; do
  eval "COMP_WORDS=($line)"
  COMP_CWORD=$((\${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _slipway_complete
  echo "\${COMPREPLY[*]}"
done
`;

describe("shell completion", () => {
  it("bash completes commands, options, profiles of the found env.toml and job ids from the store", () => {
    const { opts } = sandbox(TWO_PROFILES);
    const id = runCli(["launch", "--detach", "-p", "local", "--", "true"], opts).stdout.trim();
    const lines = [
      'slipway ""',
      "slipway st",
      'slipway launch --profile ""',
      "slipway launch -p o",
      "slipway launch --exe",
      'slipway status ""',
      'slipway wait ""',
      "slipway list --state f",
      'slipway completion ""',
    ];
    const result = spawnSync("bash", ["-c", BASH_DRIVER], {
      ...opts,
      input: `${lines.join("\n")}\n`,
      encoding: "utf8",
    });
    expect(result.stderr).toBe("");
    const [registered, commands = "", ...rest] = result.stdout.split("\n");
    expect(registered).toBe("complete -F _slipway_complete slipway");
    expect(commands.split(" ")).toEqual(
      expect.arrayContaining(["launch", "status", "logs", "wait", "cancel", "list", "completion"]),
    );
    expect(commands).not.toContain("__complete");
    expect(rest).toEqual([
      "status",
      "local other",
      "other",
      "--executor",
      id,
      id,
      "failed",
      "bash zsh fish",
      "",
    ]);
  });

  it("bash leaves the program's words after -- to file completion", () => {
    const { opts } = sandbox();
    const out = shell("slipway", ["__complete", "launch", "-p", "local", "--", "py"], opts);
    expect(out).toBe(":files\n");
  });

  it.skipIf(!has("fish"))("fish completes profiles and job ids (needs fish)", () => {
    const { opts } = sandbox(TWO_PROFILES);
    const id = runCli(["launch", "--detach", "-p", "local", "--", "true"], opts).stdout.trim();
    const out = shell(
      "fish",
      [
        "--no-config",
        "-c",
        'slipway completion fish | source; complete -C "slipway launch -p "; complete -C "slipway logs "',
      ],
      opts,
    );
    expect(out).toBe(`local\nother\n${id}\n`);
  });

  it.skipIf(!has("zsh"))("the zsh script parses and registers _slipway (needs zsh)", () => {
    const { box, opts } = sandbox();
    const file = join(box.root, "slipway.zsh");
    writeFileSync(file, runCli(["completion", "zsh"], opts).stdout);
    shell("zsh", ["-n", file], opts);
    const out = shell(
      "zsh",
      ["-f", "-c", `autoload -Uz compinit; compinit -u -D; source ${file}; print -r -- $_comps[slipway]`],
      opts,
    );
    expect(out).toBe("_slipway\n");
  });
});

/**
 * Like `| head -1`: reads the child's first chunk of stdout, then closes the pipe while it still has output to write;
 * resolves with its exit code and what it wrote to stderr.
 */
async function closeAfterFirstChunk(
  child: ChildProcessWithoutNullStreams | ChildProcessByStdio<null, Readable, Readable>,
) {
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  child.stdout.once("data", () => {
    child.stdout.destroy();
  });
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stderr };
}

describe("a closed pipe ends the command quietly", () => {
  it.each([
    ["logs", (id: string) => ["logs", id]],
    ["launch in the foreground", () => ["launch", "--", "seq", "1", "200000"]],
  ])("%s", async (_name, args) => {
    const { opts } = sandbox();
    const id = runCli(["launch", "--detach", "--", "seq", "1", "200000"], opts).stdout.trim();
    runCli(["wait", id], opts);
    const { code, stderr } = await closeAfterFirstChunk(startCli(args(id), opts));
    expect(stderr).not.toMatch(/EPIPE|\n\s+at /);
    expect(code).toBe(0);
  });
});

describe("output written straight to the descriptor (no Node stream made)", () => {
  const script = (body: string) =>
    `import { endQuietlyOnClosedPipe, writeOut, writeErr } from ${JSON.stringify(join(import.meta.dirname, "..", "..", "src", "cli", "std-output.ts"))};\n${body}`;

  it("a closed pipe ends it quietly, exit 0", async () => {
    // 4 MiB is more than any pipe holds: the write meets the closed pipe.
    const child = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script('endQuietlyOnClosedPipe(); writeOut("x".repeat(4 << 20)); writeErr("not reached\\n");'),
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const { code, stderr } = await closeAfterFirstChunk(child);
    expect(stderr).toBe("");
    expect(code).toBe(0);
  });

  it("keeps the order of what goes through the stream and what goes straight to the descriptor", () => {
    const result = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        script('endQuietlyOnClosedPipe(); writeOut("1\\n"); process.stdout.write("2\\n"); writeOut("3\\n");'),
      ],
      { encoding: "utf8" },
    );
    expect(result).toMatchObject({ status: 0, stdout: "1\n2\n3\n", stderr: "" });
  });

  it.skipIf(!has("script"))("colours notices on a terminal only (needs script(1))", () => {
    // Each in a sandbox of its own: the no-key notice is said once a day per store.
    const piped = runCli(["launch", "--dry-run", "--", "echo", "hi"], sandbox().opts);
    expect(piped.stderr).toContain("slipway: ");
    expect(piped.stderr).not.toContain("\x1b[");
    const { opts } = sandbox();
    const result = spawnSync("script", ["-qec", "slipway launch --dry-run -- echo hi", "/dev/null"], {
      ...opts,
      env: { ...opts.env, TERM: "xterm-256color" },
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(String.raw`\u001b\[[0-9;]*mslipway:`));
  });
});

describe("on a terminal", () => {
  it.skipIf(!has("script"))("a notice never lands on the spinner's line (needs script(1))", () => {
    const { opts } = sandbox();
    // script(1) gives the CLI a terminal; the fresh HOME has no W&B key, so launching prints a notice.
    const result = spawnSync("script", ["-qec", "slipway launch -- echo hi", "/dev/null"], {
      ...opts,
      encoding: "utf8",
      timeout: 60_000,
    });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("launching echo");
    // What the screen shows: on each line, what follows the last "clear line".
    const screen = result.stdout
      .split("\n")
      .map((line) => stripVTControlCharacters(line.slice(line.lastIndexOf("\r\x1b[2K") + 1)).trim());
    const notices = screen.filter((line) => line.includes("no API key"));
    expect(notices.length).toBeGreaterThan(0);
    for (const line of notices) expect(line).toMatch(/^slipway: /);
  });
});
