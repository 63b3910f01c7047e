import type Dockerode from "dockerode";
import { unreachable, unreadableAnswer } from "./docker-api-error.ts";

/** A connection to one daemon, speaking the API version the daemon reports (dockerode does not negotiate). */
export interface DockerClient {
  readonly docker: Dockerode;
  readonly host: string;
  readonly apiVersion: string;
}

const clients = new Map<string, Promise<DockerClient>>();

/**
 * The client for a daemon, made once per process and host. dockerode is imported here, on first use. A daemon that
 * does not answer is an `EngineError` (`ENGINE_UNREACHABLE`) naming it.
 *
 * @example
 * ```ts
 * const { docker } = await dockerClient("unix:///var/run/docker.sock");
 * await docker.getContainer(id).inspect();
 * ```
 */
export function dockerClient(host: string): Promise<DockerClient> {
  let client = clients.get(host);
  if (client === undefined) {
    client = connect(host);
    clients.set(host, client);
    client.catch(() => clients.delete(host));
  }
  return client;
}

async function connect(host: string): Promise<DockerClient> {
  const { default: Docker } = await import("dockerode");
  const options = connectionOptions(host);
  let answer: unknown;
  try {
    answer = await new Docker(options).version();
  } catch (error) {
    throw unreachable(host, error);
  }
  const apiVersion = (answer as { ApiVersion?: unknown } | null)?.ApiVersion;
  if (typeof apiVersion !== "string" || !/^\d+\.\d+$/.test(apiVersion)) {
    throw unreadableAnswer(host, { method: "GET", path: "/version", what: "say its API version" }, answer);
  }
  return { docker: new Docker({ ...options, version: `v${apiVersion}` }), host, apiVersion };
}

function connectionOptions(host: string): Dockerode.DockerOptions {
  if (host.startsWith("unix://"))
    return { socketPath: host.slice("unix://".length) || "/var/run/docker.sock" };
  const url = new URL(host.includes("//") ? host : `tcp://${host}`);
  if (url.protocol === "ssh:") {
    return { protocol: "ssh", host: url.hostname, port: url.port || 22, username: url.username };
  }
  return { protocol: url.port === "2376" ? "https" : "http", host: url.hostname, port: url.port || 2375 };
}
