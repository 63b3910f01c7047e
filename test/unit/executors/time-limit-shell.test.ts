import { existsSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { reachedTimeLimit, timeLimitWatchdog } from "../../../src/executors/time-limit-shell.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/**
 * Runs `sh -c '<watchdog> exec "$@"' entry <command>` in a session of its own, as every executor starts a job: the
 * watchdog signals its process group, never the test's.
 */
async function underWatchdog(seconds: number, graceSeconds: number, command: string, onLimit?: string) {
  const limit = `0:0${seconds}`;
  const options = {
    seconds: String(seconds),
    limit,
    graceSeconds,
    ...(onLimit === undefined ? {} : { onLimit }),
  };
  const script = `${timeLimitWatchdog(options)} exec "$@"`;
  const started = Date.now();
  const result = await execa("/bin/sh", ["-c", script, "entry", "/bin/sh", "-c", command], {
    detached: true,
    reject: false,
  });
  const { exitCode, signal, stdout, stderr } = result;
  return { exitCode, signal, stdout, stderr, ms: Date.now() - started };
}

describe("timeLimitWatchdog", () => {
  it("stops the job with SIGTERM at the limit, runs onLimit first and says so on stderr", async () => {
    const marker = join(tempDir(), "reached");
    const result = await underWatchdog(1, 5, "sleep 600", `: > ${marker}`);
    expect(result.signal ?? result.exitCode).toBe("SIGTERM");
    // Never before the limit; at most two seconds after it (whole seconds by the clock).
    expect(result.ms).toBeGreaterThanOrEqual(1000);
    expect(result.ms).toBeLessThan(4000);
    expect(existsSync(marker)).toBe(true);
    expect(result.stderr).toBe("slipway: time limit 0:01 reached: SIGTERM to the job, SIGKILL after 5 s");
  });

  it("kills a job that ignores SIGTERM after the grace period", async () => {
    const result = await underWatchdog(1, 1, "trap '' TERM; sleep 600 & wait; sleep 600");
    expect(result.ms).toBeLessThan(10_000);
    expect(result.stderr.split("\n")).toEqual([
      "slipway: time limit 0:01 reached: SIGTERM to the job, SIGKILL after 1 s",
      "slipway: the job still runs 1 s after SIGTERM: SIGKILL",
    ]);
  });

  it("leaves a job that ends in time alone", async () => {
    const result = await underWatchdog(30, 1, "echo done");
    expect(result).toMatchObject({ exitCode: 0, stdout: "done", stderr: "" });
    expect(result.ms).toBeLessThan(5000);
  });
});

describe("reachedTimeLimit", () => {
  it.each([
    [
      "the watchdog's line",
      "x\nslipway: time limit 00:00:05 reached: SIGTERM to the job, SIGKILL after 10 s\n",
      true,
    ],
    [
      "the entrypoint quoting the line",
      "Running entrypoint: printf 'slipway: time limit 5 reached: …'",
      false,
    ],
    ["a plain failure", "Traceback …\nValueError\n", false],
  ])("finds %s: %s", (_, log, expected) => {
    expect(reachedTimeLimit(log)).toBe(expected);
  });
});
