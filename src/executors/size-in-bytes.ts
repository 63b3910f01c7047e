const UNITS: Readonly<Record<string, number>> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 };

/**
 * Bytes in a size as env.toml writes it (`"16g"`, `"512Mi"`, `"1GB"`: units are powers of 1024, as in Docker).
 *
 * @example
 * ```ts
 * sizeInBytes("16g"); // 17179869184
 * ```
 */
export function sizeInBytes(size: string): number {
  const match = /^([1-9][0-9]*)([KMGT])(?:i|B|iB)?$/i.exec(size);
  if (match === null) throw new Error(`not a size: ${size}`);
  return Number(match[1]) * (UNITS[(match[2] ?? "").toUpperCase()] ?? 1);
}
