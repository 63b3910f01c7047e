import * as z from "zod";
import { SlipwayError } from "../../errors.ts";
import type { Secret } from "../../secret.ts";
import { nodeHttp, type HttpAnswer, type HttpTransport } from "./http-transport.ts";

/** The oldest Ray whose Jobs API has everything slipway sends (`entrypoint_memory` came in 2.8). */
export const MIN_RAY_VERSION = "2.8.0";

const jobDetails = z.looseObject({
  submission_id: z.string().nullish(),
  status: z.string(),
  message: z.string().nullish(),
  driver_exit_code: z.number().nullish(),
  start_time: z.number().nullish(),
  end_time: z.number().nullish(),
});

/** What slipway reads of Ray's `JobDetails`. */
export type RayJobDetails = z.infer<typeof jobDetails>;

const versionBody = z.looseObject({ ray_version: z.string() });
const logsBody = z.looseObject({ logs: z.string() });

export interface RayClientOptions {
  readonly address: string;
  readonly token?: Secret | undefined;
  /** Injected in tests to simulate a lost answer; default: {@link nodeHttp}. */
  readonly transport?: HttpTransport;
}

const versions = new Map<string, Promise<string>>();

/**
 * A client for Ray's Jobs REST API over plain HTTP (why not fetch: {@link nodeHttp}): bearer token when given, one version check per address and
 * process, every body checked with zod, errors that name the address and carry Ray's own message.
 *
 * @example
 * ```ts
 * const ray = new RayClient({ address: "http://127.0.0.1:8265" });
 * console.log((await ray.getJob("sft-k3j9x2"))?.status);
 * ```
 */
export class RayClient {
  readonly address: string;
  readonly #token: Secret | undefined;
  readonly #transport: HttpTransport;

  constructor(options: RayClientOptions) {
    this.address = options.address.replace(/\/+$/, "");
    this.#token = options.token;
    this.#transport = options.transport ?? nodeHttp;
  }

  /** Checks once per address that the server is new enough; returns its Ray version. */
  version(): Promise<string> {
    let version = versions.get(this.address);
    if (version === undefined) {
      version = this.#checkVersion();
      versions.set(this.address, version);
      version.catch(() => versions.delete(this.address));
    }
    return version;
  }

  async getJob(id: string): Promise<RayJobDetails | undefined> {
    const response = await this.#request("GET", `/api/jobs/${encodeURIComponent(id)}`, undefined, [404]);
    return response.status === 404 ? undefined : jobDetails.parse(JSON.parse(response.body) as unknown);
  }

  async submit(body: unknown): Promise<void> {
    await this.#request("POST", "/api/jobs/", body);
  }

  /** True when Ray stopped it; false when it had already ended. */
  async stop(id: string): Promise<boolean> {
    const response = await this.#request("POST", `/api/jobs/${encodeURIComponent(id)}/stop`);
    return z.looseObject({ stopped: z.boolean() }).parse(JSON.parse(response.body) as unknown).stopped;
  }

  async delete(id: string): Promise<void> {
    await this.#request("DELETE", `/api/jobs/${encodeURIComponent(id)}`, undefined, [404]);
  }

  async logs(id: string): Promise<string> {
    const response = await this.#request("GET", `/api/jobs/${encodeURIComponent(id)}/logs`);
    return logsBody.parse(JSON.parse(response.body) as unknown).logs;
  }

  async hasPackage(uri: string): Promise<boolean> {
    const response = await this.#request("GET", packagePath(uri), undefined, [404]);
    return response.status !== 404;
  }

  async uploadPackage(uri: string, zip: Buffer): Promise<void> {
    await this.#request("PUT", packagePath(uri), zip);
  }

  /** The WebSocket URL and headers of a job's log tail. */
  tailTarget(id: string): { url: string; headers: Record<string, string> } {
    const url = `${this.address.replace(/^http/, "ws")}/api/jobs/${encodeURIComponent(id)}/logs/tail`;
    return { url, headers: this.#headers() };
  }

  async #checkVersion(): Promise<string> {
    const response = await this.#request("GET", "/api/version");
    const { ray_version: version } = versionBody.parse(JSON.parse(response.body) as unknown);
    if (compareVersions(version, MIN_RAY_VERSION) < 0) {
      throw new SlipwayError(
        "ENGINE_ERROR",
        `Ray at ${this.address} is ${version}; slipway needs Ray ≥ ${MIN_RAY_VERSION}`,
        {
          hint: "upgrade the cluster's Ray, or launch with ray job submit",
        },
      );
    }
    return version;
  }

  #headers(): Record<string, string> {
    return this.#token === undefined ? {} : { authorization: `Bearer ${this.#token.reveal()}` };
  }

  async #request(
    method: string,
    path: string,
    body?: unknown,
    allowed: readonly number[] = [],
  ): Promise<HttpAnswer> {
    const isZip = Buffer.isBuffer(body);
    let response: HttpAnswer;
    try {
      response = await this.#transport({
        method,
        url: `${this.address}${path}`,
        headers: {
          ...this.#headers(),
          ...(body === undefined ? {} : { "content-type": isZip ? "application/zip" : "application/json" }),
        },
        body: body === undefined ? undefined : isZip ? body : Buffer.from(JSON.stringify(body)),
        timeoutMs: 60_000,
      });
    } catch (error) {
      throw unreachable(this.address, error);
    }
    if ((response.status >= 200 && response.status < 300) || allowed.includes(response.status))
      return response;
    const lines = response.body.split("\n").filter((line) => line.trim() !== "");
    const message = lines.pop()?.trim() ?? `HTTP ${response.status}`;
    throw new SlipwayError(
      "ENGINE_ERROR",
      `Ray at ${this.address} answered ${response.status} to ${method} ${path.split("?")[0] ?? path}: ${message}`,
      response.status === 401 || response.status === 403
        ? { hint: 'set token in the ray profile (e.g. token = "${env:RAY_TOKEN}")' }
        : {},
    );
  }
}

function packagePath(uri: string): string {
  const match = /^(\w+):\/\/(.+)$/.exec(uri);
  if (match === null) throw new Error(`not a package URI: ${uri}`);
  return `/api/packages/${match[1] ?? ""}/${match[2] ?? ""}`;
}

function unreachable(address: string, error: unknown): SlipwayError {
  const code = (error as { code?: unknown }).code;
  const why =
    code === "ECONNREFUSED"
      ? "connection refused"
      : code === "ENOTFOUND"
        ? "host not found"
        : error instanceof Error
          ? error.message
          : String(error);
  return new SlipwayError("ENGINE_UNREACHABLE", `cannot reach the Ray Jobs API at ${address}: ${why}`, {
    hint: "check address in the ray profile, and that the head runs with its dashboard (ray start --head --dashboard-host …)",
    cause: error,
  });
}

/** Compares dotted versions numerically ("2.10.0" > "2.9.1"). */
export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map((part) => Number.parseInt(part, 10) || 0);
  const pb = b.split(".").map((part) => Number.parseInt(part, 10) || 0);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const diff = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (diff !== 0) return diff;
  }
  return 0;
}
