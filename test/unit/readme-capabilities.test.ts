import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { README_FILE, renderReadme } from "../../scripts/write-capabilities.ts";
import { capabilityMatrix, FEATURE_ROWS } from "../../src/executors/capability-matrix.ts";
import { EXECUTOR_KINDS } from "../../src/config/types.ts";

describe("README's capability matrix", () => {
  it("is what the executors' capabilities give (run `node scripts/write-capabilities.ts` after changing them)", async () => {
    const readme = readFileSync(README_FILE, "utf8");
    expect(readme).toBe(await renderReadme(readme));
  });

  it("has a row per feature and a column per executor, each cell ✓ or a reason", () => {
    const all = Object.fromEntries(
      EXECUTOR_KINDS.map((kind) => [
        kind,
        { unsupported: kind === "local" ? { "multi-node": "one machine | only" } : {} },
      ]),
    ) as Parameters<typeof capabilityMatrix>[0];
    const lines = capabilityMatrix(all).split("\n");
    expect(lines).toHaveLength(FEATURE_ROWS.length + 2);
    expect(lines[0]).toBe("| feature | `local` | `docker` | `slurm` | `kubernetes` | `ray` |");
    expect(lines.find((line) => line.startsWith("| more than one node"))).toBe(
      "| more than one node | one machine \\| only | ✓ | ✓ | ✓ | ✓ |",
    );
  });
});
