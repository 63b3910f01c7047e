import * as z from "zod";
import { EngineError } from "../../errors.ts";
import type { Secret } from "../../secret.ts";
import { nodeHttp, type HttpAnswer, type HttpTransport } from "./http-transport.ts";
import { rayRefused, rayUnreachable, rayUnreadable } from "./ray-api-error.ts";

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
const stopBody = z.looseObject({ stopped: z.boolean() });
const nodesBody = z.looseObject({
  data: z.looseObject({
    result: z.looseObject({
      result: z.array(
        z.looseObject({ state: z.string(), resources_total: z.record(z.string(), z.number()).nullish() }),
      ),
    }),
  }),
});

/**
 * Where a {@link RayClient} sends its requests, and with which token.
 *
 * @example
 * ```ts
 * const options: RayClientOptions = { address: "http://ray-head:8265", token: profile.settings.token };
 * ```
 */
export interface RayClientOptions {
  readonly address: string;
  readonly token?: Secret | undefined;
  /** Injected in tests to simulate a lost answer; default: {@link nodeHttp}. */
  readonly transport?: HttpTransport;
}

const versions = new Map<string, Promise<string>>();

/**
 * A client for Ray's Jobs REST API over plain HTTP (why not fetch: {@link nodeHttp}): bearer token when given, one
 * version check per address and process, every body checked with zod. Every failure is an `EngineError` naming the
 * address and the request: nothing answered (`ENGINE_UNREACHABLE`), an error status with Ray's own message, or a
 * body that is not the Jobs API's JSON (a proxy's HTML page).
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

  /** The job's details; `undefined` when Ray does not know it (never submitted, deleted, or the head restarted). */
  async getJob(id: string): Promise<RayJobDetails | undefined> {
    const path = `/api/jobs/${encodeURIComponent(id)}`;
    const answer = await this.#request("GET", path, undefined, [404]);
    return answer.status === 404 ? undefined : this.#read(answer, jobDetails, "GET", path);
  }

  async submit(body: unknown): Promise<void> {
    await this.#request("POST", "/api/jobs/", body);
  }

  /** True when Ray stopped it; false when it had already ended or Ray no longer knows it. */
  async stop(id: string): Promise<boolean> {
    const path = `/api/jobs/${encodeURIComponent(id)}/stop`;
    const answer = await this.#request("POST", path, undefined, [404]);
    return answer.status === 404 ? false : this.#read(answer, stopBody, "POST", path).stopped;
  }

  /** Deletes an ended job (and its log) from Ray; false when Ray did not know it. */
  async delete(id: string): Promise<boolean> {
    const answer = await this.#request("DELETE", `/api/jobs/${encodeURIComponent(id)}`, undefined, [404]);
    return answer.status !== 404;
  }

  /** The job's whole log (Ray merges stdout and stderr); `undefined` when Ray does not know the job. */
  async logs(id: string): Promise<string | undefined> {
    const path = `/api/jobs/${encodeURIComponent(id)}/logs`;
    const answer = await this.#request("GET", path, undefined, [404]);
    return answer.status === 404 ? undefined : this.#read(answer, logsBody, "GET", path).logs;
  }

  /** The total resources of each alive node (Ray's state API, `GET /api/v0/nodes`). */
  async nodeResources(): Promise<Record<string, number>[]> {
    const path = "/api/v0/nodes?limit=10000";
    const answer = await this.#request("GET", path);
    return this.#read(answer, nodesBody, "GET", path)
      .data.result.result.filter((node) => node.state === "ALIVE")
      .map((node) => node.resources_total ?? {});
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
    const answer = await this.#request("GET", "/api/version");
    const { ray_version: version } = this.#read(answer, versionBody, "GET", "/api/version");
    if (compareVersions(version, MIN_RAY_VERSION) < 0) {
      throw new EngineError(
        "ENGINE_ERROR",
        `Ray at ${this.address} is ${version}; slipway needs Ray ≥ ${MIN_RAY_VERSION}`,
        {
          executor: "ray",
          method: "GET",
          path: "/api/version",
          status: answer.status,
          body: answer.body,
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
    const request = { address: this.address, method, path: path.split("?")[0] ?? path };
    let answer: HttpAnswer;
    try {
      answer = await this.#transport({
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
      throw rayUnreachable(request, error);
    }
    if ((answer.status >= 200 && answer.status < 300) || allowed.includes(answer.status)) return answer;
    throw rayRefused(request, answer);
  }

  // Every body is read with zod; anything else (HTML from a proxy, another service) names the endpoint.
  #read<T>(answer: HttpAnswer, schema: z.ZodType<T>, method: string, path: string): T {
    let json: unknown;
    try {
      json = JSON.parse(answer.body) as unknown;
    } catch {
      throw rayUnreadable({ address: this.address, method, path }, answer);
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) throw rayUnreadable({ address: this.address, method, path }, answer);
    return parsed.data;
  }
}

function packagePath(uri: string): string {
  const match = /^(\w+):\/\/(.+)$/.exec(uri);
  if (match === null) throw new Error(`not a package URI: ${uri}`);
  return `/api/packages/${match[1] ?? ""}/${match[2] ?? ""}`;
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
