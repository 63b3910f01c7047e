import { shq, shqJoin } from "../../shell-quote.ts";

/** Files slipway keeps in a job's directory on the cluster; sbatch runs there, so the script names them relatively. */
export const JOB_FILES = {
  script: "job.sbatch",
  secrets: "secrets.env",
  code: "code",
  codeArchive: "code.tar.gz",
  /** The launch directory relative to the repository root, written at submit (git finds the root). */
  codeSubdir: "code.subdir",
  /** A sweep's combinations, one `case` per array task (no secret in it). */
  sweepParams: "sweep.params",
  submitted: ".submitted",
} as const;

/** What goes into an sbatch script; everything is decided by the plan, nothing here reads the world. */
export interface ScriptInput {
  readonly jobId: string;
  readonly profile: string;
  /** sbatch options, one `#SBATCH` line each. */
  readonly directives: readonly string[];
  /** Plain variables for every rank, exported by the script (secrets are not here). */
  readonly env: Readonly<Record<string, string>>;
  /** Whether a secrets file is shipped beside the script. */
  readonly hasSecrets: boolean;
  /** Names of the variables only node 0 keeps (their values are in `env`). */
  readonly rankZeroOnly: readonly string[];
  readonly setup: readonly string[];
  /** Where the command runs: an absolute path, a path inside the shipped code, or the job directory. */
  readonly workdir: { readonly kind: "path"; readonly path: string } | { readonly kind: "code" } | undefined;
  /** The `srun` options of the step. */
  readonly srun: readonly string[];
  readonly command: readonly string[];
  readonly torchrun: { readonly nodes: number; readonly nprocPerNode: number | "gpu" } | undefined;
  readonly retries: number;
  /** Number of array tasks, or `undefined` for a single job. */
  readonly arrayTasks: number | undefined;
  /** A sweep: each task's argv and varying variables come from the parameter file, not from `command`. */
  readonly sweep?: boolean;
}

/**
 * The sbatch script of a job. It never holds a secret: those are sourced from `secrets.env` with tracing off. The
 * exit code lands in `exit-code` (`exit-code-<index>` for array tasks) so a job that left slurmctld's memory still
 * has a known end; the secrets file is deleted when the job (every task of an array) ends, unless it is requeued.
 *
 * @example
 * ```ts
 * const script = sbatchScript({ jobId: "sft-k3j9x2", directives: ["--job-name=sft-k3j9x2"], ... });
 * ```
 */
export function sbatchScript(input: ScriptInput): string {
  const lines = [
    "#!/bin/bash",
    ...input.directives.map((directive) => `#SBATCH ${directive}`),
    `# Written by slipway for job ${input.jobId} (profile ${input.profile}). sbatch runs in the job's directory:`,
    "# logs, exit code and secrets file are relative to it.",
    "{ set +xv; } 2>/dev/null",
    "slipway_dir=${SLURM_SUBMIT_DIR:?not started by sbatch}",
    "slipway_task=${SLURM_ARRAY_TASK_ID:+-$SLURM_ARRAY_TASK_ID}",
    ...endTrap(input),
    ...(input.hasSecrets ? readSecrets() : []),
    "export SLURM_EXPORT_ENV=ALL",
    ...Object.entries(input.env).map(([name, value]) => `export ${name}=${shq(value)}`),
    ...(input.sweep === true ? [`. "$slipway_dir/${JOB_FILES.sweepParams}" || exit 1`] : []),
    ...workdirLines(input),
    ...input.setup,
    ...stepLines(input),
  ];
  return `${lines.join("\n")}\n`;
}

function endTrap(input: ScriptInput): string[] {
  const requeue =
    input.retries > 0
      ? [
          `  if [ "$slipway_code" -ne 0 ] && [ "\${SLURM_RESTART_COUNT:-0}" -lt ${input.retries} ] && scontrol requeue "$SLURM_JOB_ID"; then`,
          '    exit "$slipway_code"',
          "  fi",
        ]
      : [];
  return [
    "slipway_end() {",
    "  slipway_code=$?",
    "  trap - EXIT TERM",
    ...requeue,
    `  printf '%s\\n' "$slipway_code" > "$slipway_dir/exit-code$slipway_task"`,
    ...(input.hasSecrets
      ? [
          input.arrayTasks === undefined
            ? `  rm -f "$slipway_dir/${JOB_FILES.secrets}"`
            : // An array's secrets go when every task has written its exit code; the last writer sees them all.
              `  if [ "$(ls "$slipway_dir" | grep -c '^exit-code-')" -ge ${input.arrayTasks} ]; then rm -f "$slipway_dir/${JOB_FILES.secrets}"; fi`,
        ]
      : []),
    '  exit "$slipway_code"',
    "}",
    "trap slipway_end EXIT",
    "trap 'exit 143' TERM",
  ];
}

function readSecrets(): string[] {
  return [
    `if ! . "$slipway_dir/${JOB_FILES.secrets}"; then`,
    `  echo "slipway: cannot read $slipway_dir/${JOB_FILES.secrets} (deleted when the job ended or was cancelled)" >&2`,
    "  exit 1",
    "fi",
  ];
}

function workdirLines(input: ScriptInput): string[] {
  if (input.workdir === undefined) return [];
  if (input.workdir.kind === "path") return [`cd ${shq(input.workdir.path)} || exit 1`];
  // The shipped repository runs from the launch directory's counterpart inside it.
  return [`cd "$slipway_dir/${JOB_FILES.code}/$(cat "$slipway_dir/${JOB_FILES.codeSubdir}")" || exit 1`];
}

function stepLines(input: ScriptInput): string[] {
  const lines: string[] = [];
  const inner: string[] = [];
  if (input.rankZeroOnly.length > 0) {
    inner.push(`if [ "$SLURM_NODEID" != 0 ]; then unset ${input.rankZeroOnly.join(" ")}; fi`);
  }
  if (input.torchrun !== undefined) {
    lines.push(
      'slipway_head=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)',
      "slipway_addr=$(scontrol show node \"$slipway_head\" | sed -n 's/.*NodeAddr=\\([^ ]*\\).*/\\1/p')",
      "export MASTER_ADDR=${slipway_addr:-$slipway_head}",
      "export MASTER_PORT=$((20000 + SLURM_JOB_ID % 20000))",
    );
    inner.push(
      `exec torchrun --nnodes=${input.torchrun.nodes} --nproc-per-node=${input.torchrun.nprocPerNode} --node-rank="$SLURM_NODEID" --master-addr="$MASTER_ADDR" --master-port="$MASTER_PORT" "$@"`,
    );
  } else if (inner.length > 0) {
    inner.push('exec "$@"');
  }
  const run =
    inner.length === 0 ? input.command : ["bash", "-c", inner.join("; "), "slipway-step", ...input.command];
  // A sweep's argv is the task's own, set by the parameter file.
  const argv = input.sweep === true ? ' "${slipway_argv[@]}"' : "";
  // In the background and waited for, so a cancel's SIGTERM reaches the trap at once.
  lines.push(`srun ${shqJoin([...input.srun, ...run])}${argv} &`, "wait $!");
  return lines;
}
