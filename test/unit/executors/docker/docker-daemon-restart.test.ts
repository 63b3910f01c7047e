import { describe, expect, it } from "vitest";
import { takesConnections } from "../../../../src/executors/docker/daemon-ping.ts";
import {
  daemonRestartReason,
  inspectedStatus,
  type InspectedState,
} from "../../../../src/executors/docker/states.ts";

// A container that ended while slipway could not reach its daemon (tested for real in test/faults/dockerd-restart).
describe("a container's end during an outage of its daemon", () => {
  const from = Date.parse("2026-11-23T10:00:00Z");
  const to = from + 5000;
  const outage = { from, to };
  const ended = (exitCode: number, at: number, oomKilled = false): InspectedState => ({
    status: "exited",
    exitCode,
    oomKilled,
    error: "",
    finishedAt: new Date(at).toISOString(),
  });
  const context = { rm: false, cancelRequested: false, now: to };

  it("names the daemon's restart for a failure during the outage", () => {
    expect(inspectedStatus(ended(143, from + 1000), { ...context, outage })).toEqual({
      state: "failed",
      raw: "exited",
      exitCode: 143,
      reason:
        "the Docker daemon restarted and stopped the container (exit 143): it ended while the daemon could not be reached; a daemon with live-restore keeps containers running across its restarts",
    });
  });

  it.each([
    ["no outage", ended(143, from + 1000), undefined, { state: "failed", reason: "exited with code 143" }],
    ["an end before it", ended(3, from - 1), outage, { state: "failed", reason: "exited with code 3" }],
    ["an end after it", ended(3, to + 1), outage, { state: "failed", reason: "exited with code 3" }],
    ["a success", ended(0, from + 1000), outage, { state: "succeeded", reason: undefined }],
    [
      "an OOM kill",
      ended(137, from + 1000, true),
      outage,
      { state: "failed", reason: "out of memory: the container was OOM-killed (exit 137)" },
    ],
  ])("keeps the usual reason with %s", (_what, state, window, expected) => {
    expect(inspectedStatus(state, { ...context, outage: window })).toMatchObject(expected);
  });

  it("keeps a cancel a cancel", () => {
    const status = inspectedStatus(ended(143, from + 1000), { ...context, cancelRequested: true, outage });
    expect(status).toMatchObject({ state: "cancelled", reason: "cancelled" });
  });

  it("says the exit code", () => {
    expect(daemonRestartReason(137)).toMatch(
      /^the Docker daemon restarted and stopped the container \(exit 137\)/,
    );
  });
});

describe("takesConnections", () => {
  it("is false for a unix socket nobody listens on", async () => {
    await expect(takesConnections("unix:///tmp/slipway-no-such-daemon.sock")).resolves.toBe(false);
  });

  it("is true for hosts it cannot check without a connection of their own", async () => {
    await expect(takesConnections("ssh://me@gpu-box")).resolves.toBe(true);
  });
});
