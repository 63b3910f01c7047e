import { posix } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { CommandError, SlipwayError } from "../../errors.ts";
import { shq, shqJoin } from "../../shell-quote.ts";
import type { CommandRunner } from "../../transport/command-runner.ts";
import { packedFor, type CodePackage } from "../../package/code-package.ts";
import { tarGz } from "../../package/tar-files.ts";
import { commentTag, type SlurmPlan } from "./plan.ts";
import { INVALID_ARRAY, maxArraySizeOf } from "./max-array-size.ts";
import { JOB_FILES } from "./script.ts";

/**
 * What a submit gave: Slurm's id (and cluster, with multi-cluster setups) and where the job's files are.
 *
 * @example
 * ```ts
 * const { nativeId, jobDir }: SbatchSubmitted = await submitSlurm(plan, runner, undefined);
 * ```
 */
export interface SbatchSubmitted {
  readonly nativeId: string;
  readonly cluster: string | undefined;
  /** The job directory, absolute on the cluster. */
  readonly jobDir: string;
}

/** Printed by the submit command when the job directory says an earlier attempt already ran sbatch. */
const ALREADY_SUBMITTED = "slipway:already-submitted";
const ATTEMPTS = 3;

/**
 * Ships a planned job and submits it: the job directory (0700) with the script, the secrets file (0600) and the
 * code archive over SFTP, then one command that unpacks the code and runs `sbatch --parsable` there. A marker made
 * with `mkdir` lets sbatch run at most once per job; if the connection drops, the retry finds the job by its
 * `--comment` tag instead of submitting it again. On any failure the secrets file is removed.
 *
 * @example
 * ```ts
 * const { nativeId } = await submitSlurm(plan, runner, options.code);
 * ```
 */
export async function submitSlurm(
  plan: SlurmPlan,
  transport: CommandRunner,
  packed: CodePackage | undefined,
): Promise<SbatchSubmitted> {
  const code = plan.code === undefined ? undefined : packedFor(plan.code, packed);
  const jobDir = absolutePath(plan.jobDir, await transport.home());
  await ensureParent(transport, posix.dirname(jobDir));
  await transport.mkdir(jobDir, 0o700);
  const secrets = Object.entries(plan.secrets);
  try {
    await Promise.all([
      transport.writeFile(`${jobDir}/${JOB_FILES.script}`, plan.script, 0o600),
      ...(secrets.length === 0
        ? []
        : [
            transport.writeFile(
              `${jobDir}/${JOB_FILES.secrets}`,
              secrets.map(([name, secret]) => `export ${name}=${shq(secret.reveal())}\n`).join(""),
              0o600,
            ),
          ]),
      ...(plan.sweepParams === undefined
        ? []
        : [transport.writeFile(`${jobDir}/${JOB_FILES.sweepParams}`, plan.sweepParams, 0o600)]),
      ...(code === undefined ? [] : shipCode(transport, jobDir, code)),
    ]);
    return await sbatchOnce(plan, transport, jobDir, code !== undefined);
  } catch (error) {
    if (secrets.length > 0) {
      await transport.run(`rm -f ${shq(`${jobDir}/${JOB_FILES.secrets}`)}`).catch(() => undefined);
    }
    throw error;
  }
}

function shipCode(transport: CommandRunner, jobDir: string, code: CodePackage): Promise<void>[] {
  return [
    transport.writeFile(
      `${jobDir}/${JOB_FILES.codeArchive}`,
      tarGz(code.entries, { mtime: code.mtime }),
      0o600,
    ),
    transport.writeFile(`${jobDir}/${JOB_FILES.codeSubdir}`, code.summary.subdir, 0o600),
  ];
}

