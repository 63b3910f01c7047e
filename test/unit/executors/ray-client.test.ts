import { describe, expect, it } from "vitest";
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
    await expect(
      new RayClient({ address: "http://ray:8265", transport: refused }).getJob("x"),
    ).rejects.toThrow("cannot reach the Ray Jobs API at http://ray:8265: connection refused");
  });
});
