import type { SlurmProfile } from "../../config/types.ts";
import type { CheckResult, ExecutorContext } from "../executor-module.ts";
import { transportFor } from "./connect.ts";

/**
 * What `slipway doctor` says of a slurm profile: whether the login node answers, which Slurm it runs, and whether
 * the profile's partition exists there. Never throws: a failure is `ok: false` with the reason.
 *
 * @example
 * ```ts
 * await checkSlurm(profile, context);
 * // { ok: true, text: "Slurm 22.05.8 via slipway@127.0.0.1:2222; partition debug up, 3 nodes" }
 * ```
 */
export async function checkSlurm(profile: SlurmProfile, context: ExecutorContext): Promise<CheckResult> {
  const { partition, target } = profile.settings;
  try {
    const transport = transportFor(target, context.connections, context);
    const result = await transport.run("sbatch --version && sinfo -h -o '%R|%a|%D'");
    if (result.exitCode !== 0) {
      return {
        ok: false,
        text: `Slurm commands fail on ${transport.label}: ${result.stderr.trim().split("\n")[0] ?? ""}`,
      };
    }
    const [version = "", ...lines] = result.stdout.trim().split("\n");
    const partitions = new Map(
      lines.map((line) => {
        const [name = "", availability = "", nodes = ""] = line.split("|");
        return [name, { availability, nodes }] as const;
      }),
    );
    // `slurm 22.05.8`, or `slurm-wlm 22.05.8` from Debian's packages.
    const where = `Slurm ${/\d+\.\d+[.\d]*/.exec(version)?.[0] ?? version} via ${transport.label}`;
    if (partition === undefined)
      return { ok: true, text: `${where}; partitions ${[...partitions.keys()].join(", ")}` };
    const found = partitions.get(partition);
    if (found === undefined) {
      return {
        ok: false,
        text: `${where}; no partition "${partition}" (there: ${[...partitions.keys()].join(", ")})`,
      };
    }
    return {
      ok: found.availability === "up",
      text: `${where}; partition ${partition} ${found.availability}, ${found.nodes} nodes`,
    };
  } catch (error) {
    return { ok: false, text: error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error) };
  }
}
