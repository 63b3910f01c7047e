import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CommandError } from "../../../../src/errors.ts";
import { checkGpus } from "../../../../src/executors/local/check-gpus.ts";
import { useTempDirs } from "../../../helpers/temp-dir.ts";

const tempDir = useTempDirs();

/** A directory holding a fake `nvidia-smi` that prints `indices` one a line (or fails with `exit`), for PATH. */
function fakeNvidiaSmi(indices: readonly number[], exit = 0): string {
  const dir = tempDir();
  const lines = indices.map((i) => `echo ${i}`).join("\n");
  const script = `#!/bin/sh
[ "$*" = "--query-gpu=index --format=csv,noheader" ] || { echo "unexpected arguments: $*" >&2; exit 2; }
${exit === 0 ? lines : `echo "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver." ; exit ${exit}`}
`;
  writeFileSync(join(dir, "nvidia-smi"), script, { mode: 0o755 });
  return dir;
}

async function failure(promise: Promise<unknown>): Promise<CommandError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CommandError)) throw new Error(`expected a CommandError, got ${String(error)}`);
  return error;
}

describe("checkGpus (a fake nvidia-smi on PATH)", () => {
  it("runs nothing when the job asks for no GPU", async () => {
    await expect(checkGpus({ count: 0, ids: undefined }, { PATH: "/nonexistent" }, "/")).resolves.toBe(
      undefined,
    );
  });

  it.each([
    [{ count: 2, ids: ["0", "1"] }],
    [{ count: 1, ids: ["3"] }],
    [{ count: 4, ids: undefined }],
    [{ count: 1, ids: ["GPU-8932f937"] }],
  ])("accepts %j when nvidia-smi lists 4 GPUs", async (gpus) => {
    const path = fakeNvidiaSmi([0, 1, 2, 3]);
    await expect(checkGpus(gpus, { PATH: `${path}:/usr/bin:/bin` }, "/")).resolves.toBe(undefined);
  });

  it("refuses more GPUs than nvidia-smi lists, with the count found", async () => {
    const path = fakeNvidiaSmi([0, 1]);
    const error = await failure(
      checkGpus({ count: 4, ids: ["0", "1", "2", "3"] }, { PATH: `${path}:/usr/bin:/bin` }, "/"),
    );
    expect(error.message).toBe("the job asks for 4 GPUs but nvidia-smi lists 2 on this machine (0, 1)");
    expect(error.code).toBe("GPU_UNAVAILABLE");
    expect(error.argv).toEqual(["nvidia-smi", "--query-gpu=index", "--format=csv,noheader"]);
  });

  it("refuses an index of gpu_ids that nvidia-smi does not list", async () => {
    const path = fakeNvidiaSmi([0, 1]);
    const error = await failure(checkGpus({ count: 1, ids: ["3"] }, { PATH: `${path}:/usr/bin:/bin` }, "/"));
    expect(error.message).toBe(
      "the job asks for GPU 3 (gpu_ids) but nvidia-smi lists 2 on this machine (0, 1)",
    );
  });

  it("says so when nvidia-smi is not on PATH", async () => {
    const error = await failure(checkGpus({ count: 1, ids: ["0"] }, { PATH: tempDir() }, "/"));
    expect(error.message).toBe("no GPU found: nvidia-smi is not on PATH");
    expect(error.code).toBe("GPU_UNAVAILABLE");
    expect(error.hint).toContain("the job asks for 1 GPU;");
  });

  it("says what nvidia-smi said when it fails, with its exit code", async () => {
    const path = fakeNvidiaSmi([], 9);
    const error = await failure(checkGpus({ count: 1, ids: ["0"] }, { PATH: `${path}:/usr/bin:/bin` }, "/"));
    expect(error.message).toBe(
      "no GPU found: nvidia-smi failed (exit 9): NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.",
    );
    expect(error.exitCode).toBe(9);
  });
});
