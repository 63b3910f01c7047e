/**
 * JSON-like data as block YAML, the way `kubectl get -o yaml` shows manifests: maps and lists indented, strings
 * quoted only where plain YAML would read them as something else, multi-line strings as `|-` blocks. Enough for
 * manifests (no anchors, no tags); `undefined` entries are left out.
 *
 * @example
 * ```ts
 * toYaml({ kind: "Job", spec: { backoffLimit: 0 } }); // "kind: Job\nspec:\n  backoffLimit: 0\n"
 * ```
 */
export function toYaml(value: unknown): string {
  return `${lines(value, 0).join("\n")}\n`;
}

function lines(value: unknown, indent: number): string[] {
  const pad = " ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${pad}[]`];
    return value.flatMap((item: unknown) => {
      if (isScalar(item)) return [`${pad}- ${scalar(item, indent + 2)}`];
      const [first = "", ...rest] = lines(item, indent + 2);
      return [`${pad}- ${first.slice(indent + 2)}`, ...rest];
    });
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return [`${pad}{}`];
    return entries.flatMap(([key, item]) => {
      const name = `${pad}${plainOrQuoted(key)}:`;
      if (isScalar(item)) return [`${name} ${scalar(item, indent + 2)}`];
      const nested = lines(item, Array.isArray(item) ? indent : indent + 2);
      return isEmpty(item) ? [`${name} ${nested[0]?.trim() ?? ""}`] : [name, ...nested];
    });
  }
  return [`${pad}${scalar(value, indent)}`];
}

function isScalar(value: unknown): boolean {
  return value === null || typeof value !== "object";
}

function isEmpty(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : Object.keys(value as object).length === 0;
}

function scalar(value: unknown, indent: number): string {
  if (typeof value === "string") {
    if (value.includes("\n")) {
      const pad = " ".repeat(indent);
      return `|-\n${value
        .split("\n")
        .map((line) => (line === "" ? "" : pad + line))
        .join("\n")}`;
    }
    return plainOrQuoted(value);
  }
  return typeof value === "number" || typeof value === "boolean" ? String(value) : "null";
}

// Strings YAML would read as another type, or that hold syntax, are double-quoted (JSON strings are valid YAML).
function plainOrQuoted(text: string): string {
  const plain =
    /^(?:[A-Za-z0-9_./]|-[^ ])[A-Za-z0-9_./ =+$(){}@,'"*:-]*$/.test(text) &&
    !text.includes(": ") &&
    !text.endsWith(":") &&
    !/^(true|false|yes|no|on|off|null|~|y|n)$/i.test(text) &&
    !/^[-+]?(\d[\d_]*(\.\d*)?([eE][-+]?\d+)?|\.\d+|0x[0-9a-fA-F]+|0o[0-7]+|\.inf|\.nan)$/i.test(text) &&
    !text.endsWith(" ") &&
    !text.includes(" #");
  return plain ? text : JSON.stringify(text);
}
