import * as z from "zod";
import { choice, int, nonEmptyStr, size, str } from "./fields.ts";
import { PACKAGE_MODES } from "../package/code-package.ts";
import { EXECUTOR_KINDS, LAUNCHERS, type ExecutorKind } from "./types.ts";

/**
 * Keys every profile may have, whatever its executor: spread into each executor's profile schema. Built on each call
 * (each schema is built once): a launch whose env.toml was checked before by the same CLI builds none.
 */
export function commonShape() {
  return {
    extends: z
      .string()
      .describe("Name of another profile whose settings this one starts from; `env` tables merge."),
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), str("process environment"))
      .describe(
        "Extra environment variables for every job; merged key-wise along `extends`, the child winning.",
      ),
    env_file: nonEmptyStr().describe(
      "A dotenv file (`KEY=value` lines) whose variables every job gets, beneath `env`; relative to this env.toml, `~` expanded. Its `WANDB_API_KEY` is the W&B key unless the environment sets one.",
    ),
    workdir: str().describe(
      "Working directory of the job (default: the executor's own, the launch directory for local).",
    ),
    nodes: int(1).describe("Number of nodes (default 1).").meta({ default: 1 }),
    gpus_per_node: int(0).describe("GPUs per node (default 0).").meta({ default: 0 }),
    nproc_per_node: int(1).describe(
      "Processes per node for the launcher (default: the GPU count from gpus_per_node, local gpu_ids or docker gpus; 1 without GPUs).",
    ),
    cpus_per_node: int(1).describe("CPU cores per node."),
    memory: size("Memory per node"),
    package: choice(PACKAGE_MODES).describe(
      "How the code reaches the job: `none` (already there: image or shared filesystem), `git` (the committed tree of the launch directory's repository) or `dir` (the launch directory as git sees it). Default: `none` for local; for the others `dir` when the launch directory is in a git work tree, else `none`.",
    ),
    excludes: z
      .array(str())
      .describe("gitignore-style patterns left out of the shipped code (`data/`, `*.ckpt`, `logs/**`)."),
    launcher: choice(LAUNCHERS)
      .describe(
        "How the command starts on each node: `none` runs it as is, `torchrun` wraps it (default none).",
      )
      .meta({ default: "none" }),
  };
}

/**
 * The `executor` key of a `kind` profile.
 *
 * @example
 * ```ts
 * z.strictObject({ executor: executorField("local"), ...commonShape() });
 * ```
 */
export function executorField(kind: ExecutorKind) {
  return z
    .literal(kind)
    .describe(`Executor that runs the job (one of ${EXECUTOR_KINDS.join(", ")}); may come from \`extends\`.`);
}

/** Profile keys shared by every executor (they map to `ProfileBase` of types.ts). */
export const COMMON_KEYS: ReadonlySet<string> = new Set([
  "executor",
  "extends",
  "env",
  "env_file",
  "workdir",
  "nodes",
  "gpus_per_node",
  "nproc_per_node",
  "cpus_per_node",
  "memory",
  "package",
  "excludes",
  "launcher",
]);

let common: ReturnType<typeof buildCommonProfileSchema> | undefined;

function buildCommonProfileSchema() {
  return z.object(commonShape()).partial();
}

/**
 * Checks the common keys of a profile whose executor is unknown, without complaining about other keys (which cannot
 * be judged without an executor). Built on first use: only a profile without a known executor needs it.
 *
 * @example
 * ```ts
 * commonProfileSchema().safeParse({ nodes: 2, image: "x" }).success; // true: `image` is not judged here
 * ```
 */
export function commonProfileSchema() {
  return (common ??= buildCommonProfileSchema());
}
