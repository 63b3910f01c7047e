/** The fields of a Kubernetes condition that slipway reads. */
export interface KubeCondition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
}

/** The fields of a batch/v1 Job that slipway reads (the API sends more). */
export interface KubeJob {
  readonly metadata: {
    readonly name: string;
    readonly uid: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly spec?: {
    readonly suspend?: boolean;
    readonly completions?: number;
    readonly activeDeadlineSeconds?: number;
    readonly template?: {
      readonly spec?: {
        readonly nodeSelector?: Readonly<Record<string, string>>;
        readonly containers?: readonly {
          readonly resources?: {
            readonly limits?: Readonly<Record<string, string>>;
            readonly requests?: Readonly<Record<string, string>>;
          };
        }[];
      };
    };
  };
  readonly status?: {
    readonly conditions?: readonly KubeCondition[];
    readonly active?: number;
    readonly ready?: number;
    readonly succeeded?: number;
    readonly failed?: number;
    readonly terminating?: number;
    /** An Indexed Job's indexes that succeeded (`"0-2,5"`), and with a per-index backoff limit, those that failed. */
    readonly completedIndexes?: string;
    readonly failedIndexes?: string;
  };
}

/** A container's state as the kubelet reports it. */
export interface KubeContainerState {
  readonly waiting?: { readonly reason?: string; readonly message?: string };
  readonly running?: { readonly startedAt?: string };
  readonly terminated?: {
    readonly exitCode: number;
    readonly signal?: number;
    readonly reason?: string;
    readonly message?: string;
    readonly finishedAt?: string;
  };
}

/** The fields of a Pod that slipway reads. */
export interface KubePod {
  readonly metadata: {
    readonly name: string;
    readonly creationTimestamp?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
    readonly deletionTimestamp?: string;
  };
  readonly status?: {
    readonly phase?: string;
    readonly reason?: string;
    readonly message?: string;
    readonly conditions?: readonly KubeCondition[];
    readonly containerStatuses?: readonly {
      readonly name: string;
      readonly state?: KubeContainerState;
      readonly lastState?: KubeContainerState;
    }[];
    readonly initContainerStatuses?: readonly {
      readonly name: string;
      readonly state?: KubeContainerState;
    }[];
  };
}

/** A LIST answer. */
export interface KubeList<T> {
  readonly metadata: { readonly resourceVersion?: string };
  readonly items: readonly T[];
}

/** The completion index of an Indexed Job's pod (0 for a plain Job's). */
export function podIndex(pod: KubePod): number {
  const value =
    pod.metadata.annotations?.["batch.kubernetes.io/job-completion-index"] ??
    pod.metadata.labels?.["batch.kubernetes.io/job-completion-index"];
  return value === undefined ? 0 : Number(value);
}
