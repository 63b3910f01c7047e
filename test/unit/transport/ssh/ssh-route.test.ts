import { describe, expect, it } from "vitest";
import {
  parseJumpSpec,
  resolveSshRoute,
  type SshRoute,
  type SshTarget,
} from "../../../../src/transport/ssh/ssh-route.ts";
import { thrown } from "../../../helpers/thrown.ts";

const HOME = "/home/alice";

const CONFIG = `
Host hpc
  HostName login1.example.org
  User bob
  Port 2200
  IdentityFile ~/.ssh/hpc_key
  ProxyJump gw
Host gw
  HostName gw.example.org
  User gwuser
  IdentityFile ~/.ssh/gw_key
Host inner
  HostName inner.example.org
  ProxyJump gw
Host behind-inner
  ProxyJump inner
Host scripted
  ProxyCommand nc %h %p
Host slow
  ConnectTimeout 5
  ServerAliveInterval 0
`;

function route(target: Partial<SshTarget> & { host: string }, config = CONFIG): SshRoute {
  const full: SshTarget = {
    user: undefined,
    port: undefined,
    identity: undefined,
    jump: undefined,
    hostKeyPolicy: "strict",
    ...target,
  };
  return resolveSshRoute(
    full,
    { env: {}, homeDir: HOME },
    {
      localUser: "alice",
      readFile: (path) => (path === `${HOME}/.ssh/config` ? config : undefined),
      listDir: () => [],
    },
  );
}

const labels = (r: SshRoute) => [...r.jumps.map((hop) => hop.label), r.target.label];
const keys = (names: string[]) => names.map((name) => ({ path: `${HOME}/.ssh/${name}`, explicit: false }));
const DEFAULT_KEYS = keys(["id_ed25519", "id_ecdsa", "id_rsa"]);

describe("resolveSshRoute", () => {
  it.each<[string, Partial<SshTarget> & { host: string }, string[]]>([
    ["a plain host with defaults", { host: "h.example.org" }, ["alice@h.example.org:22"]],
    ["explicit user and port", { host: "h", user: "carol", port: 2 }, ["carol@h:2"]],
    [
      "an alias, and its ProxyJump",
      { host: "hpc" },
      ["gwuser@gw.example.org:22", "bob@login1.example.org:2200"],
    ],
    [
      "explicit values win over the alias's",
      { host: "hpc", user: "carol", port: 22 },
      ["gwuser@gw.example.org:22", "carol@login1.example.org:22"],
    ],
    [
      "the profile's jump wins over ProxyJump",
      { host: "hpc", jump: "dave@other:2022" },
      ["dave@other:2022", "bob@login1.example.org:2200"],
    ],
    ["a jump chain", { host: "h", jump: "a@j1,j2:2022" }, ["a@j1:22", "alice@j2:2022", "alice@h:22"]],
    ["a jump alias", { host: "h", jump: "gw" }, ["gwuser@gw.example.org:22", "alice@h:22"]],
    [
      "the first hop's own ProxyJump",
      { host: "behind-inner" },
      ["gwuser@gw.example.org:22", "alice@inner.example.org:22", "alice@behind-inner:22"],
    ],
    ["an IPv6 jump", { host: "h", jump: "[::1]:2223" }, ["alice@[::1]:2223", "alice@h:22"]],
  ])("%s", (_name, target, expected) => {
    expect(labels(route(target))).toEqual(expected);
  });

  it.each<[string, Partial<SshTarget> & { host: string }, { path: string; explicit: boolean }[][]]>([
    ["default keys", { host: "h" }, [DEFAULT_KEYS]],
    ["the config's IdentityFile", { host: "hpc" }, [keys(["gw_key"]), keys(["hpc_key"])]],
    [
      "the profile's identity replaces the target's, and comes after a jump's own",
      { host: "hpc", identity: "~/keys/cluster" },
      [
        [...keys(["gw_key"]), { path: `${HOME}/keys/cluster`, explicit: true }],
        [{ path: `${HOME}/keys/cluster`, explicit: true }],
      ],
    ],
    [
      "a jump without keys of its own uses the profile's",
      { host: "h", jump: "j", identity: "/k" },
      [[{ path: "/k", explicit: true }], [{ path: "/k", explicit: true }]],
    ],
  ])("identities: %s", (_name, target, expected) => {
    const r = route(target);
    expect([...r.jumps, r.target].map((hop) => hop.identities)).toEqual(expected);
  });

  it("fills known_hosts files and timeouts from the config, with defaults", () => {
    expect(route({ host: "slow" }).target).toMatchObject({
      userKnownHostsFiles: [`${HOME}/.ssh/known_hosts`, `${HOME}/.ssh/known_hosts2`],
      globalKnownHostsFiles: ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"],
      readyTimeoutMs: 5000,
      keepaliveIntervalMs: 0,
    });
    expect(route({ host: "h" }).target).toMatchObject({
      readyTimeoutMs: 15_000,
      keepaliveIntervalMs: 15_000,
    });
  });

  it("gives different keys to routes that must not share a connection", () => {
    const base = route({ host: "hpc" }).key;
    expect(route({ host: "hpc" }).key).toBe(base);
    expect(route({ host: "hpc", hostKeyPolicy: "accept-new" }).key).not.toBe(base);
    expect(route({ host: "hpc", identity: "/k" }).key).not.toBe(base);
    expect(route({ host: "hpc", jump: "gw2" }).key).not.toBe(base);
    expect(route({ host: "hpc", user: "carol" }).key).not.toBe(base);
  });

  it.each<[string, Partial<SshTarget> & { host: string }, string, string]>([
    [
      "ProxyCommand",
      { host: "scripted" },
      "cannot connect to alice@scripted:22: ~/.ssh/config sets ProxyCommand for scripted, which slipway cannot run",
      'use ProxyJump in ~/.ssh/config, or set jump = "[user@]host[:port]" in the profile',
    ],
    [
      "a bad jump",
      { host: "h", jump: "a@b@c" },
      'cannot connect to alice@h:22: bad jump host "a@b@c"',
      'write jump hosts as "[user@]host[:port]", several separated by commas',
    ],
    [
      "a jump port out of range",
      { host: "h", jump: "j:70000" },
      'cannot connect to alice@h:22: bad jump host "j:70000"',
      'write jump hosts as "[user@]host[:port]", several separated by commas',
    ],
  ])("rejects %s", (_name, target, message, hint) => {
    expect(thrown(() => route(target))).toMatchObject({ code: "ENGINE_UNREACHABLE", message, hint });
  });

  it("rejects a ProxyJump loop", () => {
    const loop = "Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n";
    expect(thrown(() => route({ host: "a" }, loop))).toMatchObject({
      code: "ENGINE_UNREACHABLE",
      message: "cannot connect to alice@a:22: more than 10 jump hosts",
    });
  });
});

describe("parseJumpSpec", () => {
  it.each<[string, ReturnType<typeof parseJumpSpec>]>([
    ["gw", { user: undefined, host: "gw", port: undefined }],
    ["bob@gw", { user: "bob", host: "gw", port: undefined }],
    ["bob@gw:2022", { user: "bob", host: "gw", port: 2022 }],
    ["[fe80::1]:22", { user: undefined, host: "fe80::1", port: 22 }],
    ["bob@[::1]", { user: "bob", host: "::1", port: undefined }],
  ])("%s", (spec, expected) => {
    expect(parseJumpSpec(spec, "x")).toEqual(expected);
  });
});
