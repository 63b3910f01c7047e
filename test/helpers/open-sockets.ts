import { execFile } from "node:child_process";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The inodes of this process's open sockets, from /proc/self/fd. */
function ownSocketInodes(): Set<string> {
  const inodes = new Set<string>();
  for (const fd of readdirSync("/proc/self/fd")) {
    try {
      const match = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`));
      if (match?.[1] !== undefined) inodes.add(match[1]);
    } catch {
      // Closed while listed.
    }
  }
  return inodes;
}

/**
 * How many of this process's sockets are connected to the unix socket at `path` (a daemon's API socket), counted
 * from the server's side as `ss` lists it: each accepted connection names its peer's inode.
 *
 * @example
 * ```ts
 * await unixConnectionsTo("/var/run/docker.sock"); // 0 when nothing is open
 * ```
 */
export async function unixConnectionsTo(path: string): Promise<number> {
  const { stdout } = await run("ss", ["-x", "-H", "-n"], { maxBuffer: 64 * 1024 * 1024 });
  const ours = ownSocketInodes();
  let count = 0;
  for (const line of stdout.split("\n")) {
    const fields = line.trim().split(/\s+/);
    const at = fields.indexOf(path);
    // "<path> <inode> * <peer inode>": the server's end of a connection to the path.
    const peer = at === -1 ? undefined : fields[at + 3];
    if (peer !== undefined && ours.has(peer)) count += 1;
  }
  return count;
}

/**
 * How many of this process's TCP connections go to `port` (any address), from /proc/net/tcp and tcp6.
 *
 * @example
 * ```ts
 * await tcpConnectionsTo(8265);
 * ```
 */
export function tcpConnectionsTo(port: number): Promise<number> {
  const ours = ownSocketInodes();
  const hexPort = port.toString(16).toUpperCase().padStart(4, "0");
  let count = 0;
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text: string;
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      // sl local_address rem_address st … inode: rem_address is ADDR:PORT in hex; state 01 is ESTABLISHED.
      const remote = fields[2] ?? "";
      if (remote.endsWith(`:${hexPort}`) && fields[3] === "01" && ours.has(fields[9] ?? "")) count += 1;
    }
  }
  return Promise.resolve(count);
}

/**
 * Runs `work` while sampling `measure` every 20 ms, and returns what the work returned and the largest sample (one
 * sample is taken after the work too, so a short work is still measured).
 *
 * @example
 * ```ts
 * const { result, max } = await largestWhile(() => unixConnectionsTo(socket), () => launchMany());
 * ```
 */
export async function largestWhile<T>(
  measure: () => Promise<number>,
  work: () => Promise<T>,
): Promise<{ result: T; max: number }> {
  let max = 0;
  const state = { done: false };
  const sampler = (async () => {
    while (!state.done) {
      max = Math.max(max, await measure());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  let result: T;
  try {
    result = await work();
  } finally {
    state.done = true;
    await sampler;
  }
  return { result, max: Math.max(max, await measure()) };
}
