import {
  chmodSync,
  closeSync,
  constants,
  fstatSync,
  openSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
  type Dirent,
  type Stats,
} from "node:fs";
import { join, sep } from "node:path";
import { SlipwayError, StoreError } from "../errors.ts";
import { jobFiles, type JobFiles } from "./job-files.ts";
import { isJobId, jobRecordSchema, RECORD_VERSION, wellFormedRecord, type JobRecord } from "./job-record.ts";

/** What a scan of the store found: the readable records, newest first, and one error per unreadable entry. */
export interface StoreScan {
  readonly records: JobRecord[];
  readonly problems: StoreError[];
}

// A directory this young without a record is a launch writing it right now, not a problem.
const FRESH_MS = 60_000;

/**
 * The job store: one directory per job under `$SLIPWAY_HOME/jobs` (default `~/.slipway/jobs`), each with its
 * record (`job.json`) and whatever the executor keeps there (logs, exit code). Directories are 0700, files 0600;
 * records are replaced atomically (write a temporary file, then rename). Records are parsed with a schema when
 * read; ids must be job ids and equal their directory's name; symlinked job directories are refused.
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
    this.#jobsDir ??= join(this.root, "jobs");
    return this.#jobsDir;
  }

  #jobsDir: string | undefined;

  /** The files of a job (its directory is created by {@link JobStore.create}). Throws for a malformed id. */
  files(id: string): JobFiles {
    if (!isJobId(id)) {
      throw new SlipwayError("JOB_ID_INVALID", `${JSON.stringify(id.slice(0, 80))} is not a job id`, {
        hint: "job ids are lowercase letters, digits and dashes, e.g. sft-smollm-k3j9x2 (slipway list shows them)",
      });
    }
    // A job id has no separator or dot segment, so plain concatenation is the normalised path.
    return jobFiles(`${this.jobsDir}${sep}${id}`);
  }

  /** The directory of a job. */
  jobDir(id: string): string {
    return this.files(id).dir;
  }

  /** Makes the job's directory and writes its first record. */
  create(record: JobRecord): JobFiles {
    const files = this.files(record.id);
    ensurePrivateDir(this.root, "SLIPWAY_HOME");
    ensurePrivateDir(this.jobsDir, "the job store");
    try {
      mkdirSync(files.dir, { mode: 0o700 });
    } catch (error) {
      throw storeFailure(`cannot create the job directory ${files.dir}`, files.dir, error);
    }
    this.write(record);
    return files;
  }

  /** Replaces a record atomically. */
  write(record: JobRecord): void {
    const file = this.files(record.id).record;
    const temporary = `${file}.${process.pid}.tmp`;
    try {
      writeFileSync(temporary, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
      renameSync(temporary, file);
    } catch (error) {
      throw storeFailure(`cannot write ${file}`, file, error);
    }
  }

  /** Reads the latest record and applies `patch` to it. */
  update(id: string, patch: Partial<Omit<JobRecord, "id" | "version">>): JobRecord {
    const updated = { ...this.read(id), ...patch };
    this.write(updated);
    return updated;
  }

  /**
   * Deletes a job's directory — its record and every log kept here. Refuses what {@link JobStore.read} refuses (a
   * symlink, a malformed id), so nothing outside the store can be removed.
   */
  remove(id: string): void {
    this.read(id);
    const { dir } = this.files(id);
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      throw storeFailure(`cannot remove ${dir}`, dir, error);
    }
  }

  /** Reads and checks a record; a missing job is `JOB_NOT_FOUND`, an unreadable one a {@link StoreError}. */
  read(id: string): JobRecord {
    return this.#read(id, undefined);
  }

  // `entry`: what a directory listing said of the job's directory already, saving an lstat per job in a scan.
  #read(id: string, entry: Dirent | undefined): JobRecord {
    const files = this.files(id);
    const dir = entry ?? lstatOrUndefined(files.dir);
    if (dir === undefined) {
      this.#checkRoot();
      throw new SlipwayError("JOB_NOT_FOUND", `no job "${id}" in ${this.jobsDir}`, {
        hint: "slipway list shows the known jobs",
      });
    }
    if (dir.isSymbolicLink() || !dir.isDirectory()) {
      throw new StoreError(
        `${files.dir} is ${dir.isSymbolicLink() ? "a symbolic link" : "not a directory"}`,
        {
          path: files.dir,
          hint: "job directories are made by slipway; remove this entry from the job store",
        },
      );
    }
    return parseRecord(readRecordFile(files), id, files.record);
  }

  /** Every readable record, newest first, and an error for each entry that is not one. */
  scan(): StoreScan {
    const records: JobRecord[] = [];
    const problems: StoreError[] = [];
    for (const entry of this.#dirents()) {
      const { name } = entry;
      if (name.startsWith(".")) continue;
      if (!isJobId(name)) {
        const path = join(this.jobsDir, name);
        problems.push(new StoreError(`${path}: not a job (its name is not a job id)`, { path }));
        continue;
      }
      try {
        records.push(this.#read(name, entry));
      } catch (error) {
        if (!(error instanceof StoreError)) throw error;
        if (!isBeingCreated(this.files(name))) problems.push(error);
      }
    }
    // ISO times compare as strings; localeCompare would load ICU's collator for nothing.
    records.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    return { records, problems };
  }

  /** All readable records, newest first ({@link JobStore.scan} also says what could not be read). */
  list(): JobRecord[] {
    return this.scan().records;
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
    if (idOrPrefix === undefined) {
      const newest = this.list()[0];
      if (newest === undefined) {
        throw new SlipwayError("JOB_NOT_FOUND", `no jobs in ${this.jobsDir} yet`, {
          hint: "slipway launch --profile <name> -- <command> starts one",
        });
      }
      return newest.id;
    }
    // A prefix is checked as an id would be, so `../x` or `a/b` can never name a path outside the store.
    const files = this.files(idOrPrefix);
    if (lstatOrUndefined(files.dir) !== undefined) return idOrPrefix;
    const matches = this.#entries().filter((id) => isJobId(id) && id.startsWith(idOrPrefix));
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

  #entries(): string[] {
    return this.#dirents().map((entry) => entry.name);
  }

  #dirents(): Dirent[] {
    if (!this.#checkRoot()) return [];
    try {
      return readdirSync(this.jobsDir, { withFileTypes: true });
    } catch (error) {
      throw storeFailure(`cannot list ${this.jobsDir}`, this.jobsDir, error);
    }
  }

  // False when there is no store yet; throws when the store's path is taken by something else.
  #checkRoot(): boolean {
    for (const [dir, what] of [
      [this.root, "SLIPWAY_HOME"],
      [this.jobsDir, "the job store"],
    ] as const) {
      const stats = statOrUndefined(dir);
      if (stats === undefined) return false;
      if (!stats.isDirectory()) throw notADirectory(dir, what);
    }
    return true;
  }
}

