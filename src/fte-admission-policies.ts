import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { describeValue, FteValidationError } from './errors';
import { API_ACCESS_LABEL, APP_MANAGED_BY_LABEL, DAPR_PREFIX, FTEKIT, POLICY_EXCEPTION_PREFIX as EXCEPTION_PREFIX, UNSANDBOXED_ANNOTATION, WORKLOAD_LABEL } from './_labels';
import { ValidatingAdmissionPolicy, ValidatingAdmissionPolicyBinding } from './_l1';
import { SandboxRuntime } from './sandbox-runtime';



/** Props of {@link FteAdmissionPolicies}. */
export interface FteAdmissionPoliciesProps {
  /**
   * The runtimes agent pods may use: their RuntimeClass names are the only ones admitted
   * (an unsandboxed runtime admits pods without a RuntimeClass that carry its annotation).
   */
  readonly runtimes: SandboxRuntime[];
  /**
   * Labels selecting the namespaces the policies apply to.
   * @default { [APP_MANAGED_BY_LABEL]: FTEKIT } (every FteNamespace)
   */
  readonly namespaceLabels?: Record<string, string>;
  /**
   * Prefix of the policy and binding names.
   * @default 'ftekit'
   */
  readonly namePrefix?: string;
}

/** One CEL check: the gate's rule id, the expression that must hold, and what the denial says. */
interface Check {
  readonly rule: string;
  readonly expression: string;
  readonly message: string;
}

/** Where the pod spec and metadata sit in each kind the policies match. */
interface Target {
  readonly name: string;
  readonly resources: { readonly apiGroups: string[]; readonly apiVersions: string[]; readonly resources: string[] }[];
  readonly spec: string;
  readonly meta: string;
  /** Whether every pod of these kinds is an agent pod (agent-sandbox kinds), or only labelled ones. */
  readonly alwaysAgent: boolean;
  /** Container lists the kind's pod spec has. */
  readonly lists: string[];
}

const TARGETS: Target[] = [
  {
    name: 'sandboxes',
    resources: [
      { apiGroups: ['agents.x-k8s.io'], apiVersions: ['*'], resources: ['sandboxes'] },
      { apiGroups: ['extensions.agents.x-k8s.io'], apiVersions: ['*'], resources: ['sandboxtemplates'] },
    ],
    spec: 'object.spec.podTemplate.spec',
    meta: 'object.spec.podTemplate.metadata',
    alwaysAgent: true,
    lists: ['containers', 'initContainers'],
  },
  {
    name: 'workloads',
    resources: [
      { apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'] },
      { apiGroups: ['batch'], apiVersions: ['v1'], resources: ['jobs'] },
    ],
    spec: 'object.spec.template.spec',
    meta: 'object.spec.template.metadata',
    alwaysAgent: false,
    lists: ['containers', 'initContainers'],
  },
  {
    name: 'cronjobs',
    resources: [{ apiGroups: ['batch'], apiVersions: ['v1'], resources: ['cronjobs'] }],
    spec: 'object.spec.jobTemplate.spec.template.spec',
    meta: 'object.spec.jobTemplate.spec.template.metadata',
    alwaysAgent: false,
    lists: ['containers', 'initContainers'],
  },
  {
    name: 'pods',
    resources: [{ apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] }],
    spec: 'object.spec',
    meta: 'object.metadata',
    alwaysAgent: false,
    lists: ['containers', 'initContainers', 'ephemeralContainers'],
  },
];

/** The names whose literal values the gate refuses (`env-secret-literal`), as an RE2 pattern. */
const SECRET_NAME_RE2 = '(?i)(secret|passw(or)?d|pwd|token|api[-_.]?key|apikey|credential|private[-_.]?key|access[-_.]?key|auth|cert|connection[-_.]?string|dsn)';
/** Pinned: a sha256 digest, or a tag other than latest (the gate's `pinned-image`). */
const PINNED_CEL = (image: string): string => `(${image}.matches('@sha256:[a-f0-9]{64}$') || (${image}.matches(':[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$') && !${image}.endsWith(':latest')))`;
/**
 * Pod Security restricted: the volume types allowed. `image` too: the API server that evaluates
 * these policies accepts an image volume only where it serves them (1.31+, feature gate on),
 * and its own Pod Security admission refuses them in `restricted` namespaces before 1.33.
 */
