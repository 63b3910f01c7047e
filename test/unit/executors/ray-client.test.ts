import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { EngineError } from "../../../src/errors.ts";
import type { HttpExchange, HttpTransport } from "../../../src/executors/ray/http-transport.ts";
import { RayClient } from "../../../src/executors/ray/ray-client.ts";
import { Secret } from "../../../src/secret.ts";

// A scripted transport: the unit tests check what the client sends and how it reads answers; the real head is in
// test/integration/ray-executor.test.ts.
function scripted(answers: Record<string, { status: number; body: string }>): {
  transport: HttpTransport;
  sent: HttpExchange[];
} {
  const sent: HttpExchange[] = [];
  return {
    sent,
    transport: (exchange) => {
      sent.push(exchange);
      const answer = answers[`${exchange.method} ${new URL(exchange.url).pathname}`];
      return answer === undefined ? Promise.reject(new Error("unexpected request")) : Promise.resolve(answer);
    },
  };
}

describe("RayClient", () => {
  it("says clearly when the server is too old", async () => {
    const { transport } = scripted({
      "GET /api/version": { status: 200, body: '{"version":"3","ray_version":"2.5.1"}' },
    });
    const client = new RayClient({ address: "http://old-ray:8265/", transport });
    await expect(client.version()).rejects.toThrow(
      "Ray at http://old-ray:8265 is 2.5.1; slipway needs Ray ≥ 2.8.0",
    );
  });

  it("sends the token as a bearer header and surfaces Ray's own 4xx message", async () => {
    const { transport, sent } = scripted({
      "POST /api/jobs/": {
        status: 400,
        body: "Traceback …\nValueError: runtime_env field 'pip' must be a list\n",
      },
    });
    const client = new RayClient({ address: "http://ray:8265", token: new Secret("t0ken"), transport });
    await expect(client.submit({ entrypoint: "true" })).rejects.toThrow(
      "Ray at http://ray:8265 answered 400 to POST /api/jobs/: ValueError: runtime_env field 'pip' must be a list",
    );
    expect(sent[0]?.headers["authorization"]).toBe("Bearer t0ken");
  });

  it("reads a missing job as undefined and a lost connection as unreachable", async () => {
    const { transport } = scripted({
      "GET /api/jobs/nope": { status: 404, body: "Job nope does not exist" },
    });
    expect(await new RayClient({ address: "http://ray:8265", transport }).getJob("nope")).toBeUndefined();
    const refused: HttpTransport = () =>
      Promise.reject(Object.assign(new Error("connect"), { code: "ECONNREFUSED" }));
    const error = await new RayClient({ address: "http://ray:8265", transport: refused })
      .getJob("x")
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: "ENGINE_UNREACHABLE",
      message: "cannot reach the Ray Jobs API at http://ray:8265: connection refused",
      executor: "ray",
      method: "GET",
      path: "/api/jobs/x",
      status: undefined,
    });
  });
});

// A tiny real HTTP server in front of nothing: what a proxy or a login page answers where Ray was expected.
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

async function htmlServer(status: number): Promise<string> {
  const page = `<!DOCTYPE html>\n<html><head><title>Sign in - Corp Proxy</title></head><body>${"x".repeat(400)}</body></html>\n`;
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(status, { "content-type": "text/html" }).end(page);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("RayClient against a server that answers HTML", () => {
  it.each([
    ["getJob", "GET", "/api/jobs/sft-k3j9x2", (c: RayClient) => c.getJob("sft-k3j9x2")],
    ["logs", "GET", "/api/jobs/sft-k3j9x2/logs", (c: RayClient) => c.logs("sft-k3j9x2")],
    ["stop", "POST", "/api/jobs/sft-k3j9x2/stop", (c: RayClient) => c.stop("sft-k3j9x2")],
    ["version", "GET", "/api/version", (c: RayClient) => c.version()],
  ])("%s: a 200 HTML page is an EngineError naming the endpoint", async (_name, method, path, call) => {
    const address = await htmlServer(200);
    const error = await call(new RayClient({ address })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message: `Ray at ${address} gave an unreadable answer to ${method} ${path} (HTTP 200, an HTML page "Sign in - Corp Proxy"): expected the Jobs API's JSON`,
      executor: "ray",
      method,
      path,
      status: 200,
    });
    const body = (error as EngineError).body ?? "";
    expect(body.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(body.length).toBeLessThanOrEqual(201);
  });

  it("an HTML error page is an EngineError with the status and the page's title", async () => {
    const address = await htmlServer(502);
    const error = await new RayClient({ address }).delete("sft-k3j9x2").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: "ENGINE_ERROR",
      message: `Ray at ${address} answered 502 to DELETE /api/jobs/sft-k3j9x2: an HTML page "Sign in - Corp Proxy"`,
      method: "DELETE",
      path: "/api/jobs/sft-k3j9x2",
      status: 502,
    });
  });

  it("JSON of another shape is unreadable too, not a crash", async () => {
    const { transport } = scripted({ "GET /api/jobs/a": { status: 200, body: '{"state":"RUNNING"}' } });
    await expect(new RayClient({ address: "http://ray:8265", transport }).getJob("a")).rejects.toThrow(
      `Ray at http://ray:8265 gave an unreadable answer to GET /api/jobs/a (HTTP 200, {"state":"RUNNING"}): expected the Jobs API's JSON`,
    );
  });
});
