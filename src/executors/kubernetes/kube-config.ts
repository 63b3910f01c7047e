import { existsSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";
import type { KubeConfig } from "@kubernetes/client-node";
import { SlipwayError } from "../../errors.ts";

/** Where a profile (or a job record) says the cluster is: a kubeconfig path and a context, each optional. */
export interface KubeTarget {
  /** A path as the profile writes it, or the files a job record kept (already merged once, in order). */
  readonly kubeconfig: string | readonly string[] | undefined;
  readonly context: string | undefined;
}

/** What `loadKubeAccess` reads of the launching machine. */
export interface KubeSurroundings {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
  readonly cwd: string;
}

/**
 * A loaded kubeconfig with its context chosen, and where it came from (for error messages and job records).
 *
 * @example
 * ```ts
 * const access = await loadKubeAccess({ kubeconfig: undefined, context: "prod" }, { env: process.env, homeDir, cwd });
 * access.server; // "https://10.0.0.1:6443"
 * ```
 */
export interface KubeAccess {
  readonly config: KubeConfig;
  readonly server: string;
  /** The context in use ("" in-cluster). */
  readonly context: string;
  /** The files read, in order; empty in-cluster. */
  readonly files: readonly string[];
  /** How an error names the source: `kubeconfig /x (context y)` or `in-cluster service account`. */
  readonly source: string;
}

const SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

/**
 * The kubeconfig files to read, as kubectl chooses them: the profile's `kubeconfig`, else every existing file of
 * `KUBECONFIG`, else `~/.kube/config`. Empty when none exists (then only in-cluster access remains).
 *
 * @example
 * ```ts
 * kubeconfigFiles(undefined, { env: { KUBECONFIG: "/a:/b" }, homeDir: "/home/me", cwd: "/" }); // ["/a", "/b"] if both exist
 * ```
 */
export function kubeconfigFiles(kubeconfig: KubeTarget["kubeconfig"], around: KubeSurroundings): string[] {
  const absolute = (path: string): string => {
    const expanded = path === "~" || path.startsWith("~/") ? join(around.homeDir, path.slice(1)) : path;
    return isAbsolute(expanded) ? expanded : resolve(around.cwd, expanded);
  };
  if (typeof kubeconfig === "string") return [absolute(kubeconfig)];
  if (kubeconfig !== undefined && kubeconfig.length > 0) return kubeconfig.map(absolute);
  const fromEnv = around.env["KUBECONFIG"];
  if (fromEnv !== undefined && fromEnv !== "") {
    return [...new Set(fromEnv.split(delimiter).filter((p) => p !== ""))].map(absolute).filter(existsSync);
  }
  const home = join(around.homeDir, ".kube", "config");
  return existsSync(home) ? [home] : [];
}

/**
 * Loads the kubeconfig of a target. Several files merge as kubectl merges them: the first file to name a cluster,
 * user or context wins, and so does the first `current-context` (the client library would throw on a repeated name
 * and take the last current context). With no file at all, in-cluster service account access if this runs in a pod;
 * else a clear error (never the library's silent `http://localhost:8080`). The client library is imported here, on
 * first use: it loads ~2,500 modules.
 *
 * @example
 * ```ts
 * const access = await loadKubeAccess({ kubeconfig: "~/.kube/lab", context: undefined }, surroundings);
 * console.log(access.source); // "kubeconfig /home/me/.kube/lab (context lab)"
 * ```
 */
export async function loadKubeAccess(target: KubeTarget, around: KubeSurroundings): Promise<KubeAccess> {
  const { KubeConfig } = await import("@kubernetes/client-node");
  const files = kubeconfigFiles(target.kubeconfig, around);
  const config = new KubeConfig();
  const missing = files.filter((file) => !existsSync(file));
  if (missing.length > 0) {
    throw new SlipwayError("CONFIG_READ", `the kubeconfig ${missing.join(", ")} does not exist`, {
      hint: "fix `kubeconfig` in the profile, or remove it to use KUBECONFIG or ~/.kube/config",
    });
  }
  if (files.length === 0) {
    if (around.env["KUBERNETES_SERVICE_HOST"] !== undefined && existsSync(SERVICE_ACCOUNT_TOKEN)) {
      config.loadFromCluster();
      return {
        config,
        server: config.getCurrentCluster()?.server ?? "",
        context: "",
        files: [],
        source: "in-cluster service account",
      };
    }
    throw new SlipwayError(
      "CONFIG_READ",
      "no kubeconfig found: KUBECONFIG is unset or names no file, and ~/.kube/config does not exist",
      {
        hint: "set `kubeconfig` in the profile, export KUBECONFIG, or run where ~/.kube/config exists",
      },
    );
  }
  mergeFiles(config, files);
  if (target.context !== undefined) {
    if (config.getContextObject(target.context) === null) {
      const known = config.getContexts().map((c) => c.name);
      throw new SlipwayError(
        "CONFIG_SCHEMA",
        `context "${target.context}" is not in ${files.join(", ")} (contexts: ${known.join(", ") || "none"})`,
        { hint: "fix `context` in the profile (kubectl config get-contexts lists them)" },
      );
    }
    config.setCurrentContext(target.context);
  }
  const context = config.getCurrentContext();
  const cluster = config.getCurrentCluster();
  const source = `kubeconfig ${files.join(":")} (context ${context || "none"})`;
  if (!context || cluster === null) {
    throw new SlipwayError(
      "CONFIG_SCHEMA",
      context
        ? `${source}: the context names no known cluster`
        : `${files.join(", ")} sets no current-context`,
      { hint: "set `context` in the profile, or run kubectl config use-context <name>" },
    );
  }
  return { config, server: cluster.server, context, files, source };
}

function mergeFiles(config: KubeConfig, files: readonly string[]): void {
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  let currentContext = "";
  const merged: Pick<KubeConfig, "clusters" | "users" | "contexts"> = {
    clusters: [],
    users: [],
    contexts: [],
  };
  for (const file of files) {
    const one = new (config.constructor as new () => KubeConfig)();
    try {
      one.loadFromFile(file);
    } catch (error) {
      throw new SlipwayError("CONFIG_READ", `cannot read the kubeconfig ${file}: ${describe(error)}`, {
        hint: "fix the file (kubectl config view shows what kubectl reads), or point `kubeconfig` elsewhere",
        cause: error,
      });
    }
    currentContext ||= one.getCurrentContext();
    for (const key of ["clusters", "users", "contexts"] as const) {
      for (const item of (one[key] as readonly { name: string }[] | undefined) ?? []) {
        if (seen[key].has(item.name)) continue;
        seen[key].add(item.name);
        (merged[key] as { name: string }[]).push(item);
      }
    }
  }
  config.loadFromOptions({ ...merged, currentContext });
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.message.split("\n")[0] ?? "") : String(error);
}