const RESTRICTED_VOLUMES = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret'];
/** The safe sysctls of Kubernetes 1.28 (the gate's default floor). */
const SAFE_SYSCTLS = [
  'kernel.shm_rmid_forced', 'net.ipv4.ip_local_port_range', 'net.ipv4.ip_local_reserved_ports', 'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range', 'net.ipv4.ip_unprivileged_port_start', 'net.ipv4.tcp_fin_timeout',
];

const list = (xs: string[]): string => `[${xs.map((x) => `'${x}'`).join(', ')}]`;

/** The checks for one kind of pod holder; `v` is `variables`. */
function podChecks(t: Target, allowedClasses: string[], allowUnsandboxed: boolean): Check[] {
  const s = 'variables.spec';
  // No `cond ? x : {}` defaults: the two branches would have different types, which the API
  // server's type check reports. Every optional field is guarded with has() instead.
  const podHas = (field: string): string => `(has(${s}.securityContext) && has(${s}.securityContext.${field}))`;
  const pod = (field: string): string => `${s}.securityContext.${field}`;
  const each = (cond: string): string => `variables.containers.all(c, ${cond})`;
  const csc = (field: string): string => `(has(c.securityContext) && has(c.securityContext.${field}))`;
  const metaHas = (map: 'labels' | 'annotations', key: string): string => `(has(${t.meta}) && has(${t.meta}.${map}) && '${key}' in ${t.meta}.${map})`;
  const runtime = [
    `!variables.agent`,
    `(has(${s}.runtimeClassName) && ${s}.runtimeClassName in ${list(allowedClasses)})`,
    ...(allowUnsandboxed ? [`(!has(${s}.runtimeClassName) && ${metaHas('annotations', UNSANDBOXED_ANNOTATION)})`] : []),
  ].join(' || ');
  return [
    {
      rule: 'sandboxed-runtime',
      expression: runtime,
      message: `agent pods must run on RuntimeClass ${allowedClasses.length ? allowedClasses.join(' or ') : '(none configured)'}`,
    },
    {
      rule: 'pss-host-namespaces',
      expression: ['hostNetwork', 'hostPID', 'hostIPC'].map((k) => `!(has(${s}.${k}) && ${s}.${k})`).join(' && '),
      message: 'the pod must not share the node\'s network, PID or IPC namespace',
    },
    { rule: 'pss-privileged', expression: each(`!(${csc('privileged')} && c.securityContext.privileged)`), message: 'no container may be privileged' },
    {
      rule: 'pss-capabilities',
      expression: each(`has(c.securityContext) && has(c.securityContext.capabilities) && has(c.securityContext.capabilities.drop) && 'ALL' in c.securityContext.capabilities.drop && (!has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(a, a == 'NET_BIND_SERVICE'))`),
      message: 'every container must drop ALL capabilities and add none but NET_BIND_SERVICE',
    },
    { rule: 'pss-host-path-volumes', expression: `!has(${s}.volumes) || ${s}.volumes.all(v, !has(v.hostPath))`, message: 'the pod must not mount a hostPath volume' },
    {
      rule: 'pss-volume-types',
      expression: `!has(${s}.volumes) || ${s}.volumes.all(v, ${RESTRICTED_VOLUMES.map((k) => `has(v.${k})`).join(' || ')} || has(v.hostPath))`,
      message: `volumes must be of the types Pod Security restricted allows (${RESTRICTED_VOLUMES.join(', ')})`,
    },
    { rule: 'pss-host-ports', expression: each(`!has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0)`), message: 'no container may bind a host port' },
    {
      rule: 'pss-privilege-escalation',
      expression: each(`${csc('allowPrivilegeEscalation')} && c.securityContext.allowPrivilegeEscalation == false`),
      message: 'every container must set allowPrivilegeEscalation: false',
    },
    {
      rule: 'pss-run-as-non-root',
      expression: `!(${podHas('runAsNonRoot')} && !${pod('runAsNonRoot')}) && ${each(`${csc('runAsNonRoot')} ? c.securityContext.runAsNonRoot : (${podHas('runAsNonRoot')} && ${pod('runAsNonRoot')})`)}`,
      message: 'the pod or every container must set runAsNonRoot: true',
    },
    {
      rule: 'pss-run-as-user',
      expression: `!(${podHas('runAsUser')} && ${pod('runAsUser')} == 0) && ${each(`!(${csc('runAsUser')} && c.securityContext.runAsUser == 0)`)}`,
      message: 'no container may run as UID 0',
    },
    {
      rule: 'pss-seccomp',
      expression: `${podHas('seccompProfile')} ? (${pod('seccompProfile')}.type in ['RuntimeDefault', 'Localhost'] && ${each(`!(${csc('seccompProfile')}) || c.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']`)}) : ${each(`${csc('seccompProfile')} && c.securityContext.seccompProfile.type in ['RuntimeDefault', 'Localhost']`)}`,
      message: 'the pod or every container must use seccomp profile RuntimeDefault or Localhost',
    },
    {
      rule: 'pss-sysctls',
      expression: `!${podHas('sysctls')} || ${pod('sysctls')}.all(x, x.name in ${list(SAFE_SYSCTLS)})`,
      message: `only the safe sysctls may be set (${SAFE_SYSCTLS.join(', ')})`,
    },
    { rule: 'pss-proc-mount', expression: each(`!${csc('procMount')} || c.securityContext.procMount == 'Default'`), message: 'procMount must be Default' },
    {
      rule: 'pss-host-probes',
      expression: each(['livenessProbe', 'readinessProbe', 'startupProbe'].map((p) => `!(has(c.${p}) && ((has(c.${p}.httpGet) && has(c.${p}.httpGet.host) && c.${p}.httpGet.host != '') || (has(c.${p}.tcpSocket) && has(c.${p}.tcpSocket.host) && c.${p}.tcpSocket.host != '')))`).join(' && ')),
      message: 'probes must not target another host',
    },
    {
      rule: 'container-resources',
      expression: each(`has(c.resources) && has(c.resources.requests) && has(c.resources.limits) && ['cpu', 'memory'].all(r, r in c.resources.requests && r in c.resources.limits)`),
      message: 'every container must set cpu and memory requests and limits',
    },
    { rule: 'pinned-image', expression: each(PINNED_CEL('c.image')), message: 'every image must be pinned by a version tag other than latest, or by a sha256 digest' },
    {
      rule: 'env-secret-literal',
      expression: each(`!has(c.env) || c.env.all(e, !e.name.matches('${SECRET_NAME_RE2}') || !has(e.value) || e.value == '')`),
      message: 'a secret-looking environment variable must come from a Secret (valueFrom), not a literal value',
    },
    {
      rule: 'service-account-token',
      expression: `!variables.agent || (has(${s}.automountServiceAccountToken) && !${s}.automountServiceAccountToken) || (${metaHas('labels', API_ACCESS_LABEL)} && ${t.meta}.labels['${API_ACCESS_LABEL}'] == 'true')`,
      message: `agent pods must set automountServiceAccountToken: false unless labelled ${API_ACCESS_LABEL}: "true" (apiAccess)`,
    },
  ];
}

