import type { Launcher } from "../config/types.ts";
import type { TrackingOverrides } from "../env/tracking-env.ts";
import type { PackageMode } from "../package/code-package.ts";
import type { Secret } from "../secret.ts";

/**
 * Resource requests of a recipe; each one given wins over the profile's default.
 *
 * @example
 * ```ts
 * const resources: ResourceRequest = { nodes: 2, gpusPerNode: 8, cpusPerNode: 32, memory: "256G" };
 * const recipe: Recipe = { name: "pretrain", command: ["python", "train.py"], resources };
 * ```
 */
export interface ResourceRequest {
  readonly nodes?: number;
  readonly gpusPerNode?: number;
  readonly nprocPerNode?: number;
  readonly cpusPerNode?: number;
  readonly memory?: string;
}

/**
 * What to run, independent of where: the same recipe launches on any profile.
 *
 * @example
 * ```ts
 * const recipe: Recipe = {
 *   name: "sft-smollm",
 *   command: ["python", "train.py", "--lr", "3e-4"],
 *   env: { HF_HOME: "/cache/hf" },
 *   tracking: { tags: ["sft"], group: "smollm" },
 * };
 * ```
 */
export interface Recipe {
  /** Human name; the job id starts with it. */
  readonly name: string;
  /** The program and its arguments (no shell). Give this or `script`. */
  readonly command?: readonly string[];
  /** A bash script, run as `bash -c <script>`. Give this or `command`. */
  readonly script?: string;
  /** Environment for the job; wins over the profile's `env` and the tracking variables. */
  readonly env?: Readonly<Record<string, string | Secret>>;
  /** Working directory; relative paths are resolved against the launch directory. */
  readonly workdir?: string;
  readonly resources?: ResourceRequest;
  /** Container image, for executors that run one. */
  readonly image?: string;
  readonly launcher?: Launcher;
  readonly tracking?: TrackingOverrides;
  /** A job array, as Slurm writes it: `"0-15%4"` (16 tasks, 4 at a time), `"1,3,5"`, `"0-10:2"`. */
  readonly array?: string;
  /** Ids (or unique prefixes) of slipway jobs that must succeed before this one starts. */
  readonly dependsOn?: readonly string[];
  /** How many times a failed run is requeued and started again (default 0). */
  readonly retries?: number;
  /**
   * The job's time limit, as Slurm writes `--time` (`"30"`, `"04:00:00"`, `"1-12:00"`); wins over the profile's
   * `time`. A job that reaches it fails with the reason "time limit" and is not retried.
   */
  readonly time?: string;
  /** How the code reaches the job (`none`, `git`, `dir`); wins over the profile's `package`. */
  readonly package?: PackageMode;
  /** gitignore-style patterns left out of the shipped code, added to the profile's `excludes`. */
  readonly excludes?: readonly string[];
}
