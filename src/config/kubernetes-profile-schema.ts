import * as z from "zod";
import { commonShape, executorField } from "./common-profile-schema.ts";
import { choice, nonEmptyStr, str } from "./fields.ts";

const stringTable = () => z.record(z.string(), str());

/** A `kubernetes` profile as written. */
export function kubernetesProfileSchema() {
  return z
    .strictObject({
      executor: executorField("kubernetes"),
      ...commonShape,
      image: nonEmptyStr().describe("Container image to run (required)."),
      namespace: str().describe("Namespace of the job (default default).").meta({ default: "default" }),
      context: str().describe("kubeconfig context (default: the current context)."),
      kubeconfig: str().describe("Path of the kubeconfig file (default: KUBECONFIG, then ~/.kube/config)."),
      service_account: str().describe("Service account the pods run as."),
      node_selector: stringTable().describe("Node labels the pods must match."),
      image_pull_policy: choice(["Always", "IfNotPresent", "Never"]).describe("Kubernetes imagePullPolicy."),
      secret_name: str().describe("Existing Secret holding credentials such as the W&B key."),
    })
    .partial()
    .describe("Profile running the job as a Kubernetes Job.");
}
