import { randomBytes } from "node:crypto";

const ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz";

/**
 * A job id: the recipe name as a slug plus 6 random characters, e.g. `sft-smollm-k3j9x2`. Safe in file names,
 * Slurm job names, Kubernetes object names and W&B run ids.
 *
 * @example
 * ```ts
 * newJobId("SFT SmolLM!"); // "sft-smollm-k3j9x2"
 * ```
 */
export function newJobId(name: string, random: (size: number) => Uint8Array = randomBytes): string {
  const slug =
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, "-")
      .replace(/^-+|-+$/g, "")
      .slice(0, 40)
      .replace(/-+$/, "") || "job";
  const suffix = Array.from(random(6), (byte) => ALPHABET[byte % ALPHABET.length]).join("");
  return `${slug}-${suffix}`;
}
