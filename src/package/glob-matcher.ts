/**
 * A gitignore-style matcher for one pattern: `data/` (a directory anywhere), `*.ckpt` (a name anywhere),
 * `logs/**` or `src/gen` (anchored at the root when it holds a `/` before its end).
 *
 * @example
 * ```ts
 * globMatcher("data/")("data/train.bin"); // true
 * globMatcher("*.ckpt")("runs/a/model.ckpt"); // true
 * ```
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  const directory = pattern.endsWith("/");
  const body = pattern.replace(/^\/|\/$/g, "");
  const anchored = body.includes("/");
  const regex = new RegExp(
    `^${body
      .split(/(\*\*|\*|\?)/)
      .map((part) =>
        part === "**"
          ? ".*"
          : part === "*"
            ? "[^/]*"
            : part === "?"
              ? "[^/]"
              : part.replace(/[.+^${}()|[\]\\]/g, "\\$&"),
      )
      .join("")}$`,
  );
  return (path) => {
    const segments = path.split("/");
    if (anchored) {
      return segments.some(
        (_, i) => regex.test(segments.slice(0, i + 1).join("/")) && (!directory || i < segments.length - 1),
      );
    }
    return segments.some((segment, i) => regex.test(segment) && (!directory || i < segments.length - 1));
  };
}
