import { isAbsolute, resolve } from "node:path";
import type { ResolvedProfile } from "../config/types.ts";
import type { Recipe } from "../job/recipe.ts";
import type { PackageMode } from "./code-package.ts";
import { isGitWorkTree } from "./pack-code.ts";

/**
 * What a launch ships and from where, and the notice to show when the default decided it.
 *
 * @example
 * ```ts
 * const choice: PackageChoice = { mode: "dir", dir: "/home/me/proj", notice: undefined };
 * ```
 */
export interface PackageChoice {
  readonly mode: PackageMode;
  /** The directory packed: the launch directory, or a ray profile's `working_dir`. */
  readonly dir: string;
  /** The setting that named `dir` when it is not the launch directory (`working_dir`). */
  readonly namedBy?: string;
  readonly notice: string | undefined;
}

/** Where a job of each executor finds its code when nothing is shipped. */
const WITHOUT_CODE: Record<ResolvedProfile["executor"], string> = {
  local: "the launch directory",
  docker: "the image",
  slurm: "the cluster's filesystem",
  kubernetes: "the image",
  ray: "the Ray cluster",
};

/**
 * The package of a launch: the recipe's `package`, else the profile's, else the default — `none` for local (the
 * job runs in place), `dir` for the others when the launch directory is in a git work tree, else `none` with a
 * notice. A ray profile's `working_dir` is the directory shipped (and implies `dir`).
 *
 * @example
 * ```ts
 * const { mode, dir, notice } = choosePackage(recipe, executor.profile, process.cwd(), process.env);
 * ```
 */
export function choosePackage(
  recipe: Recipe,
  profile: ResolvedProfile,
  launchDir: string,
  env: Readonly<Record<string, string | undefined>>,
): PackageChoice {
  const workingDir = profile.executor === "ray" ? profile.settings.workingDir : undefined;
  const dir =
    workingDir === undefined
      ? launchDir
      : isAbsolute(workingDir)
        ? workingDir
        : resolve(launchDir, workingDir);
  const explicit = recipe.package ?? profile.package ?? (workingDir === undefined ? undefined : "dir");
  if (explicit !== undefined)
    return {
      mode: explicit,
      dir,
      notice: undefined,
      ...(workingDir === undefined ? {} : { namedBy: "working_dir" }),
    };
  if (profile.executor === "local") return { mode: "none", dir, notice: undefined };
  if (isGitWorkTree(launchDir, env)) return { mode: "dir", dir, notice: undefined };
  return {
    mode: "none",
    dir,
    notice:
      `${launchDir} is not in a git work tree, so no code is shipped (package = "none"): the job sees only what ` +
      `${WITHOUT_CODE[profile.executor]} holds. Set package = "dir" in profile "${profile.name}" to ship this directory.`,
  };
}
