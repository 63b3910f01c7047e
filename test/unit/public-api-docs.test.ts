import { join } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = join(import.meta.dirname, "..", "..");
const entry = join(root, "src", "index.ts");

/** The repository's compiler options, for a Program of only the public entry point (and what it imports). */
function compilerOptions(): ts.CompilerOptions {
  const configPath = join(root, "tsconfig.json");
  const read = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (read.error !== undefined)
    throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, "\n"));
  const config: unknown = read.config;
  const parsed = ts.parseJsonConfigFileContent(config, ts.sys, root, undefined, configPath);
  return { ...parsed.options, skipLibCheck: true, noEmit: true };
}

/** Each symbol `src/index.ts` exports, by its public name, with the declarations it resolves to. */
function publicExports(): { name: string; declarations: readonly ts.Declaration[] }[] {
  const program = ts.createProgram({ rootNames: [entry], options: compilerOptions() });
  const checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  if (source === undefined) throw new Error(`${entry} is not in the program`);
  const moduleSymbol = checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`${entry} is not a module`);
  return checker.getExportsOfModule(moduleSymbol).map((exported) => {
    const target = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    return { name: exported.name, declarations: target.declarations ?? [] };
  });
}

/** True when the declaration's TSDoc has an `@example` tag with some text in it. */
function hasExample(declaration: ts.Declaration): boolean {
  return ts
    .getJSDocTags(declaration)
    .some(
      (tag) => tag.tagName.text === "example" && (ts.getTextOfJSDocComment(tag.comment) ?? "").trim() !== "",
    );
}

describe("public API docs", () => {
  it("gives every symbol exported from src/index.ts a TSDoc comment with an @example", () => {
    const exports = publicExports();
    // Guards against a broken walk passing vacuously.
    expect(exports.length).toBeGreaterThan(40);
    const offenders = exports
      .filter(({ declarations }) => declarations.length === 0 || !declarations.every(hasExample))
      .map(({ name }) => name)
      .sort();
    expect(offenders, `exports without an @example in their TSDoc: ${offenders.join(", ")}`).toEqual([]);
  });
});
