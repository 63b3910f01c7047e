import { loadConfig } from "../../config/load-config.ts";
import { listProfiles } from "../../config/resolve-profile.ts";
import { runtimeOf } from "../../runtime.ts";
import { printJson, table } from "../output.ts";

/** `slipway profiles`: the profiles of env.toml with their executor and parent. */
export function runProfiles(flags: { readonly config?: string; readonly json?: true }): Promise<number> {
  const { cwd, env } = runtimeOf();
  const config = loadConfig({ cwd, env, configPath: flags.config });
  const profiles = listProfiles(config);
  if (flags.json === true) {
    printJson({ file: config.file, profiles });
    return Promise.resolve(0);
  }
  process.stdout.write(`${config.file}\n`);
  const rows = profiles.map((p) => [p.name, p.executor, p.extends ?? ""]);
  process.stdout.write(`${table(["PROFILE", "EXECUTOR", "EXTENDS"], rows)}\n`);
  return Promise.resolve(0);
}
