import type { Agent } from "node:http";
import type Dockerode from "dockerode";
import { pooledAgentOptions } from "../../transport/pooled-agent-options.ts";
import { unreachable, unreadableAnswer } from "./docker-api-error.ts";

/** A connection to one daemon, speaking the API version the daemon reports (dockerode does not negotiate). */
export interface DockerClient {
  /** For calls that answer at once (create, start, inspect, stop, …): at most {@link API_SOCKETS} sockets, kept alive. */
  readonly docker: Dockerode;
  /**
   * For calls that stay open until something happens (a wait for the container's end, a log follow): a socket each,
   * closed when it ends. Apart from the short calls, so that open waits can never hold every socket while the start
   * they wait for queues behind them.
   */
  readonly streams: Dockerode;
  readonly host: string;
  readonly apiVersion: string;
}

/**
 * The most sockets a process opens to one daemon for its short calls; more calls at once queue for a free one. A
 * hundred launches at once then make 8 connections, not a hundred (Node's default agent has no bound).
 */
export const API_SOCKETS = 8;

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
  // docker-modem takes `agent` (its http.request's); dockerode's types leave it out.
  const connection = connectionOptions(host);
  const options: Dockerode.DockerOptions & { agent?: Agent | undefined } = {
    ...connection,
    agent: await agentFor(connection, API_SOCKETS),
  };
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
  const version = `v${apiVersion}`;
  const streaming: typeof options = { ...options, version, agent: await agentFor(connection, undefined) };
  return {
    docker: new Docker({ ...options, version }),
    streams: new Docker(streaming),
    host,
    apiVersion,
  };
}

// An agent for a unix socket or TCP (https on 2376, as connectionOptions says); over SSH docker-modem makes its own.
// `maxSockets` undefined: one socket per request, closed after it (the streams).
async function agentFor(
  connection: Dockerode.DockerOptions,
  maxSockets: number | undefined,
): Promise<Agent | undefined> {
  const options = maxSockets === undefined ? { keepAlive: false } : pooledAgentOptions(maxSockets);
  if (connection.protocol === "ssh") return undefined;
  if (connection.protocol === "https") return new (await import("node:https")).Agent(options);
  return new (await import("node:http")).Agent(options);
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
