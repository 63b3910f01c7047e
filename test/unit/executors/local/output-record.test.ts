import { describe, expect, it } from "vitest";
import {
  formatOutputRecord,
  parseOutputRecord,
  type OutputRecord,
} from "../../../../src/executors/local/output-record.ts";

const T = "2026-12-06T02:13:45.120Z";

describe("formatOutputRecord / parseOutputRecord", () => {
  it.each<[string, OutputRecord, string]>([
    ["a stdout line", { kind: "line", time: T, stream: "stdout", text: "out 1" }, `${T} stdout out 1\n`],
    ["a stderr line", { kind: "line", time: T, stream: "stderr", text: "err 1" }, `${T} stderr err 1\n`],
    ["an empty line", { kind: "line", time: T, stream: "stdout", text: "" }, `${T} stdout \n`],
    ["spaces kept", { kind: "line", time: T, stream: "stdout", text: "  a  b " }, `${T} stdout   a  b \n`],
    ["a line that says end", { kind: "line", time: T, stream: "stdout", text: "end" }, `${T} stdout end\n`],
    ["the end marker", { kind: "end", time: T }, `${T} end\n`],
  ])("%s", (_name, record, line) => {
    expect(formatOutputRecord(record)).toBe(line);
    expect(parseOutputRecord(line.slice(0, -1))).toEqual(record);
  });

  it.each([
    ["an empty line", ""],
    ["no time", "stdout out 1"],
    ["a time without milliseconds", "2026-12-06T02:13:45Z stdout x"],
    ["an unknown stream", `${T} stdin x`],
    ["a torn record", "2026-12-06T02:1"],
    ["a time only", T],
  ])("skips %s", (_name, line) => {
    expect(parseOutputRecord(line)).toBeUndefined();
  });

  it("reads an empty line written without its trailing space", () => {
    expect(parseOutputRecord(`${T} stderr`)).toEqual({ kind: "line", time: T, stream: "stderr", text: "" });
  });
});
