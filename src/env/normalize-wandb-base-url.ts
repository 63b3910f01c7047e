import { hostInfo, partition, urlsplit } from "./urlsplit.ts";

// Forge host → the W&B API host behind it (SDK `urls.FORGE_HOSTS`).
const FORGE_HOSTS: ReadonlyMap<string, string> = new Map([
  ["forge.coreweave.com", "api.wandb.ai"],
  ["qa.forge.coreweave.com", "api.qa.wandb.ai"],
]);

/**
 * Validates and normalises a server URL like the SDK's `base_url` validator: a strict http(s) URL; a CoreWeave Forge
 * proxy URL rewritten to its `api.` host; for wandb.ai an `api.` host over https; trailing `/` removed.
 *
 * @returns the normalised URL, or a reason that reads after the URL's name (`WANDB_BASE_URL <reason>`).
 * @example
 * ```ts
 * normalizeWandbBaseUrl("http://localhost:8080/"); // { ok: true, url: "http://localhost:8080" }
 * normalizeWandbBaseUrl("https://wandb.ai"); // { ok: false, reason: "is not a W&B API address; …" }
 * ```
 */
export function normalizeWandbBaseUrl(
  raw: string,
): { ok: true; url: string } | { ok: false; reason: string } {
  const syntax = strictUrlProblem(raw);
  if (syntax !== undefined) return { ok: false, reason: `is not a valid http or https URL: ${syntax}` };
  let url = raw;
  const parts = urlsplit(raw);
  const { hostname, port } = hostInfo(parts.netloc);
  if (hostname !== undefined && FORGE_HOSTS.has(hostname)) {
    if (parts.scheme !== "https" || port !== undefined || parts.path.replace(/\/+$/, "") !== "/api/wandb") {
      return { ok: false, reason: `is not a valid Forge server address; use https://api.${hostname}` };
    }
    url = `https://api.${hostname}`;
  }
  if (/^.*wandb\.ai[^.]*$/.test(url)) {
    if (!url.includes("api.")) {
      return { ok: false, reason: "is not a W&B API address; use an api. host such as https://api.wandb.ai" };
    }
    if (!url.startsWith("https")) return { ok: false, reason: "must use https for wandb.ai" };
  }
  return { ok: true, url: url.replace(/\/+$/, "") };
}

/**
 * The W&B API URL behind a Forge URL (SDK `forge_upstream_url`), or `url` itself.
 *
 * @example
 * ```ts
 * forgeUpstreamUrl("https://api.forge.coreweave.com"); // "https://api.wandb.ai"
 * forgeUpstreamUrl("http://localhost:8080"); // "http://localhost:8080"
 * ```
 */
export function forgeUpstreamUrl(url: string): string {
  const { hostname } = hostInfo(urlsplit(url).netloc);
  for (const [forge, api] of FORGE_HOSTS) {
    if (hostname === forge || hostname === `api.${forge}` || hostname === api) return `https://${api}`;
  }
  return url;
}

// WHATWG "URL code points" ("%" is checked on its own): what pydantic's strict mode accepts outside the host.
const URL_CODE_POINTS =
  /^[A-Za-z0-9!$&'()*+,\-./:;=?@_~\u00a0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd\u{10000}-\u{10fffd}]*$/u;

/**
 * Why pydantic's strict http(s) URL check (the SDK's) rejects `raw`, or `undefined`. Host, port and IDNA rules come
 * from WHATWG `URL`; strict mode also rejects every WHATWG syntax violation except embedded credentials.
 */
function strictUrlProblem(raw: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return "it cannot be parsed";
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return "the scheme must be http or https";
  // eslint-disable-next-line no-control-regex -- exactly the characters WHATWG trims or drops.
  if (/^[\x00-\x20]|[\x00-\x20]$|[\t\r\n]/.test(raw)) {
    return "it has surrounding whitespace or control characters";
  }
  if (raw.includes("\\")) return 'it contains "\\"';
  const afterScheme = raw.slice(raw.indexOf(":") + 1);
  if (!afterScheme.startsWith("//") || /^[/\\]/.test(afterScheme.slice(2))) {
    return 'expected "//" after the scheme';
  }
  const { netloc } = urlsplit(raw);
  const userinfo = netloc.slice(0, Math.max(0, netloc.lastIndexOf("@")));
  if (userinfo.includes("@")) return 'it has an unencoded "@" in the user info';
  const rest = afterScheme.slice(2 + netloc.length);
  // A second "#" is not a URL code point, so the fragment is checked on its own.
  const [beforeFragment, fragment] = partition(rest, "#");
  for (const part of [userinfo, beforeFragment, fragment]) {
    if (/%(?![0-9A-Fa-f]{2})/.test(part)) return 'a "%" is not followed by two hex digits';
    if (!URL_CODE_POINTS.test(part.replaceAll("%", ""))) {
      return "it has characters that must be percent-encoded";
    }
  }
  return undefined;
}
