import { randomBytes } from "node:crypto";
import { closeSync, openSync, readSync } from "node:fs";

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
export function newJobId(name: string, random: (size: number) => Uint8Array = systemRandom): string {
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

/**
 * `size` bytes from the kernel's CSPRNG: /dev/urandom, read directly where there is one, which spares a CLI start
 * loading node:crypto (~3 ms) for six bytes; node:crypto elsewhere.
 */
export function systemRandom(size: number): Uint8Array {
  let fd: number;
  try {
    fd = openSync("/dev/urandom", "r");
  } catch {
    return randomBytes(size);
  }
  try {
    const bytes = new Uint8Array(size);
    for (let got = 0; got < size;) got += readSync(fd, bytes, got, size - got, null);
    return bytes;
  } finally {
    closeSync(fd);
  }
}
