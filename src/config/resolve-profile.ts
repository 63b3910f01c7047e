import { PACKAGE_MODES } from "../package/code-package.ts";
import { basename } from "node:path";
import { ConfigError, type ConfigIssue } from "../errors.ts";
import { redactValues, secretValuesOf } from "../secret-values.ts";
import {
  containsEnvRef,
  interpolateValue,
  unsetEnvError,
  type EnvSource,
  type UnsetEnvRef,
} from "./interpolate.ts";
import { checkTable } from "./check-table.ts";
import { closestMatch } from "./closest-match.ts";
import { compareText } from "./compare-text.ts";
import {
  dockerSettingsOf,
  kubernetesSettingsOf,
  raySettingsOf,
  slurmSettingsOf,
} from "./executor-settings.ts";
import { formatPath, sortIssues } from "./config-issues.ts";
import { isOneOf } from "./fields.ts";
import type { LoadedConfig, LoadedProfile } from "./loaded-config.ts";
import { missingRequired, PROFILE_SCHEMAS, type RawProfileOf } from "./profile-schemas.ts";
import { isTable } from "./toml-type.ts";
import { wandbSchema } from "./wandb-schema.ts";
import {
  LAUNCHERS,
  WANDB_MODES,
  type ExecutorKind,
  type ProfileBase,
  type ResolvedProfile,
} from "./types.ts";
import type { EnvFileRef, WandbSettings } from "./types.ts";

/** A profile's chain merged: values, and for each key (`nodes`, `env.HF_HOME`) the profile that wrote it. */
interface Merged {
  readonly file: string;
  readonly name: string;
  readonly values: Record<string, unknown>;
  readonly origins: ReadonlyMap<string, string>;
  /** Whether `values` are one table's, as loading checked them: the profile extends none. */
  readonly single: boolean;
}

/**
 * Turns a profile into what executors consume: the `extends` chain merged (child wins, `env` merged key-wise, other
 * tables replaced whole), `${env:…}` resolved against `env`, every default filled in, keys in camelCase.
 * Executor-specific keys go to a typed `settings` object; a Ray `token` becomes a {@link Secret}.
 *
 * @throws ConfigError `PROFILE_UNKNOWN` for a name that is not a profile, `ENV_UNSET` listing every unset variable
 * referenced without a default, `CONFIG_SCHEMA` when a resolved value is invalid (e.g. `time = "${env:T}"` with `T=2h`).
 * @example
 * ```ts
 * const profile = resolveProfile(loadConfig({ cwd, env: process.env }), "gpu0", process.env);
 * if (profile.executor === "local") console.log(profile.graceSeconds, profile.resources.nprocPerNode);
 * ```
 */
export function resolveProfile(config: LoadedConfig, name: string, env: EnvSource): ResolvedProfile {
  const profile = config.profiles.get(name);
  if (profile === undefined) throw unknownProfile(config, name);
  const merged = mergeChain(config, profile);
  const values = interpolateMerged(merged, env);
  switch (profile.executor) {
    case "local": {
      const data = check(merged, values, "local", env);
      const graceSeconds = data.grace_seconds ?? 10;
      const gpuIds = data.gpu_ids?.map(String);
      const gpusPerNode = localGpuCount(merged, profile.chain, data.gpus_per_node, gpuIds, env);
      return {
        ...baseOf(merged, { ...data, gpus_per_node: gpusPerNode }),
        executor: "local",
        inheritEnv: data.inherit_env ?? true,
        graceSeconds,
        gpuIds,
        retries: data.retries ?? 0,
        time: data.time,
      };
    }
    case "docker": {
      const data = check(merged, values, "docker", env);
      const settings = dockerSettingsOf(data);
      const gpus = typeof settings.gpus === "object" ? settings.gpus.length : settings.gpus;
      return { ...baseOf(merged, data, gpus), executor: "docker", settings };
    }
    case "slurm": {
      const data = check(merged, values, "slurm", env);
      return { ...baseOf(merged, data), executor: "slurm", settings: slurmSettingsOf(data) };
    }
    case "kubernetes": {
      const data = check(merged, values, "kubernetes", env);
      return { ...baseOf(merged, data), executor: "kubernetes", settings: kubernetesSettingsOf(data) };
    }
    case "ray": {
      const data = check(merged, values, "ray", env);
      return { ...baseOf(merged, data), executor: "ray", settings: raySettingsOf(data) };
    }
  }
}

