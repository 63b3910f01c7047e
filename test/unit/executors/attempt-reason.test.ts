import { describe, expect, it } from "vitest";
import { timeLimitReason, withAttempt } from "../../../src/executors/attempt-reason.ts";
import type { JobStatus } from "../../../src/job/job-state.ts";

const status = (state: JobStatus["state"], reason?: string): JobStatus => ({
  state,
  raw: state,
  exitCode: undefined,
  reason,
});

describe("withAttempt", () => {
  it.each<[string, JobStatus, number, number, string | undefined]>([
    ["a running job", status("running"), 2, 3, "attempt 2 of 3"],
    ["a pending job with a reason", status("pending", "Resources"), 1, 2, "Resources (attempt 1 of 2)"],
    ["a failed job", status("failed", "exited with code 4"), 3, 3, "exited with code 4 (attempt 3 of 3)"],
    ["a failed job without a reason", status("failed"), 2, 2, "failed (attempt 2 of 2)"],
    ["a success on a retry", status("succeeded"), 2, 3, "succeeded on attempt 2 of 3"],
    ["a success on the first attempt", status("succeeded"), 1, 3, undefined],
    ["a cancelled job", status("cancelled", "cancelled"), 2, 3, "cancelled"],
    ["an unknown status", status("unknown", "?"), 2, 3, "?"],
    ["a job with one attempt", status("running"), 1, 1, undefined],
  ])("words %s", (_, given, attempt, attempts, reason) => {
    expect(withAttempt(given, attempt, attempts)).toEqual({ ...given, reason });
  });

  it("names the time limit as written", () => {
    expect(timeLimitReason("00:00:05")).toBe("time limit reached (00:00:05)");
    expect(timeLimitReason(undefined)).toBe("time limit reached");
  });
});
