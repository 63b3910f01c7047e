// `node scripts/build-cli.ts` (the second half of `npm run build`): bundles the CLI with esbuild into dist/bin/, which
// bin/slipway runs. `npm test` keeps testing the sources.
//
// Three files. dist/bin/slipway.js is src/cli.ts itself (the Node version check, the help texts of dist/bin/help.json
// when only help is asked for, then the compile cache), requiring dist/bin/cli.cjs: the CLI and its libraries as one
// CommonJS file. The entry is CommonJS too (dist/bin/package.json
// says so): a CommonJS main skips setting up Node's ESM loader, ~3 ms of every start. One file is read, resolved and (after the first
// run) taken from Node's compile cache, instead of ~100 modules. CommonJS rather than ESM because esbuild keeps every
// module of a CommonJS bundle lazy, so a command still runs only its own code, and because `require("node:…")` leaves
// Node's lazily loaded built-ins alone, where an ESM import of a built-in loads every one of them that the module
// exports (node:util alone pulls in worker_threads and the readline interface): a dry run peaks ~8 MiB lower.
// The engine clients (dockerode, ssh2, the Kubernetes client, ws, execa) stay in node_modules, loaded when an
// executor needs them.
import { randomUUID } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build, transform, type Plugin } from "esbuild";
import { HELP_FILE } from "../src/cli/static-help.ts";

/** Packages left out of the bundle: large, loaded on demand, some with optional native parts. */
export const EXTERNAL_PACKAGES = ["ssh2", "dockerode", "@kubernetes/client-node", "ws", "execa"] as const;

/** Where the bundled CLI goes. */
export const CLI_OUTDIR = join(import.meta.dirname, "..", "dist", "bin");

const src = join(import.meta.dirname, "..", "src");

// src/cli.ts imports ./cli/main.ts; in the bundle that is the CommonJS file built beside it, loaded with require
// (`dynamic-import: false` below): import() of CommonJS would first scan all of its 350 kB for export names.
const mainFromBundle: Plugin = {
  name: "main-from-bundle",
  setup(b) {
    b.onResolve({ filter: /^\.\/cli\/main\.ts$/ }, () => ({ path: "./cli.cjs", external: true }));
  },
};

// commander imports node:child_process (which loads net, dgram and the stream modules) for executable subcommands,
// which slipway has none of: loaded on first use instead, it costs `--help` nothing.
const COMMANDER_CHILD_PROCESS = "import childProcess from 'node:child_process';";
const lazyCommanderChildProcess: Plugin = {
  name: "lazy-commander-child-process",
  setup(b) {
    b.onLoad({ filter: /[\\/]commander[\\/]lib[\\/]command\.js$/ }, ({ path }) => {
      const source = readFileSync(path, "utf8");
      if (!source.includes(COMMANDER_CHILD_PROCESS))
        throw new Error(`build-cli: ${path} no longer has the child_process import this build replaces`);
      return {
        contents: source.replace(
          COMMANDER_CHILD_PROCESS,
          "const childProcess = { spawn: (...args) => require('node:child_process').spawn(...args) };",
        ),
        loader: "js",
      };
    });
  },
};

/**
 * Built-in modules loaded on first use instead of when the module importing them starts: a dry run needs none of
 * child_process, crypto's hashes, net or the stream helpers until it launches something (they cost ~5 ms of a start).
 * Those already loaded by every Node start (fs, path, events, …) gain nothing and are left alone.
 */
export const LAZY_BUILTINS = [
  "node:child_process",
  "node:crypto",
  "node:dgram",
  "node:fs/promises",
  "node:http",
  "node:https",
  "node:net",
  "node:os",
  "node:readline",
  "node:stream",
  "node:stream/promises",
  "node:string_decoder",
  "node:timers/promises",
  "node:zlib",
] as const;