/**
 * The `[wandb]` section with `${env:…}` resolved against `env`; keys absent from env.toml stay `undefined`
 * (`requireKey` defaults to false). Values are not checked against W&B's rules here.
 *
 * @throws ConfigError `ENV_UNSET` or `CONFIG_SCHEMA`, as {@link resolveProfile}.
 * @example
 * ```ts
 * const wandb = resolveWandb(config, process.env);
 * if (wandb.requireKey) requireApiKey();
 * ```
 */
export function resolveWandb(config: LoadedConfig, env: EnvSource): WandbSettings {
  const unset: UnsetEnvRef[] = [];
  const values = interpolateValue(config.wandb, env, ["wandb"], unset);
  if (unset.length > 0)
    throw unsetEnvError(
      config.file,
      unset.map((u) => ({ path: formatPath(u.path), name: u.name })),
    );
  // Without references, the values are what loading checked already.
  const { data, issues } = containsEnvRef(config.wandb)
    ? checkTable(wandbSchema(), values, ["wandb"])
    : { data: config.wandb, issues: [] };
  if (data === undefined) throw resolvedInvalid(config.file, "[wandb]", issues, env);
  return {
    project: data.project,
    entity: data.entity,
    baseUrl: data.base_url,
    name: data.name,
    group: data.group,
    jobType: data.job_type,
    tags: data.tags,
    notes: data.notes,
    mode: isOneOf(WANDB_MODES, data.mode) ? data.mode : undefined,
    requireKey: data.require_key ?? false,
    envFile: envFileRef(config.file, data.env_file, "wandb.env_file"),
  };
}

/**
 * Every profile with its executor (set or inherited) and parent, in file order; no `${env:…}` is resolved.
 *
 * @example
 * ```ts
 * for (const p of listProfiles(config)) console.log(p.name, p.executor, p.extends ?? "");
 * ```
 */
export function listProfiles(
  config: LoadedConfig,
): { name: string; executor: ExecutorKind; extends: string | undefined }[] {
  return [...config.profiles.values()].map((p) => ({
    name: p.name,
    executor: p.executor,
    extends: p.extends,
  }));
}

function unknownProfile(config: LoadedConfig, name: string): ConfigError {
  const names = [...config.profiles.keys()].sort(compareText);
  const near = closestMatch(name, names);
  const list = names.length === 0 ? "no profiles are defined" : `profiles: ${names.join(", ")}`;
  const suffix = near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
  return new ConfigError(
    "PROFILE_UNKNOWN",
    `${config.file}: no profile ${JSON.stringify(name)} (${list}${suffix})`,
    {
      file: config.file,
      hint: `pick one of the profiles, or add a [${name}] table to ${basename(config.file)}`,
    },
  );
}

function mergeChain(config: LoadedConfig, profile: LoadedProfile): Merged {
  const values: Record<string, unknown> = {};
  const origins = new Map<string, string>();
  for (const name of [...profile.chain].reverse()) {
    for (const [key, value] of Object.entries(config.profiles.get(name)?.values ?? {})) {
      const before = values[key];
      values[key] = key === "env" && isTable(before) && isTable(value) ? { ...before, ...value } : value;
      origins.set(key, name);
      if (key === "env" && isTable(value)) for (const k of Object.keys(value)) origins.set(`env.${k}`, name);
    }
  }
  return { file: config.file, name: profile.name, values, origins, single: profile.chain.length === 1 };
}

// After merging, so that a reference the child overrides never fails; each unset variable is reported at the table
// that wrote the reference.
function interpolateMerged(merged: Merged, env: EnvSource): Record<string, unknown> {
  const unset: UnsetEnvRef[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(merged.values))
    out[key] = interpolateValue(value, env, [key], unset);
  if (unset.length > 0) {
    throw unsetEnvError(
      merged.file,
      unset.map((u) => ({ path: formatPath(placeOf(merged, u.path)), name: u.name })),
    );
  }
  return out;
}

function placeOf(merged: Merged, path: readonly PropertyKey[]): PropertyKey[] {
  const [key, sub] = path;
  const origin = merged.origins.get(key === "env" && typeof sub === "string" ? `env.${sub}` : String(key));
  return [origin ?? merged.name, ...path];
}

