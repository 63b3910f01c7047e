import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { EXECUTOR_KINDS } from "../../../src/config/types.ts";
import { JOB_STATES } from "../../../src/job/job-state.ts";
import { jobRecordSchema, wellFormedRecord } from "../../../src/store/job-record.ts";

// Values a field may hold in a damaged or hand-edited record: the right type, near misses and the wrong types.
const anyValue = fc.oneof(
  fc.constantFrom(
    undefined,
    null,
    0,
    1,
    -1,
    1.5,
    2 ** 53,
    "",
    "x",
    "train-k3j9x2",
    "Train_1",
    "2026-12-06T05:17:42.999Z",
    "2026-12-06T05:17:42+01:00",
    "2026-02-30T00:00:00Z",
    "2026-12-06 05:17:42Z",
    "2026-12-06T05:17:42",
    "succeeded",
    "slurm",
    [],
    ["a"],
    [1],
    {},
    { pid: 1, startTime: "" },
    { pid: 0, startTime: "" },
    { pid: 1, startTime: "", extra: 1 },
    { pid: 1 },
    true,
  ),
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.jsonValue(),
);

const timestamp = fc
  .date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true })
  .map((d) => d.toISOString());

// A record the schema accepts, with each optional field present or not.
const goodRecord = fc
  .record(
    {
      version: fc.constant(1),
      id: fc.stringMatching(/^[a-z0-9]{1,8}(?:-[a-z0-9]{1,8}){0,3}$/),
      name: fc.string(),
      profile: fc.string(),
      executor: fc.constantFrom(...EXECUTOR_KINDS),
      configFile: fc.string(),
      nativeId: fc.string(),
      command: fc.array(fc.string()),
      workdir: fc.string(),
      createdAt: timestamp,
      startedAt: timestamp,
      endedAt: timestamp,
      state: fc.constantFrom(...JOB_STATES),
      raw: fc.string(),
      exitCode: fc.integer(),
      reason: fc.string(),
      plan: fc.jsonValue(),
      detail: fc.dictionary(fc.string(), fc.jsonValue()),
      launchedBy: fc.record({ pid: fc.integer({ min: 1 }), startTime: fc.string() }),
      cleanedAt: timestamp,
      wandbUrl: fc.string(),
      unknownKey: fc.jsonValue(),
    },
    {
      requiredKeys: [
        "version",
        "id",
        "name",
        "profile",
        "executor",
        "nativeId",
        "command",
        "createdAt",
        "plan",
      ],
    },
  )
  .map((r) => ({ state: "succeeded", raw: "", detail: {}, ...r }));

const FIELDS = [
  "version",
  "id",
  "name",
  "profile",
  "executor",
  "configFile",
  "nativeId",
  "command",
  "workdir",
  "createdAt",
  "startedAt",
  "endedAt",
  "state",
  "raw",
  "exitCode",
  "reason",
  "plan",
  "detail",
  "launchedBy",
  "cleanedAt",
  "wandbUrl",
];

// A good record with one to three fields replaced by arbitrary values (or removed).
const damagedRecord = fc
  .tuple(goodRecord, fc.array(fc.tuple(fc.constantFrom(...FIELDS), anyValue), { minLength: 1, maxLength: 3 }))
  .map(([record, changes]) => {
    const changed = new Map(changes);
    // A field changed to undefined is left out, as JSON would leave it out.
    return Object.fromEntries(
      [...Object.entries(record), ...changed].filter(
        ([field, value]) => value !== undefined && (!changed.has(field) || changed.get(field) === value),
      ),
    );
  });

// A record whose `detail` has an own `__proto__` key (JSON.parse makes one): zod leaves it out of its copy, and the
// fast check leaves such a record to zod.
function protoInDetail(data: unknown): boolean {
  const detail = (data as { detail?: unknown } | null)?.detail;
  return typeof detail === "object" && detail !== null && Object.hasOwn(detail, "__proto__");
}

/** The same verdict as the schema, and the same record when both accept it (or a refusal that zod then judges). */
function agrees(data: unknown): void {
  const parsed = jobRecordSchema().safeParse(data);
  const fast = wellFormedRecord(data);
  if (fast === undefined) expect(parsed.success && !protoInDetail(data), JSON.stringify(data)).toBe(false);
  else {
    expect(parsed.success, JSON.stringify(data)).toBe(true);
    expect(fast).toEqual(parsed.data);
  }
}

describe("wellFormedRecord (the job store's fast check) against jobRecordSchema", () => {
  it("accepts every record the schema accepts, unknown keys left out", () => {
    fc.assert(fc.property(goodRecord, agrees), { numRuns: 300 });
  });

  it("refuses exactly what the schema refuses in damaged records", () => {
    fc.assert(fc.property(damagedRecord, agrees), { numRuns: 1000 });
  });

  it("refuses what is not an object at all", () => {
    fc.assert(fc.property(anyValue, agrees), { numRuns: 200 });
    for (const value of [null, [], "x", 1, Object.create({ version: 1 })]) agrees(value);
  });

  it("agrees on own __proto__ keys, which JSON.parse makes and zod does not copy", () => {
    const base =
      '"version":1,"id":"a","name":"","profile":"","executor":"local","nativeId":"","command":[],' +
      '"createdAt":"1970-01-01T00:00:00.000Z","state":"succeeded","raw":"","plan":{"__proto__":{"x":1}}';
    for (const text of [
      `{${base},"detail":{"__proto__":{}}}`,
      `{${base},"detail":{},"__proto__":{"version":2}}`,
      `{${base},"detail":{},"launchedBy":{"pid":1,"startTime":"","__proto__":{}}}`,
    ]) {
      agrees(JSON.parse(text));
    }
  });
});
