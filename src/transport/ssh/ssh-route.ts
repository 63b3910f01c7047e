import { join } from "node:path";
import { SlipwayError } from "../../errors.ts";
import { expandTilde } from "./ssh-config-include.ts";
import { resolveSshHost, type SshHostConfig } from "./ssh-config.ts";
import type { SshConfigIo } from "./ssh-config-io.ts";

/** Where an SSH connection goes, as a profile (Slurm's, today) states it. */
export interface SshTarget {
  /** A host name, or an alias of `~/.ssh/config`. */
  readonly host: string;
  readonly user: string | undefined;
  readonly port: number | undefined;
  /** Path of the private key to use (`~` allowed); otherwise the config's IdentityFile, else the default keys. */
  readonly identity: string | undefined;
  /** Jump host(s) as for ProxyJump: `[user@]host[:port]` or an alias, a comma-separated chain for several hops. */
  readonly jump: string | undefined;
  /** Unknown host keys: refused (`strict`), or recorded in known_hosts and trusted (`accept-new`). */
  readonly hostKeyPolicy: "strict" | "accept-new";
}

/** What the runners read from the world (SSH agent, keys, `~/.ssh`), passed in rather than taken from `process`. */
export interface TransportContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

/** A private key file to offer; a problem with an `explicit` one (named in the profile) fails the connection. */
export interface SshIdentity {
  readonly path: string;
  readonly explicit: boolean;
}

/** One SSH server on the way, fully resolved. */
export interface SshHop {
  readonly hostName: string;
  readonly port: number;
  readonly user: string;
  /** `user@host:port`, for messages. */
  readonly label: string;
  readonly identities: readonly SshIdentity[];
  /** Checked in order; new keys are added to the first. */
  readonly userKnownHostsFiles: readonly string[];
  readonly globalKnownHostsFiles: readonly string[];
  /** TCP connect, SSH handshake and authentication together. */
  readonly readyTimeoutMs: number;
  /** 0 disables keepalives. */
  readonly keepaliveIntervalMs: number;
}

/** The target and the jump hosts before it (first hop first), with a key identifying the whole route. */
export interface SshRoute {
  readonly target: SshHop;
  readonly jumps: readonly SshHop[];
  /** Equal for routes that may share one connection. */
  readonly key: string;
}

/** Options of {@link resolveSshRoute}: the target's context and the I/O of config resolution. */
export type ResolveSshRouteOptions = Omit<SshConfigIo, "homeDir">;

const DEFAULT_KEYS = ["id_ed25519", "id_ecdsa", "id_rsa"];
const MAX_HOPS = 10;

/**
 * Resolves a profile's SSH target through `<homeDir>/.ssh/config`: explicit profile values win over the config's,
 * which win over the defaults (user `$USER`, port 22, keys `~/.ssh/id_ed25519`, `id_ecdsa`, `id_rsa`). A jump chain
 * comes from the profile's `jump`, else the config's ProxyJump; the first hop's own ProxyJump is followed too, as
 * `ssh -J` does. Jump hosts use their own config's keys, then the profile's `identity`. Throws `CONFIG_SYNTAX` for a
 * broken config and `ENGINE_UNREACHABLE` for a ProxyCommand (not supported) or a jump loop.
 *
 * @example
 * ```ts
 * const io = { localUser: "alice", readFile: readTextOrUndefined, listDir: namesOrEmpty };
 * const target = { host: "hpc", user: undefined, port: undefined, identity: undefined, jump: "gw.example.org",
 *   hostKeyPolicy: "strict" } as const;
 * resolveSshRoute(target, { env: process.env, homeDir: "/home/alice" }, io).jumps[0]?.label; // "alice@gw.example.org:22"
 * ```
 */
