import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { dockerSettingsOf } from "../../../src/config/executor-settings.ts";
import type { DockerProfile } from "../../../src/config/types.ts";
import { EngineError } from "../../../src/errors.ts";
import { dockerEngine } from "../../../src/executors/docker/docker-engine.ts";
import { dockerModule } from "../../../src/executors/docker/module.ts";
import { runtimeOf } from "../../../src/runtime.ts";
import { jobFiles } from "../../../src/store/job-files.ts";
import { LOCAL_PROFILE } from "../../helpers/fixtures.ts";
import { useTempDirs } from "../../helpers/temp-dir.ts";

const tempDir = useTempDirs();
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

const CONTAINER = "3f2a9c1b7d0e".padEnd(64, "0");
const HTML = "<html><body><h1>502 Bad Gateway</h1></body></html>";

/** A fake daemon on a unix socket: `/version` answers `version`, everything else `answer`. */
async function fakeDaemon(
  answer: (request: IncomingMessage, response: ServerResponse) => void,
  version = '{"ApiVersion":"1.45"}',
): Promise<string> {
  const socket = join(tempDir(), "docker.sock");
  const server = createServer((request, response) => {
    if (request.url === "/version") {
      response.writeHead(200, { "Content-Type": "application/json" }).end(version);
      return;
    }
    answer(request, response);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  return `unix://${socket}`;
}

function engineAt(host: string) {
  return dockerEngine(jobFiles(tempDir()), {
    containerId: CONTAINER,
    host,
    graceSeconds: 1,
    rm: false,
    removeWhenEnded: false,
    retries: 0,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe("docker engine errors", () => {
  it("turns a proxy's HTML error page into an EngineError with the request and the answer", async () => {
    const host = await fakeDaemon((_request, response) => {
      response.writeHead(502, { "Content-Type": "text/html" }).end(HTML);
    });
    const error = await rejection(engineAt(host).probe());
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      executor: "docker",
      method: "GET",
      path: `/containers/${CONTAINER}/json`,
      status: 502,
      body: HTML,
    });
    expect((error as Error).message).toMatch(
      new RegExp(`^Docker daemon at ${host} could not inspect container 3f2a9c1b7d0e: `),
    );
  });

  it("names the endpoint when a 200 answer is not the Engine API's", async () => {
    const host = await fakeDaemon((_request, response) => {
      response.writeHead(200, { "Content-Type": "text/html" }).end(HTML);
    });
    const error = await rejection(engineAt(host).probe());
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message: `Docker daemon at ${host} could not inspect container 3f2a9c1b7d0e: its answer to GET /containers/${CONTAINER}/json is not what the Docker Engine API returns`,
      status: 200,
    });
  });

  it("maps a container the daemon no longer has to a terminal status, never to a wait that spins", async () => {
    const host = await fakeDaemon((_request, response) => {
      response.writeHead(404, { "Content-Type": "application/json" }).end('{"message":"No such container"}');
    });
    expect(await engineAt(host).probe()).toMatchObject({
      state: "failed",
      raw: "removed",
      exitCode: undefined,
    });
  });
});

describe("docker check", () => {
  const profile: DockerProfile = {
    name: "box",
    file: LOCAL_PROFILE.file,
    env: {},
    workdir: undefined,
    resources: LOCAL_PROFILE.resources,
    launcher: "none",
    package: undefined,
    excludes: [],
    envFile: undefined,
    executor: "docker",
    settings: dockerSettingsOf({ image: "x:1" }),
  };
  const context = (env: Record<string, string>) => runtimeOf({ env, homeDir: tempDir(), cwd: tempDir() });

  it("reaches the daemon named by the context's DOCKER_HOST", async () => {
    const host = await fakeDaemon((_request, response) => response.writeHead(404).end());
    expect(await dockerModule.check(profile, context({ DOCKER_HOST: host }))).toEqual({
      ok: true,
      text: `Docker daemon at ${host} (API 1.45)`,
    });
  });

  it("says why when the daemon is not there or answers something else", async () => {
    const missing = `unix://${join(tempDir(), "none.sock")}`;
    expect(await dockerModule.check(profile, context({ DOCKER_HOST: missing }))).toEqual({
      ok: false,
      text: `cannot reach the Docker daemon at ${missing}: the socket does not exist`,
    });
    const html = await fakeDaemon((_request, response) => response.writeHead(404).end(), HTML);
    const other = await dockerModule.check(profile, context({ DOCKER_HOST: html }));
    expect(other.ok).toBe(false);
    expect(other.text).toBe(
      `Docker daemon at ${html} could not say its API version: its answer to GET /version is not what the Docker Engine API returns`,
    );
  });
});
