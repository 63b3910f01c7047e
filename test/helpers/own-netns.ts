import { execFileSync, spawn, type ChildProcess } from "node:child_process";

/**
 * A network namespace of the test's own (`ip netns add`), with only its loopback up: what runs in it cannot reach the
 * machine's other addresses, and a drop rule in it touches no other test.
 */
export interface OwnNetns {
  readonly name: string;
  /** Starts `command` inside the namespace (`ip netns exec`); the caller owns the child. */
  spawn(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /**
   * Drops every TCP packet to or from `port` in the namespace (iptables, both directions), as a route that went
   * dark does: no reset, no refusal; open connections stall, new ones never get an answer.
   */
  blackhole(port: number): void;
  /** Removes the drop rules of {@link blackhole}. */
  heal(): void;
  /** Kills what {@link spawn} started and deletes the namespace. */
  close(): void;
}

/**
 * Creates an {@link OwnNetns} named `name` (needs root, `ip` from iproute2 and `iptables`).
 *
 * @example
 * ```ts
 * const ns = ownNetns(`slipway-partition-${process.pid}`);
 * ns.spawn("socat", ["TCP-LISTEN:2222,bind=127.0.0.1,fork", "EXEC:/bin/cat"]);
 * ns.blackhole(2222); // … silence …
 * ns.heal();
 * ns.close();
 * ```
 */
export function ownNetns(name: string): OwnNetns {
  const children: ChildProcess[] = [];
  const inNs = (command: string, ...args: string[]): void => {
    execFileSync("ip", ["netns", "exec", name, command, ...args], { stdio: ["ignore", "ignore", "pipe"] });
  };
  execFileSync("ip", ["netns", "add", name], { stdio: ["ignore", "ignore", "pipe"] });
  execFileSync("ip", ["-n", name, "link", "set", "lo", "up"], { stdio: ["ignore", "ignore", "pipe"] });
  return {
    name,
    spawn: (command, args, env = process.env) => {
      const child = spawn("ip", ["netns", "exec", name, command, ...args], {
        env,
        stdio: ["pipe", "pipe", "pipe"],
        detached: true, // a process group of its own: close() ends what it forked too
      });
      children.push(child);
      return child;
    },
    blackhole: (port) => {
      inNs("iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", String(port), "-j", "DROP");
      inNs("iptables", "-A", "OUTPUT", "-p", "tcp", "--sport", String(port), "-j", "DROP");
    },
    heal: () => {
      inNs("iptables", "-F", "OUTPUT");
    },
    close: () => {
      for (const child of children) {
        if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, "SIGKILL");
      }
      execFileSync("ip", ["netns", "delete", name], { stdio: "ignore" });
    },
  };
}