export function resolveSshRoute(
  target: SshTarget,
  context: TransportContext,
  options: ResolveSshRouteOptions,
): SshRoute {
  const { homeDir } = context;
  const io: SshConfigIo = { ...options, homeDir };
  const configPath = join(homeDir, ".ssh", "config");
  const configText = io.readFile(configPath);
  const configs = configText === undefined ? [] : [{ path: configPath, text: configText }];
  const explicitIdentity =
    target.identity === undefined
      ? undefined
      : { path: expandTilde(target.identity, homeDir), explicit: true };

  const resolve = (alias: string, user: string | undefined, port: number | undefined) =>
    resolveSshHost(alias, configs, { ...io, user, port });
  const hop = (config: SshHostConfig, identities: readonly SshIdentity[]): SshHop => ({
    hostName: config.hostName,
    port: config.port,
    user: config.user,
    label: `${config.user}@${config.hostName.includes(":") ? `[${config.hostName}]` : config.hostName}:${config.port}`,
    identities:
      identities.length > 0
        ? identities
        : DEFAULT_KEYS.map((name) => ({ path: join(homeDir, ".ssh", name), explicit: false })),
    userKnownHostsFiles: config.userKnownHostsFiles,
    globalKnownHostsFiles: config.globalKnownHostsFiles,
    readyTimeoutMs: (config.connectTimeout ?? 15) * 1000,
    keepaliveIntervalMs: (config.serverAliveInterval ?? 15) * 1000,
  });
  const fromConfig = (config: SshHostConfig) =>
    config.identityFiles.map((path) => ({ path, explicit: false }));

  const targetConfig = resolve(target.host, target.user, target.port);
  const describe = `${targetConfig.user}@${targetConfig.hostName}:${targetConfig.port}`;
  const jumpSpec = target.jump ?? targetConfig.proxyJump;
  if (target.jump === undefined && targetConfig.proxyCommand !== undefined) {
    throw new SlipwayError(
      "ENGINE_UNREACHABLE",
      `cannot connect to ${describe}: ~/.ssh/config sets ProxyCommand for ${target.host}, which slipway cannot run`,
      { hint: 'use ProxyJump in ~/.ssh/config, or set jump = "[user@]host[:port]" in the profile' },
    );
  }

  const jumps: SshHop[] = [];
  /** Adds the hops of a ProxyJump list; the first one's own ProxyJump (if any) comes before it. */
  const addChain = (spec: string, depth: number): void => {
    const parts = spec.split(",").map((part) => part.trim());
    parts.forEach((part, index) => {
      const { user, host, port } = parseJumpSpec(part, describe);
      const config = resolve(host, user, port);
      if (index === 0 && config.proxyJump !== undefined) {
        if (depth >= MAX_HOPS) {
          throw new SlipwayError(
            "ENGINE_UNREACHABLE",
            `cannot connect to ${describe}: more than ${MAX_HOPS} jump hosts`,
            {
              hint: "check ProxyJump in ~/.ssh/config for a loop",
            },
          );
        }
        addChain(config.proxyJump, depth + 1);
      }
      const own = fromConfig(config);
      jumps.push(hop(config, explicitIdentity === undefined ? own : [...own, explicitIdentity]));
    });
  };
  if (jumpSpec !== undefined) addChain(jumpSpec, 0);

  const targetHop = hop(
    targetConfig,
    explicitIdentity === undefined ? fromConfig(targetConfig) : [explicitIdentity],
  );
  const key = JSON.stringify([targetHop, jumps, target.hostKeyPolicy, context.env["SSH_AUTH_SOCK"] ?? ""]);
  return { target: targetHop, jumps, key };
}

/**
 * Splits a ProxyJump element, `[user@]host[:port]` (`[v6addr]:port` too).
 *
 * @example
 * ```ts
 * parseJumpSpec("alice@gw.example.org:2022", "alice@hpc:22"); // { user: "alice", host: "gw.example.org", port: 2022 }
 * ```
 */
export function parseJumpSpec(
  spec: string,
  forWhat: string,
): { user: string | undefined; host: string; port: number | undefined } {
  const match = /^(?:([^@\s]+)@)?(?:\[([^\]\s]+)\]|([^:@\s[\]]+))(?::(\d+))?$/.exec(spec);
  const port = match?.[4] === undefined ? undefined : Number(match[4]);
  const host = match?.[2] ?? match?.[3];
  if (match === null || host === undefined || (port !== undefined && (port < 1 || port > 65_535))) {
    throw new SlipwayError(
      "ENGINE_UNREACHABLE",
      `cannot connect to ${forWhat}: bad jump host ${JSON.stringify(spec)}`,
      { hint: 'write jump hosts as "[user@]host[:port]", several separated by commas' },
    );
  }
  return { user: match[1], host, port };
}
