import { SlipwayError } from "../../errors.ts";
import { shq } from "../../shell-quote.ts";
import { packedFor, type CodePackage } from "../../package/code-package.ts";
import { codePackageForRay, packageOf, type RayPackage } from "./package-dir.ts";
import { secretsModule, type RayPlan } from "./plan.ts";
import type { RayClient } from "./ray-client.ts";

/** How many times a submit whose answer was lost is tried in all. */
const SUBMIT_ATTEMPTS = 3;

/**
 * Submits a planned ray job: uploads the `working_dir` package unless Ray already has it, uploads the per-job secrets
 * package, then POSTs the body. The submission id is the slipway id, so a POST whose answer was lost is followed by
 * a status check rather than a second job.
 *
 * @example
 * ```ts
 * await submitRay(plan, new RayClient({ address: plan.address, token: plan.token }), options.code);
 * ```
 */
export async function submitRay(
  plan: RayPlan,
  client: RayClient,
  packed: CodePackage | undefined,
): Promise<{ uploaded: boolean }> {
  await client.version();
  const runtimeEnv: Record<string, unknown> = { ...plan.body.runtime_env };
  let uploaded = false;
  if (plan.code !== undefined) {
    const pkg = codePackageForRay(packedFor(plan.code.summary, packed));
    uploaded = await ensurePackage(client, pkg);
    runtimeEnv["working_dir"] = pkg.uri;
  }
  const secretNames = Object.keys(plan.secrets);
  if (secretNames.length > 0) {
    const module = secretsModule(plan.jobId);
    const script = Object.entries(plan.secrets)
      .map(([name, value]) => `export ${name}=${shq(value.reveal())}\n`)
      .join("");
    // The module name carries the job id, so the package is this job's alone and never a cached copy.
    const pkg = packageOf([
      { path: `${module}/__init__.py`, data: Buffer.alloc(0), mode: 0o644 },
      { path: `${module}/env.sh`, data: Buffer.from(script), mode: 0o600 },
    ]);
    // Unique to this job, so Ray cannot have it yet: upload without asking first.
    await client.uploadPackage(pkg.uri, pkg.zip);
    runtimeEnv["py_modules"] = [pkg.uri];
  }
  await postOnce(client, { ...plan.body, runtime_env: runtimeEnv });
  return { uploaded };
}

async function ensurePackage(client: RayClient, pkg: RayPackage): Promise<boolean> {
  if (await client.hasPackage(pkg.uri)) return false;
  await client.uploadPackage(pkg.uri, pkg.zip);
  return true;
}

async function postOnce(
  client: RayClient,
  body: { readonly submission_id: string; readonly runtime_env: unknown },
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await client.submit(body);
      return;
    } catch (error) {
      // The POST may have made the job even though its answer never came; then the job is there and this is done.
      const existing = await client.getJob(body.submission_id).catch(() => undefined);
      if (existing !== undefined) return;
      const retryable = error instanceof SlipwayError && error.code === "ENGINE_UNREACHABLE";
      if (!retryable || attempt >= SUBMIT_ATTEMPTS) throw error;
    }
  }
}
