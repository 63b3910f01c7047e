import { describe, expect, it } from "vitest";
import { ChannelQueue } from "../../../../src/transport/ssh/channel-queue.ts";

describe("ChannelQueue", () => {
  it("hands out slots up to the limit, then in FIFO order as they are released", async () => {
    const queue = new ChannelQueue(2);
    const order: string[] = [];
    const first = await queue.acquire();
    const second = await queue.acquire();
    const waiting = ["c", "d", "e"].map((name) =>
      queue.acquire().then((release) => {
        order.push(name);
        return release;
      }),
    );
    expect(queue.stats()).toEqual({ open: 2, maxOpen: 2, opened: 2, waiting: 3 });
    first();
    first(); // releasing twice gives back one slot only
    const c = await waiting[0]!;
    expect(queue.stats()).toEqual({ open: 2, maxOpen: 2, opened: 3, waiting: 2 });
    second();
    c();
    const [, d, e] = (await Promise.all(waiting)) as [unknown, () => void, () => void];
    expect(order).toEqual(["c", "d", "e"]);
    d();
    e();
    expect(queue.stats()).toEqual({ open: 0, maxOpen: 2, opened: 5, waiting: 0 });
  });

  it("keeps FIFO order against newcomers while callers wait", async () => {
    const queue = new ChannelQueue(1);
    const held = await queue.acquire();
    const waiter = queue.acquire();
    held();
    // The slot went to the waiter, not to a caller arriving later.
    const late = queue.acquire();
    expect(queue.stats()).toMatchObject({ open: 1, waiting: 1 });
    (await waiter)();
    (await late)();
    expect(queue.stats()).toMatchObject({ open: 0, waiting: 0 });
  });

  it("rejects with the signal's reason when aborted, before or while waiting", async () => {
    const queue = new ChannelQueue(1);
    const before = new Error("before");
    await expect(queue.acquire(AbortSignal.abort(before))).rejects.toBe(before);
    const held = await queue.acquire();
    const controller = new AbortController();
    const waiting = queue.acquire(controller.signal);
    const next = queue.acquire();
    const reason = new Error("while waiting");
    controller.abort(reason);
    await expect(waiting).rejects.toBe(reason);
    held();
    (await next)();
    expect(queue.stats()).toEqual({ open: 0, maxOpen: 1, opened: 2, waiting: 0 });
  });

  it("refuses everyone waiting when the connection is gone", async () => {
    const queue = new ChannelQueue(1);
    await queue.acquire();
    const waiting = [queue.acquire(), queue.acquire()];
    const gone = new Error("gone");
    queue.refuseWaiting(gone);
    await expect(waiting[0]).rejects.toBe(gone);
    await expect(waiting[1]).rejects.toBe(gone);
    expect(queue.stats()).toMatchObject({ open: 1, waiting: 0 });
  });

  it.each([0, 1.5, -1])("rejects the limit %d", (limit) => {
    expect(() => new ChannelQueue(limit)).toThrow(RangeError);
  });
});
