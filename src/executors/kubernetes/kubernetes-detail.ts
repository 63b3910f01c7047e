import * as z from "zod";

/**
 * What a kubernetes job's record keeps to find its Job again from any process: the namespace, the kubeconfig files
 * and context it was submitted through (none in-cluster), the API server, the Job's uid (a Job of the same name made
 * later is not this one), the number of nodes (indexed pods) and the grace period of a cancel.
 *
 * @example
 * ```ts
 * kubernetesDetailSchema.parse({ namespace: "ml", server: "https://10.0.0.1:6443", context: "lab", kubeconfig: ["/home/me/.kube/config"], uid: "5f0c…", nodes: 2, graceSeconds: 30 });
 * ```
 */
export const kubernetesDetailSchema = z.strictObject({
  namespace: z.string().min(1),
  server: z.string(),
  /** "" in-cluster. */
  context: z.string(),
  /** The files merged, in order; empty in-cluster. */
  kubeconfig: z.array(z.string()),
  uid: z.string().min(1),
  nodes: z.number().int().positive(),
  /** A sweep's Indexed Job: how many combinations (completion indexes) it runs. */
  tasks: z.number().int().positive().optional(),
  graceSeconds: z.number().int().nonnegative(),
});

/** A kubernetes job record's `detail`. */
export type KubernetesDetail = z.infer<typeof kubernetesDetailSchema>;
