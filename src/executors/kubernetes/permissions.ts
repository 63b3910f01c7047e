/** One permission the executor uses: an API group, a resource (with its subresource) and a verb. */
export interface Permission {
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly verb: string;
  /** Why slipway needs it. */
  readonly use: string;
}

/**
 * Every permission the kubernetes executor uses in a job's namespace, and what for: the minimal Role (the README
 * shows it as YAML) and what `slipway doctor` asks the API server about with `SelfSubjectAccessReview`s.
 *
 * @example
 * ```ts
 * KUBERNETES_PERMISSIONS.filter((p) => p.resource === "secrets").map((p) => p.verb); // ["create", "get"]
 * ```
 */
export const KUBERNETES_PERMISSIONS: readonly Permission[] = [
  { group: "batch", resource: "jobs", verb: "create", use: "submit" },
  { group: "batch", resource: "jobs", verb: "get", use: "a retried submit finds its Job" },
  { group: "batch", resource: "jobs", verb: "list", use: "status (one LIST for all jobs)" },
  { group: "batch", resource: "jobs", verb: "watch", use: "wait" },
  {
    group: "batch",
    resource: "jobs",
    verb: "patch",
    use: "unsuspend after the Secret exists; mark a cancel",
  },
  {
    group: "batch",
    resource: "jobs",
    verb: "delete",
    use: "cancel and cleanup (the Job's pods, Secret and Service go with it)",
  },
  { group: "", resource: "secrets", verb: "create", use: "the per-job Secret with the W&B key" },
  { group: "", resource: "secrets", verb: "get", use: "a retried submit finds its Secret" },
  { group: "", resource: "configmaps", verb: "create", use: "the shipped code (package = git or dir)" },
  { group: "", resource: "configmaps", verb: "get", use: "a retried submit finds its ConfigMap" },
  { group: "", resource: "services", verb: "create", use: "the headless Service of a multi-node job" },
  { group: "", resource: "services", verb: "get", use: "a retried submit finds its Service" },
  { group: "", resource: "pods", verb: "list", use: "why a job waits, how it failed, whose logs to read" },
  { group: "", resource: "pods", subresource: "log", verb: "get", use: "logs" },
];

/** A permission as `kubectl auth can-i` writes it: `create secrets`, `get pods/log`, `list jobs.batch`. */
export function permissionText(permission: Permission): string {
  const resource =
    permission.group === "" ? permission.resource : `${permission.resource}.${permission.group}`;
  return `${permission.verb} ${resource}${permission.subresource === undefined ? "" : `/${permission.subresource}`}`;
}
