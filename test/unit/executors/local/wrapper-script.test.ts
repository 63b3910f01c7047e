import { existsSync, readFileSync } from "node:fs";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import {
  localWrapperScript,
  type LocalWrapperInput,
} from "../../../../src/executors/local/wrapper-script.ts";
import { jobFiles } from "../../../../src/store/job-files.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** Runs the wrapper as spawnLocal does (`sh -c <script> <exit-code file> <command…>`, a session of its own). */
async function run(input: Omit<LocalWrapperInput, "files">, script: string) {
  const files = jobFiles(tempDir());
  const wrapper = localWrapperScript({ ...input, files });
  const result = await execa(
    "/bin/sh",
    ["-c", wrapper, files.exitCode, "/bin/sh", "-c", script, "job", files.dir],
    {
      detached: true,
      reject: false,
    },
  );
  return { result, files, recorded: readFileSync(files.exitCode, "utf8") };
}

// Fails until it has run `n` times (counting in the job directory, `$1`).
const failsUntil = (n: number): string =>
  `echo x >> "$1/runs"; runs=$(wc -l < "$1/runs"); echo "run $runs"; [ "$runs" -ge ${n} ] || exit 3`;

const read = (path: string): string | undefined =>
  existsSync(path) ? readFileSync(path, "utf8") : undefined;

describe("localWrapperScript", () => {
  it("without retries or a time limit, runs the command once and records its code", async () => {
    const input = { retries: 0, timeLimit: undefined, graceSeconds: 1 };
    expect(localWrapperScript({ ...input, files: jobFiles("/j") })).not.toMatch(/while|slipway_watch/);
    const { result, recorded } = await run(input, "exit 5");
    expect(result.exitCode).toBe(5);
    expect(recorded).toBe("5\n");
  });

  it("starts a failed run again, writing the attempt and a line on stderr before each", async () => {
    const { result, files, recorded } = await run(
      { retries: 3, timeLimit: undefined, graceSeconds: 1 },
      failsUntil(3),
    );
    expect(result).toMatchObject({ exitCode: 0, stdout: "run 1\nrun 2\nrun 3" });
    expect(result.stderr.split("\n")).toEqual([
      "slipway: attempt 2 of 4 (attempt 1 exited with code 3)",
      "slipway: attempt 3 of 4 (attempt 2 exited with code 3)",
    ]);
    expect(recorded).toBe("0\n");
    expect(read(files.attempt)).toBe("3\n");
  });

  it("stops after the last attempt with its code", async () => {
    const { result, recorded } = await run(
      { retries: 1, timeLimit: undefined, graceSeconds: 1 },
      failsUntil(5),
    );
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toBe("run 1\nrun 2");
    expect(recorded).toBe("3\n");
  });

  it("does not start again once a cancel was asked for", async () => {
    const { result, files } = await run(
      { retries: 3, timeLimit: undefined, graceSeconds: 1 },
      `: > "$1/cancel-requested"; exit 3`,
    );
    expect(result).toMatchObject({ exitCode: 3, stderr: "" });
    expect(read(files.attempt)).toBeUndefined();
  });

  it("at the time limit records the marker, stops the job and does not start it again", async () => {
    const { result, files, recorded } = await run(
      { retries: 3, timeLimit: { text: "0:01", seconds: 1 }, graceSeconds: 1 },
      "sleep 600",
    );
    expect(result.exitCode).toBe(143);
    expect(recorded).toBe("143\n");
    expect(existsSync(files.timeLimitReached)).toBe(true);
    expect(read(files.attempt)).toBeUndefined();
    // The shell may add its own word for the signal ("Terminated").
    expect(result.stderr.split("\n")[0]).toBe(
      "slipway: time limit 0:01 reached: SIGTERM to the job, SIGKILL after 1 s",
    );
  });

  it("quotes the job's paths", () => {
    const files = jobFiles("/home/me/jobs/it's here");
    const script = localWrapperScript({ retries: 1, timeLimit: undefined, graceSeconds: 1, files });
    expect(script).toContain(`[ -e '/home/me/jobs/it'\\''s here/cancel-requested' ]`);
  });
});
