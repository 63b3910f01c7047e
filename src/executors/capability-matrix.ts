import { EXECUTOR_KINDS, type ExecutorKind } from "../config/types.ts";
import type { Capabilities, Feature } from "./types.ts";

/** The matrix's rows, in order: each feature as README names it. */
export const FEATURE_ROWS: readonly (readonly [Feature, string])[] = [
  ["package", "code shipped (`package` none / git / dir)"],
  ["env-file", "`env_file` (`.env`), secrets by the secrets path"],
  ["gpus", "GPUs (`gpus_per_node`)"],
  ["torchrun", '`launcher = "torchrun"`'],
  ["multi-node", "more than one node"],
  ["container-image", "container image per job"],
  ["retries", "`retries`"],
  ["time-limit", "`time` limit"],
  ["detach", "detach, then exit"],
  ["reattach", "reattach from another process"],
  ["array", "job arrays"],
  ["dependencies", "`dependsOn`"],
  ["sweep-throttle", "sweep `--max-parallel`"],
];

/**
 * The capability matrix as a Markdown table: one row per feature, one column per executor, each cell ✓ or the
 * reason the executor gives for not offering it. README's copy is generated from this (`npm run readme:write`)
 * and checked by a test, so the table cannot drift from the executors' capabilities.
 *
 * @example
 * ```ts
 * const all = Object.fromEntries(await Promise.all(EXECUTOR_KINDS.map(async (k) => [k, (await executorModule(k)).capabilities])));
 * console.log(capabilityMatrix(all));
 * ```
 */
export function capabilityMatrix(capabilities: Readonly<Record<ExecutorKind, Capabilities>>): string {
  const cell = (text: string): string => text.replace(/\|/g, "\\|");
  const header = `| feature | ${EXECUTOR_KINDS.map((kind) => `\`${kind}\``).join(" | ")} |`;
  const rule = `|---|${EXECUTOR_KINDS.map(() => "---").join("|")}|`;
  const rows = FEATURE_ROWS.map(([feature, label]) => {
    const cells = EXECUTOR_KINDS.map((kind) => {
      const why = capabilities[kind].unsupported[feature];
      return why === undefined ? "✓" : cell(why);
    });
    return `| ${label} | ${cells.join(" | ")} |`;
  });
  return [header, rule, ...rows].join("\n");
}
