import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The JSON report feeds .ci/run's "N passed, N failed, N skipped" line.
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts", "test/contract/**/*.unit.test.ts"],
          // Runs with the integration project; the exclusive one after both. (Group 0 ran after group 1 in a trial
          // with vitest 5.1, so the first group is 1.)
          sequence: { groupOrder: 1 },
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          sequence: { groupOrder: 1 },
          include: [
            "test/integration/**/*.test.ts",
            "test/contract/**/*.engine.test.ts",
            "test/faults/**/*.test.ts",
          ],
          exclude: ["test/faults/exclusive/**"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          // Faults that take a shared engine away (the Slurm scheduler restarted): after every other test, alone.
          name: "exclusive",
          include: ["test/faults/exclusive/**/*.test.ts"],
          sequence: { groupOrder: 2 },
          fileParallelism: false,
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
