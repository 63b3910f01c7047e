/**
 * Host patterns as OpenSSH matches them, for `Host` lines of ssh_config and the names of known_hosts lines alike.
 */

/**
 * OpenSSH's `match_pattern`: `*` is any run of characters, `?` exactly one, everything else literal.
 *
 * @example
 * ```ts
 * globMatch("login?.*.example.org", "login1.hpc.example.org"); // true
 * ```
 */
export function globMatch(pattern: string, text: string): boolean {
  let p = 0;
  let t = 0;
  let starP = -1;
  let starT = 0;
  while (t < text.length) {
    if (pattern[p] === "*") {
      starP = p++;
      starT = t;
    } else if (p < pattern.length && (pattern[p] === "?" || pattern[p] === text[t])) {
      p++;
      t++;
    } else if (starP >= 0) {
      p = starP + 1;
      t = ++starT;
    } else {
      return false;
    }
  }
  while (pattern[p] === "*") p++;
  return p === pattern.length;
}

/**
 * Whether a `Host` line's patterns select `alias` (as given, case-sensitively, like OpenSSH): some plain pattern
 * matches and no `!pattern` does.
 *
 * @example
 * ```ts
 * hostPatternsMatch(["*.hpc.example.org", "!gateway.hpc.example.org"], "login1.hpc.example.org"); // true
 * ```
 */
export function hostPatternsMatch(patterns: readonly string[], alias: string): boolean {
  let positive = false;
  for (const raw of patterns) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    if (!globMatch(pattern, alias)) continue;
    if (negated) return false;
    positive = true;
  }
  return positive;
}