// Checks the resolved values once more: formats skipped at load for `${env:…}` strings are checked now.
function check<K extends ExecutorKind>(
  merged: Merged,
  values: Record<string, unknown>,
  kind: K,
  env: EnvSource,
): RawProfileOf<K> {
  // One table without references is exactly what loading checked against this schema: no second check (and no
  // schema built, when the load itself was reused: src/config/parsed-config-cache.ts).
  const { data, issues } =
    merged.single && !containsEnvRef(merged.values)
      ? { data: values as RawProfileOf<K>, issues: [] }
      : checkTable(PROFILE_SCHEMAS[kind], values, (path) => placeOf(merged, path));
  for (const { key, message } of missingRequired(kind, values)) {
    issues.push({ path: formatPath([merged.name, key]), message });
  }
  if (data === undefined || issues.length > 0)
    throw resolvedInvalid(merged.file, `profile "${merged.name}"`, issues, env);
  return data;
}

/**
 * A local profile's GPU count: `gpu_ids` and `gpus_per_node` both say it, and the one written by the more specific
 * profile of the chain wins, as for any key (`gpu_ids` in a child overrides an inherited `gpus_per_node = 0`; a
 * child's smaller `gpus_per_node` takes the first of the inherited `gpu_ids`). Written in one table, they must agree.
 */
function localGpuCount(
  merged: Merged,
  chain: readonly string[],
  gpusPerNode: number | undefined,
  gpuIds: readonly string[] | undefined,
  env: EnvSource,
): number | undefined {
  if (gpuIds === undefined) return gpusPerNode;
  if (gpusPerNode === undefined || gpusPerNode === gpuIds.length) return gpuIds.length;
  const depth = (key: string): number => chain.indexOf(merged.origins.get(key) ?? merged.name);
  if (depth("gpu_ids") < depth("gpus_per_node")) return gpuIds.length;
  if (depth("gpus_per_node") < depth("gpu_ids")) return gpusPerNode;
  const message = `lists ${gpuIds.length} GPU${gpuIds.length === 1 ? "" : "s"} but gpus_per_node = ${gpusPerNode}; drop gpus_per_node (gpu_ids sets the count)`;
  const path = formatPath(placeOf(merged, ["gpu_ids"]));
  throw resolvedInvalid(merged.file, `profile "${merged.name}"`, [{ path, message }], env);
}

// A resolved value may come from a secret variable (`memory = "${env:WANDB_API_KEY}"`): messages never quote one.
function resolvedInvalid(
  file: string,
  what: string,
  issues: readonly ConfigIssue[],
  env: EnvSource,
): ConfigError {
  const secrets = secretValuesOf(env);
  const sorted = sortIssues(issues).map((issue) => ({
    ...issue,
    message: redactValues(issue.message, secrets),
  }));
  const count = `${sorted.length} problem${sorted.length === 1 ? "" : "s"}`;
  const lines = sorted.map((i) => `  ${i.path}: ${i.message}`);
  const first = `${file}: ${count} in ${what} once \${env:…} is resolved`;
  return new ConfigError("CONFIG_SCHEMA", [first, ...lines].join("\n"), { file, issues: sorted });
}

/**
 * The keys every profile has, defaults filled in. `gpus` is what an executor's own key gives (local `gpu_ids`, docker
 * `gpus`) when `gpus_per_node` is not set: a count, or `"all"`, which only torchrun counts (`--nproc-per-node=gpu`).
 */
function baseOf(merged: Merged, data: RawProfileOf<ExecutorKind>, gpus?: number | "all"): ProfileBase {
  const gpusPerNode = data.gpus_per_node ?? (typeof gpus === "number" ? gpus : 0);
  const nprocPerNode =
    data.nproc_per_node ??
    (data.gpus_per_node === undefined && gpus === "all" ? "gpu" : Math.max(gpusPerNode, 1));
  return {
    name: merged.name,
    file: merged.file,
    env: data.env ?? {},
    workdir: data.workdir,
    resources: {
      nodes: data.nodes ?? 1,
      gpusPerNode,
      nprocPerNode,
      cpusPerNode: data.cpus_per_node,
      // Ray's `memory` is a byte count for its entrypoint and lives in `settings`.
      memory: typeof data.memory === "string" ? data.memory : undefined,
    },
    launcher: isOneOf(LAUNCHERS, data.launcher) ? data.launcher : "none",
    package: isOneOf(PACKAGE_MODES, data.package) ? data.package : undefined,
    excludes: data.excludes ?? [],
    envFile: envFileRef(merged.file, data.env_file, formatPath(placeOf(merged, ["env_file"]))),
  };
}

function envFileRef(file: string, path: string | undefined, setBy: string): EnvFileRef | undefined {
  return path === undefined ? undefined : { path, configFile: file, setBy };
}