async function sbatchOnce(
  plan: SlurmPlan,
  transport: CommandRunner,
  jobDir: string,
  hasCode: boolean,
): Promise<SbatchSubmitted> {
  const unpack = hasCode
    ? `mkdir ${JOB_FILES.code} && tar -xzf ${JOB_FILES.codeArchive} -C ${JOB_FILES.code} && rm -f ${JOB_FILES.codeArchive} && `
    : "";
  // sbatch ignores SIGHUP, so a dropped session cannot stop it half way; the marker makes a retry look, not resubmit.
  const command =
    `cd ${shq(jobDir)} && if mkdir ${JOB_FILES.submitted} 2>/dev/null; then trap '' HUP; ` +
    `${unpack}${shqJoin(plan.submit)}; else echo ${ALREADY_SUBMITTED}; fi`;
  for (let attempt = 1; ; attempt++) {
    let result;
    try {
      result = await transport.run(command);
    } catch (error) {
      if (attempt < ATTEMPTS && error instanceof SlipwayError && error.code === "ENGINE_UNREACHABLE")
        continue;
      throw error;
    }
    if (result.stdout.includes(ALREADY_SUBMITTED)) return findByTag(plan, transport, jobDir);
    if (result.exitCode !== 0) {
      const stderr = result.stderr.trim();
      const arrayHint = stderr.includes(INVALID_ARRAY) ? await arrayLimitHint(plan, transport) : undefined;
      throw new CommandError(
        "ENGINE_ERROR",
        `sbatch failed on ${transport.label} (exit ${result.exitCode}): ${stderr.split("\n")[0] ?? ""}\n` +
          `  command: cd ${plan.jobDir} && ${shqJoin(plan.submit)}${stderr.includes("\n") ? `\n${stderr}` : ""}`,
        {
          argv: plan.submit,
          exitCode: result.exitCode,
          stderr,
          host: transport.label,
          hint:
            arrayHint ??
            "check the profile's partition, account, qos, time and sbatch_args against `sinfo` on the cluster",
        },
      );
    }
    const [nativeId = "", cluster] = result.stdout.trim().split("\n").pop()?.split(";") ?? [];
    if (!/^\d+$/.test(nativeId)) {
      throw new SlipwayError(
        "ENGINE_ERROR",
        `sbatch on ${transport.label} printed no job id: ${JSON.stringify(result.stdout.trim())}`,
      );
    }
    return { nativeId, cluster, jobDir };
  }
}

/**
 * For an array sbatch refused: the cluster's own `MaxArraySize` (asked only now, so a good submit costs no extra
 * round trip) against the job's largest index.
 */
async function arrayLimitHint(plan: SlurmPlan, transport: CommandRunner): Promise<string | undefined> {
  const largest = plan.arrayIndices?.at(-1);
  if (largest === undefined) return undefined;
  const config = await transport.run("scontrol show config").catch(() => undefined);
  const limit = config === undefined ? undefined : maxArraySizeOf(config.stdout);
  if (limit === undefined || largest < limit) return undefined;
  return (
    `this cluster's MaxArraySize is ${limit}, so array indices go up to ${limit - 1}, and this job's largest is ` +
    `${largest}: split it (a sweep: fewer values, or --sweep-mode random --samples ${limit}), or ask the admins`
  );
}

/** After a lost answer: the job an earlier attempt submitted, found by its comment tag (sbatch may still be running). */
async function findByTag(
  plan: SlurmPlan,
  transport: CommandRunner,
  jobDir: string,
): Promise<SbatchSubmitted> {
  const tag = commentTag(plan.jobId);
  for (let tries = 0; tries < 20; tries++) {
    const result = await transport.run(`squeue -h -t all --me --name=${shq(plan.jobId)} -o '%F|%k'`);
    for (const line of result.stdout.split("\n")) {
      const [id, comment] = line.trim().split("|");
      if (id !== undefined && /^\d+$/.test(id) && comment === tag)
        return { nativeId: id, cluster: undefined, jobDir };
    }
    await sleep(500);
  }
  throw new SlipwayError(
    "ENGINE_ERROR",
    `the submit of ${plan.jobId} on ${transport.label} was interrupted and no job tagged ${tag} appeared`,
    { hint: `check with: squeue --me --name=${plan.jobId}; launch again if it is not there` },
  );
}

const checkedParents = new WeakMap<CommandRunner, Set<string>>();

/** Creates `remote_job_dir` once per cluster and process; a failure says the directory is not writable. */
async function ensureParent(transport: CommandRunner, dir: string): Promise<void> {
  const done = checkedParents.get(transport) ?? new Set<string>();
  checkedParents.set(transport, done);
  if (done.has(dir)) return;
  const result = await transport.run(`mkdir -p ${shq(dir)} && test -w ${shq(dir)}`);
  if (result.exitCode !== 0) {
    throw new SlipwayError(
      "ENGINE_ERROR",
      `remote_job_dir ${dir} is not writable on ${transport.label}${result.stderr.trim() === "" ? "" : `: ${result.stderr.trim().split("\n")[0] ?? ""}`}`,
      {
        hint: "set remote_job_dir in the profile to a directory you can write on the cluster (a shared filesystem)",
      },
    );
  }
  done.add(dir);
}

/**
 * A job directory as written (`~/…`, relative, or absolute) made absolute with the remote home.
 *
 * @example
 * ```ts
 * absolutePath("~/.slipway/jobs/a", "/home/me"); // "/home/me/.slipway/jobs/a"
 * ```
 */
export function absolutePath(path: string, home: string): string {
  if (path === "~") return home;
  if (path.startsWith("~/")) return posix.join(home, path.slice(2));
  return posix.isAbsolute(path) ? posix.normalize(path) : posix.join(home, path);
}
