import type { ConfigIssue } from "../errors.ts";
import { checkTable } from "./check-table.ts";
import { closestMatch } from "./closest-match.ts";
import { commonProfileSchema } from "./common-profile-schema.ts";
import { compareText } from "./compare-text.ts";
import { formatPath } from "./config-issues.ts";
import { isOneOf } from "./fields.ts";
import type { LoadedProfile } from "./loaded-config.ts";
import { missingRequired, otherExecutorsHint, PROFILE_SCHEMAS } from "./profile-schemas.ts";
import { tomlType } from "./toml-type.ts";
import { EXECUTOR_KINDS, type ExecutorKind } from "./types.ts";

/** What a profile's own `executor` and `extends` say; `invalid` and `broken` were reported already. */
interface Link {
  readonly own: ExecutorKind | "invalid" | undefined;
  readonly parent: string | undefined;
  readonly broken: boolean;
}

/**
 * Validates executors, `extends` chains and each table against its executor's schema, pushing every issue onto
 * `issues`; the profiles returned are complete only when no issue was pushed.
 *
 * @example
 * ```ts
 * const issues: ConfigIssue[] = [];
 * const profiles = checkProfiles(new Map([["cpu", { executor: "local" }]]), issues);
 * ```
 */
export function checkProfiles(
  tables: ReadonlyMap<string, Record<string, unknown>>,
  issues: ConfigIssue[],
): Map<string, LoadedProfile> {
  const names = [...tables.keys()].sort(compareText);
  const links = new Map<string, Link>();
  for (const [name, table] of tables)
    links.set(
      name,
      readLink(name, table, (n) => tables.has(n), names, issues),
    );
  const ownOf = (n: string | undefined) => (n === undefined ? undefined : links.get(n)?.own);

  const profiles = new Map<string, LoadedProfile>();
  for (const [name, table] of tables) {
    const { chain, sound } = followChain(name, links, issues);
    const own = ownOf(name);
    const setter = chain.slice(1).find((n) => ownOf(n) !== undefined);
    const inherited = ownOf(setter);
    const kind = own === "invalid" ? undefined : (own ?? (inherited === "invalid" ? undefined : inherited));
    const at = formatPath([name, "executor"]);
    if (sound && own !== undefined && own !== "invalid" && inherited !== undefined && inherited !== own) {
      const message = `executor "${own}" does not match "${inherited}" inherited from "${setter ?? ""}"`;
      issues.push({ path: at, message: `${message} (a profile cannot switch executor)` });
    } else if (sound && kind === undefined) {
      const message = `required: one of ${EXECUTOR_KINDS.join(", ")} (or "extends" a profile that sets it)`;
      issues.push({ path: at, message });
    }

    const rest = Object.fromEntries(
      Object.entries(table).filter(([k]) => k !== "executor" && k !== "extends"),
    );
    const hint = (key: string) => (kind === undefined ? undefined : otherExecutorsHint(kind, key));
    const schema = kind === undefined ? commonProfileSchema : PROFILE_SCHEMAS[kind];
    const { data, issues: found } = checkTable(schema, rest, [name], hint);
    issues.push(...found);
    if (kind === undefined || !sound) continue;

    // Presence is all that matters for required keys, so a plain child-wins merge is enough here.
    const merged = Object.assign({}, ...chain.map((n) => tables.get(n)).reverse()) as Record<string, unknown>;
    for (const { key, message } of missingRequired(kind, merged)) {
      issues.push({ path: formatPath([name, key]), message });
    }
    const parent = links.get(name)?.parent;
    if (data !== undefined)
      profiles.set(name, { name, executor: kind, extends: parent, chain, values: data });
  }
  return profiles;
}

// Follows `extends` from `name`; `sound` is false when the chain is broken (reported by `readLink`) or loops.
function followChain(name: string, links: ReadonlyMap<string, Link>, issues: ConfigIssue[]) {
  const chain = [name];
  for (let link = links.get(name); link !== undefined;) {
    if (link.broken || link.own === "invalid") return { chain, sound: false };
    if (link.parent === undefined) return { chain, sound: true };
    const seen = chain.indexOf(link.parent);
    if (seen !== -1) {
      // Rotated to start at its smallest name, so every profile on the loop reports the same issue (deduplicated).
      const loop = chain.slice(seen);
      const start = loop.indexOf([...loop].sort(compareText)[0] ?? name);
      const ordered = [...loop.slice(start), ...loop.slice(0, start)];
      const first = ordered[0] ?? name;
      issues.push({
        path: formatPath([first, "extends"]),
        message: `extends cycle: ${[...ordered, first].join(" → ")}`,
      });
      return { chain, sound: false };
    }
    chain.push(link.parent);
    link = links.get(link.parent);
  }
  return { chain, sound: true };
}

function readLink(
  name: string,
  table: Readonly<Record<string, unknown>>,
  isProfile: (name: string) => boolean,
  names: readonly string[],
  issues: ConfigIssue[],
): Link {
  const executor = table["executor"];
  let own: Link["own"];
  if (isOneOf(EXECUTOR_KINDS, executor)) own = executor;
  else if (executor !== undefined) {
    own = "invalid";
    const kinds = EXECUTOR_KINDS.join(", ");
    const message =
      typeof executor === "string"
        ? `unknown executor ${JSON.stringify(executor)} (expected one of ${kinds}${suggest(executor, EXECUTOR_KINDS)})`
        : `expected one of ${kinds}, got ${tomlType(executor)}`;
    issues.push({ path: formatPath([name, "executor"]), message });
  }

  const parent = table["extends"];
  const at = formatPath([name, "extends"]);
  if (parent === undefined) return { own, parent: undefined, broken: false };
  if (typeof parent !== "string") {
    issues.push({ path: at, message: `expected a profile name, got ${tomlType(parent)}` });
    return { own, parent: undefined, broken: true };
  }
  if (!isProfile(parent)) {
    const list = names.length === 0 ? "no profiles" : `profiles: ${names.join(", ")}`;
    const message = `extends ${JSON.stringify(parent)}, which is not a profile (${list}${suggest(parent, names)})`;
    issues.push({ path: at, message });
    return { own, parent: undefined, broken: true };
  }
  return { own, parent, broken: false };
}

function suggest(input: unknown, candidates: readonly string[]): string {
  const near = typeof input === "string" ? closestMatch(input, candidates) : undefined;
  return near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
}
