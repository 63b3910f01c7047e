// `node scripts/write-capabilities.ts`: regenerates README's capability matrix (between the `capabilities` markers)
// from every executor module's capabilities. A unit test fails when README's copy is stale.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EXECUTOR_KINDS, type ExecutorKind } from "../src/config/types.ts";
import { capabilityMatrix } from "../src/executors/capability-matrix.ts";
import { executorModule } from "../src/executors/registry.ts";
import type { Capabilities } from "../src/executors/types.ts";

export const README_FILE = join(import.meta.dirname, "..", "README.md");
const BLOCK = /(<!-- capabilities -->\n)[\s\S]*?(<!-- \/capabilities -->)/;

/**
 * README's text with the matrix block replaced by the one the executors' capabilities give.
 *
 * @example
 * ```ts
 * expect(readFileSync(README_FILE, "utf8")).toBe(await renderReadme(readFileSync(README_FILE, "utf8")));
 * ```
 */
export async function renderReadme(readme: string): Promise<string> {
  if (!BLOCK.test(readme))
    throw new Error("README.md lacks the <!-- capabilities --> … <!-- /capabilities --> block");
  const entries = await Promise.all(
    EXECUTOR_KINDS.map(async (kind) => [kind, (await executorModule(kind)).capabilities] as const),
  );
  const matrix = capabilityMatrix(Object.fromEntries(entries) as Record<ExecutorKind, Capabilities>);
  return readme.replace(BLOCK, (_, open: string, close: string) => `${open}${matrix}\n${close}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(README_FILE, await renderReadme(readFileSync(README_FILE, "utf8")));
  process.stdout.write(`wrote the capability matrix into ${README_FILE}\n`);
}