// Each lazy built-in becomes a module of getters, one per export of the built-in (named at build time), that load it
// on first read. esbuild reads a named import at each use (`(0, import_node_crypto.createHash)(…)`) and copies a
// namespace as getters, so nothing touches the built-in before the code that needs it runs.
const lazyBuiltins: Plugin = {
  name: "lazy-builtins",
  setup(b) {
    const filter = new RegExp(`^(?:${LAZY_BUILTINS.join("|")})$`);
    b.onResolve({ filter }, ({ path }) => ({ path, namespace: "lazy-builtin" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-builtin" }, ({ path }) => {
      const names = Object.keys(process.getBuiltinModule(path) as object).filter((n) => n !== "default");
      return {
        contents: gettersModule(names, `process.getBuiltinModule(${JSON.stringify(path)})`, {
          withDefault: true,
        }),
        loader: "js",
      };
    });
  },
};

/**
 * slipway's own modules (under src/) loaded on first use of what they export, by the modules importing them: a dry
 * run never opens a connection (the SSH transport, ~2 ms to start) nor tracks a job.
 */
export const LAZY_MODULES = ["transport/connections.ts", "executors/tracked-handle.ts"] as const;

// Each import of a lazy module becomes a module of getters, one per export (named at build time by importing the
// module here), that require the module on first read; the module itself stays in the bundle, behind that require.
const lazyModules: Plugin = {
  name: "lazy-modules",
  setup(b) {
    const lazy = new Set<string>(LAZY_MODULES.map((file) => join(src, file)));
    b.onResolve({ filter: /\.ts$/ }, ({ path, resolveDir, namespace }) => {
      const full = resolve(resolveDir, path);
      return namespace !== "lazy-module" && lazy.has(full)
        ? { path: full, namespace: "lazy-module" }
        : undefined;
    });
    b.onLoad({ filter: /.*/, namespace: "lazy-module" }, async ({ path }) => ({
      contents: gettersModule(
        Object.keys((await import(path)) as object),
        `require(${JSON.stringify(path)})`,
      ),
      loader: "js",
      resolveDir: dirname(path),
    }));
  },
};

/**
 * A CommonJS module whose exports `names` are getters reading them off `load` (an expression), run on first read;
 * `withDefault` adds a non-enumerable `default`: the whole loaded module (`import x from "node:…"`).
 */
function gettersModule(names: readonly string[], load: string, { withDefault = false } = {}): string {
  const getters = names.map(
    (n) => `  ${JSON.stringify(n)}: { get: () => load()[${JSON.stringify(n)}], enumerable: true },`,
  );
  return [
    "let loaded;",
    `const load = () => (loaded ??= ${load});`,
    "Object.defineProperties(module.exports, {",
    ...getters,
    ...(withDefault ? ["  default: { get: load, enumerable: false },"] : []),
    "});",
  ].join("\n");
}

/**
 * Packages loaded on first use, like {@link LAZY_BUILTINS}, each bundled into a file of its own beside cli.cjs
 * (`<name>.cjs`): zod (a fifth of the bundle, ~5 ms to start) is needed only to build schemas, which a launch whose
 * env.toml was validated before by this build does not (src/config/parsed-config-cache.ts); dotenv (which loads
 * node:crypto) only to read an `env_file`. Only self-contained packages can be split off this way: nothing in them
 * may import slipway's modules.
 */
export const LAZY_PACKAGES = ["zod", "dotenv"] as const;

// Each lazy package becomes a module of getters that require the package's own file on first read. One getter per export that the sources use (`z.string`, …: esbuild copies a CommonJS
// module's properties into every module importing it, and zod has ~300), so every import must be `* as z`.
// The names the sources import from `pkg` (`import { parse }`) or read off its namespace (`import * as z` … `z.string`),
// read from the sources with their types stripped, so that a name used only as a type (`z.core.$ZodErrorMap`) does not
// pull that part of the package in.
async function usedExports(pkg: string): Promise<Set<string>> {
  const used = new Set<string>();
  const from = String.raw`\s*from\s*"${pkg.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}"`;
  for (const file of readdirSync(src, { recursive: true, encoding: "utf8" })) {
    if (!file.endsWith(".ts")) continue;
    const { code } = await transform(readFileSync(join(src, file), "utf8"), { loader: "ts" });
    for (const [statement] of code.matchAll(new RegExp(String.raw`^import[^;]*?${from};?$`, "gm"))) {
      const namespace = new RegExp(String.raw`^import \* as (\w+)${from}`).exec(statement)?.[1];
      const named = new RegExp(String.raw`^import \{([^}]*)\}${from}`).exec(statement)?.[1];
      if (namespace !== undefined) {
        for (const [, name] of code.matchAll(new RegExp(String.raw`\b${namespace}\.([A-Za-z_$][\w$]*)`, "g")))
          used.add(name ?? "");
      } else if (named !== undefined) {
        for (const part of named.split(",")) used.add(part.trim().split(/\s+as\s+/)[0] ?? "");
      } else {
        throw new Error(
          `build-cli: src/${file}: ${statement}: the lazy bundle takes \`import * as\` or \`import { … }\``,
        );
      }
    }
  }
  return used;
}

const lazyPackages: Plugin = {
  name: "lazy-packages",
  setup(b) {
    const filter = new RegExp(`^(?:${LAZY_PACKAGES.join("|")})$`);
    b.onResolve({ filter }, ({ path }) => ({ path, namespace: "lazy-package" }));
    b.onLoad({ filter: /.*/, namespace: "lazy-package" }, async ({ path }) => {
      const names = await usedNames(path);
      return {
        contents: gettersModule(names, `require(${JSON.stringify(`./${path}.cjs`)})`),
        loader: "js",
      };
    });
    b.onResolve({ filter: /^\.\/[^/]+\.cjs$/, namespace: "lazy-package" }, ({ path }) => ({
      path,
      external: true,
    }));
  },
};

// The package's exports that the sources use.
async function usedNames(name: string): Promise<string[]> {
  const used = await usedExports(name);
  return Object.keys((await import(packageEntry(name))) as object).filter((n) => used.has(n));
}

// A package's ESM entry, as an import of it would bundle (zod's CommonJS one would bring in all of its locales).
function packageEntry(name: string): string {
  return fileURLToPath(import.meta.resolve(name));
}

/**
 * Bundles the CLI into `outdir` and returns the path of its entry, `<outdir>/slipway.js`.
 *
 * @example
 * ```ts
 * const entry = await buildCli(mkdtempSync(join(tmpdir(), "cli-")));
 * ```
 */
export async function buildCli(outdir: string = CLI_OUTDIR): Promise<string> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  writeFileSync(join(outdir, "package.json"), '{ "type": "commonjs" }\n');
  const common = {
    bundle: true,
    platform: "node",
    target: "node22.19",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
  } as const;
  for (const name of LAZY_PACKAGES) {
    // Only what the sources use, so that the rest (zod's locales, …) is left out.
    const names = await usedNames(name);
    await build({
      ...common,
      stdin: {
        contents: `export { ${names.join(", ")} } from ${JSON.stringify(packageEntry(name))};`,
        loader: "js",
        resolveDir: src,
      },
      outfile: join(outdir, `${name}.cjs`),
      format: "cjs",
    });
  }
  await build({
    ...common,
    entryPoints: [join(src, "cli", "main.ts")],
    outfile: join(outdir, "cli.cjs"),
    format: "cjs",
    external: [...EXTERNAL_PACKAGES],
    plugins: [lazyCommanderChildProcess, lazyBuiltins, lazyPackages, lazyModules],
    // Names the parses that src/config/parsed-config-cache.ts may reuse: those of this very build.
    define: { SLIPWAY_BUILD_ID: JSON.stringify(randomUUID()) },
  });
  // Every help text, rendered now by the bundle itself: `slipway --help` and `slipway <command> --help` print it
  // from the entry without loading the bundle (src/cli/static-help.ts).
  const { helpTexts } = createRequire(import.meta.url)(join(outdir, "cli.cjs")) as {
    helpTexts: () => Record<string, string>;
  };
  writeFileSync(join(outdir, HELP_FILE), `${JSON.stringify(helpTexts())}\n`);
  await build({
    ...common,
    entryPoints: [join(src, "cli.ts")],
    outfile: join(outdir, "slipway.js"),
    format: "cjs",
    supported: { "dynamic-import": false },
    plugins: [mainFromBundle],
  });
  return join(outdir, "slipway.js");
}

if (process.argv[1] === import.meta.filename) {
  console.log(`built ${await buildCli()}`);
}
