import { spawnSync } from "node:child_process";
import { expect, it } from "vitest";
import { describeWithEngine, dockerDaemon } from "../helpers/engine.ts";

// Smoke test of what scripts/docker/ give the Docker executor's tests: a daemon that runs containers (default
// bridge network included) and the two registry-free test images. Through the docker CLI, not slipway's code.

describeWithEngine("docker daemon", dockerDaemon(), (socket) => {
  const docker = (...args: string[]) => {
    const result = spawnSync("docker", args, {
      encoding: "utf8",
      env: { ...process.env, DOCKER_HOST: `unix://${socket}` },
      timeout: 60_000,
    });
    // One object, so that a failed expectation shows stderr and a spawn error too.
    return {
      status: result.status,
      stdout: result.stdout,
      stderr: result.stderr,
      error: result.error?.message,
    };
  };

  it("runs a shell command in slipway-test/busybox", () => {
    expect(docker("run", "--rm", "slipway-test/busybox:latest", "sh", "-c", "echo ok")).toMatchObject({
      status: 0,
      stdout: "ok\n",
    });
  });

  it("has a uid 1000 user, PATH=/bin and printenv in slipway-test/busybox", () => {
    const script = "id -u; id -un; printenv PATH; printenv NOT_SET || echo unset";
    expect(
      docker("run", "--rm", "--user", "1000", "slipway-test/busybox:latest", "sh", "-c", script),
    ).toMatchObject({ status: 0, stdout: "1000\nuser\n/bin\nunset\n" });
  });

  it("runs slipway-test/noshell's default command", () => {
    expect(docker("run", "--rm", "--network", "none", "slipway-test/noshell:latest")).toMatchObject({
      status: 0,
      stdout: "hello\n",
    });
  });

  it("has no /bin/sh in slipway-test/noshell", () => {
    const result = docker(
      "run",
      "--rm",
      "--network",
      "none",
      "--entrypoint",
      "/bin/sh",
      "slipway-test/noshell:latest",
      "-c",
      "true",
    );
    expect(result.status).not.toBe(0);
    expect(result.error).toBeUndefined();
    expect(result.stderr).toContain("/bin/sh");
  });
});