/** The checks of a SandboxClaim: what the controller merges into the pod it starts. */
function claimChecks(): Check[] {
  return [
    {
      rule: 'env-secret-literal',
      expression: `!has(object.spec.env) || object.spec.env.all(e, !e.name.matches('${SECRET_NAME_RE2}') || !has(e.value) || e.value == '')`,
      message: 'a claim must not give a secret-looking environment variable a literal value (claims have no valueFrom)',
    },
    {
      rule: 'dapr-sidecar-hardening',
      expression: `!has(object.spec.additionalPodMetadata) || !has(object.spec.additionalPodMetadata.annotations) || object.spec.additionalPodMetadata.annotations.all(k, !k.startsWith('${DAPR_PREFIX}'))`,
      message: 'a claim must not add Dapr annotations to a sandbox pod',
    },
  ];
}

/**
 * ValidatingAdmissionPolicies that enforce, inside the cluster, what the ftekit policy gate
 * checks at synth: a sandboxed RuntimeClass for agent pods, the Pod Security restricted
 * controls for pod templates Pod Security Admission never sees (a Sandbox's or a
 * SandboxTemplate's, until the controller creates the pod), requests and limits, pinned
 * images, no literal secret-looking env values (SandboxClaims included), no mounted
 * ServiceAccount token without `apiAccess`, no host namespaces or hostPath.
 *
 * Each rule is one validation whose denial names the gate's rule id. An object annotated
 * `policy.ftekit.dev/exception.<rule>: <reason>` (see `PolicyException`) is exempt from
 * that rule. The bindings deny (`failurePolicy: Fail`) in the namespaces that carry
 * `namespaceLabels`. Needs Kubernetes 1.30 or later (admissionregistration.k8s.io/v1).
 *
 * Put it in a chart without a namespace: the objects are cluster-scoped.
 */
