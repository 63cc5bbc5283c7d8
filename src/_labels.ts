/*
 * Every label and annotation key the constructs write and the policy gate reads, defined
 * once. Constructs and src/policy import from here; nothing else spells these keys.
 */

/** Label every ftekit pod carries with its workload's name; policies and Services select on it. */
export const WORKLOAD_LABEL = 'ftekit.dev/workload';

/** Label of an agent pod whose ServiceAccount token is mounted on purpose (apiAccess). */
export const API_ACCESS_LABEL = 'ftekit.dev/api-access';

/** Annotation put on every pod that runs without a sandboxed runtime, so it shows in review. */
export const UNSANDBOXED_ANNOTATION = 'ftekit.dev/unsandboxed';

/** Annotation on a SandboxWarmPool saying how its size was derived from the pool's demand. */
export const POOL_SIZING_ANNOTATION = 'ftekit.dev/pool-sizing';

/** Annotation listing hostname rules that were widened to public addresses. */
export const HOSTNAME_FALLBACK_ANNOTATION = 'ftekit.dev/hostname-fallback';

/** Prefix of the annotation that excepts one object from one rule: `<prefix><rule-id>: <reason>`. */
export const POLICY_EXCEPTION_PREFIX = 'policy.ftekit.dev/exception.';

/** The recommended `app.kubernetes.io/*` labels ftekit writes. */
export const APP_NAME_LABEL = 'app.kubernetes.io/name';
/** `app.kubernetes.io/component` */
export const APP_COMPONENT_LABEL = 'app.kubernetes.io/component';
/** `app.kubernetes.io/part-of` (always `ftekit`) */
export const APP_PART_OF_LABEL = 'app.kubernetes.io/part-of';
/** `app.kubernetes.io/managed-by` (always `ftekit`) */
export const APP_MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
/** The value of {@link APP_PART_OF_LABEL} and {@link APP_MANAGED_BY_LABEL}. */
export const FTEKIT = 'ftekit';

/** The label the API server puts on every Namespace with its name; namespace selectors use it. */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Pod Security admission labels of a Namespace. */
export const POD_SECURITY_ENFORCE_LABEL = 'pod-security.kubernetes.io/enforce';
/** `pod-security.kubernetes.io/enforce-version` */
export const POD_SECURITY_ENFORCE_VERSION_LABEL = 'pod-security.kubernetes.io/enforce-version';
/** `pod-security.kubernetes.io/audit` */
export const POD_SECURITY_AUDIT_LABEL = 'pod-security.kubernetes.io/audit';
/** `pod-security.kubernetes.io/warn` */
export const POD_SECURITY_WARN_LABEL = 'pod-security.kubernetes.io/warn';

/** Prefixes of pod labels and annotations the agent-sandbox controller drops from a pod template. */
export const AGENT_SANDBOX_PREFIXES: readonly string[] = ['agents.x-k8s.io/', 'extensions.agents.x-k8s.io/'];

/** Prefix of every Dapr label and annotation (the worker and the injector own it). */
export const DAPR_PREFIX = 'dapr.io/';

/** Pod label the Dapr injector puts on every pod it injected. */
export const DAPR_INJECTED_LABEL = 'dapr.io/sidecar-injected';

/** The `dapr.io/*` pod annotations ftekit writes (and the policy reads) to configure the sidecar. */
export const DAPR_ANNOTATIONS = {
  enabled: 'dapr.io/enabled',
  appId: 'dapr.io/app-id',
  appPort: 'dapr.io/app-port',
  appProtocol: 'dapr.io/app-protocol',
  config: 'dapr.io/config',
  logLevel: 'dapr.io/log-level',
  enableMetrics: 'dapr.io/enable-metrics',
  metricsPort: 'dapr.io/metrics-port',
  gracefulShutdownSeconds: 'dapr.io/graceful-shutdown-seconds',
  listenAddresses: 'dapr.io/sidecar-listen-addresses',
  cpuRequest: 'dapr.io/sidecar-cpu-request',
  cpuLimit: 'dapr.io/sidecar-cpu-limit',
  memoryRequest: 'dapr.io/sidecar-memory-request',
  memoryLimit: 'dapr.io/sidecar-memory-limit',
  seccompProfileType: 'dapr.io/sidecar-seccomp-profile-type',
} as const;

/** Node label and taint key of GKE Sandbox nodes. */
export const GKE_SANDBOX_LABEL = 'sandbox.gke.io/runtime';
