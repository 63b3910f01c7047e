/**
 * `{name}` placeholders in a sweep's command, script and env values. `{{` is a literal `{` (so `{{lr}` is the
 * text `{lr}`), and `${name}` is the shell's own expansion, left alone. Any other brace is plain text.
 */
const PLACEHOLDER = /\{\{|\$\{|\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * The parameter names a text refers to, in order of first use.
 *
 * @example
 * ```ts
 * placeholdersIn("--lr {lr} --cfg {{lr} ${HOME}"); // ["lr"]
 * ```
 */
export function placeholdersIn(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) if (match[1] !== undefined) names.add(match[1]);
  return [...names];
}

/**
 * Replaces each `{name}` with its value and `{{` with `{`; a name without a value stays as written (callers check
 * names first with {@link placeholdersIn}).
 *
 * @example
 * ```ts
 * substitute("--lr={lr} {{x}", { lr: "3e-4" }); // "--lr=3e-4 {x}"
 * ```
 */
export function substitute(text: string, values: Readonly<Record<string, string>>): string {
  return text.replace(PLACEHOLDER, (whole, name: string | undefined) => {
    if (whole === "{{") return "{";
    if (name === undefined) return whole;
    return Object.hasOwn(values, name) ? (values[name] ?? whole) : whole;
  });
}
