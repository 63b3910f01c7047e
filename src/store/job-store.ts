import {
  chmodSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { SlipwayError } from "../errors.ts";
import type { JobRecord } from "./job-record.ts";

const RECORD_FILE = "job.json";

/**
 * The job store: one directory per job under `$SLIPWAY_HOME/jobs` (default `~/.slipway/jobs`), each with its
 * record (`job.json`) and whatever the executor keeps there (logs, exit code). Directories are 0700, files 0600;
 * records are replaced atomically (write a temporary file, then rename).
 *
 * @example
 * ```ts
 * const store = JobStore.fromEnv(process.env, os.homedir());
 * for (const record of store.list()) console.log(record.id, record.state);
 * ```
 */
export class JobStore {
  readonly root: string;

  constructor(root: string) {
    this.root = root;
  }

  /** The store at `$SLIPWAY_HOME`, else `~/.slipway`. */
  static fromEnv(env: Readonly<Record<string, string | undefined>>, homeDir: string): JobStore {
    const home = env["SLIPWAY_HOME"];
    return new JobStore(home !== undefined && home !== "" ? home : join(homeDir, ".slipway"));
  }

  get jobsDir(): string {
    return join(this.root, "jobs");
  }

  /** The directory of a job; created (0700) by {@link JobStore.create}. */
  jobDir(id: string): string {
    return join(this.jobsDir, id);
  }

  /** Makes the job's directory and writes its first record. */
  create(record: JobRecord): string {
    ensurePrivateDir(this.root);
    ensurePrivateDir(this.jobsDir);
    const dir = this.jobDir(record.id);
    mkdirSync(dir, { mode: 0o700 });
    this.write(record);
    return dir;
  }

  /** Replaces a record atomically. */
  write(record: JobRecord): void {
    const file = join(this.jobDir(record.id), RECORD_FILE);
    const temporary = `${file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
    renameSync(temporary, file);
  }

  /** Reads the latest record and applies `patch` to it. */
  update(id: string, patch: Partial<Omit<JobRecord, "id" | "version">>): JobRecord {
    const updated = { ...this.read(id), ...patch };
    this.write(updated);
    return updated;
  }

  read(id: string): JobRecord {
    const file = join(this.jobDir(id), RECORD_FILE);
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch (error) {
      throw new SlipwayError("JOB_NOT_FOUND", `no job "${id}" in ${this.jobsDir}`, {
        hint: "slipway list shows the known jobs",
        cause: error,
      });
    }
    return JSON.parse(text) as JobRecord;
  }

  /** All records, newest first; unreadable entries are skipped. */
  list(): JobRecord[] {
    if (!existsSync(this.jobsDir)) return [];
    const records: JobRecord[] = [];
    for (const id of readdirSync(this.jobsDir)) {
      try {
        records.push(this.read(id));
      } catch {
        // A directory being created right now, or not a job: list what can be read.
      }
    }
    return records.sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  /**
   * Finds a job by its id or a unique prefix of it; `undefined` means the newest job.
   *
   * @example
   * ```ts
   * store.resolve("sft-smollm-k3"); // "sft-smollm-k3j9x2"
   * ```
   */
  resolve(idOrPrefix: string | undefined): string {
    if (idOrPrefix !== undefined && existsSync(join(this.jobDir(idOrPrefix), RECORD_FILE))) return idOrPrefix;
    const ids = existsSync(this.jobsDir) ? readdirSync(this.jobsDir) : [];
    if (idOrPrefix === undefined) {
      const newest = this.list()[0];
      if (newest === undefined) {
        throw new SlipwayError("JOB_NOT_FOUND", `no jobs in ${this.jobsDir} yet`, {
          hint: "slipway launch --profile <name> -- <command> starts one",
        });
      }
      return newest.id;
    }
    const matches = ids.filter((id) => id.startsWith(idOrPrefix));
    if (matches.length === 1 && matches[0] !== undefined) return matches[0];
    if (matches.length > 1) {
      throw new SlipwayError(
        "JOB_AMBIGUOUS",
        `"${idOrPrefix}" matches ${matches.length} jobs: ${matches.sort().join(", ")}`,
        { hint: "give more of the id" },
      );
    }
    throw new SlipwayError("JOB_NOT_FOUND", `no job "${idOrPrefix}" in ${this.jobsDir}`, {
      hint: "slipway list shows the known jobs",
    });
  }
}

function ensurePrivateDir(dir: string): void {
  if (existsSync(dir)) return;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
}
