import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const src = join(import.meta.dirname, "..", "..", "src");

/** Every .ts file under `dir`, absolute. */
function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return tsFiles(path);
    return entry.isFile() && entry.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * The files `file` imports statically through a relative specifier: `import … from`, `import type … from`,
 * `import "…"`, `export … from` (a dynamic `import()` loads lazily and is no cycle at load time).
 */
function relativeImports(file: string): string[] {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest);
  return source.statements.flatMap((statement) => {
    const specifier =
      ts.isImportDeclaration(statement) || ts.isExportDeclaration(statement)
        ? statement.moduleSpecifier
        : undefined;
    if (specifier === undefined || !ts.isStringLiteral(specifier) || !specifier.text.startsWith("."))
      return [];
    return [resolve(dirname(file), specifier.text)];
  });
}

/** The strongly connected components of `graph` with a cycle in them (Tarjan). */
function cyclicComponents(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next++;
    stack.push(node);
    onStack.add(node);
    for (const to of graph.get(node) ?? []) {
      if (!index.has(to)) {
        visit(to);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(to) ?? 0));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node) ?? 0, index.get(to) ?? 0));
    }
    if (low.get(node) !== index.get(node)) return;
    const component: string[] = [];
    let member: string | undefined;
    do {
      member = stack.pop();
      if (member === undefined) break;
      onStack.delete(member);
      component.push(member);
    } while (member !== node);
    if (component.length > 1 || (graph.get(node) ?? []).includes(node)) components.push(component.sort());
  };
  for (const node of [...graph.keys()].sort()) if (!index.has(node)) visit(node);
  return components;
}

/** A shortest cycle through `start` inside `component`, as its files in order, back to `start`. */
function shortestCycle(
  start: string,
  component: ReadonlySet<string>,
  graph: ReadonlyMap<string, readonly string[]>,
): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  for (const node of queue) {
    for (const to of graph.get(node) ?? []) {
      if (!component.has(to)) continue;
      if (to === start) {
        const path = [node];
        for (let at = node; at !== start;) {
          at = previous.get(at) ?? start;
          path.unshift(at);
        }
        return [...path, start];
      }
      if (previous.has(to)) continue;
      previous.set(to, node);
      queue.push(to);
    }
  }
  return [];
}

/** Each distinct cycle of the import graph of src/, as `a.ts → b.ts → a.ts` (paths relative to src/). */
function importCycles(): string[] {
  const files = tsFiles(src);
  const graph = new Map(files.map((file) => [file, relativeImports(file)]));
  const found = new Set<string>();
  for (const component of cyclicComponents(graph)) {
    const members = new Set(component);
    for (const start of component) {
      const cycle = shortestCycle(start, members, graph).slice(0, -1);
      // The same cycle found from each of its files: keep it once, starting at its first file in sort order.
      const first = cycle.indexOf([...cycle].sort()[0] ?? "");
      const rotated = [...cycle.slice(first), ...cycle.slice(0, first)];
      const head = rotated[0];
      if (head !== undefined) found.add([...rotated, head].map((f) => relative(src, f)).join(" → "));
    }
  }
  return [...found].sort();
}

describe("import graph of src/", () => {
  it("has no cycles among static relative imports", () => {
    // Guards against a walk that finds nothing: src/ has well over 50 files.
    expect(tsFiles(src).length).toBeGreaterThan(50);
    const cycles = importCycles();
    expect(cycles, `import cycles in src/:\n${cycles.join("\n")}`).toEqual([]);
  });
});
