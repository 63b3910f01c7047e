import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { keepAlive } from "../../../../src/transport/ssh/keep-alive.ts";

/** A stand-in for ssh2's Client that records probes and answers them only when told to. */
function fakeClient() {
  const pending: (() => void)[] = [];
  const client = {
    probes: 0,
    destroyed: false,
    unforwardIn(_address: string, _port: number, callback?: (error?: Error | null) => void) {
      client.probes++;
      pending.push(() => callback?.(new Error("Unable to unbind")));
      return client as never;
    },
    destroy() {
      client.destroyed = true;
      return client as never;
    },
    answerAll() {
      for (const answer of pending.splice(0)) answer();
    },
  };
  return client;
}

describe("keepAlive", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("probes every interval and destroys the connection after countMax unanswered probes", () => {
    const client = fakeClient();
    keepAlive(client, 1000, 3);
    vi.advanceTimersByTime(3000);
    expect(client).toMatchObject({ probes: 3, destroyed: false });
    vi.advanceTimersByTime(1000);
    expect(client).toMatchObject({ probes: 3, destroyed: true });
    vi.advanceTimersByTime(5000);
    expect(client.probes).toBe(3);
  });

  it("starts counting again after an answer (a refusal is an answer)", () => {
    const client = fakeClient();
    keepAlive(client, 1000, 2);
    vi.advanceTimersByTime(2000);
    client.answerAll();
    vi.advanceTimersByTime(2000);
    expect(client).toMatchObject({ probes: 4, destroyed: false });
    vi.advanceTimersByTime(1000);
    expect(client.destroyed).toBe(true);
  });

  it("stops when told to, and does nothing with interval 0", () => {
    const client = fakeClient();
    const stop = keepAlive(client, 1000, 1);
    stop();
    keepAlive(client, 0, 1);
    vi.advanceTimersByTime(10_000);
    expect(client).toMatchObject({ probes: 0, destroyed: false });
  });

  it("does not keep the process alive", () => {
    const timers = vi.getTimerCount();
    const client = fakeClient();
    const spy = vi.spyOn(globalThis, "setInterval");
    keepAlive(client, 1000, 1);
    const timer = spy.mock.results[0]?.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    expect(vi.getTimerCount()).toBe(timers + 1);
    spy.mockRestore();
  });
});
