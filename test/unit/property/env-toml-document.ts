import fc from "fast-check";
import type { EnvSource } from "../../../src/config/interpolate.ts";
import { configJsonSchema } from "../../../src/config/json-schema.ts";
import {
  anyKey,
  anyText,
  anyTomlValue,
  ENV_NAMES,
  envRef,
  GENERIC,
  ODD_KEYS,
  SIZES,
  tableOf,
} from "./any-toml-value.ts";

/** The parts of env.schema.json's JSON Schema that the generators read. */
interface SchemaNode {
  readonly type?: string;
  readonly const?: unknown;
  readonly enum?: readonly unknown[];
  readonly anyOf?: readonly SchemaNode[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly exclusiveMinimum?: number;
  readonly items?: SchemaNode;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: SchemaNode | boolean;
  readonly propertyNames?: SchemaNode;
}

const ENV_REF_PATTERN = "\\$\\{env:";
const PROFILE_NAMES = ["base", "gpu", "local", "slurm", "wandb", "a.b", "x y", "ünï", ""];
// Keys missingRequired asks for; present in most generated profiles so that many of them load.
const REQUIRED = new Set(["executor", "host", "image", "address"]);
// Values for keys whose strings have a format, some right and some wrong; other strings come from GENERIC.
const STRING_POOLS: Readonly<Record<string, readonly string[]>> = {
  extends: PROFILE_NAMES,
  time: ["30", "01:30:00", "1-12:00", "2h", "0", "99:99"],
  memory: SIZES,
  shm_size: SIZES,
  mounts: ["/data:/data", "/a:/b:ro", "pvc:claim:/mnt", "host:/x:/y:rw", "x"],
  container_mounts: ["/data:/data", "/a:/b"],
  address: ["http://ray-head:8265", "https://ray.example.org", "ray-head:8265"],
  base_url: ["https://api.wandb.ai", "http://localhost:8080", "localhost"],
  package: ["none", "git"],
};

const schema = configJsonSchema() as SchemaNode;
const profileBranches = (schema.additionalProperties as SchemaNode).anyOf ?? [];
const wandbNode = schema.properties?.["wandb"] ?? {};
const knownKeys = [
  ...new Set([...profileBranches, wandbNode].flatMap((node) => Object.keys(node.properties ?? {}))),
];

const anyValue = anyTomlValue(knownKeys);

/** A string for `key` that mostly passes its checks: a plausible value, maybe with a well-formed reference in it. */
function goodString(key: string): fc.Arbitrary<string> {
  const plain = fc.constantFrom(...(STRING_POOLS[key] ?? GENERIC));
  const ref = fc
    .tuple(fc.constantFrom(...ENV_NAMES), fc.option(fc.constantFrom(...GENERIC)))
    .map(([name, fallback]) => `\${env:${name}${fallback === null ? "" : `:-${fallback}`}}`);
  return fc.oneof(
    { arbitrary: plain, weight: 6 },
    { arbitrary: fc.tuple(fc.constantFrom("", "/x/"), ref).map(([a, b]) => a + b), weight: 2 },
    fc.string({ unit: "binary", maxLength: 8 }),
  );
}

/** Values the schema node accepts, mostly; `key` picks plausible strings for formatted keys. */
function fromSchema(node: SchemaNode, key: string): fc.Arbitrary<unknown> {
  if (node.const !== undefined) return fc.constant(node.const);
  if (node.anyOf !== undefined) {
    const type = node.type;
    return fc.oneof(
      ...node.anyOf.map((branch) => fromSchema(type === undefined ? branch : { type, ...branch }, key)),
    );
  }
  if (node.enum !== undefined) return fc.constantFrom(...node.enum);
  switch (node.type) {
    case "string":
      return node.pattern === ENV_REF_PATTERN ? envRef : goodString(key);
    case "integer": {
      const min = node.minimum ?? 0;
      return fc.integer({ min, max: Math.min(node.maximum ?? min + 64, min + 64) });
    }
    case "number": {
      const min = node.exclusiveMinimum ?? node.minimum ?? 0;
      return fc.double({ min, max: 1e6, noNaN: true, minExcluded: node.exclusiveMinimum !== undefined });
    }
    case "boolean":
      return fc.boolean();
    case "array":
      return fc.array(fromSchema(node.items ?? {}, key), { maxLength: 3 });
    case "object":
      return node.properties === undefined ? mapOf(node, key) : tableFromSchema(node.properties, 2);
    default:
      return anyValue;
  }
}

/** A table with free keys (`env`, `labels`, `resources`). */
function mapOf(node: SchemaNode, key: string): fc.Arbitrary<Record<string, unknown>> {
  const valid =
    node.propertyNames?.pattern === undefined
      ? fc.string({ unit: "binary", maxLength: 6 })
      : fc.stringMatching(/^[A-Za-z_]\w{0,6}$/);
  const names = fc.oneof(
    { arbitrary: fc.constantFrom("HF_HOME", "CUDA_VISIBLE_DEVICES", "DATA", "_"), weight: 3 },
    { arbitrary: valid, weight: 3 },
    fc.constantFrom(...ODD_KEYS),
  );
  const item =
    typeof node.additionalProperties === "object" ? fromSchema(node.additionalProperties, key) : anyValue;
  return tableOf(fc.tuple(names, item), 3);
}

const ABSENT = Symbol("absent");

/** A table of some of `properties`, each with a value its schema accepts; required keys are usually there. */
function tableFromSchema(
  properties: Readonly<Record<string, SchemaNode>>,
  absentWeight: number,
): fc.Arbitrary<Record<string, unknown>> {
  const fields = Object.entries(properties).map(([key, node]) =>
    fc.oneof(
      { arbitrary: fc.constant(ABSENT), weight: REQUIRED.has(key) ? 1 : absentWeight },
      { arbitrary: fromSchema(node, key).map((v) => [key, v] as const), weight: REQUIRED.has(key) ? 9 : 1 },
    ),
  );
  return fc.tuple(...fields).map((entries) => Object.fromEntries(entries.filter((e) => e !== ABSENT)));
}

/** Mostly nothing; sometimes a key or two with any value (a wrong type, an unknown key). */
const mutations = fc.oneof(
  { arbitrary: fc.constant([]), weight: 5 },
  fc.array(fc.tuple(anyKey(knownKeys), anyValue), { minLength: 1, maxLength: 2 }),
);

const withMutations = (table: fc.Arbitrary<Record<string, unknown>>) =>
  fc.tuple(table, mutations).map(([t, extra]) => Object.fromEntries([...Object.entries(t), ...extra]));

const profileTable = withMutations(
  fc.oneof(...profileBranches.map((branch) => tableFromSchema(branch.properties ?? {}, 4))),
);
const wandbTable = withMutations(tableFromSchema(wandbNode.properties ?? {}, 2));

/**
 * An env.toml as a JS object, guided by env.schema.json so that many documents load: one to four profiles (or other
 * values) by name, often extending each other, and maybe a `[wandb]` table; now and then a wrong type or an unknown,
 * unsafe or misspelt key.
 *
 * @example
 * ```ts
 * fc.assert(fc.property(envTomlDocument, (doc) => loads(stringify(doc))), { numRuns: 300 });
 * ```
 */
export const envTomlDocument = fc
  .tuple(
    fc.array(
      fc.tuple(
        fc.oneof(
          { arbitrary: fc.constantFrom(...PROFILE_NAMES), weight: 4 },
          fc.string({ unit: "binary", maxLength: 6 }),
        ),
        fc.oneof({ arbitrary: profileTable, weight: 9 }, anyValue),
      ),
      { minLength: 1, maxLength: 4 },
    ),
    fc.option(fc.oneof({ arbitrary: wandbTable, weight: 9 }, anyValue)),
  )
  .map(([profiles, wandb]): Record<string, unknown> => {
    const tables: [string, unknown][] = [...profiles];
    if (wandb !== null) tables.push(["wandb", wandb]);
    return Object.fromEntries(tables);
  });

/** The environment `${env:…}` is resolved against: some of the referenced names (never `UNSET`), often `""`. */
export const envSource = fc
  .array(
    fc.tuple(
      fc.constantFrom(...ENV_NAMES.filter((n) => n !== "UNSET")),
      fc.oneof(fc.constant(""), fc.constantFrom(...GENERIC), anyText),
    ),
    { maxLength: 6 },
  )
  .map((pairs): EnvSource => Object.fromEntries(pairs));
