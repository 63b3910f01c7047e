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

  const chains = followChains(links, issues);
  const mergedOf = mergeMemo(tables);

  const profiles = new Map<string, LoadedProfile>();
  for (const [name, table] of tables) {
    const { chain, sound, setter } = chains.get(name) ?? { chain: [name], sound: false, setter: undefined };
    const own = ownOf(name);
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
    const schema = kind === undefined ? commonProfileSchema() : PROFILE_SCHEMAS[kind];
    const { data, issues: found } = checkTable(schema, rest, [name], hint);
    issues.push(...found);
    if (kind === undefined || !sound) continue;

    for (const { key, message } of missingRequired(kind, mergedOf(chain))) {
      issues.push({ path: formatPath([name, key]), message });
    }
    const parent = links.get(name)?.parent;
    if (data !== undefined)
      profiles.set(name, { name, executor: kind, extends: parent, chain, values: data });
  }
  return profiles;
}

/** A profile's `extends` chain, itself first; `sound` is false when it is broken (reported by `readLink`) or loops. */
interface Chain {
  readonly chain: readonly string[];
  readonly sound: boolean;
  /** The first profile after itself on the chain that sets `executor`. */
  readonly setter: string | undefined;
}

// Follows every profile's `extends` once: each walk stops at a profile already followed, so a chain of n profiles
// costs O(n) steps (plus its n chain arrays), not O(n²) per profile. Each loop is reported once.
function followChains(links: ReadonlyMap<string, Link>, issues: ConfigIssue[]): Map<string, Chain> {
  const done = new Map<string, Chain>();
  const setsExecutor = (n: string) => links.get(n)?.own !== undefined;
  for (const start of links.keys()) {
    const path: string[] = [];
    const onPath = new Map<string, number>();
    let tail: Chain | undefined;
    for (let name = start; tail === undefined;) {
      tail = done.get(name);
      if (tail !== undefined) break;
      const seen = onPath.get(name);
      if (seen !== undefined) {
        tail = closeLoop(path.splice(seen), done, setsExecutor, issues);
        break;
      }
      const link = links.get(name);
      if (link === undefined || link.broken || link.own === "invalid" || link.parent === undefined) {
        const sound = link !== undefined && !link.broken && link.own !== "invalid";
        tail = { chain: [name], sound, setter: undefined };
        done.set(name, tail);
        break;
      }
      onPath.set(name, path.length);
      path.push(name);
      name = link.parent;
    }
    for (let i = path.length - 1; i >= 0; i--) {
      const name = path[i] ?? start;
      const parent: string = tail.chain[0] ?? name;
      tail = {
        chain: [name, ...tail.chain],
        sound: tail.sound,
        setter: setsExecutor(parent) ? parent : tail.setter,
      };
      done.set(name, tail);
    }
  }
  return done;
}

// Records every profile on a loop (each one's chain goes once round it) and reports the loop; returns the chain of
// its first profile, which the walk that found the loop entered it by.
function closeLoop(
  loop: readonly string[],
  done: Map<string, Chain>,
  setsExecutor: (name: string) => boolean,
  issues: ConfigIssue[],
): Chain {
  for (let i = 0; i < loop.length; i++) {
    const chain = [...loop.slice(i), ...loop.slice(0, i)];
    done.set(chain[0] ?? "", { chain, sound: false, setter: chain.slice(1).find(setsExecutor) });
  }
  // Rotated to start at its smallest name, so the message does not depend on where the walk entered it.
  const start = loop.indexOf([...loop].sort(compareText)[0] ?? "");
  const ordered = [...loop.slice(start), ...loop.slice(0, start)];
  const first = ordered[0] ?? "";
  issues.push({
    path: formatPath([first, "extends"]),
    message: `extends cycle: ${[...ordered, first].join(" → ")}`,
  });
  return done.get(loop[0] ?? "") ?? { chain: [...loop], sound: false, setter: undefined };
}

// Merges the tables of sound chains, child winning, memoised per profile so that long chains merge in linear time.
// Presence is all that matters for required keys, so a plain merge is enough.
function mergeMemo(tables: ReadonlyMap<string, Record<string, unknown>>) {
  const memo = new Map<string, Record<string, unknown>>();
  return (chain: readonly string[]): Record<string, unknown> => {
    let known = 0;
    while (known < chain.length && !memo.has(chain[known] ?? "")) known++;
    let merged = memo.get(chain[known] ?? "") ?? {};
    for (let i = known - 1; i >= 0; i--) {
      const name = chain[i] ?? "";
      merged = { ...merged, ...tables.get(name) };
      memo.set(name, merged);
    }
    return merged;
  };
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
