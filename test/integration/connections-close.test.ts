import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";
import { describeWithEngine, slurmCluster, type SlurmClusterAccess } from "../helpers/engine.ts";
import { useTempDirs } from "../helpers/temp-dir.ts";

const tempDir = useTempDirs();

describeWithEngine("Connections.close() in a process with nothing else to do", slurmCluster(), (value) => {
  it("keeps the process alive until the SSH connection has closed", () => {
    const access = JSON.parse(value) as SlurmClusterAccess;
    const home = tempDir();
    mkdirSync(join(home, ".ssh"), { mode: 0o700 });
    copyFileSync(access.knownHosts, join(home, ".ssh", "known_hosts"));
    const script = join(home, "close.ts");
    const connections = join(import.meta.dirname, "..", "..", "src", "transport", "connections.ts");
    const target = { host: access.host, port: access.port, user: access.user, identity: access.identity };
    writeFileSync(
      script,
      [
        `import { Connections } from ${JSON.stringify(connections)};`,
        "const connections = new Connections();",
        `const runner = connections.ssh({ ...${JSON.stringify(target)}, jump: undefined, hostKeyPolicy: "strict" }, { env: { HOME: ${JSON.stringify(home)} }, homeDir: ${JSON.stringify(home)} });`,
        'console.log((await runner.run("echo ran")).stdout.trim());',
        "await connections.close();",
        'console.log("closed");',
      ].join("\n"),
    );
    const result = spawnSync(process.execPath, [script], { encoding: "utf8", timeout: 60_000 });
    expect({ status: result.status, stdout: result.stdout }).toEqual({ status: 0, stdout: "ran\nclosed\n" });
  });
});
