import { describe, expect, it } from "vitest";
import { expandSweep } from "../../../src/sweep/expand-sweep.ts";
import { thrown } from "../../helpers/thrown.ts";

describe("expandSweep", () => {
  it("grids with the last parameter varying fastest", () => {
    expect(expandSweep({ params: { lr: ["1e-4", "3e-4", "1e-3"], bs: [16, 32] } })).toEqual([
      { lr: "1e-4", bs: "16" },
      { lr: "1e-4", bs: "32" },
      { lr: "3e-4", bs: "16" },
      { lr: "3e-4", bs: "32" },
      { lr: "1e-3", bs: "16" },
      { lr: "1e-3", bs: "32" },
    ]);
  });

  it("draws the same combinations for the same seed, within the ranges", () => {
    const sweep = {
      params: {
        lr: { kind: "range", scale: "log", low: 1e-5, high: 1e-2, integer: false },
        epochs: { kind: "range", scale: "linear", low: 1, high: 10, integer: true },
        opt: ["adam", "sgd"],
      },
      mode: "random",
      samples: 200,
      seed: 42,
    } as const;
    const first = expandSweep(sweep);
    expect(expandSweep(sweep)).toEqual(first);
    expect(expandSweep({ ...sweep, seed: 43 })).not.toEqual(first);
    expect(first).toHaveLength(200);
    for (const { lr, epochs, opt } of first) {
      expect(Number(lr)).toBeGreaterThanOrEqual(1e-5);
      expect(Number(lr)).toBeLessThanOrEqual(1e-2);
      expect(epochs).toMatch(/^([1-9]|10)$/);
      expect(["adam", "sgd"]).toContain(opt);
    }
    // Log-uniform: about as many draws below 3.16e-4 (the log midpoint) as above.
    const low = first.filter(({ lr }) => Number(lr) < 3.16e-4).length;
    expect(low).toBeGreaterThan(70);
    expect(low).toBeLessThan(130);
    expect(new Set(first.map(({ epochs }) => epochs)).size).toBe(10);
  });

  it("refuses more than 10,000 combinations unless bounded or confirmed", () => {
    const values = Array.from({ length: 101 }, (_, i) => String(i));
    const sweep = { params: { a: values, b: values } };
    const error = thrown(() => expandSweep(sweep));
    expect(error.message).toBe(
      "this sweep has 10201 combinations, more than 10000: refused so that a mistyped list does not start that many jobs at once",
    );
    expect(error.hint).toBe(
      "check the lists; to launch them anyway, bound how many run at once with --max-parallel K (maxParallel), or confirm with --yes",
    );
    expect(expandSweep({ ...sweep, yes: true })).toHaveLength(10201);
    expect(expandSweep({ ...sweep, maxParallel: 8 })).toHaveLength(10201);
    expect(expandSweep({ params: { a: values.slice(0, 100), b: values.slice(0, 100) } })).toHaveLength(10000);
  });

  it.each([
    [{ params: {} }, "a sweep needs at least one parameter"],
    [{ params: { lr: [] } }, "sweep parameter lr has no values"],
    [
      { params: { x: { kind: "range", scale: "linear", low: 1, high: 2, integer: true } } },
      "sweep parameter x is a range, which only a random sweep can draw from",
    ],
    [{ params: { x: ["1"] }, mode: "random" }, "a random sweep needs samples"],
    [{ params: { x: ["1"] }, maxParallel: 0 }, "maxParallel must be an integer ≥ 1, got 0"],
  ] as const)("refuses %j", (sweep, message) => {
    expect(thrown(() => expandSweep(sweep)).message).toBe(message);
  });
});
