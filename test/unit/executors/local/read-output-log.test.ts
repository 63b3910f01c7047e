import { appendFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readOutputLog, type ReadOutputLogOptions } from "../../../../src/executors/local/read-output-log.ts";
import type { LogEntry } from "../../../../src/executors/types.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

const T1 = "2026-12-06T02:13:45.120Z";
const T2 = "2026-12-06T02:13:45.250Z";
const LOG = `${T1} stdout out 1\n${T1} stderr err 1\n${T2} stdout out 2\n${T2} stderr err 2\n`;

async function collect(path: string, options: Partial<ReadOutputLogOptions>): Promise<LogEntry[]> {
  const entries: LogEntry[] = [];
  const defaults = { follow: false, stream: "all", isDone: () => Promise.resolve(false), pollMs: 5 } as const;
  for await (const entry of readOutputLog(path, { ...defaults, ...options })) entries.push(entry);
  return entries;
}

function logFile(text: string): string {
  const path = join(tempDir(), "output.log");
  writeFileSync(path, text);
  return path;
}

describe("readOutputLog", () => {
  it.each([
    ["all", ["out 1", "err 1", "out 2", "err 2"]],
    ["stdout", ["out 1", "out 2"]],
    ["stderr", ["err 1", "err 2"]],
  ] as const)("--stream %s: the lines of that stream, in write order", async (stream, lines) => {
    const entries = await collect(logFile(`${LOG}${T2} end\n`), { stream });
    expect(entries.map((entry) => entry.line)).toEqual(lines);
  });

  it("gives each entry its stream and time", async () => {
    const [first, second] = await collect(logFile(LOG), {});
    expect(first).toEqual({ stream: "stdout", line: "out 1", time: T1 });
    expect(second).toEqual({ stream: "stderr", line: "err 1", time: T1 });
  });

  it("leaves out a record still being written and lines that are not records", async () => {
    const entries = await collect(logFile(`garbage\n${LOG}${T2} stdout half a li`), {});
    expect(entries.map((entry) => entry.line)).toEqual(["out 1", "err 1", "out 2", "err 2"]);
  });

  it("reads nothing from a file that is not there, without waiting", async () => {
    expect(await collect(join(tempDir(), "output.log"), {})).toEqual([]);
  });

  it("follows new records until the job has ended and the end marker is read", async () => {
    const path = logFile(`${T1} stdout out 1\n`);
    let asked = 0;
    // Each time the reader finds nothing new, the "job" writes the next record; on the third it has ended.
    const isDone = (): Promise<boolean> => {
      asked += 1;
      if (asked === 1) appendFileSync(path, `${T2} stderr err 1\n`);
      if (asked === 2) appendFileSync(path, `${T2} stdout out 2\n${T2} end\n`);
      return Promise.resolve(asked >= 2);
    };
    const entries = await collect(path, { follow: true, isDone });
    expect(entries.map((entry) => entry.line)).toEqual(["out 1", "err 1", "out 2"]);
  });

  it("without follow, waits for the end marker of a job that has ended (the copier's last lines)", async () => {
    const path = logFile(`${T1} stdout out 1\n`);
    const isDone = (): Promise<boolean> => {
      appendFileSync(path, `${T2} stdout last\n${T2} end\n`);
      return Promise.resolve(true);
    };
    const entries = await collect(path, { isDone, endGraceMs: 60_000 });
    expect(entries.map((entry) => entry.line)).toEqual(["out 1", "last"]);
  });

  it("without follow, does not wait on a job that is still running", async () => {
    const entries = await collect(logFile(LOG), { isDone: () => Promise.resolve(false), endGraceMs: 60_000 });
    expect(entries).toHaveLength(4);
  });

  it("gives up on a missing end marker after the grace period (a background process holds the output)", async () => {
    const entries = await collect(logFile(LOG), {
      follow: true,
      isDone: () => Promise.resolve(true),
      endGraceMs: 1,
    });
    expect(entries).toHaveLength(4);
  });
});
