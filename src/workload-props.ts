import { IConstruct } from 'constructs';
import { AgentContainerProps } from './agent-container';
import { ApiAccess } from './api-access';
import { ClusterDnsOptions, EgressEnforcement } from './egress-allowlist';
import { describeValue, ensure } from './errors';
import { checkLabels, checkServiceName, looksSecret } from './input-checks';
import { claimName } from './object-names';
import { checkPodInput, DnsPolicy, PodIdentityProps } from './pod-hardening';
import { POLICY_EXCEPTION_PREFIX } from './policy/rules';
import { SandboxRuntime, UNSANDBOXED_ANNOTATION } from './sandbox-runtime';
import { workloadLabels } from './workload';

/**
 * Props every ftekit workload shares (FteSandbox, SandboxPool, DaprWorker): the hardened
 * container plus its name, runtime, pod identity, API access, pod metadata and network
 * allowlist.
 */
export interface WorkloadProps extends AgentContainerProps {
  /**
   * Object name of the workload and of its ServiceAccount and policies.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Isolation runtime of the pods: its RuntimeClass, node selector and tolerations.
   * @default SandboxRuntime.GVISOR
   */
  readonly runtime?: SandboxRuntime;
  /**
   * UID, GID and fsGroup of the pods' security context (never root).
   * @default - UID, GID and fsGroup 65532
   */
  readonly identity?: PodIdentityProps;
  /**
   * How the pods resolve names (`spec.dnsPolicy`).
   * @default DnsPolicy.CLUSTER_FIRST
   */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Kubernetes API access. Without it the ServiceAccount token is not mounted.
   * @default - none
   */
  readonly apiAccess?: ApiAccess[];
  /**
   * Extra labels on the pods; keys ftekit sets itself (its selectors use them) are refused.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations on the pods; `ftekit.dev/unsandboxed` is refused (ftekit sets it from the
   * runtime).
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * How the egress allowlist is enforced.
   * @default EgressEnforcement.KUBERNETES
   */
  readonly egressEnforcement?: EgressEnforcement;
  /**
   * Seed-style egress destinations (`kafka:9092`, `api.anthropic.com:443`); more with
   * `.network.allowTo(...)`.
   * @default - DNS only
   */
  readonly egress?: string[];
  /**
   * Where cluster DNS runs: the workload's allowlist always permits egress to it on 53/UDP and
   * 53/TCP.
   * @default - kube-dns in kube-system
   */
  readonly clusterDns?: ClusterDnsOptions;
}

/**
 * Checks the props of {@link WorkloadProps} in the same way for every workload and
 * returns the resolved name and runtime. Pod label and annotation keys starting with one
 * of `reservedPrefixes` are refused with the problem `reservedProblem` describes.
 */
export function checkWorkloadProps(
  scope: IConstruct,
  kind: string,
  id: string,
  props: WorkloadProps,
  reservedPrefixes: readonly string[],
  reservedProblem: (key: string, prefix: string) => string,
): { readonly name: string; readonly runtime: SandboxRuntime } {
  const name = props.name ?? id;
  ensure(scope, kind, 'name', checkServiceName(name));
  // Every workload has a ServiceAccount (and Service, policies) of its name.
  claimName(scope, kind, 'name', 'ServiceAccount', name);
  // The workload's Service (ours, or the agent-sandbox controller's for a Sandbox).
  claimName(scope, kind, 'name', 'Service', name);
  checkPodInput(scope, kind, props);
  const runtime = props.runtime ?? SandboxRuntime.GVISOR;
  ensure(scope, kind, 'runtime', runtime instanceof SandboxRuntime ? undefined : `${describeValue(props.runtime)} is not a SandboxRuntime; expected e.g. SandboxRuntime.GVISOR`);
  ensure(scope, kind, 'dnsPolicy', props.dnsPolicy === undefined || Object.values(DnsPolicy).includes(props.dnsPolicy) ? undefined : `${describeValue(props.dnsPolicy)} is not a DnsPolicy; expected DnsPolicy.CLUSTER_FIRST or DnsPolicy.DEFAULT`);
  ensure(scope, kind, 'podLabels', checkLabels(props.podLabels));
  ensure(scope, kind, 'podAnnotations', Object.keys(props.podAnnotations ?? {}).map((k) => checkLabels({ [k]: '' })).find((p) => p));
  for (const field of ['podLabels', 'podAnnotations'] as const) {
    for (const key of Object.keys(props[field] ?? {})) {
      const reserved = reservedPrefixes.find((p) => key.startsWith(p));
      ensure(scope, kind, field, reserved ? reservedProblem(key, reserved) : undefined);
    }
  }
  // ftekit sets these itself; a user value would be silently replaced.
  const ownLabel = Object.keys(props.podLabels ?? {}).find((k) => k in workloadLabels('x', 'x'));
  ensure(scope, kind, 'podLabels', ownLabel ? `key ${JSON.stringify(ownLabel)} is set by ftekit on every pod (its selectors use it); expected another key` : undefined);
  ensure(scope, kind, 'podAnnotations', props.podAnnotations && UNSANDBOXED_ANNOTATION in props.podAnnotations ? `key ${JSON.stringify(UNSANDBOXED_ANNOTATION)} is set by ftekit from SandboxRuntime.unsandboxedForLocalDevelopment(reason); expected another key` : undefined);
  return { name, runtime };
}

/**
 * Object metadata that makes literals declared not secret (`EnvValue.fromValue(v,
 * { notSecret: true })` under a secret-looking name such as `MAX_TOKENS`) visible to the
 * policy gate as an exception of rule `env-secret-literal`, with the names as the reason.
 * Every other secret-looking literal was refused when the props were checked. Empty when
 * there is none, so output without such literals is unchanged.
 */
export function declaredNotSecretMetadata(props: AgentContainerProps): { annotations?: Record<string, string> } {
  const names = Object.entries(props.env ?? {}).filter(([name, value]) => value.isLiteral && looksSecret(name)).map(([name]) => name).sort();
  if (names.length === 0) return {};
  return { annotations: { [`${POLICY_EXCEPTION_PREFIX}env-secret-literal`]: `declared not secret (EnvValue.fromValue(..., { notSecret: true })): ${names.join(', ')}` } };
}
