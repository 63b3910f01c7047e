// `npm run demo`: launches examples/train.py through the local profile of examples/env.toml, detached, then shows
// reattaching from new processes: status, the logs (followed to the end) and the final status.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";

const root = join(import.meta.dirname, "..");
const cli = join(root, "src", "cli.ts");

function slipway(args: readonly string[], capture = false): string {
  process.stderr.write(`\n$ slipway ${args.join(" ")}\n`);
  const result = spawnSync(process.execPath, [cli, ...args], {
    cwd: root,
    stdio: ["inherit", capture ? "pipe" : "inherit", "inherit"],
    encoding: "utf8",
  });
  if (capture) process.stdout.write(result.stdout);
  if (result.status !== 0) {
    process.stderr.write(`demo: slipway ${args[0] ?? ""} exited with ${result.status ?? "a signal"}\n`);
    process.exit(result.status ?? 1);
  }
  return result.stdout;
}

const config = ["--config", "examples/env.toml"];
// The test setup's Python has the W&B SDK, which then logs a real offline run; plain python3 works too.
const venvPython = join(root, ".venv", "bin", "python");
const python = existsSync(venvPython) ? venvPython : "python3";
const id = slipway(
  [
    "launch",
    ...config,
    "--profile",
    "local",
    "--detach",
    "--",
    python,
    "examples/train.py",
    "--epochs",
    "12",
  ],
  true,
).trim();
slipway(["status", id]);
slipway(["logs", "--follow", id]);
slipway(["status", id]);
slipway(["list"]);
