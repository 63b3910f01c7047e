/**
 * 16 hex digits for `text`: two FNV-1a hashes of its UTF-16 code units with different offsets. Stable and spread
 * enough to name a handful of files after keys or paths, without loading node:crypto (~3 ms of a CLI start).
 *
 * @example
 * ```ts
 * shortHash("/repo/env.toml"); // 16 hex digits, the same on every run
 * ```
 */
export function shortHash(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    a = Math.imul(a ^ unit, 0x01000193) >>> 0;
    b = Math.imul(b ^ unit, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}
