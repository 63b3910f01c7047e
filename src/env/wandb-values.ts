const PROJECT_FORBIDDEN = /[/\\#?%:]/;
const RUN_ID_FORBIDDEN = /[:;,#?/']/;

/**
 * Why `project` would make `wandb.init()` raise, or `undefined` when the SDK accepts it.
 *
 * @example
 * ```ts
 * projectProblem("llm/sft"); // 'must not contain any of / \ # ? % :'
 * ```
 */
export function projectProblem(project: string): string | undefined {
  if (project.length === 0) return "must not be empty";
  if (project.length > 128) return `must be at most 128 characters (has ${project.length})`;
  if (PROJECT_FORBIDDEN.test(project)) return "must not contain any of / \\ # ? % :";
  return undefined;
}

/**
 * Why a tag list cannot travel in `WANDB_TAGS` (comma-joined, each part 1–64 characters), or `undefined`.
 *
 * @example
 * ```ts
 * tagsProblem(["sft", ""]); // 'tag 2 is empty (each tag must be 1–64 characters)'
 * ```
 */
export function tagsProblem(tags: readonly string[]): string | undefined {
  for (const [index, tag] of tags.entries()) {
    const which = `tag ${index + 1}`;
    if (tag.length === 0) return `${which} is empty (each tag must be 1–64 characters)`;
    if (tag.length > 64)
      return `${which} is ${tag.length} characters long (each tag must be 1–64 characters)`;
    if (tag.includes(","))
      return `${which} ("${tag}") contains a comma, which WANDB_TAGS uses to separate tags`;
  }
  return undefined;
}

/**
 * Why `runId` would be rejected by the SDK as `WANDB_RUN_ID`, or `undefined`.
 *
 * @example
 * ```ts
 * runIdProblem("exp:1"); // "must not contain any of : ; , # ? / '"
 * ```
 */
export function runIdProblem(runId: string): string | undefined {
  if (runId.length === 0) return "must not be empty";
  if (runId.trim() !== runId) return "must not start or end with whitespace";
  if (RUN_ID_FORBIDDEN.test(runId)) return "must not contain any of : ; , # ? / '";
  if (runId.length > 128) return `must be at most 128 characters (has ${runId.length})`;
  return undefined;
}
