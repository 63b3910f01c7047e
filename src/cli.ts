#!/usr/bin/env node
// The `slipway` entry. Everything before the dynamic import below runs on any Node, so an unsupported one gets one
// line naming the Node slipway needs instead of a stack from a newer API. `npm run build` bundles this file into
// dist/bin/slipway.js, the file bin/slipway runs.
import module from "node:module";
import { dirname } from "node:path";
import { printStaticHelp } from "./cli/static-help.ts";

/** The Node versions slipway runs on: package.json's `engines.node`. */
const SUPPORTED = "^22.19.0 || >=24";

const [major = 0, minor = 0] = process.versions.node.split(".").map(Number);
if (!(major >= 24 || (major === 22 && minor >= 19))) {
  process.stderr.write(
    `error: slipway needs Node ${SUPPORTED}, but ${process.execPath} is ${process.version}\n`,
  );
  process.exit(1);
}

// `slipway --help` and `slipway <command> --help` print the text rendered at build time, beside this file once bundled,
// without loading the CLI (from the sources there is none, and the CLI renders it).
if (printStaticHelp(dirname(process.argv[1] ?? ""), process.argv.slice(2))) process.exit(0);

// Node's on-disk cache of compiled modules (in the OS temp dir; NODE_COMPILE_CACHE moves it,
// NODE_DISABLE_COMPILE_CACHE=1 turns it off): every start after the first skips most of its compile work.
module.enableCompileCache();

// A promise chain, not a top-level await: the bundle makes this file CommonJS (scripts/build-cli.ts says why).
// Exit as soon as the command is done: an engine client may keep an idle keep-alive socket open. Output to pipes,
// files and terminals is written synchronously on POSIX, so nothing is lost.
void import("./cli/main.ts").then(async ({ main }) => process.exit(await main(process.argv)));
