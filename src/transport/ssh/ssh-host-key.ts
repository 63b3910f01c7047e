import { createHash } from "node:crypto";
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { SlipwayError } from "../../errors.ts";
import { checkHostKey, knownHostsLine, parseKnownHosts } from "./known-hosts.ts";
import type { SshHop } from "./ssh-route.ts";
import { tildePath } from "./tilde-path.ts";

/** A host key check's inputs besides the key: the hop, the policy, and how messages name the hop. */
export interface HostKeyCheck {
  readonly hop: SshHop;
  readonly policy: "strict" | "accept-new";
  /** The hop as messages name it, e.g. `alice@gw:22 (jump host for alice@hpc:22)`. */
  readonly where: string;
  readonly homeDir: string;
}

/**
 * Checks a server's host key (the SSH wire blob ssh2's `hostVerifier` gets) against the hop's known_hosts files as
 * OpenSSH does. Resolves with `undefined` when the key is trusted, else with the `ENGINE_UNREACHABLE` error to fail
 * the connection with: a revoked or changed key always, an unknown one under `strict`. Under `accept-new` an unknown
 * key is appended to the first user known_hosts file (created 0600, its directory 0700).
 *
 * @example
 * ```ts
 * hostVerifier: (key, verify) => {
 *   void verifyHostKey(key, { hop, policy: "strict", where: hop.label, homeDir }).then((e) => verify(e === undefined));
 * },
 * ```
 */
export async function verifyHostKey(key: Buffer, check: HostKeyCheck): Promise<SlipwayError | undefined> {
  const { hop, where, homeDir } = check;
  const keyType = wireKeyType(key);
  const keyBase64 = key.toString("base64");
  const fingerprint = `SHA256:${createHash("sha256").update(key).digest("base64").replace(/=+$/, "")}`;
  const offered = `${keyType} key ${fingerprint}`;
  const name = hop.port === 22 ? hop.hostName : `[${hop.hostName}]:${hop.port}`;
  const files = [...hop.userKnownHostsFiles, ...hop.globalKnownHostsFiles];
  const failed = (what: string, detail: string, hint: string) =>
    new SlipwayError("ENGINE_UNREACHABLE", `host key verification failed for ${where}: ${what}\n${detail}`, {
      hint,
    });

  const texts = await Promise.all(files.map((file) => readFile(file, "utf8").catch(() => undefined)));
  let changed: { file: string; line: number } | undefined;
  let matched = false;
  for (const [index, file] of files.entries()) {
    const text = texts[index];
    if (text === undefined) continue;
    const verdict = checkHostKey(parseKnownHosts(text), hop.hostName, hop.port, keyType, keyBase64);
    if (verdict.status === "revoked") {
      return failed(
        `its host key is REVOKED`,
        `${tildePath(file, homeDir)}:${verdict.line} marks the ${offered} it offers as @revoked`,
        "do not connect; ask the cluster's administrators which host key is current",
      );
    }
    if (verdict.status === "match") matched = true;
    if (verdict.status === "changed") changed ??= { file, line: verdict.line };
  }
  if (matched) return undefined;
  if (changed !== undefined) {
    const file = tildePath(changed.file, homeDir);
    return failed(
      "the host key has CHANGED (someone may be intercepting the connection, or the host was reinstalled)",
      `${file}:${changed.line} has another ${keyType} key for ${name}; the host now offers the ${offered}`,
      `if the change is expected (check with the cluster's administrators), remove the old key with: ssh-keygen -R "${name}" -f ${file}`,
    );
  }
  if (check.policy === "strict") {
    const sshCommand = `ssh${hop.port === 22 ? "" : ` -p ${hop.port}`} ${hop.user}@${hop.hostName}`;
    return failed(
      `the host is not in known_hosts (${files.map((f) => tildePath(f, homeDir)).join(", ")})`,
      `it offers the ${offered}`,
      `connect once with "${sshCommand}" and accept the key after checking its fingerprint, or set host_key_policy = "accept-new" in the profile`,
    );
  }
  return remember(hop, keyType, keyBase64, texts[0], homeDir, where);
}

async function remember(
  hop: SshHop,
  keyType: string,
  keyBase64: string,
  existing: string | undefined,
  homeDir: string,
  where: string,
): Promise<SlipwayError | undefined> {
  const file = hop.userKnownHostsFiles[0];
  if (file === undefined) return undefined;
  try {
    const line = knownHostsLine(hop.hostName, hop.port, keyType, keyBase64);
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    const separator = existing === undefined || existing === "" || existing.endsWith("\n") ? "" : "\n";
    await appendFile(file, `${separator}${line}\n`, { mode: 0o600 });
    return undefined;
  } catch (error) {
    return new SlipwayError(
      "ENGINE_UNREACHABLE",
      `cannot record the host key of ${where} in ${tildePath(file, homeDir)}: ${error instanceof Error ? error.message : String(error)}`,
      {
        hint: "make the known_hosts file (and its directory) writable, or add the key with ssh first",
        cause: error,
      },
    );
  }
}

/** The key type at the start of an SSH wire-format public key (`string type, …`). */
function wireKeyType(key: Buffer): string {
  if (key.length < 4) return "unknown";
  const length = key.readUInt32BE(0);
  return length > 0 && length <= 64 && key.length >= 4 + length
    ? key.toString("latin1", 4, 4 + length)
    : "unknown";
}