// The most a record may hold: a record is a few kB; this bounds a read of something that never ends (a device).
const RECORD_MAX_BYTES = 16 * 1024 * 1024;
let readBuffer: Buffer | undefined;

// Opened without following a link and non-blocking (a FIFO would wait for a writer), then read into one reused
// buffer: open, read, close. A short read of a regular file is its end. The lstat and the two fstats of an lstat and
// readFileSync came to ~40% of a list of 10,000 records.
function readRecordFile(files: JobFiles): string {
  const path = files.record;
  const removeHint = `remove ${files.dir} if the job is not needed`;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new StoreError(`${path} is missing`, { path, hint: removeHint });
    if (code === "ELOOP" || code === "ENXIO")
      throw new StoreError(`${path} is not a regular file`, { path, hint: removeHint });
    throw storeFailure(`cannot read ${path}`, path, error);
  }
  try {
    let buffer = (readBuffer ??= Buffer.allocUnsafe(64 * 1024));
    let length = 0;
    for (;;) {
      const read = readSync(fd, buffer, length, buffer.length - length, null);
      length += read;
      if (read === 0 || length < buffer.length) break;
      if (buffer.length >= RECORD_MAX_BYTES) {
        throw new StoreError(
          `${path} is larger than ${RECORD_MAX_BYTES / 1024 / 1024} MiB: not a job record`,
          {
            path,
            hint: removeHint,
          },
        );
      }
      const larger = Buffer.allocUnsafe(buffer.length * 4);
      buffer.copy(larger, 0, 0, length);
      buffer = larger;
    }
    // Nothing read: an empty file, or a FIFO with no writer, which the stat tells apart.
    if (length === 0 && !fstatSync(fd).isFile())
      throw new StoreError(`${path} is not a regular file`, { path, hint: removeHint });
    return buffer.toString("utf8", 0, length);
  } catch (error) {
    if (error instanceof StoreError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "EISDIR") throw new StoreError(`${path} is not a regular file`, { path, hint: removeHint });
    throw storeFailure(`cannot read ${path}`, path, error);
  } finally {
    closeSync(fd);
  }
}