export class FteAdmissionPolicies extends Construct {
  /** Names of the ValidatingAdmissionPolicies emitted. */
  public readonly policyNames: string[] = [];

  constructor(scope: Construct, id: string, props: FteAdmissionPoliciesProps) {
    super(scope, id);
    const where = `FteAdmissionPolicies at '${this.node.path}'`;
    const runtimes = props?.runtimes;
    if (!Array.isArray(runtimes) || runtimes.length === 0 || !runtimes.every((r) => r instanceof SandboxRuntime)) {
      throw new FteValidationError(where, `runtimes ${describeValue(runtimes)} is not a non-empty list of SandboxRuntime; expected e.g. [SandboxRuntime.GVISOR]`);
    }
    const namespaceLabels = props.namespaceLabels ?? { [APP_MANAGED_BY_LABEL]: FTEKIT };
    if (typeof namespaceLabels !== 'object' || Object.keys(namespaceLabels).length === 0) {
      throw new FteValidationError(where, `namespaceLabels ${describeValue(namespaceLabels)} is empty; expected labels that only ftekit namespaces carry (binding every namespace would judge system pods too)`);
    }
    const prefix = props.namePrefix ?? 'ftekit';
    if (!/^[a-z0-9]([-a-z0-9]{0,40}[a-z0-9])?$/.test(prefix)) throw new FteValidationError(where, `namePrefix ${describeValue(prefix)} is not a DNS label of at most 42 characters`);
    if (Chart.of(this).namespace) throw new FteValidationError(where, `the chart has namespace ${describeValue(Chart.of(this).namespace)}; admission policies are cluster-scoped, expected a chart without a namespace`);

    const classes = [...new Set(runtimes.filter((r) => r.runtimeClassName).map((r) => r.runtimeClassName as string))];
    const allowUnsandboxed = runtimes.some((r) => !r.sandboxed);
    for (const t of TARGETS) {
      this.addPolicy(`${prefix}-${t.name}`, t.resources, podChecks(t, classes, allowUnsandboxed), [
        { name: 'spec', expression: t.spec },
        { name: 'containers', expression: t.lists.map((l) => `(has(${t.spec}.${l}) ? ${t.spec}.${l} : [])`).join(' + ') },
        { name: 'agent', expression: t.alwaysAgent ? 'true' : `has(${t.meta}) && has(${t.meta}.labels) && '${WORKLOAD_LABEL}' in ${t.meta}.labels` },
      ], namespaceLabels);
    }
    this.addPolicy(`${prefix}-sandbox-claims`, [{ apiGroups: ['extensions.agents.x-k8s.io'], apiVersions: ['*'], resources: ['sandboxclaims'] }], claimChecks(), [], namespaceLabels);
  }

  private addPolicy(name: string, resources: Target['resources'], checks: Check[], variables: { name: string; expression: string }[], namespaceLabels: Record<string, string>): void {
    this.policyNames.push(name);
    const exempt = (rule: string): string => {
      const key = `${EXCEPTION_PREFIX}${rule}`;
      return `(has(object.metadata.annotations) && '${key}' in object.metadata.annotations && object.metadata.annotations['${key}'].trim() != '')`;
    };
    new ValidatingAdmissionPolicy(this, name, {
      metadata: { name, labels: { [APP_MANAGED_BY_LABEL]: FTEKIT } },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: resources.map((r) => ({ ...r, operations: ['CREATE', 'UPDATE'] })) },
        // Objects on their way out are not judged (a finalizer update must not be refused).
        matchConditions: [{ name: 'not-deleting', expression: '!has(object.metadata.deletionTimestamp)' }],
        ...(variables.length ? { variables } : {}),
        validations: checks.map((c) => ({
          expression: `${exempt(c.rule)} || (${c.expression})`,
          message: `ftekit rule ${c.rule}: ${c.message}`,
          reason: 'Forbidden',
        })),
      },
    });
    new ValidatingAdmissionPolicyBinding(this, `${name}-binding`, {
      metadata: { name, labels: { [APP_MANAGED_BY_LABEL]: FTEKIT } },
      spec: {
        policyName: name,
        validationActions: ['Deny'],
        matchResources: { namespaceSelector: { matchLabels: { ...namespaceLabels } } },
      },
    });
  }
}
