import { createHash } from "node:crypto";
import type { CodePackage } from "../../package/code-package.ts";
import { zipFiles, type ZipEntry } from "../../package/zip-files.ts";

/** A package as Ray stores it: its content-hash URI (what `ray job submit` would name it) and the zip. */
export interface RayPackage {
  readonly uri: string;
  readonly zip: Buffer;
  readonly files: number;
}

/**
 * The URI of a `working_dir` package, from the shipped tree's content hash: an unchanged tree maps to a package
 * Ray already has. Known when planning, so a dry run shows it.
 *
 * @example
 * ```ts
 * rayPackageUri(job.code!.hash); // "gcs://_ray_pkg_3f2a….zip"
 * ```
 */
export function rayPackageUri(hash: string): string {
  return `gcs://_ray_pkg_${hash.slice(0, 40)}.zip`;
}

/**
 * A job's shipped code as a Ray package (`working_dir`).
 *
 * @example
 * ```ts
 * const pkg = codePackageForRay(code); // code: the CodePackage the core packed
 * await client.uploadPackage(pkg.uri, pkg.zip);
 * ```
 */
export function codePackageForRay(code: CodePackage): RayPackage {
  const entries: ZipEntry[] = code.entries.map((entry) => ({
    path: entry.path,
    data: entry.data,
    mode: entry.mode,
    symlink: entry.kind === "symlink",
  }));
  return { uri: rayPackageUri(code.summary.hash), zip: zipFiles(entries), files: entries.length };
}

/**
 * A package of the given entries, named by their content hash.
 *
 * @example
 * ```ts
 * packageOf([{ path: "a.txt", data: Buffer.from("a"), mode: 0o600 }]).uri;
 * ```
 */
export function packageOf(entries: readonly ZipEntry[]): RayPackage {
  const hash = createHash("sha256");
  for (const entry of entries) {
    hash.update(`${entry.path}\0${entry.mode.toString(8)}\0${entry.data.length}\0`);
    hash.update(entry.data);
  }
  return { uri: rayPackageUri(hash.digest("hex")), zip: zipFiles(entries), files: entries.length };
}
