/** The daemon a profile without `host` uses when `DOCKER_HOST` is unset or empty. */
export const DEFAULT_DOCKER_HOST = "unix:///var/run/docker.sock";

/**
 * The Docker daemon of a profile: its `host`, else the launching machine's `DOCKER_HOST` (from the captured
 * environment, never `process.env`), else the local socket.
 *
 * @example
 * ```ts
 * dockerHost(undefined, { DOCKER_HOST: "ssh://me@gpu-box" }); // "ssh://me@gpu-box"
 * dockerHost(undefined, {}); // "unix:///var/run/docker.sock"
 * ```
 */
export function dockerHost(
  profileHost: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  const fromEnv = env["DOCKER_HOST"];
  return profileHost ?? (fromEnv === undefined || fromEnv === "" ? DEFAULT_DOCKER_HOST : fromEnv);
}
