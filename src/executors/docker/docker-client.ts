import type Dockerode from "dockerode";
import { SlipwayError } from "../../errors.ts";

/** A connection to one daemon, speaking the API version the daemon reports (dockerode does not negotiate). */
export interface DockerClient {
  readonly docker: Dockerode;
  readonly host: string;
  readonly apiVersion: string;
}

const clients = new Map<string, Promise<DockerClient>>();

/**
 * The client for a daemon, made once per process and host. dockerode is imported here, on first use.
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
  let apiVersion: string;
  try {
    apiVersion = (await new Docker(options).version()).ApiVersion;
  } catch (error) {
    throw unreachable(host, error);
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

/** The error for a daemon that does not answer, naming it and how to start it. */
export function unreachable(host: string, error: unknown): SlipwayError {
  const code = (error as { code?: unknown }).code;
  const why =
    code === "ENOENT"
      ? "the socket does not exist"
      : code === "ECONNREFUSED"
        ? "connection refused"
        : code === "EACCES"
          ? "permission denied on the socket"
          : error instanceof Error
            ? error.message
            : String(error);
  return new SlipwayError("ENGINE_UNREACHABLE", `cannot reach the Docker daemon at ${host}: ${why}`, {
    hint:
      code === "EACCES"
        ? "add your user to the docker group (then log in again), or use a rootless daemon"
        : "start it (systemctl start docker, or dockerd &), or point the profile's host (or DOCKER_HOST) at a running daemon",
    cause: error,
  });
}

/** The daemon's own message from a dockerode error (`json.message`), else the error's message. */
export function daemonMessage(error: unknown): string {
  const json = (error as { json?: unknown }).json;
  if (
    typeof json === "object" &&
    json !== null &&
    typeof (json as { message?: unknown }).message === "string"
  ) {
    return (json as { message: string }).message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The HTTP status of a dockerode error, if it has one. */
export function statusCodeOf(error: unknown): number | undefined {
  const code = (error as { statusCode?: unknown }).statusCode;
  return typeof code === "number" ? code : undefined;
}
