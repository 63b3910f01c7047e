import { CommandError } from "../../errors.ts";
import { findExecutable } from "./find-executable.ts";
import type { LocalGpus } from "./local-gpus.ts";

/** How the GPUs of this machine are listed: one index per line. */
export const NVIDIA_SMI_ARGV: readonly string[] = [
  "nvidia-smi",
  "--query-gpu=index",
  "--format=csv,noheader",
];

const HINT = "ask for fewer GPUs (gpus_per_node, gpu_ids) or none, or run on a machine that has them";

/**
 * Refuses a local job that asks for GPUs this machine does not have, before anything starts: `nvidia-smi` (found
 * on the job's `PATH`) must list at least `gpus.count` devices, and every index in `gpus.ids`. Nothing is run when
 * the job asks for no GPU. Throws a `CommandError` `GPU_UNAVAILABLE` saying what was found.
 *
 * @example
 * ```ts
 * await checkGpus(plan.gpus, jobEnvironment(plan, context.env), context.cwd);
 * // CommandError: the job asks for 4 GPUs but nvidia-smi lists 2 on this machine (0, 1)
 * ```
 */
export async function checkGpus(
  gpus: LocalGpus,
  env: Readonly<Record<string, string>>,
  cwd: string,
): Promise<void> {
  if (gpus.count === 0) return;
  const [name = "nvidia-smi", ...args] = NVIDIA_SMI_ARGV;
  const program = findExecutable(name, env["PATH"], cwd);
  if (program === undefined) {
    throw new CommandError("GPU_UNAVAILABLE", "no GPU found: nvidia-smi is not on PATH", {
      argv: NVIDIA_SMI_ARGV,
      hint: `the job asks for ${plural(gpus.count)}; install the NVIDIA driver, or ${HINT}`,
    });
  }
  const { execa } = await import("execa");
  const result = await execa(program, args, {
    env,
    extendEnv: false,
    cwd,
    reject: false,
    stdin: "ignore",
    timeout: 30_000,
  });
  if (result.exitCode !== 0) {
    const said = `${result.stdout}\n${result.stderr}`.trim().split("\n")[0] ?? "";
    const exit =
      result.exitCode === undefined ? (result.shortMessage ?? "did not run") : `exit ${result.exitCode}`;
    throw new CommandError(
      "GPU_UNAVAILABLE",
      `no GPU found: nvidia-smi failed (${exit})${said === "" ? "" : `: ${said}`}`,
      {
        argv: NVIDIA_SMI_ARGV,
        exitCode: result.exitCode,
        stderr: result.stderr,
        hint: HINT,
      },
    );
  }
  const found = result.stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => /^\d+$/.test(line));
  const listed = found.length === 0 ? "" : ` (${found.join(", ")})`;
  if (gpus.count > found.length) {
    throw new CommandError(
      "GPU_UNAVAILABLE",
      `the job asks for ${plural(gpus.count)} but nvidia-smi lists ${found.length} on this machine${listed}`,
      { argv: NVIDIA_SMI_ARGV, exitCode: 0, hint: HINT },
    );
  }
  // UUIDs are left to CUDA: nvidia-smi was asked for indices only.
  const absent = (gpus.ids ?? []).filter((id) => /^\d+$/.test(id) && !found.includes(id));
  if (absent.length > 0) {
    throw new CommandError(
      "GPU_UNAVAILABLE",
      `the job asks for GPU ${absent.join(", ")} (gpu_ids) but nvidia-smi lists ${found.length} on this machine${listed}`,
      { argv: NVIDIA_SMI_ARGV, exitCode: 0, hint: "fix gpu_ids in the profile" },
    );
  }
}

function plural(count: number): string {
  return `${count} GPU${count === 1 ? "" : "s"}`;
}
