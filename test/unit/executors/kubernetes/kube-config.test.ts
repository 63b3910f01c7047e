import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { SlipwayError } from "../../../../src/errors.ts";
import { KubeApi } from "../../../../src/executors/kubernetes/kube-api.ts";
import { loadKubeAccess } from "../../../../src/executors/kubernetes/kube-config.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const thrown = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (error: unknown) => error,
  );

function kubeconfig(
  dir: string,
  name: string,
  body: { cluster: string; server: string; user: string; context: string; current?: string; exec?: string },
): string {
  const path = join(dir, name);
  const user =
    body.exec === undefined
      ? "{ token: t }"
      : `{ exec: { apiVersion: client.authentication.k8s.io/v1, command: ${body.exec} } }`;
  writeFileSync(
    path,
    [
      "apiVersion: v1",
      "kind: Config",
      `clusters: [{ name: ${body.cluster}, cluster: { server: "${body.server}", insecure-skip-tls-verify: true } }]`,
      `users: [{ name: ${body.user}, user: ${user} }]`,
      `contexts: [{ name: ${body.context}, context: { cluster: ${body.cluster}, user: ${body.user} } }]`,
      ...(body.current === undefined ? [] : [`current-context: ${body.current}`]),
      "",
    ].join("\n"),
  );
  return path;
}

describe("loadKubeAccess", () => {
  it("merges KUBECONFIG files as kubectl does: the first name and the first current-context win", async () => {
    const dir = tempDir();
    const a = kubeconfig(dir, "a", {
      cluster: "c",
      server: "https://a:6443",
      user: "u",
      context: "x",
      current: "x",
    });
    const b = kubeconfig(dir, "b", {
      cluster: "c",
      server: "https://b:6443",
      user: "u",
      context: "y",
      current: "y",
    });
    const access = await loadKubeAccess(
      { kubeconfig: undefined, context: undefined },
      { env: { KUBECONFIG: `${a}:${b}:${join(dir, "missing")}` }, homeDir: dir, cwd: dir },
    );
    expect(access).toMatchObject({ server: "https://a:6443", context: "x", files: [a, b] });
    const other = await loadKubeAccess(
      { kubeconfig: undefined, context: "y" },
      { env: { KUBECONFIG: `${a}:${b}` }, homeDir: dir, cwd: dir },
    );
    // Context y names cluster c, which the first file defines.
    expect(other).toMatchObject({
      server: "https://a:6443",
      context: "y",
      source: `kubeconfig ${a}:${b} (context y)`,
    });
  });

  it("falls back to ~/.kube/config, and reads a profile's own file relative to the launch directory", async () => {
    const home = tempDir();
    const { mkdirSync } = await import("node:fs");
    mkdirSync(join(home, ".kube"));
    kubeconfig(join(home, ".kube"), "config", {
      cluster: "c",
      server: "https://home:6443",
      user: "u",
      context: "h",
      current: "h",
    });
    expect(
      (
        await loadKubeAccess(
          { kubeconfig: undefined, context: undefined },
          { env: {}, homeDir: home, cwd: "/" },
        )
      ).server,
    ).toBe("https://home:6443");
    kubeconfig(home, "lab.yaml", {
      cluster: "c",
      server: "https://lab:6443",
      user: "u",
      context: "l",
      current: "l",
    });
    expect(
      (
        await loadKubeAccess(
          { kubeconfig: "lab.yaml", context: undefined },
          { env: {}, homeDir: "/nowhere", cwd: home },
        )
      ).server,
    ).toBe("https://lab:6443");
  });

  it.each([
    [
      "no config at all",
      { kubeconfig: undefined, context: undefined },
      "no kubeconfig found: KUBECONFIG is unset or names no file, and ~/.kube/config does not exist",
    ],
    [
      "a missing file",
      { kubeconfig: "/nowhere/config", context: undefined },
      "the kubeconfig /nowhere/config does not exist",
    ],
  ])("refuses %s with a clear error, never localhost:8080", async (_what, target, message) => {
    const dir = tempDir();
    const error = await thrown(loadKubeAccess(target, { env: {}, homeDir: dir, cwd: dir }));
    expect(error).toBeInstanceOf(SlipwayError);
    expect((error as Error).message).toBe(message);
  });

  it("names the contexts there are when the profile's context is not one", async () => {
    const dir = tempDir();
    const file = kubeconfig(dir, "a", {
      cluster: "c",
      server: "https://a:6443",
      user: "u",
      context: "x",
      current: "x",
    });
    const error = await thrown(
      loadKubeAccess({ kubeconfig: file, context: "prod" }, { env: {}, homeDir: dir, cwd: dir }),
    );
    expect((error as Error).message).toBe(`context "prod" is not in ${file} (contexts: x)`);
  });

  it("shows a failing exec credential plugin's stderr, naming the plugin and user", async () => {
    const dir = tempDir();
    const plugin = join(dir, "plugin.sh");
    writeFileSync(plugin, "#!/bin/sh\necho 'token expired: run sso login' >&2\nexit 1\n");
    chmodSync(plugin, 0o755);
    const file = kubeconfig(dir, "a", {
      cluster: "c",
      server: "https://127.0.0.1:9",
      user: "sso",
      context: "x",
      current: "x",
      exec: plugin,
    });
    const api = new KubeApi(
      await loadKubeAccess({ kubeconfig: file, context: undefined }, { env: {}, homeDir: dir, cwd: dir }),
    );
    const error = await thrown(api.json({ method: "GET", path: "/version" }));
    expect((error as Error).message).toContain(`the credential plugin "${plugin}" of user "sso" failed`);
    expect((error as Error).message).toContain("token expired: run sso login");
  });

  it("names the server and the kubeconfig when nothing answers", async () => {
    const dir = tempDir();
    const file = kubeconfig(dir, "a", {
      cluster: "c",
      server: "https://127.0.0.1:9",
      user: "u",
      context: "x",
      current: "x",
    });
    const api = new KubeApi(
      await loadKubeAccess({ kubeconfig: file, context: undefined }, { env: {}, homeDir: dir, cwd: dir }),
    );
    const error = await thrown(api.json({ method: "GET", path: "/version" }));
    expect((error as SlipwayError).code).toBe("ENGINE_UNREACHABLE");
    expect((error as Error).message).toBe(
      `cannot reach the Kubernetes API at https://127.0.0.1:9 (ECONNREFUSED), from kubeconfig ${file} (context x)`,
    );
  });
});
