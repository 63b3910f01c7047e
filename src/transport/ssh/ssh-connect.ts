import { createConnection, type Socket } from "node:net";
import type { Duplex } from "node:stream";
import type { Algorithms, Client } from "ssh2";
import { SlipwayError } from "../../errors.ts";
import { loadSsh2 } from "./load-ssh2.ts";
import { prepareAuth, type SshAuth } from "./ssh-auth.ts";
import { verifyHostKey } from "./ssh-host-key.ts";
import type { SshHop, SshRoute } from "./ssh-route.ts";

/** An authenticated connection to a route's target, and what carries it. */
export interface ConnectedRoute {
  readonly client: Client;
  /** The jump hosts' connections, first hop first; the target's connection is a channel of the last one. */
  readonly jumps: readonly Client[];
  /** The one TCP socket of the route (to the first hop), to `ref`/`unref`. */
  readonly socket: Socket;
}

/** What connecting needs besides the route. */
export interface ConnectOptions {
  readonly policy: "strict" | "accept-new";
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly homeDir: string;
}

type Ssh2Error = Error & { level?: string; code?: unknown };

/** OpenSSH's fast default key exchange first; ssh2's other defaults stay available after it. */
const ALGORITHMS: Algorithms = {
  kex: { remove: ["curve25519-sha256"], prepend: ["curve25519-sha256"], append: [] },
};

/**
 * Connects to a route's target, through its jump hosts in turn (each one `forwardOut`s to the next, whose connection
 * runs over that channel), checking every host key and authenticating every hop. Keys are loaded before the first
 * packet is sent, so key problems fail fast. Every failure is an `ENGINE_UNREACHABLE` error whose first line names
 * the hop (`user@host:port`, `via` its jump hosts) and what failed, with a hint of what to check.
 *
 * @example
 * ```ts
 * const { client } = await connectRoute(route, { policy: "strict", env: process.env, homeDir: os.homedir() });
 * client.exec("hostname", (error, channel) => channel.pipe(process.stdout));
 * ```
 */
export async function connectRoute(route: SshRoute, options: ConnectOptions): Promise<ConnectedRoute> {
  const ssh2 = await loadSsh2();
  const hops = [...route.jumps, route.target];
  const wheres = hops.map((hop, index) => whereOf(route, index));
  const auths = await Promise.all(
    hops.map((hop, index) => prepareAuth(hop, wheres[index] ?? hop.label, options)),
  );
  const [first] = hops;
  if (first === undefined) throw new RangeError("a route has a target");
  const socket = createConnection({ host: first.hostName, port: first.port });
  socket.setNoDelay(true);
  const clients: Client[] = [];
  try {
    let stream: Duplex = socket;
    for (const [index, hop] of hops.entries()) {
      const previous = clients[index - 1];
      const where = wheres[index] ?? hop.label;
      if (previous !== undefined) stream = await forward(previous, hop, where, hops[index - 1]?.label ?? "");
      const auth = auths[index];
      if (auth === undefined) throw new RangeError("one auth per hop");
      const command = sshCommand(hops.slice(0, index), hop);
      clients.push(await connectHop(ssh2, hop, stream, { ...options, where, auth, command }));
    }
  } catch (error) {
    for (const client of clients.reverse()) client.end();
    socket.destroy();
    throw error;
  }
  const client = clients.pop();
  if (client === undefined) throw new RangeError("connected to no hop");
  return { client, jumps: clients, socket };
}

interface HopOptions extends ConnectOptions {
  readonly where: string;
  readonly auth: SshAuth;
  /** The `ssh` command that would reach the hop, for hints. */
  readonly command: string;
}

function connectHop(
  ssh2: Awaited<ReturnType<typeof loadSsh2>>,
  hop: SshHop,
  sock: Duplex,
  options: HopOptions,
): Promise<Client> {
  const { where, auth } = options;
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let hostKeyError: SlipwayError | undefined;
    let settled = false;
    const fail = (error: SlipwayError) => {
      if (settled) return;
      settled = true;
      client.destroy();
      reject(error);
    };
    // Stays for the connection's life: later errors are the owner's to report (on "close"), never uncaught.
    client.on("error", (error: Ssh2Error) => {
      // ssh2 reports an unusable agent as an error, then goes on with the next method.
      if (error.level === "agent") return;
      fail(hostKeyError ?? connectError(error, hop, options));
    });
    client.on("close", () => {
      fail(hostKeyError ?? connectError(new Error("Connection lost before handshake"), hop, options));
    });
    client.once("ready", () => {
      if (settled) return;
      settled = true;
      resolve(client);
    });
    try {
      client.connect({
        sock,
        username: hop.user,
        readyTimeout: hop.readyTimeoutMs,
        // See keepAlive: ssh2's keepalive timer would keep the process alive.
        keepaliveInterval: 0,
        algorithms: ALGORITHMS,
        authHandler: auth.authHandler,
        hostVerifier: (key: Buffer, verify: (valid: boolean) => void) => {
          verifyHostKey(key, { hop, policy: options.policy, where, homeDir: options.homeDir })
            .catch((error: unknown) => connectError(error as Ssh2Error, hop, options))
            .then(
              (error) => {
                hostKeyError = error;
                verify(error === undefined);
              },
              verify.bind(undefined, false),
            );
        },
      });
    } catch (error) {
      fail(connectError(error as Ssh2Error, hop, options));
    }
  });
}

