import type { ExecutorKind } from "../../config/types.ts";

/** What a job's native id is, in words, to follow the executor's name: `local pid 6558`, `slurm job 4242`. */
export function nativeLabel(executor: ExecutorKind, nativeId: string): string {
  if (nativeId === "") return "not started";
  switch (executor) {
    case "local":
      return `pid ${nativeId}`;
    case "docker":
      return `container ${nativeId}`;
    case "slurm":
      return `job ${nativeId}`;
    case "kubernetes":
      return `job ${nativeId}`;
    case "ray":
      return `job ${nativeId}`;
  }
}
