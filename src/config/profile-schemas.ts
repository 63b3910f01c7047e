import type * as z from "zod";
import { closestMatch } from "./closest-match.ts";
import { dockerProfileSchema } from "./docker-profile-schema.ts";
import { hasEnvRef } from "./interpolate.ts";
import { kubernetesProfileSchema } from "./kubernetes-profile-schema.ts";
import { localProfileSchema } from "./local-profile-schema.ts";
import { rayProfileSchema } from "./ray-profile-schema.ts";
import { slurmProfileSchema } from "./slurm-profile-schema.ts";
import { EXECUTOR_KINDS, type ExecutorKind } from "./types.ts";

const BUILDERS = {
  local: localProfileSchema,
  docker: dockerProfileSchema,
  slurm: slurmProfileSchema,
  kubernetes: kubernetesProfileSchema,
  ray: rayProfileSchema,
} as const;

type ProfileSchemas = { readonly [K in ExecutorKind]: ReturnType<(typeof BUILDERS)[K]> };

const built: { -readonly [K in ExecutorKind]?: ProfileSchemas[K] } = {};

function schemaOf<K extends ExecutorKind>(kind: K): ProfileSchemas[K] {
  return (built[kind] ??= BUILDERS[kind]() as ProfileSchemas[K]);
}

/**
 * The schema of each executor's profile table, each built on first use: a launch validates its own executor's
 * profiles only, so it never pays for building the other schemas (zod schemas are costly to build at start-up).
 */
export const PROFILE_SCHEMAS: ProfileSchemas = {
  get local() {
    return schemaOf("local");
  },
  get docker() {
    return schemaOf("docker");
  },
  get slurm() {
    return schemaOf("slurm");
  },
  get kubernetes() {
    return schemaOf("kubernetes");
  },
  get ray() {
    return schemaOf("ray");
  },
};

/** A profile table of executor `K` after validation, `${env:…}` not yet resolved. */
export type RawProfileOf<K extends ExecutorKind> = z.output<ProfileSchemas[K]>;

/** A profile table of any executor after validation. */
export type RawProfile = RawProfileOf<ExecutorKind>;

/**
 * Explains an unknown key of a `kind` profile that belongs to other executors (or is one typo away from such a key),
 * e.g. `image` in a local profile; `undefined` when it belongs nowhere.
 *
 * @example
 * ```ts
 * otherExecutorsHint("local", "image"); // "only for docker, kubernetes profiles, not local"
 * otherExecutorsHint("local", "partiton"); // 'did you mean "partition"? only for slurm profiles, not local'
 * ```
 */
export function otherExecutorsHint(kind: ExecutorKind, key: string): string | undefined {
  const all = new Set(EXECUTOR_KINDS.flatMap((k) => Object.keys(PROFILE_SCHEMAS[k].shape)));
  const target = all.has(key) ? key : closestMatch(key, all);
  if (target === undefined) return undefined;
  const owners = EXECUTOR_KINDS.filter((k) => Object.hasOwn(PROFILE_SCHEMAS[k].shape, target));
  const where = `only for ${owners.join(", ")} profiles, not ${kind}`;
  return target === key ? where : `did you mean ${JSON.stringify(target)}? ${where}`;
}

/**
 * Keys a profile must have once its `extends` chain is merged, with the message for each that is missing.
 * A `${env:…}` value that decides the requirement (slurm's `tunnel`) defers the check to resolution.
 *
 * @example
 * ```ts
 * missingRequired("docker", { nodes: 1 }); // [{ key: "image", message: 'required for executor "docker"' }]
 * ```
 */
export function missingRequired(
  kind: ExecutorKind,
  merged: Readonly<Record<string, unknown>>,
): { key: string; message: string }[] {
  const need = (key: string, note = "") =>
    merged[key] === undefined
      ? [{ key, message: `required for executor ${JSON.stringify(kind)}${note}` }]
      : [];
  switch (kind) {
    case "local":
      return [];
    case "docker":
    case "kubernetes":
      return need("image");
    case "ray":
      return need("address");
    case "slurm": {
      const tunnel = merged["tunnel"];
      if (tunnel === "local" || (typeof tunnel === "string" && hasEnvRef(tunnel))) return [];
      return need("host", ' (unless tunnel = "local")');
    }
  }
}
