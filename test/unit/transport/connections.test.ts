import { describe, expect, it } from "vitest";
import { Connections, defaultConnections } from "../../../src/transport/connections.ts";
import type { SshTarget } from "../../../src/transport/ssh/ssh-route.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

// Which runner each caller gets, and what close() does; nothing here connects (the SSH runners connect on first use,
// and that is tested against the real sshd in test/integration/slurm-transport.test.ts).

const target = (overrides: Partial<SshTarget> = {}): SshTarget => ({
  host: "login.example.org",
  user: "alice",
  port: 22,
  identity: undefined,
  jump: undefined,
  hostKeyPolicy: "strict",
  ...overrides,
});

describe("Connections", () => {
  const tempDir = useTempDirs();

  it("gives one SSH runner per resolved route", async () => {
    const connections = new Connections();
    const home = tempDir();
    const first = connections.ssh(target(), { env: {}, homeDir: home });
    expect(first.label).toBe("alice@login.example.org:22");
    expect(connections.ssh(target(), { env: {}, homeDir: home })).toBe(first);
    // Another HOME (known_hosts, keys), port or host key policy is another route.
    expect(connections.ssh(target(), { env: {}, homeDir: tempDir() })).not.toBe(first);
    expect(connections.ssh(target({ port: 2222 }), { env: {}, homeDir: home })).not.toBe(first);
    expect(connections.ssh(target({ hostKeyPolicy: "accept-new" }), { env: {}, homeDir: home })).not.toBe(
      first,
    );
    // Another Connections object holds connections of its own.
    expect(new Connections().ssh(target(), { env: {}, homeDir: home })).not.toBe(first);
    expect(first.stats()).toEqual({
      connects: 0,
      connected: false,
      channels: { open: 0, maxOpen: 0, opened: 0, waiting: 0 },
    });
    await connections.close();
  });

  it("replaces an SSH runner that was closed on its own", async () => {
    const connections = new Connections();
    const home = tempDir();
    const first = connections.ssh(target(), { env: {}, homeDir: home });
    first.close();
    const second = connections.ssh(target(), { env: {}, homeDir: home });
    expect(second).not.toBe(first);
    await expect(first.run("true")).rejects.toMatchObject({ code: "ENGINE_UNREACHABLE" });
    await connections.close();
  });

  it("gives one local runner per home directory", async () => {
    const connections = new Connections();
    const home = tempDir();
    const local = connections.local({ env: { PATH: process.env["PATH"] }, homeDir: home });
    expect(connections.local({ env: {}, homeDir: home })).toBe(local);
    expect(connections.local({ env: {}, homeDir: tempDir() })).not.toBe(local);
    await expect(local.run("pwd")).resolves.toEqual({ stdout: `${home}\n`, stderr: "", exitCode: 0 });
    await connections.close();
  });

  it("closes every runner it gave out, once, and gives no more", async () => {
    const connections = new Connections();
    const home = tempDir();
    const ssh = connections.ssh(target(), { env: {}, homeDir: home });
    const local = connections.local({ env: { PATH: process.env["PATH"] }, homeDir: home });
    // exec: close() ends the shell, and a sleep it forked would hold stdout open until it ends.
    const running = local.run("exec sleep 30");
    expect(connections.closed).toBe(false);
    const closing = connections.close();
    expect(connections.close()).toBe(closing);
    await closing;
    expect(connections.closed).toBe(true);
    await expect(running).rejects.toMatchObject({ code: "ENGINE_UNREACHABLE" });
    await expect(ssh.run("true")).rejects.toMatchObject({
      code: "ENGINE_UNREACHABLE",
      message: "the connection to alice@login.example.org:22 was closed",
    });
    await expect(async () => local.run("true")).rejects.toMatchObject({ code: "ENGINE_UNREACHABLE" });
    expect(() => connections.ssh(target(), { env: {}, homeDir: home })).toThrow(
      "these connections were closed",
    );
    expect(() => connections.local({ env: {}, homeDir: home })).toThrow("these connections were closed");
  });
});

describe("defaultConnections", () => {
  it("is one object for the process, and a fresh one after it was closed", async () => {
    const shared = defaultConnections();
    expect(defaultConnections()).toBe(shared);
    await shared.close();
    const fresh = defaultConnections();
    expect(fresh).not.toBe(shared);
    expect(fresh.closed).toBe(false);
  });
});
