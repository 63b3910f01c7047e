import { createHmac } from "node:crypto";
import { hostPatternsMatch } from "./host-patterns.ts";

/** Which hosts a known_hosts line is for: a hashed name, or a comma-separated list of patterns. */
export type KnownHostNames =
  | { readonly kind: "hashed"; readonly salt: Buffer; readonly hash: Buffer }
  | { readonly kind: "patterns"; readonly patterns: readonly string[] };

/** One usable line of a known_hosts file (`@cert-authority` lines, comments and malformed lines are dropped). */
export interface KnownHostEntry {
  /** 1-based line number in the parsed text. */
  readonly line: number;
  readonly revoked: boolean;
  readonly names: KnownHostNames;
  readonly keyType: string;
  readonly keyBase64: string;
}

/** The outcome of checking a server's host key against known_hosts entries. */
export type HostKeyVerdict =
  | { status: "match" }
  | { status: "unknown" }
  | { status: "changed"; line: number }
  | { status: "revoked"; line: number };

/**
 * Parses an OpenSSH `known_hosts` file. Lines that OpenSSH would ignore or cannot use here are dropped.
 *
 * @example
 * ```ts
 * parseKnownHosts("# home\n[login1]:2222,10.0.0.5 ssh-ed25519 AAAAC3Nz...\n");
 * // [{ line: 2, revoked: false, names: { kind: "patterns", patterns: ["[login1]:2222", "10.0.0.5"] }, ... }]
 * ```
 */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const fields = raw.trim().split(/\s+/);
    const marker = fields[0]?.startsWith("@") === true ? fields.shift() : undefined;
    // Certificate authorities need certificate support we do not have; other markers are invalid in OpenSSH too.
    if (marker !== undefined && marker !== "@revoked") return;
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || hosts === "" || hosts.startsWith("#")) return;
    if (keyType === undefined || keyBase64 === undefined) return;
    const names = parseNames(hosts);
    if (names !== undefined)
      entries.push({ line: index + 1, revoked: marker !== undefined, names, keyType, keyBase64 });
  });
  return entries;
}

function parseNames(field: string): KnownHostNames | undefined {
  if (!field.startsWith("|")) return { kind: "patterns", patterns: field.toLowerCase().split(",") };
  const [, magic, salt, hash, extra] = field.split("|");
  if (magic !== "1" || salt === undefined || hash === undefined || extra !== undefined) return undefined;
  return { kind: "hashed", salt: Buffer.from(salt, "base64"), hash: Buffer.from(hash, "base64") };
}

/**
 * Checks a server's host key the way OpenSSH does. A revoked key for the host wins over everything, then a match.
 * "changed" means the host has keys of the same type and none is this key. A host known only with keys of other
 * types gives "unknown": OpenSSH looks keys up per type, so a new type is a new host key (with
 * `StrictHostKeyChecking=accept-new` it is added), not a changed one.
 *
 * @example
 * ```ts
 * const entries = parseKnownHosts(readFileSync(join(homedir(), ".ssh", "known_hosts"), "utf8"));
 * const hostVerifier = (key: Buffer) =>
 *   checkHostKey(entries, "login1", 22, "ssh-ed25519", key.toString("base64")).status === "match";
 * ```
 */
export function checkHostKey(
  entries: readonly KnownHostEntry[],
  host: string,
  port: number,
  keyType: string,
  keyBase64: string,
): HostKeyVerdict {
  const name = lookupName(host, port);
  const key = Buffer.from(keyBase64, "base64");
  let matched = false;
  let changedLine: number | undefined;
  for (const entry of entries) {
    if (!namesMatch(entry.names, name)) continue;
    const sameKey = entry.keyType === keyType && Buffer.from(entry.keyBase64, "base64").equals(key);
    if (entry.revoked) {
      if (sameKey) return { status: "revoked", line: entry.line };
    } else if (sameKey) {
      matched = true;
    } else if (entry.keyType === keyType) {
      changedLine ??= entry.line;
    }
  }
  if (matched) return { status: "match" };
  return changedLine === undefined ? { status: "unknown" } : { status: "changed", line: changedLine };
}

/**
 * A known_hosts line (unhashed, no trailing newline) to append when accepting a new host key.
 *
 * @example
 * ```ts
 * knownHostsLine("login1", 2222, "ssh-ed25519", "AAAAC3Nz..."); // "[login1]:2222 ssh-ed25519 AAAAC3Nz..."
 * knownHostsLine("login1", 22, "ssh-ed25519", "AAAAC3Nz..."); // "login1 ssh-ed25519 AAAAC3Nz..."
 * ```
 */
export function knownHostsLine(host: string, port: number, keyType: string, keyBase64: string): string {
  // A host with spaces, commas or pattern characters would write a different (or broader) entry than intended.
  if (!/^[^\s,*?!|@#[\]]+$/.test(host))
    throw new RangeError(`not a plain host name: ${JSON.stringify(host)}`);
  if (!/^\S+$/.test(keyType) || !/^[A-Za-z0-9+/]+=*$/.test(keyBase64)) {
    throw new RangeError(`not a host key: ${JSON.stringify(`${keyType} ${keyBase64}`)}`);
  }
  return `${lookupName(host, port)} ${keyType} ${keyBase64}`;
}

/** The name OpenSSH looks up and hashes: `host` on port 22, `[host]:port` otherwise; host names are lower-cased. */
function lookupName(host: string, port: number): string {
  const lower = host.toLowerCase();
  return port === 22 ? lower : `[${lower}]:${port}`;
}

function namesMatch(names: KnownHostNames, name: string): boolean {
  if (names.kind === "hashed") {
    const digest = createHmac("sha1", names.salt).update(name).digest();
    return digest.equals(names.hash);
  }
  // As in OpenSSH's match_hostname: a matching negated pattern rules the whole line out.
  return hostPatternsMatch(names.patterns, name);
}
