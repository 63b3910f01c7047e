import { readFile } from "node:fs/promises";
import type { AgentAuthMethod, AuthHandlerMiddleware, ParsedKey, PublicKeyAuthMethod } from "ssh2";
import { SlipwayError } from "../../errors.ts";
import type { SshHop } from "./ssh-route.ts";
import { loadSsh2 } from "./load-ssh2.ts";
import { tildePath } from "./tilde-path.ts";

/** The environment variable whose value decrypts encrypted private keys. */
export const PASSPHRASE_ENV = "SLIPWAY_SSH_PASSPHRASE";

/** How a hop authenticates: ssh2's `authHandler`, what it tried so far, and why some keys were left out. */
export interface SshAuth {
  readonly authHandler: AuthHandlerMiddleware;
  /** `agent`, `key ~/.ssh/id_ed25519`…, in the order ssh2 asked for them. */
  readonly tried: readonly string[];
  /** One line per key that could not be used (encrypted without passphrase, unreadable…). */
  readonly problems: readonly string[];
}

interface Method {
  readonly what: string;
  readonly auth: AgentAuthMethod | PublicKeyAuthMethod;
}

/**
 * Prepares public-key authentication for a hop: ssh-agent first (when `SSH_AUTH_SOCK` is set), then each identity
 * file that exists and parses, decrypted with `SLIPWAY_SSH_PASSPHRASE` when encrypted. A problem with a key the
 * profile names, or having nothing to try at all, throws `ENGINE_UNREACHABLE` before any connection is made. Never
 * puts key material or the passphrase in a message.
 *
 * @example
 * ```ts
 * const auth = await prepareAuth(hop, hop.label, { env: process.env, homeDir: os.homedir() });
 * client.connect({ host: hop.hostName, port: hop.port, username: hop.user, authHandler: auth.authHandler });
 * ```
 */
export async function prepareAuth(
  hop: SshHop,
  where: string,
  context: { readonly env: Readonly<Record<string, string | undefined>>; readonly homeDir: string },
): Promise<SshAuth> {
  const { env, homeDir } = context;
  const methods: Method[] = [];
  const problems: string[] = [];
  const agent = env["SSH_AUTH_SOCK"];
  if (agent !== undefined && agent !== "") {
    methods.push({ what: "agent", auth: { type: "agent", username: hop.user, agent } });
  }
  const passphrase = env[PASSPHRASE_ENV];
  for (const identity of hop.identities) {
    const shown = tildePath(identity.path, homeDir);
    let problem: string;
    try {
      const key = parsePrivateKey(
        await loadSsh2(),
        await readFile(identity.path),
        passphrase === "" ? undefined : passphrase,
      );
      if (key instanceof Error) {
        problem = /no passphrase given/i.test(key.message)
          ? `key ${shown} is encrypted and ${PASSPHRASE_ENV} is not set`
          : /passphrase/i.test(key.message)
            ? `key ${shown} cannot be decrypted with ${PASSPHRASE_ENV} (wrong passphrase?)`
            : `${shown} is not a private key slipway can read (${key.message})`;
      } else if (!key.isPrivateKey()) {
        problem = `${shown} is a public key, not a private key`;
      } else {
        methods.push({ what: `key ${shown}`, auth: { type: "publickey", username: hop.user, key } });
        continue;
      }
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      // As ssh: default and configured keys that do not exist are skipped quietly.
      if (code === "ENOENT" && !identity.explicit) continue;
      problem =
        code === "ENOENT"
          ? `key ${shown} does not exist`
          : `cannot read key ${shown} (${typeof code === "string" ? code : String(error)})`;
    }
    if (identity.explicit) throw authSetupError(where, problem, hop);
    problems.push(problem);
  }
  if (methods.length === 0) {
    const keys = hop.identities.map((identity) => tildePath(identity.path, homeDir)).join(", ");
    const why =
      problems.length > 0
        ? problems.join("; ")
        : `no ssh-agent (SSH_AUTH_SOCK is unset) and no key (looked for ${keys})`;
    throw authSetupError(where, why, hop);
  }

  const tried: string[] = [];
  let next = 0;
  const authHandler: AuthHandlerMiddleware = () => {
    const method = methods[next++];
    if (method === undefined) return false;
    tried.push(method.what);
    return method.auth;
  };
  return { authHandler, tried, problems };
}

/** ssh2's parseKey, whose result is an array for some OpenSSH files (its types do not say so). */
function parsePrivateKey(
  ssh2: Awaited<ReturnType<typeof loadSsh2>>,
  data: Buffer,
  passphrase: string | undefined,
): ParsedKey | Error {
  const parsed: unknown = ssh2.utils.parseKey(data, passphrase);
  return (Array.isArray(parsed) ? parsed[0] : parsed) as ParsedKey | Error;
}

function authSetupError(where: string, problem: string, hop: SshHop): SlipwayError {
  const encrypted = problem.includes(PASSPHRASE_ENV);
  return new SlipwayError("ENGINE_UNREACHABLE", `cannot authenticate to ${where}: ${problem}`, {
    hint: encrypted
      ? `export ${PASSPHRASE_ENV}=<the key's passphrase>, or load the key into ssh-agent (ssh-add) and set SSH_AUTH_SOCK`
      : `set identity in the profile to a private key that ${hop.user}@${hop.hostName} accepts, or start ssh-agent with the key loaded`,
  });
}
