import { PROBE_HOST_SINCE, SAFE_SYSCTLS_TEXT, SELINUX_TYPES_TEXT, USER_NAMESPACE_RELAXATION_SINCE } from './kubernetes-version';

/** How bad a finding is: errors fail the gate, warnings are reported only. */
export type PolicySeverity = 'error' | 'warning';

/** One rule of the policy gate. */
export interface PolicyRule {
  /** Stable id, used in reports and in exception annotations. */
  readonly id: string;
  /** Severity of every finding of this rule. */
  readonly severity: PolicySeverity;
  /** What the rule checks, in one sentence. */
  readonly description: string;
  /** How to fix a finding. */
  readonly fix: string;
  /** Whether an object may carry a deliberate exception for this rule. */
  readonly exceptable: boolean;
}

import { POLICY_EXCEPTION_PREFIX } from '../_labels';

export { POLICY_EXCEPTION_PREFIX };

const rule = (id: string, description: string, fix: string, exceptable = true, severity: PolicySeverity = 'error'): PolicyRule => ({ id, severity, description, fix, exceptable });

/**
 * Every rule of the policy gate, in report order. The README's "Policy" section lists the
 * same ids (a test keeps them in step).
 */
export const POLICY_RULES: readonly PolicyRule[] = [
  rule('object-malformed',
    'Every manifest is a mapping with apiVersion, kind and metadata.name (or generateName), and every pod template has a pod spec with at least one well-formed container, so the other rules can judge it.',
    'Fix the manifest structure; an object the gate cannot read is never let through.', false),
  rule('policy-exception-invalid',
    `Every exception annotation (${POLICY_EXCEPTION_PREFIX}<rule-id>) names an existing rule that can be excepted and gives a non-empty reason.`,
    'Use PolicyException.add(construct, ruleId, reason) or fix the annotation key and value.', false),
  rule('pss-host-namespaces',
    'Pod Security baseline: hostNetwork, hostPID and hostIPC are unset or false.',
    'Remove hostNetwork/hostPID/hostIPC from the pod spec.'),
  rule('pss-host-process',
    'Pod Security baseline: no Windows HostProcess containers (windowsOptions.hostProcess unset or false, pod and containers).',
    'Remove securityContext.windowsOptions.hostProcess.'),
  rule('pss-privileged',
    'Pod Security baseline: no container (init, ephemeral included) runs privileged.',
    'Remove securityContext.privileged or set it to false.'),
  rule('pss-capabilities',
    'Pod Security restricted: every container drops ALL capabilities and adds none but NET_BIND_SERVICE.',
    'Set securityContext.capabilities to { drop: ["ALL"] } (add only NET_BIND_SERVICE if the container binds a port below 1024).'),
  rule('pss-host-path-volumes',
    'Pod Security baseline: no hostPath volumes.',
    'Use an emptyDir, a PersistentVolumeClaim, a ConfigMap or a Secret instead of hostPath.'),
  rule('pss-volume-types',
    'Pod Security restricted: volumes are only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected or secret.',
    'Replace the volume with a PersistentVolumeClaim (or another allowed type).'),
  rule('pss-host-ports',
    'Pod Security baseline: no container port sets hostPort.',
    'Remove ports[].hostPort; expose the pod through a Service.'),
  rule('pss-host-probes',
    `Pod Security baseline from 1.${PROBE_HOST_SINCE}, checked for every version: probes and lifecycle handlers do not set a host (httpGet.host, tcpSocket.host).`,
    'Remove .host from the probe or lifecycle handler; it then targets the pod itself.'),
  rule('pss-apparmor',
    'Pod Security baseline: AppArmor is not Unconfined (appArmorProfile.type RuntimeDefault or Localhost; legacy annotation runtime/default or localhost/*).',
    'Remove the Unconfined AppArmor profile, or use RuntimeDefault.'),
  rule('pss-selinux',
    `Pod Security baseline: seLinuxOptions.type is empty or one of ${SELINUX_TYPES_TEXT}, and user and role are unset.`,
    'Remove seLinuxOptions, or keep only an allowed type.'),
  rule('pss-proc-mount',
    'Pod Security restricted: procMount is unset or Default on every container.',
    'Remove securityContext.procMount.'),
  rule('pss-seccomp',
    'Pod Security restricted: seccompProfile.type is RuntimeDefault or Localhost, at pod level or on every container, and never Unconfined.',
    'Set spec.securityContext.seccompProfile.type: RuntimeDefault.'),
  rule('pss-sysctls',
    `Pod Security baseline: only the safe sysctls of the Kubernetes version checked: ${SAFE_SYSCTLS_TEXT}.`,
    'Remove the unsafe sysctl from spec.securityContext.sysctls.'),
  rule('pss-privilege-escalation',
    'Pod Security restricted: every container sets allowPrivilegeEscalation: false explicitly.',
    'Set securityContext.allowPrivilegeEscalation: false on every container.'),
  rule('pss-run-as-non-root',
    `Pod Security restricted: runAsNonRoot is true at pod level or on every container, and false nowhere (from 1.${USER_NAMESPACE_RELAXATION_SINCE}, a pod with hostUsers: false is exempt).`,
    'Set spec.securityContext.runAsNonRoot: true (and a non-zero runAsUser).'),
  rule('pss-run-as-user',
    `Pod Security restricted: runAsUser is not 0 (root) at pod or container level (from 1.${USER_NAMESPACE_RELAXATION_SINCE}, a pod with hostUsers: false is exempt).`,
    'Set runAsUser to a non-zero UID such as 65532.'),
  rule('sandboxed-runtime',
    'Every agent pod (any pod of an agent-sandbox Sandbox or SandboxTemplate, or labelled ftekit.dev/workload) runs on a sandboxed RuntimeClass (gVisor or Kata). A pod annotated ftekit.dev/unsandboxed with a reason is reported as an exception.',
    'Set spec.runtimeClassName to gvisor or a kata-* class (SandboxRuntime.GVISOR in ftekit); for local clusters only, SandboxRuntime.unsandboxedForLocalDevelopment(reason).'),
  rule('service-account-token',
    'Every agent pod sets automountServiceAccountToken: false, unless it is labelled ftekit.dev/api-access: "true" (a workload granted apiAccess).',
    'Set spec.automountServiceAccountToken: false, or grant the workload apiAccess in ftekit (which labels the pod).'),
  rule('container-resources',
    'Every container and init container requests and limits both cpu and memory.',
    'Set resources.requests and resources.limits for cpu and memory.'),
  rule('env-secret-literal',
    'No environment variable whose name looks like a secret (*TOKEN*, *PASSWORD*, *_API_KEY, *SECRET*...) has a literal value.',
    'Use valueFrom.secretKeyRef (ExistingSecret.fromName(...).envValue(key) in ftekit) instead of value.'),
  rule('pinned-image',
    'Every container image is pinned by a version tag other than latest, or by an @sha256 digest.',
    'Use an explicit version tag (agent:1.4.2) or a digest (agent@sha256:...).'),
  rule('namespace-default-deny',
    'Every namespace with pods has a NetworkPolicy (or CiliumNetworkPolicy) selecting all its pods that denies ingress and egress by default, and no select-all rule that allows any source or destination (0.0.0.0/0, every namespace, no peers; DNS-only egress aside).',
    'Add an FteNamespace (or a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress]) to the namespace.'),
  rule('namespace-dns-egress',
    'Every namespace with default-deny egress lets all its pods reach DNS (port 53) through a select-all policy.',
    'Add an egress rule for UDP and TCP 53 to the cluster DNS pods to the select-all policy (FteNamespace does this).'),
  rule('pod-egress-policy',
    'Every pod is selected by a NetworkPolicy (or CiliumNetworkPolicy) that restricts its egress, and by none with a rule that allows every destination on every port.',
    'Give the workload an EgressAllowlist, or put it in a namespace with a default-deny policy.'),
  rule('cluster-scoped-namespace',
    'Cluster-scoped objects (Namespace, RuntimeClass, ClusterRole, CRDs...) carry no metadata.namespace.',
    'Remove metadata.namespace (use ClusterScoped in ftekit, or a chart without a namespace).'),
  rule('dapr-sidecar-hardening',
    'Every Dapr-injected pod (dapr.io/enabled: "true") gives the daprd sidecar seccomp RuntimeDefault/Localhost and cpu and memory requests and limits through annotations.',
    'Use DaprWorker, or set dapr.io/sidecar-seccomp-profile-type and dapr.io/sidecar-{cpu,memory}-{request,limit}.'),
];

const BY_ID = new Map(POLICY_RULES.map((r) => [r.id, r]));

/** The rule with `id`, or undefined. */
export function policyRule(id: string): PolicyRule | undefined {
  return BY_ID.get(id);
}
