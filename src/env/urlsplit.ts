/**
 * Scheme (lowercased), netloc and path of a URL exactly as Python's `urllib.parse.urlsplit` splits them: the netloc
 * keeps case, port and user info, so it is the netrc machine name the SDK looks up.
 *
 * @example
 * ```ts
 * urlsplit("HTTP://LocalHost:8080/x?y").netloc; // "LocalHost:8080"
 * ```
 */
export function urlsplit(url: string): { scheme: string; netloc: string; path: string } {
  // eslint-disable-next-line no-control-regex -- urlsplit strips leading C0 controls and space, drops tab/CR/LF.
  let rest = url.replace(/^[\x00-\x20]+/, "").replace(/[\t\r\n]/g, "");
  let scheme = "";
  const colon = rest.indexOf(":");
  if (colon > 0 && /^[A-Za-z][A-Za-z0-9+.-]*$/.test(rest.slice(0, colon))) {
    scheme = rest.slice(0, colon).toLowerCase();
    rest = rest.slice(colon + 1);
  }
  let netloc = "";
  if (rest.startsWith("//")) {
    const end = rest.slice(2).search(/[/?#]/);
    netloc = end === -1 ? rest.slice(2) : rest.slice(2, end + 2);
    rest = rest.slice(2 + netloc.length);
  }
  return { scheme, netloc, path: rest.replace(/[?#][\s\S]*$/, "") };
}

/**
 * `urlsplit(…).hostname` (lowercased) and the raw port text, each `undefined` when empty.
 *
 * @example
 * ```ts
 * hostInfo("user@API.wandb.ai:443"); // { hostname: "api.wandb.ai", port: "443" }
 * ```
 */
export function hostInfo(netloc: string): { hostname: string | undefined; port: string | undefined } {
  const info = netloc.slice(netloc.lastIndexOf("@") + 1);
  let host: string;
  let port: string;
  if (info.includes("[")) {
    const [bracketed, afterBracket] = partition(partition(info, "[")[1], "]");
    [host, port] = [bracketed, partition(afterBracket, ":")[1]];
  } else {
    [host, port] = partition(info, ":");
  }
  return { hostname: host === "" ? undefined : host.toLowerCase(), port: port === "" ? undefined : port };
}

/**
 * Python's `str.partition` without the separator: the text before and after its first `separator`.
 *
 * @example
 * ```ts
 * partition("a#b#c", "#"); // ["a", "b#c"]
 * ```
 */
export function partition(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ""] : [text.slice(0, at), text.slice(at + separator.length)];
}
