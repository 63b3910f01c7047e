import { loadConfig } from "../../config/load-config.ts";
import type { LoadedConfig } from "../../config/loaded-config.ts";
import { listProfiles, resolveProfile, resolveWandb } from "../../config/resolve-profile.ts";
import type { ResolvedProfile } from "../../config/types.ts";
import { detectWandbKey } from "../../env/detect-wandb-key.ts";
import { readEnvFiles } from "../../env/read-env-files.ts";
import { resolveTrackingEnv, type KeySummary } from "../../env/tracking-env.ts";
import { SlipwayError } from "../../errors.ts";
import { checkExecutor } from "../../executors/registry.ts";
import { runtimeOf, type Runtime } from "../../runtime.ts";
import { paint, printJson, table } from "../output.ts";

interface ProfileReport {
  readonly name: string;
  readonly executor: string;
  readonly ok: boolean;
  readonly key: string;
  readonly executorCheck: string;
  readonly details?: readonly { readonly ok: boolean; readonly text: string }[];
}

/** `slipway doctor`: exit 1 when any check fails. Never prints a key, only where it comes from. */
export async function runDoctor(flags: { readonly config?: string; readonly json?: true }): Promise<number> {
  const runtime = runtimeOf();
  let config: LoadedConfig;
  try {
    config = loadConfig({ cwd: runtime.cwd, env: runtime.env, configPath: flags.config });
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    if (flags.json === true) printJson({ config: { ok: false, error: error.message } });
    else process.stdout.write(`${paint("red", "✗")} config: ${error.message}\n`);
    return 1;
  }
  const reports = await Promise.all(
    listProfiles(config).map(({ name, executor }) => checkProfile(config, name, executor, runtime)),
  );
  const ok = reports.every((r) => r.ok);
  if (flags.json === true) {
    printJson({ config: { ok: true, file: config.file }, profiles: reports, ok });
  } else {
    process.stdout.write(`${paint("green", "✓")} config: ${config.file}\n`);
    const rows = reports.map((r) => [
      r.ok ? paint("green", "✓") : paint("red", "✗"),
      r.name,
      r.executor,
      r.key,
      r.executorCheck,
    ]);
    process.stdout.write(`${table(["", "PROFILE", "EXECUTOR", "W&B KEY", "EXECUTOR CHECK"], rows)}\n`);
    for (const report of reports.filter((r) => r.details !== undefined)) {
      process.stdout.write(`\n${report.name} (${report.executor}):\n`);
      for (const detail of report.details ?? []) {
        process.stdout.write(`  ${detail.ok ? paint("green", "✓") : paint("red", "✗")} ${detail.text}\n`);
      }
    }
  }
  return ok ? 0 : 1;
}

async function checkProfile(
  config: LoadedConfig,
  name: string,
  executor: string,
  runtime: Runtime,
): Promise<ProfileReport> {
  let profile: ResolvedProfile;
  let key: string;
  try {
    profile = resolveProfile(config, name, runtime.env);
    const settings = resolveWandb(config, runtime.env);
    const files = readEnvFiles([settings.envFile, profile.envFile], { homeDir: runtime.homeDir });
    const detection = detectWandbKey({
      env: runtime.env,
      homeDir: runtime.homeDir,
      cwd: runtime.cwd,
      configBaseUrl: settings.baseUrl,
      envFileKey: files.apiKey,
    });
    key = describeKey(resolveTrackingEnv({ settings, detection, file: config.file }).key);
  } catch (error) {
    if (!(error instanceof SlipwayError)) throw error;
    return { name, executor, ok: false, key: error.message.split("\n")[0] ?? "", executorCheck: "-" };
  }
  const check = await checkExecutor(profile, runtime);
  return {
    name,
    executor,
    ok: check.ok,
    key,
    executorCheck: check.text,
    ...(check.details === undefined ? {} : { details: check.details }),
  };
}

function describeKey(key: KeySummary): string {
  switch (key.status) {
    case "found":
      return `${key.source} for ${key.host}`;
    case "identity-token":
      return `identity token file ${key.tokenFile} for ${key.host}`;
    case "not-needed":
      return `not needed (mode ${key.mode})`;
    case "missing":
      return "none found: jobs run offline";
  }
}