function forward(jump: Client, hop: SshHop, where: string, jumpLabel: string): Promise<Duplex> {
  const failed = (why: string, cause?: unknown) =>
    new SlipwayError(
      "ENGINE_UNREACHABLE",
      `cannot connect to ${where}: the jump host ${jumpLabel} cannot open a connection to ${hop.hostName}:${hop.port} (${why})`,
      {
        hint: `check that ${hop.hostName}:${hop.port} is reachable from the jump host and that its sshd allows it (AllowTcpForwarding, PermitOpen)`,
        cause,
      },
    );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(failed(`no answer within ${hop.readyTimeoutMs / 1000} s`));
    }, hop.readyTimeoutMs);
    jump.forwardOut("127.0.0.1", 0, hop.hostName, hop.port, (error, channel) => {
      clearTimeout(timer);
      if (error) reject(failed(error.message.replace(/^\(SSH\) /, ""), error));
      else resolve(channel);
    });
  });
}

function connectError(error: Ssh2Error, hop: SshHop, options: HopOptions): SlipwayError {
  const { where, auth, command } = options;
  const code = typeof error.code === "string" ? error.code : undefined;
  const because = (why: string, hint: string) =>
    new SlipwayError("ENGINE_UNREACHABLE", `cannot connect to ${where}: ${why}`, { hint, cause: error });
  if (error.level === "client-authentication" || /authentication/i.test(error.message)) {
    const tried = auth.tried.length > 0 ? auth.tried.join(", ") : "nothing";
    const problems = auth.problems.map((problem) => `\n${problem}`).join("");
    return new SlipwayError(
      "ENGINE_UNREACHABLE",
      `authentication failed for ${where} (tried: ${tried})${problems}`,
      {
        hint: `check that ${hop.user}'s ~/.ssh/authorized_keys on ${hop.hostName} has your public key, or set identity in the profile; try: ${command}`,
        cause: error,
      },
    );
  }
  if (error.message === "Connection lost before handshake") {
    return because(
      "the server closed the connection before the SSH handshake",
      `check that port ${hop.port} is an SSH server's and that it accepts connections (MaxStartups, tcpwrappers, firewall); try: ${command}`,
    );
  }
  if (error.level === "client-timeout") {
    return because(
      `no SSH session within ${hop.readyTimeoutMs / 1000} s (${error.message})`,
      `check the host name, the port and firewalls (ConnectTimeout in ~/.ssh/config sets the limit); try: ${command}`,
    );
  }
  switch (code) {
    case "ECONNREFUSED":
      return because(
        "connection refused",
        `check that sshd runs on ${hop.hostName} and listens on port ${hop.port}; try: ${command}`,
      );
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return because(
        `unknown host ${hop.hostName} (${code})`,
        "check the host name (or the alias's HostName in ~/.ssh/config) and DNS",
      );
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ETIMEDOUT":
      return because(
        `${hop.hostName} is unreachable (${code})`,
        `check the network path and firewalls; try: ${command}`,
      );
    case "ECONNRESET":
    case "EPIPE":
      return because(
        `the connection was reset during the SSH handshake (${code})`,
        `check that port ${hop.port} is an SSH server's; try: ${command}`,
      );
  }
  return because(error.message, `try: ${command}`);
}

/** How messages name hop `index` of a route: the target `via` its jumps, a jump host `for` the target. */
function whereOf(route: SshRoute, index: number): string {
  const jump = route.jumps[index];
  if (jump !== undefined) return `${jump.label} (jump host for ${route.target.label})`;
  if (route.jumps.length === 0) return route.target.label;
  return `${route.target.label} via ${route.jumps.map((hop) => hop.label).join(", ")}`;
}

function sshCommand(before: readonly SshHop[], hop: SshHop): string {
  const jump = before.length > 0 ? ` -J ${before.map((h) => h.label).join(",")}` : "";
  const port = hop.port === 22 ? "" : ` -p ${hop.port}`;
  return `ssh${jump}${port} ${hop.user}@${hop.hostName}`;
}
