import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const readme = readFileSync(join(root, "README.md"), "utf8");

/** The rows of README's "When things go wrong" table: the test file and the test's title each row names. */
function rows(): { file: string; title: string }[] {
  const table = /<!-- faults-table -->\n([\s\S]*?)<!-- \/faults-table -->/.exec(readme)?.[1] ?? "";
  return table
    .split("\n")
    .filter((line) => line.startsWith("| ") && !line.startsWith("| what happens"))
    .map((line) => {
      const cell = line.split(" | ").at(-1) ?? "";
      const match = /^`([^`]+)` "(.+)" \|$/.exec(cell);
      return { file: match?.[1] ?? `(no file in: ${cell})`, title: match?.[2] ?? "" };
    });
}

describe("README's faults table", () => {
  it("has rows", () => {
    expect(rows().length).toBeGreaterThanOrEqual(5);
  });

  it.each(rows())("names a test that exists: $file › $title", ({ file, title }) => {
    expect(existsSync(join(root, file)), file).toBe(true);
    expect(readFileSync(join(root, file), "utf8")).toContain(`"${title}"`);
  });
});