function parseRecord(text: string, id: string, path: string): JobRecord {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new StoreError(`${path}: not valid JSON (${(error as Error).message})`, {
      path,
      hint: "the record is damaged; remove the job's directory if the job is not needed",
    });
  }
  const version = (data as { version?: unknown } | null)?.version;
  if (typeof version === "number" && version > RECORD_VERSION) {
    throw new StoreError(`${path}: record version ${version} was written by a newer slipway`, {
      path,
      hint: `this slipway reads version ${RECORD_VERSION}; upgrade slipway`,
    });
  }
  const record = wellFormedRecord(data);
  if (record !== undefined && record.id === id) return record;
  const parsed = jobRecordSchema().safeParse(data);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.length === 0 ? "(record)" : i.path.join(".")}: ${i.message}`);
    throw new StoreError(`${path}: not a job record (${issues.join("; ")})`, {
      path,
      hint: "the record is damaged; remove the job's directory if the job is not needed",
    });
  }
  if (parsed.data.id !== id) {
    throw new StoreError(`${path}: holds job "${parsed.data.id}", not "${id}"`, {
      path,
      hint: "a record must sit in the directory named after its id",
    });
  }
  const d = parsed.data;
  return {
    ...d,
    configFile: d.configFile,
    workdir: d.workdir,
    startedAt: d.startedAt,
    endedAt: d.endedAt,
    exitCode: d.exitCode,
    reason: d.reason,
  };
}

function isBeingCreated(files: JobFiles): boolean {
  const dir = lstatOrUndefined(files.dir);
  return (
    dir !== undefined &&
    dir.isDirectory() &&
    lstatOrUndefined(files.record) === undefined &&
    Date.now() - dir.mtimeMs < FRESH_MS
  );
}

function ensurePrivateDir(dir: string, what: string): void {
  const stats = statOrUndefined(dir);
  if (stats !== undefined) {
    if (!stats.isDirectory()) throw notADirectory(dir, what);
    return;
  }
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
  } catch (error) {
    throw storeFailure(`cannot create ${what} at ${dir}`, dir, error);
  }
}

function notADirectory(dir: string, what: string): StoreError {
  return new StoreError(`${what} ${dir} is not a directory`, {
    path: dir,
    hint:
      what === "SLIPWAY_HOME"
        ? "point SLIPWAY_HOME at a directory (or unset it for ~/.slipway)"
        : `move ${dir} away; slipway keeps one directory per job there`,
  });
}

function storeFailure(message: string, path: string, error: unknown): StoreError {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return new StoreError(`${message}${code === undefined ? "" : ` (${code})`}`, {
    path,
    hint: "check the permissions of the job store (SLIPWAY_HOME, default ~/.slipway)",
    cause: error,
  });
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function statOrUndefined(path: string): Stats | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
