import { Readable } from "node:stream";
import { packedFor, type CodePackage } from "../../package/code-package.ts";
import { tarFiles } from "../../package/tar-files.ts";
import { chownSync, existsSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import type Dockerode from "dockerode";
import { EngineError, SlipwayError } from "../../errors.ts";
import { shq } from "../../shell-quote.ts";
import { registerWait } from "./container-wait.ts";
import {
  answerBody,
  daemonMessage,
  dockerApiError,
  statusCodeOf,
  type DockerRequest,
} from "./docker-api-error.ts";
import { dockerClient, type DockerClient } from "./docker-client.ts";
import { SECRETS_TARGET, type DockerPlan } from "./plan.ts";
import type { ContainerExit } from "./states.ts";

/** A container slipway created and started. */
export interface StartedContainer {
  /** The full container id. */
  readonly id: string;
  /** With `waitForRemoval`: how the container ended, once Docker removed it (`undefined` if that wait failed). */
  readonly removed: Promise<ContainerExit | undefined> | undefined;
}

/**
 * Creates and starts the planned container: checks mount sources, makes sure the image is there (pull policy),
 * delivers secrets (a 0400 file mounted read-only, removed from the host once the container runs), and keeps the
 * create options out of the request URL. A container that fails to start is removed again. Daemon failures are
 * `EngineError`s naming the request.
 *
 * `waitForRemoval` (for `rm = true`, when this process stays to the end): the daemon's wait for the container's
 * removal is registered before the start, as `docker run --rm` does, so the exit code of a container that Docker
 * removes at once is never missed.
 *
 * @example
 * ```ts
 * const { id } = await startContainer(plan, { waitForRemoval: false });
 * ```
 */
export async function startContainer(
  plan: DockerPlan,
  options: { readonly waitForRemoval: boolean; readonly code?: CodePackage },
): Promise<StartedContainer> {
  const code = plan.code === undefined ? undefined : packedFor(plan.code.summary, options.code);
  const local = plan.host.startsWith("unix://");
  for (const source of local ? plan.mountSources : []) {
    if (!existsSync(source)) {
      throw new SlipwayError("MOUNT_SOURCE_MISSING", `mount source ${source} does not exist`, {
        hint: "create it or fix the path in mounts; Docker would silently mount a new empty directory there",
      });
    }
  }
  const client = await dockerClient(plan.host);
  const { docker } = client;
  await ensureImage(docker, plan);
  const body = { ...plan.create, Env: [...plan.create.Env] };
  if (plan.secrets.mode === "env") {
    for (const [name, value] of Object.entries(plan.secrets.values))
      body.Env.push(`${name}=${value.reveal()}`);
  } else if (Object.keys(plan.secrets.values).length > 0) {
    if (!local) {
      throw new SlipwayError(
        "UNSUPPORTED",
        `secrets = "file" needs a Docker daemon on this machine (${plan.host})`,
        {
          hint: 'set secrets = "env" in the profile (the key is then visible to docker inspect on that daemon)',
        },
      );
    }
    writeSecretsFile(plan);
  }
  let container: Dockerode.Container | undefined;
  let request: DockerRequest = {
    method: "POST",
    path: `/containers/create?name=${plan.name}`,
    what: "start the container",
  };
  try {
    // `_query`/`_body` keep the create options (Env included) out of the URL, where dockerode would put them.
    const createOptions = {
      _query: { name: plan.name },
      _body: body,
    } as unknown as Dockerode.ContainerCreateOptions;
    container = await docker.createContainer(createOptions);
    // Asked of a daemon on this machine only (a remote one would show a missing shell as exit 127).
    if (plan.create.Entrypoint[0] === "/bin/sh" && local) {
      request = {
        method: "HEAD",
        path: `/containers/${container.id}/archive?path=/bin/sh`,
        what: "start the container",
      };
      await requireShell(plan, client, container);
    }
    if (code !== undefined && plan.code !== undefined) {
      request = {
        method: "PUT",
        path: `/containers/${container.id}/archive?path=/`,
        what: "copy the code in",
      };
      await copyCode(container, code, plan.code.dir, plan.create.User);
    }
    let removed: Promise<ContainerExit | undefined> | undefined;
    if (options.waitForRemoval) {
      const wait = await registerWait(client, container.id, "removed");
      removed = wait.ended.then(
        (exit) => exit,
        () => undefined,
      );
    }
    request = { method: "POST", path: `/containers/${container.id}/start`, what: "start the container" };
    await container.start();
    return { id: container.id, removed };
  } catch (error) {
    await container?.remove({ force: true }).catch(() => undefined);
    throw startError(plan, request, error);
  } finally {
    // The running container keeps its bind mount of the file; the host copy is no longer needed.
    rmSync(plan.secrets.file, { force: true });
  }
}

/**
 * Copies the shipped code into the created container at `dir`, owned by the container's user when it is numeric
 * (`1000` or `1000:1000`), else by root; the daemon never needs to see this machine's files.
 */
async function copyCode(
  container: Dockerode.Container,
  code: CodePackage,
  dir: string,
  user: string | undefined,
): Promise<void> {
  const [uid, gid] = /^(\d+)(?::(\d+))?$/.exec(user ?? "")?.slice(1) ?? [];
  const tar = tarFiles(code.entries, {
    prefix: `${dir.replace(/^\/+/, "")}/`,
    mtime: code.mtime,
    ...(uid === undefined ? {} : { uid: Number(uid), gid: Number(gid ?? uid) }),
  });
  await container.putArchive(Readable.from([tar]), { path: "/" });
}

/**
 * The secrets wrapper needs /bin/sh in the image. With `init` the missing shell would only show as exit 127 after
 * the start, so look for it in the created container's filesystem first.
 */
async function requireShell(
  plan: DockerPlan,
  client: DockerClient,
  container: Dockerode.Container,
): Promise<void> {
  // dockerode's infoArchive leaves its HEAD response unread, which keeps the process alive: ask directly.
  const status = await headStatus(
    plan.host.slice("unix://".length),
    `/v${client.apiVersion}/containers/${container.id}/archive?path=%2Fbin%2Fsh`,
  );
  if (status === 404) {
    const forSecrets = plan.create.HostConfig.Binds.some((bind) => bind.includes(`:${SECRETS_TARGET}:`));
    throw new SlipwayError(
      "NO_SHELL",
      `image ${plan.image} has no /bin/sh, which slipway needs ${forSecrets ? "to hand secrets" : "to enforce the time limit"}`,
      {
        hint: forSecrets
          ? 'the W&B key travels in a mounted file read by a tiny shell wrapper; set secrets = "env" to pass it as an environment variable instead (visible to docker inspect)'
          : "the time limit is kept by a tiny shell wrapper in the container; drop `time` for this image, or use an image with /bin/sh",
      },
    );
  }
}

function headStatus(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ socketPath, path, method: "HEAD", agent: false }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on("error", reject);
    request.end();
  });
}

