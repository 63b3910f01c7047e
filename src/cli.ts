#!/usr/bin/env node
import { main } from "./cli/main.ts";

// Exit as soon as the command is done: an engine client may keep an idle keep-alive socket open. Output to pipes,
// files and terminals is written synchronously on POSIX, so nothing is lost.
process.exit(await main(process.argv));
