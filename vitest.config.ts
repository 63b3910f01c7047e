import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The JSON report feeds .ci/run's "N passed, N failed, N skipped" line.
    reporters: ["default", "json"],
    outputFile: { json: "reports/vitest.json" },
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts", "test/contract/**/*.unit.test.ts"] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: [
            "test/integration/**/*.test.ts",
            "test/contract/**/*.engine.test.ts",
            "test/faults/**/*.test.ts",
          ],
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