function writeSecretsFile(plan: DockerPlan): void {
  const lines = Object.entries(plan.secrets.values).map(
    ([name, value]) => `export ${name}=${shq(value.reveal())}`,
  );
  writeFileSync(plan.secrets.file, `${lines.join("\n")}\n`, { mode: 0o400 });
  const uid = /^(\d+)(?::\d+)?$/.exec(plan.create.User ?? "")?.[1];
  // A non-root container user must own the file to read it; it stays 0400 and in the 0700 job directory.
  if (uid !== undefined && uid !== "0") chownSync(plan.secrets.file, Number(uid), -1);
}

async function ensureImage(docker: Dockerode, plan: DockerPlan): Promise<void> {
  if (plan.pull !== "always") {
    try {
      await docker.getImage(plan.image).inspect();
      return;
    } catch (error) {
      if (statusCodeOf(error) !== 404) {
        const path = `/images/${plan.image}/json`;
        throw dockerApiError(plan.host, { method: "GET", path, what: "inspect the image" }, error);
      }
    }
    if (plan.pull === "never") {
      throw new SlipwayError(
        "IMAGE_NOT_FOUND",
        `image ${plan.image} is not on the Docker daemon at ${plan.host}, and pull = "never"`,
        { hint: 'build or load it there (docker build, docker load), or set pull = "missing"' },
      );
    }
  }
  try {
    const stream = await docker.pull(plan.image);
    await new Promise<void>((resolve, reject) => {
      (docker.modem as FollowProgress).followProgress(stream, (error) => {
        if (error === null) resolve();
        else reject(error);
      });
    });
  } catch (error) {
    const status = statusCodeOf(error);
    throw new EngineError("IMAGE_NOT_FOUND", `could not pull ${plan.image}: ${daemonMessage(error)}`, {
      executor: "docker",
      method: "POST",
      path: `/images/create?fromImage=${plan.image}`,
      status,
      // A failure reported in the pull's progress stream (after HTTP 200) has the daemon's message only.
      body: answerBody(error) ?? daemonMessage(error),
      hint: 'check the image name and registry access, or build it locally and set pull = "never"',
      cause: error,
    });
  }
}

/** The part of docker-modem this file uses (dockerode types its modem as `any`). */
interface FollowProgress {
  followProgress(stream: NodeJS.ReadableStream, done: (error: Error | null) => void): void;
}

function startError(plan: DockerPlan, request: DockerRequest, error: unknown): SlipwayError {
  if (error instanceof SlipwayError) return error;
  const message = daemonMessage(error);
  if (/could not select device driver|nvidia/i.test(message)) {
    return new EngineError(
      "GPU_UNAVAILABLE",
      `the Docker daemon at ${plan.host} cannot give GPUs: ${message}`,
      {
        executor: "docker",
        method: request.method,
        path: request.path,
        status: statusCodeOf(error),
        body: answerBody(error),
        hint: "install the NVIDIA Container Toolkit on the daemon's machine, or ask for no GPU (gpus, gpus_per_node)",
        cause: error,
      },
    );
  }
  return dockerApiError(plan.host, request, error);
}
