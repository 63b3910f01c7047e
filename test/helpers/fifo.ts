import { execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { onTestFinished } from "vitest";

/**
 * Makes a FIFO at `dir/name` for tests of code that must refuse to read one. A helper process opens its writing end
 * after `releaseMs` and closes it at once, so code that wrongly blocks reading the FIFO reads an empty file and the
 * test fails instead of hanging; the helper is killed when the test ends.
 */
export function makeFifo(dir: string, name = "env.toml", releaseMs = 3_000): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  const writer = spawn("sh", ["-c", 'sleep "$1"; exec 3>"$0"', path, String(releaseMs / 1000)], {
    stdio: "ignore",
  });
  onTestFinished(() => {
    writer.kill();
  });
  return path;
}
