import type { ConfigIssue } from "../errors.ts";
import { compareText } from "./compare-text.ts";

/**
 * A key path as users read it: `gpu0.env.HF_HOME`, `wandb.tags[1]`, and keys that are not bare TOML keys quoted
 * (`gpu0.env."A.B"`), so that a path always points at one place.
 *
 * @example
 * ```ts
 * formatPath(["wandb", "tags", 1]); // "wandb.tags[1]"
 * ```
 */
export function formatPath(segments: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of segments) {
    if (typeof segment === "number") out += `[${segment}]`;
    else {
      const key = String(segment);
      const part = /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
      out += out === "" ? part : `.${part}`;
    }
  }
  return out;
}

/**
 * Sorts issues by path (then message) and drops exact duplicates, so reports are stable and easy to scan.
 *
 * @example
 * ```ts
 * sortIssues([{ path: "b", message: "x" }, { path: "a", message: "y" }]); // a first
 * ```
 */
export function sortIssues(issues: readonly ConfigIssue[]): ConfigIssue[] {
  const sorted = [...issues].sort((a, b) => compareText(a.path, b.path) || compareText(a.message, b.message));
  return sorted.filter((issue, i) => {
    const previous = sorted[i - 1];
    return previous === undefined || previous.path !== issue.path || previous.message !== issue.message;
  });
}
