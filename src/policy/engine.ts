/*
 * The policy engine over plain Kubernetes objects (parsed YAML or JSON, or cdk8s output). No
 * cdk8s import, no I/O. Malformed input is reported, never thrown on.
 *
 * Cost is linear in the input: each object is checked as it is added (PolicyEvaluator.add),
 * keeping only an index of pods, namespaces and network policies; at the end each pod is
 * matched against the policies of its own namespace. Objects can therefore be streamed
 * through and released, as `ftekit-check` does.
 */
import { API_ACCESS_LABEL as API_ACCESS_POD_LABEL, DAPR_ANNOTATIONS, UNSANDBOXED_ANNOTATION as UNSANDBOXED_POD_ANNOTATION, WORKLOAD_LABEL as AGENT_POD_LABEL } from '../_labels';
import { checkPinnedImage, looksSecret } from '../_validate';
import { detach } from './_detach';
import { allowedSeLinuxTypes, KubernetesVersion, safeSysctls, USER_NAMESPACE_RELAXATION_SINCE } from './kubernetes-version';
import { POLICY_EXCEPTION_PREFIX, POLICY_RULES, PolicyRule, PolicySeverity, policyRule } from './rules';
import { compileSelector, CompiledSelector, Labels, SelectorIndex } from './selectors';

// The keys ftekit writes, under the names the policy has always exported (src/_labels.ts).
export { AGENT_POD_LABEL, API_ACCESS_POD_LABEL, UNSANDBOXED_POD_ANNOTATION };

/** Which object a finding is about. Fields are absent when the object lacks them. */
export interface PolicyObjectRef {
  /** Position of the object in the input. */
  readonly index: number;
  /** `apiVersion`, when it is a non-empty string. */
  readonly apiVersion?: string;
  /** `kind`, when it is a non-empty string. */
  readonly kind?: string;
  /** `metadata.namespace`, when set. */
  readonly namespace?: string;
  /** `metadata.name`, when set. */
  readonly name?: string;
}

/** One rule violated by one object. */
export interface PolicyFinding {
  /** Id of the rule (see POLICY_RULES). */
  readonly ruleId: string;
  /** The rule's severity. */
  readonly severity: PolicySeverity;
  /** The object the finding is about. */
  readonly object: PolicyObjectRef;
  /** Where in the object, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  readonly path: string;
  /** What is wrong, naming the value found. */
  readonly message: string;
  /** How to fix it (the rule's fix hint). */
  readonly fix: string;
}

/** A finding that a deliberate exception on the object suppresses. */
export interface ExceptedFinding extends PolicyFinding {
  /** The reason given with the exception. */
  readonly reason: string;
}

/** What {@link evaluatePolicy} returns. */
export interface PolicyReport {
  /** Number of objects evaluated. */
  readonly objectCount: number;
  /** Every finding not excepted, errors and warnings, in input order. */
  readonly findings: readonly PolicyFinding[];
  /** Findings suppressed by an exception, with its reason. */
  readonly excepted: readonly ExceptedFinding[];
  /** The findings of severity `error`. */
  readonly errors: readonly PolicyFinding[];
  /** The findings of severity `warning`. */
  readonly warnings: readonly PolicyFinding[];
  /** True when there are no errors. */
  readonly ok: boolean;
}

/** Options for {@link evaluatePolicy}. */
export interface PolicyOptions {
  /**
   * RuntimeClass names that count as sandboxed besides `gvisor`, `runsc*`, `kata*` and
   * RuntimeClasses in the input whose handler is runsc/gvisor/kata*.
   * @default - none
   */
  readonly sandboxedRuntimeClasses?: readonly string[];
  /**
   * The Kubernetes version of the cluster: selects the Pod Security controls that differ
   * between versions (safe sysctls, SELinux types, the user-namespace exemption). Plain
   * JavaScript callers may pass the version as text (`'1.32'`).
   * @default KubernetesVersion.FLOOR (1.28)
   */
  readonly kubernetesVersion?: KubernetesVersion;
}

type Rec = Record<string, unknown>;

function isRec(v: unknown): v is Rec {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function rec(v: unknown): Rec {
  return isRec(v) ? v : {};
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 ? v : undefined;
}

/** `undefined` and `false` are the only safe values of a boolean "danger" field. */
function setTrue(v: unknown): boolean {
  return v !== undefined && v !== null && v !== false;
}

function q(v: unknown): string {
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    // Too deep or circular for JSON (only possible from code, not from a file ftekit-check
    // accepted); String() of such a value could overflow the stack too.
    return Array.isArray(v) ? '[...]' : typeof v === 'object' && v !== null ? '{...}' : String(v);
  }
}

/** Groups whose kinds are agent-sandbox objects: every pod in them is an agent pod. */
const AGENT_SANDBOX_GROUPS = new Set(['agents.x-k8s.io', 'extensions.agents.x-k8s.io']);

/** Where known kinds keep their pod template, by `group/Kind` (core group is ''). */
const TEMPLATE_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
  ['/Pod', []],
  ['/ReplicationController', ['spec', 'template']],
  ['apps/Deployment', ['spec', 'template']],
  ['apps/StatefulSet', ['spec', 'template']],
  ['apps/DaemonSet', ['spec', 'template']],
  ['apps/ReplicaSet', ['spec', 'template']],
  ['batch/Job', ['spec', 'template']],
  ['batch/CronJob', ['spec', 'jobTemplate', 'spec', 'template']],
  ['agents.x-k8s.io/Sandbox', ['spec', 'podTemplate']],
  ['extensions.agents.x-k8s.io/SandboxTemplate', ['spec', 'podTemplate']],
]);

/** Where other kinds (Argo Rollouts, operators...) are looked at for a pod template. */
const HEURISTIC_TEMPLATE_PATHS: readonly (readonly string[])[] = [
  [],
  ['template'],
  ['spec', 'template'],
  ['spec', 'jobTemplate', 'spec', 'template'],
  ['spec', 'podTemplate'],
];

const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'node.k8s.io/RuntimeClass',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'apiextensions.k8s.io/CustomResourceDefinition',
  'scheduling.k8s.io/PriorityClass',
  'admissionregistration.k8s.io/ValidatingWebhookConfiguration', 'admissionregistration.k8s.io/MutatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'networking.k8s.io/IngressClass',
  'apiregistration.k8s.io/APIService',
  'certificates.k8s.io/CertificateSigningRequest',
  'flowcontrol.apiserver.k8s.io/FlowSchema', 'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'policy/PodSecurityPolicy',
  'cilium.io/CiliumClusterwideNetworkPolicy', 'cilium.io/CiliumNode', 'cilium.io/CiliumIdentity',
]);

const RULE_ORDER = new Map(POLICY_RULES.map((r, i) => [r.id, i]));
const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'image', 'persistentVolumeClaim', 'projected', 'secret']);
const SECCOMP_OK = new Set(['RuntimeDefault', 'Localhost']);
const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const DAPR_RESOURCE_ANNOTATIONS = [DAPR_ANNOTATIONS.cpuRequest, DAPR_ANNOTATIONS.cpuLimit, DAPR_ANNOTATIONS.memoryRequest, DAPR_ANNOTATIONS.memoryLimit];
const DAPR_SECCOMP_ANNOTATION = DAPR_ANNOTATIONS.seccompProfileType;
const SANDBOXED_CLASS = /^(gvisor|runsc|kata)([-.][a-z0-9.-]*)?$/;
const SANDBOXED_HANDLER = /^(runsc|gvisor|kata)([-.][a-z0-9.-]*)?$/;
const CONTAINER_LISTS = ['initContainers', 'containers', 'ephemeralContainers'] as const;
const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
const CILIUM_PREFIXES = ['k8s:', 'any:'];

/** A network policy as the namespace rules see it. */
interface NetPolicy {
  readonly index: number;
  readonly selector: CompiledSelector;
  readonly ingress: boolean;
  readonly egress: boolean;
  /** A rule that allows any source (ingress) or any destination on non-DNS ports (egress). */
  readonly ingressAllowsAny: boolean;
  readonly egressAllowsAny: boolean;
  /** An egress rule allowing every destination on every port: the pods it selects are not restricted. */
  readonly egressFullyOpen: boolean;
  readonly allowsDns: boolean;
}

interface NamespaceInfo {
  readonly podObjects: number[];
  readonly policies: NetPolicy[];
  /** Egress-restricting NetworkPolicies, by pod selector. */
  readonly egressIndex: SelectorIndex<NetPolicy>;
  /** Egress-restricting CiliumNetworkPolicies, by endpoint selector. */
  readonly ciliumEgressIndex: SelectorIndex<NetPolicy>;
}

interface PodTemplate {
  readonly index: number;
  /** Path of the pod template's metadata and spec (`spec.template.metadata` ...). */
  readonly metaPath: string;
  readonly specPath: string;
  readonly meta: Rec;
  readonly spec: Rec;
  readonly agent: boolean;
}

interface Container {
  readonly c: Rec;
  readonly sc: Rec;
  readonly path: string;
  readonly list: typeof CONTAINER_LISTS[number];
  readonly label: string;
}

function join(base: string, key: string): string {
  return base ? `${base}.${key}` : key;
}

function groupOf(apiVersion: string | undefined): string {
  if (!apiVersion) return '';
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

function getPath(obj: Rec, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isRec(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A pod's string labels. */
function stringLabels(v: unknown): Map<string, string> {
  const m = new Map<string, string>();
  if (isRec(v)) for (const [k, val] of Object.entries(v)) if (typeof val === 'string') m.set(k, val);
  return m;
}

/**
 * Appends `doc` to `out`, unwrapping arrays and `kind: *List` objects (v1 List, PodList, ...)
 * the way kubectl applies their items.
 */
export function flattenLists(doc: unknown, out: unknown[]): void {
  // An explicit stack, not recursion: nesting depth is up to the input.
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const d = stack.pop();
    const items = Array.isArray(d) ? d : listItems(d);
    if (items === undefined) {
      out.push(d);
      continue;
    }
    // Reversed, so items come out in order; a hole of a sparse array is an undefined object
    // (reported), not skipped.
    for (let j = items.length - 1; j >= 0; j--) stack.push(items[j]);
  }
}

/** The items of a `kind: *List` object, or undefined for anything else. */
export function listItems(doc: unknown): unknown[] | undefined {
  const o = doc as { kind?: unknown; items?: unknown } | null;
  return isRec(o) && typeof o.kind === 'string' && o.kind.endsWith('List') && Array.isArray(o.items) ? o.items : undefined;
}

/** Go's strconv.ParseBool true values, which Dapr uses to read `dapr.io/enabled`. */
function daprTrue(v: unknown): boolean {
  return typeof v === 'string' && ['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v);
}

function isAnyCidr(v: unknown): boolean {
  return v === '0.0.0.0/0' || v === '::/0';
}

function isDnsPort(port: unknown): boolean {
  return port === 53 || port === '53';
}

/** Kubernetes NetworkPolicy `ports` allowing DNS: none listed (all ports) or 53 over UDP. */
function npPortsAllowDns(ports: unknown): boolean {
  if (ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0)) return true;
  if (!Array.isArray(ports)) return false;
  return ports.some((p) => isRec(p) && isDnsPort(p.port) && (p.protocol === undefined || p.protocol === 'UDP'));
}

function npPortsOnlyDns(ports: unknown): boolean {
  return Array.isArray(ports) && ports.length > 0 && ports.every((p) => isRec(p) && isDnsPort(p.port) && p.endPort === undefined);
}

/** Whether a selector is present and selects everything (`{}`). */
function emptySelector(v: unknown): boolean {
  return isRec(v) && compileSelector(v).all;
}

/** NetworkPolicy peers that amount to "anywhere": none listed, 0.0.0.0/0 or ::/0, or every pod of every namespace. */
function npPeersAny(peers: unknown): boolean {
  if (peers === undefined || peers === null || (Array.isArray(peers) && peers.length === 0)) return true;
  return Array.isArray(peers) && peers.some((p) => isRec(p) && (
    (isRec(p.ipBlock) && isAnyCidr(p.ipBlock.cidr) && !(Array.isArray(p.ipBlock.except) && p.ipBlock.except.length > 0))
    || (emptySelector(p.namespaceSelector) && (p.podSelector === undefined || emptySelector(p.podSelector)))));
}

function npAllPorts(ports: unknown): boolean {
  return ports === undefined || ports === null || (Array.isArray(ports) && ports.length === 0);
}

function kubernetesPolicy(index: number, spec: Rec): NetPolicy {
  const types = spec.policyTypes;
  const egressRules = Array.isArray(spec.egress) ? spec.egress : [];
  const ingressRules = Array.isArray(spec.ingress) ? spec.ingress : [];
  const ingress = Array.isArray(types) ? types.includes('Ingress') : true;
  const egress = Array.isArray(types) ? types.includes('Egress') : egressRules.length > 0;
  return {
    index,
    selector: compileSelector(spec.podSelector),
    ingress,
    egress,
    ingressAllowsAny: ingressRules.some((r) => !isRec(r) || npPeersAny(r.from)),
    egressAllowsAny: egressRules.some((r) => !isRec(r) || (npPeersAny(r.to) && !npPortsOnlyDns(r.ports))),
    egressFullyOpen: egressRules.some((r) => !isRec(r) || (npPeersAny(r.to) && npAllPorts(r.ports))),
    allowsDns: egressRules.some((r) => isRec(r) && npPortsAllowDns(r.ports)),
  };
}

function ciliumPortsAllowDns(toPorts: unknown): boolean {
  if (toPorts === undefined || toPorts === null) return true;
  if (!Array.isArray(toPorts)) return false;
  return toPorts.some((tp) => isRec(tp) && Array.isArray(tp.ports) && tp.ports.some((p) => isRec(p) && isDnsPort(p.port) && (p.protocol === undefined || p.protocol === 'UDP' || p.protocol === 'ANY')));
}

function ciliumPortsOnlyDns(toPorts: unknown): boolean {
  return Array.isArray(toPorts) && toPorts.length > 0 && toPorts.every((tp) => isRec(tp) && Array.isArray(tp.ports) && tp.ports.length > 0 && tp.ports.every((p) => isRec(p) && isDnsPort(p.port)));
}

function ciliumAny(r: Rec, dir: 'from' | 'to'): boolean {
  const entities = r[`${dir}Entities`];
  const cidrs = r[`${dir}CIDR`];
  return (Array.isArray(entities) && entities.some((e) => e === 'all' || e === 'world'))
    || (Array.isArray(cidrs) && cidrs.some(isAnyCidr));
}

function ciliumPolicies(index: number, obj: Rec): NetPolicy[] {
  const specs = [obj.spec, ...(Array.isArray(obj.specs) ? obj.specs : [])].filter(isRec);
  return specs.filter((s) => s.endpointSelector !== undefined).map((s) => {
    const defaultDeny = rec(s.enableDefaultDeny);
    const ingressRules = Array.isArray(s.ingress) ? s.ingress : [];
    const egressRules = Array.isArray(s.egress) ? s.egress : [];
    return {
      index,
      selector: compileSelector(s.endpointSelector, CILIUM_PREFIXES),
      ingress: (Array.isArray(s.ingress) || Array.isArray(s.ingressDeny)) && defaultDeny.ingress !== false,
      egress: (Array.isArray(s.egress) || Array.isArray(s.egressDeny)) && defaultDeny.egress !== false,
      ingressAllowsAny: ingressRules.some((r) => isRec(r) && ciliumAny(r, 'from')),
      egressAllowsAny: egressRules.some((r) => isRec(r) && ciliumAny(r, 'to') && !ciliumPortsOnlyDns(r.toPorts)),
      egressFullyOpen: egressRules.some((r) => isRec(r) && ciliumAny(r, 'to') && (r.toPorts === undefined || r.toPorts === null)),
      allowsDns: egressRules.some((r) => isRec(r) && r.toPorts !== undefined && ciliumPortsAllowDns(r.toPorts)),
    };
  });
}

/** Collects findings, deciding for each whether an exception on its object suppresses it. */
class Evaluation {
  public readonly findings: PolicyFinding[] = [];
  public readonly excepted: ExceptedFinding[] = [];
  public readonly refs: PolicyObjectRef[] = [];
  /** Exception annotations, for the objects that have any. */
  public readonly exceptions = new Map<number, Map<string, string>>();

  public report(index: number, ruleId: string, path: string, message: string, excuse?: string): void {
    const rule = policyRule(ruleId) as PolicyRule;
    // Findings live until the end of a run: copy their text out of the parsed input.
    const finding: PolicyFinding = { ruleId, severity: rule.severity, object: this.refs[index], path: detach(path), message: detach(message), fix: rule.fix };
    const reason = rule.exceptable ? this.exceptions.get(index)?.get(ruleId) ?? excuse : undefined;
    if (reason !== undefined) this.excepted.push({ ...finding, reason: detach(reason) }); else this.findings.push(finding);
  }
}

/** The Pod Security controls of one Kubernetes version, as the pod checks use them. */
interface PodSecurityControls {
  readonly version: KubernetesVersion;
  readonly sysctls: ReadonlySet<string>;
  readonly seLinuxTypes: ReadonlySet<string>;
}

/** An agent pod's runtime class, judged once every RuntimeClass of the input is known. */
interface RuntimeCheck {
  readonly index: number;
  readonly path: string;
  /** `runtimeClassName`, when it is a non-empty string. */
  readonly runtimeClass?: string;
  /** `runtimeClassName` as messages show it, when it is set at all. */
  readonly shown?: string;
  /** The unsandboxed annotation's reason, when the pod has no runtime class and gives one. */
  readonly excuse?: string;
}

/** A pod's labels, matched against the network policies once all are known. */
interface PodSelection {
  readonly index: number;
  readonly namespace: string;
  /** Keys and values in turn (a Map per pod would cost more than its labels). */
  readonly labels: readonly string[];
  readonly labelsPath: string;
}

/**
 * Strings the evaluator keeps until the end of a run, copied out of the parsed input (see
 * _detach.ts) and shared: kinds, API versions, namespaces and label values repeat across
 * thousands of objects.
 */
class StringPool {
  private readonly strings = new Map<string, string>();

  public get(s: string): string {
    let kept = this.strings.get(s);
    if (kept === undefined) {
      kept = detach(s);
      this.strings.set(kept, kept);
    }
    return kept;
  }
}

function kubernetesVersionOf(options: unknown): KubernetesVersion {
  const v = isRec(options) ? options.kubernetesVersion : undefined;
  if (v === undefined) return KubernetesVersion.FLOOR;
  if (v instanceof KubernetesVersion) return v;
  // Plain JavaScript callers and configuration files pass the version as text.
  return KubernetesVersion.of(v as string);
}

/**
 * The policy gate over objects added one at a time: each object is checked when it is added
 * and can be released by the caller right after, while the evaluator keeps only what the
 * rules spanning objects need (names, pod labels, network policy selectors, RuntimeClass
 * handlers, CRD scopes). {@link evaluatePolicy} is this over an array; `ftekit-check` streams
 * large inputs through it.
 *
 * ```ts
 * const evaluator = new PolicyEvaluator({ kubernetesVersion: KubernetesVersion.of('1.32') });
 * for (const object of objects) evaluator.add(object);
 * const report = evaluator.finish();
 * ```
 */
export class PolicyEvaluator {
  private readonly ev = new Evaluation();
  private readonly controls: PodSecurityControls;
  private readonly sandboxedClasses: ReadonlySet<string>;
  private readonly namespaces = new Map<string, NamespaceInfo>();
  private readonly clusterWide: NetPolicy[] = [];
  private readonly clusterWideEgress = new SelectorIndex<NetPolicy>();
  private readonly namespaceObjects = new Map<string, number[]>();
  /** RuntimeClass name → whether its handler is sandboxed (the last one of a name wins). */
  private readonly runtimeHandlers = new Map<string, boolean>();
  private readonly clusterScoped = new Set(CLUSTER_SCOPED);
  private readonly runtimeChecks: RuntimeCheck[] = [];
  private readonly podSelections: PodSelection[] = [];
  /** Objects with a namespace, by group/kind: a CRD later in the input may declare the kind cluster-scoped. */
  private readonly namespacedByKind = new Map<string, number[]>();
  /** Namespace values that are not strings, as messages show them. */
  private readonly oddNamespaces = new Map<number, string>();
  private readonly pool = new StringPool();
  private finished?: PolicyReport;

  /**
   * @throws FteValidationError when `options.kubernetesVersion` is not a supported version.
   */
  public constructor(options: PolicyOptions = {}) {
    const version = kubernetesVersionOf(options);
    this.controls = { version, sysctls: safeSysctls(version), seLinuxTypes: allowedSeLinuxTypes(version) };
    const extra = isRec(options) ? options.sandboxedRuntimeClasses : undefined;
    this.sandboxedClasses = new Set(Array.isArray(extra) ? extra.filter((x): x is string => typeof x === 'string') : []);
  }

  /** Objects added so far. */
  public get objectCount(): number {
    return this.ev.refs.length;
  }

  /**
   * Checks one object (not a `List`: unwrap those with {@link flattenLists} first) and
   * returns its index in the report. Never throws on bad input: what cannot be read is a
   * finding.
   */
  public add(obj: unknown): number {
    if (this.finished) throw new Error('PolicyEvaluator.add() after finish()');
    const { ev } = this;
    const i = ev.refs.length;
    if (!isRec(obj)) {
      ev.refs.push({ index: i });
      ev.report(i, 'object-malformed', '', `object #${i} is ${obj === null ? 'null' : Array.isArray(obj) ? 'an array' : `a ${typeof obj}`}, not a mapping; expected a Kubernetes object`);
      return i;
    }
    const meta = obj.metadata;
    const m = rec(meta);
    const { pool } = this;
    const ref: PolicyObjectRef = {
      index: i,
      ...(str(obj.apiVersion) ? { apiVersion: pool.get(obj.apiVersion as string) } : {}),
      ...(str(obj.kind) ? { kind: pool.get(obj.kind as string) } : {}),
      ...(str(m.namespace) ? { namespace: pool.get(m.namespace as string) } : {}),
      ...(str(m.name) ? { name: detach(m.name as string) } : {}),
    };
    ev.refs.push(ref);
    const exceptions = readExceptions(ev, i, m);
    if (exceptions) ev.exceptions.set(i, exceptions);
    const problems: string[] = [];
    if (!ref.apiVersion) problems.push(`apiVersion ${q(obj.apiVersion)} is not a non-empty string`);
    if (!ref.kind) problems.push(`kind ${q(obj.kind)} is not a non-empty string`);
    if (!isRec(meta)) problems.push(`metadata ${q(meta)} is not a mapping`);
    else {
      if (!ref.name && !str(m.generateName)) problems.push(`metadata.name ${q(m.name)} is not a non-empty string (and there is no generateName)`);
      if (m.namespace !== undefined && m.namespace !== null && typeof m.namespace !== 'string') problems.push(`metadata.namespace ${q(m.namespace)} is not a string`);
      for (const key of ['labels', 'annotations'] as const) {
        const v = m[key];
        if (v !== undefined && v !== null && (!isRec(v) || Object.values(v).some((x) => typeof x !== 'string'))) problems.push(`metadata.${key} is not a mapping of strings`);
      }
    }
    if (problems.length) ev.report(i, 'object-malformed', '', `${problems.join('; ')}; expected a Kubernetes object with apiVersion, kind and metadata.name`);
    if (!ref.kind) return i;

    const group = groupOf(ref.apiVersion);
    const gk = `${group}/${ref.kind}`;
    const ns = ref.namespace ?? '';
    const nsValue = m.namespace;
    if (nsValue !== undefined && nsValue !== null && nsValue !== '') {
      const list = this.namespacedByKind.get(gk);
      if (list) list.push(i); else this.namespacedByKind.set(pool.get(gk), [i]);
      if (typeof nsValue !== 'string') this.oddNamespaces.set(i, q(nsValue));
    }
    if (gk === 'apiextensions.k8s.io/CustomResourceDefinition') {
      const spec = rec(obj.spec);
      const names = rec(spec.names);
      if (spec.scope === 'Cluster' && str(spec.group) && str(names.kind)) this.clusterScoped.add(detach(`${spec.group}/${names.kind}`));
    }
    if (gk === 'node.k8s.io/RuntimeClass' && ref.name) this.runtimeHandlers.set(ref.name, typeof obj.handler === 'string' && SANDBOXED_HANDLER.test(obj.handler));
    if (gk === '/Namespace' && ref.name) {
      const seen = this.namespaceObjects.get(ref.name);
      if (seen) seen.push(i); else this.namespaceObjects.set(ref.name, [i]);
    }
    if (gk === 'networking.k8s.io/NetworkPolicy' && isRec(obj.spec)) {
      const p = kubernetesPolicy(i, obj.spec);
      const info = this.nsInfo(ns);
      info.policies.push(p);
      if (p.egress) info.egressIndex.add(p.selector, p);
    }
    if (gk === 'cilium.io/CiliumNetworkPolicy') {
      const info = this.nsInfo(ns);
      for (const p of ciliumPolicies(i, obj)) {
        info.policies.push(p);
        if (p.egress) info.ciliumEgressIndex.add(p.selector, p);
      }
    }
    if (gk === 'cilium.io/CiliumClusterwideNetworkPolicy') {
      for (const p of ciliumPolicies(i, obj)) {
        this.clusterWide.push(p);
        if (p.egress) this.clusterWideEgress.add(p.selector, p);
      }
    }

    if (gk === 'extensions.agents.x-k8s.io/SandboxClaim') checkClaim(ev, i, obj);
    const known = TEMPLATE_PATHS.get(gk);
    const agent = AGENT_SANDBOX_GROUPS.has(group);
    const candidates = known ? [known] : HEURISTIC_TEMPLATE_PATHS.filter((p) => isRec(rec(getPath(obj, p)).spec) && 'containers' in rec(rec(getPath(obj, p)).spec));
    let hasPod = false;
    for (const p of candidates) {
      const template = p.length === 0 ? obj : getPath(obj, p);
      const base = p.join('.');
      if (!isRec(template) || !isRec(template.spec)) {
        ev.report(i, 'object-malformed', join(base, 'spec'), `${ref.kind} has no pod spec at ${join(base, 'spec')}; expected a mapping with containers`);
        continue;
      }
      hasPod = true;
      const podMeta = p.length === 0 ? m : rec(template.metadata);
      const labels = stringLabels(podMeta.labels);
      const pod: PodTemplate = { index: i, metaPath: join(base, 'metadata'), specPath: join(base, 'spec'), meta: podMeta, spec: template.spec, agent: agent || labels.has(AGENT_POD_LABEL) };
      checkPod(ev, pod, this.controls, this.runtimeChecks);
      const kept: string[] = [];
      for (const [k, v] of labels) kept.push(pool.get(k), pool.get(v));
      this.podSelections.push({ index: i, namespace: ns, labels: kept, labelsPath: join(pod.metaPath, 'labels') });
    }
    if (hasPod) this.nsInfo(ns).podObjects.push(i);
    return i;
  }

  /**
   * Applies the rules that span objects (namespaces, network policies, runtime classes,
   * cluster scope) and returns the report. Call once, after the last {@link add}.
   */
  public finish(): PolicyReport {
    if (this.finished) return this.finished;
    const { ev } = this;

    // Cluster-scoped objects carry no namespace (CRDs in the input count too).
    for (const [groupKind, indexes] of this.namespacedByKind) {
      if (!this.clusterScoped.has(groupKind)) continue;
      for (const i of indexes) {
        const shown = this.oddNamespaces.get(i) ?? JSON.stringify(ev.refs[i].namespace);
        ev.report(i, 'cluster-scoped-namespace', 'metadata.namespace', `${ev.refs[i].kind} is cluster-scoped but has metadata.namespace ${shown}; strict tools and the API server reject or ignore it`);
      }
    }

    // A RuntimeClass in the input is judged by its handler, whatever its name; a class not in
    // the input by its name; classes the caller vouches for always pass.
    const isSandboxed = (rc: string): boolean => this.sandboxedClasses.has(rc) || (this.runtimeHandlers.has(rc) ? this.runtimeHandlers.get(rc) === true : SANDBOXED_CLASS.test(rc));
    for (const c of this.runtimeChecks) {
      if (c.runtimeClass !== undefined) {
        if (!isSandboxed(c.runtimeClass)) ev.report(c.index, 'sandboxed-runtime', c.path, `agent pod runs on RuntimeClass ${c.shown}, which is not a known sandboxed runtime (gvisor, kata-*, or a RuntimeClass with handler runsc/kata*)`);
      } else {
        ev.report(c.index, 'sandboxed-runtime', c.path, `agent pod has no runtimeClassName, so it runs on the node's default runtime (runc) without a sandbox${c.shown !== undefined ? ` (runtimeClassName is ${c.shown})` : ''}`, c.excuse);
      }
    }

    // Every pod is selected by an egress-restricting policy of its namespace (or cluster-wide).
    for (const pod of this.podSelections) {
      const info = this.nsInfo(pod.namespace);
      const labels = new Map<string, string>();
      for (let k = 0; k < pod.labels.length; k += 2) labels.set(pod.labels[k], pod.labels[k + 1]);
      const withNs: Labels = new Map([...labels, [NAMESPACE_LABEL, pod.namespace]]);
      let selected = false;
      let opener: NetPolicy | undefined;
      const visit = (p: NetPolicy): void => {
        selected = true;
        if (p.egressFullyOpen) opener ??= p;
      };
      info.egressIndex.forEachMatch(labels, visit);
      info.ciliumEgressIndex.forEachMatch(withNs, visit);
      this.clusterWideEgress.forEachMatch(withNs, visit);
      if (!selected) {
        ev.report(pod.index, 'pod-egress-policy', pod.labelsPath, `no NetworkPolicy or CiliumNetworkPolicy in namespace ${nsName(pod.namespace)} restricts the egress of this pod (labels ${q(Object.fromEntries(labels))}); it can reach any address`);
      } else if (opener) {
        ev.report(pod.index, 'pod-egress-policy', pod.labelsPath, `${describeObject(ev.refs[(opener as NetPolicy).index])} selects this pod and allows egress to any address on any port, so its egress is not restricted`);
      }
    }

    // Namespaces with pods: default deny both ways, and DNS for every pod.
    for (const [ns, info] of [...this.namespaces].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      if (info.podObjects.length === 0) continue;
      const coversAll = (p: NetPolicy, cluster: boolean): boolean => (cluster ? coversNamespace(p.selector, ns) : p.selector.all);
      const all = [...info.policies.map((p) => ({ p, cluster: false })), ...this.clusterWide.map((p) => ({ p, cluster: true }))].filter(({ p, cluster }) => coversAll(p, cluster)).map(({ p }) => p);
      const problems: string[] = [];
      for (const dir of ['ingress', 'egress'] as const) {
        const denying = all.filter((p) => p[dir]);
        const opener = denying.find((p) => (dir === 'ingress' ? p.ingressAllowsAny : p.egressAllowsAny));
        if (denying.length === 0) problems.push(`no policy selecting all pods denies ${dir} by default`);
        else if (opener) problems.push(`${describeObject(ev.refs[opener.index])} selects all pods and allows ${dir} ${dir === 'ingress' ? 'from' : 'to'} anywhere, which cancels the default deny`);
      }
      const targets = this.namespaceObjects.get(ns) ?? info.podObjects;
      const where = (i: number): string => (ev.refs[i].kind === 'Namespace' ? 'metadata.name' : 'metadata.namespace');
      if (problems.length) {
        for (const i of targets) ev.report(i, 'namespace-default-deny', where(i), `namespace ${nsName(ns)} has pods but ${problems.join(', and ')}`);
        continue;
      }
      if (!all.some((p) => p.egress && p.allowsDns)) {
        for (const i of targets) ev.report(i, 'namespace-dns-egress', where(i), `namespace ${nsName(ns)} denies egress by default but no policy selecting all pods allows DNS (port 53), so name resolution fails`);
      }
    }

    // Input order, then rule order within an object (sort is stable: paths stay in pod order).
    const order = (a: PolicyFinding, b: PolicyFinding): number => a.object.index - b.object.index || (RULE_ORDER.get(a.ruleId) ?? 0) - (RULE_ORDER.get(b.ruleId) ?? 0);
    const findings = ev.findings.sort(order);
    const errors = findings.filter((f) => f.severity === 'error');
    this.finished = {
      objectCount: ev.refs.length,
      findings,
      excepted: ev.excepted.sort(order),
      errors,
      warnings: findings.filter((f) => f.severity === 'warning'),
      ok: errors.length === 0,
    };
    return this.finished;
  }

  private nsInfo(ns: string): NamespaceInfo {
    let info = this.namespaces.get(ns);
    if (!info) {
      info = { podObjects: [], policies: [], egressIndex: new SelectorIndex<NetPolicy>(), ciliumEgressIndex: new SelectorIndex<NetPolicy>() };
      this.namespaces.set(ns, info);
    }
    return info;
  }
}

/**
 * Evaluates every rule of {@link POLICY_RULES} over `objects` (plain Kubernetes objects, as
 * parsed from YAML/JSON or synthesised by cdk8s) and returns the findings. Never throws on
 * bad input: what cannot be read is itself a finding.
 *
 * @throws FteValidationError when `options.kubernetesVersion` is not a supported version.
 */
export function evaluatePolicy(objects: readonly unknown[], options: PolicyOptions = {}): PolicyReport {
  const evaluator = new PolicyEvaluator(options);
  // Array.from: holes of a sparse array become undefined (and are reported), not skipped.
  // `kind: *List` objects are unwrapped, as kubectl applies their items.
  const list: unknown[] = [];
  for (const o of Array.isArray(objects) ? Array.from(objects) : [objects]) flattenLists(o, list);
  for (const o of list) evaluator.add(o);
  return evaluator.finish();
}

function nsName(ns: string): string {
  return ns ? JSON.stringify(ns) : '(unset: the namespace the manifests are applied to)';
}

/** Whether a cluster-wide Cilium selector selects every pod of namespace `ns`. */
function coversNamespace(selector: CompiledSelector, ns: string): boolean {
  if (selector.none) return false;
  if (selector.all) return true;
  return selector.requirements.length === 0 && selector.labels.every(([k, v]) => k === NAMESPACE_LABEL && v === ns);
}

function readExceptions(ev: Evaluation, i: number, meta: Rec): Map<string, string> | undefined {
  const annotations = meta.annotations;
  if (!isRec(annotations)) return undefined;
  let found: Map<string, string> | undefined;
  for (const [key, value] of Object.entries(annotations)) {
    if (!key.startsWith(POLICY_EXCEPTION_PREFIX)) continue;
    const id = key.slice(POLICY_EXCEPTION_PREFIX.length);
    const rule = policyRule(id);
    const path = `metadata.annotations[${JSON.stringify(key)}]`;
    if (!rule) {
      ev.report(i, 'policy-exception-invalid', path, `exception for unknown rule ${q(id)}; expected one of ${POLICY_RULES.filter((r) => r.exceptable).map((r) => r.id).join(', ')}`);
    } else if (!rule.exceptable) {
      ev.report(i, 'policy-exception-invalid', path, `rule ${q(id)} cannot be excepted`);
    } else if (typeof value !== 'string' || value.trim().length === 0) {
      ev.report(i, 'policy-exception-invalid', path, `exception for ${q(id)} has no reason (${q(value)}); expected a sentence saying why the object is safe anyway`);
    } else {
      found ??= new Map();
      found.set(id, detach(value.trim()));
    }
  }
  return found;
}

function containersOf(ev: Evaluation, pod: PodTemplate): Container[] {
  const out: Container[] = [];
  for (const list of CONTAINER_LISTS) {
    const value = pod.spec[list];
    const path = join(pod.specPath, list);
    if (value === undefined || value === null) {
      if (list === 'containers') ev.report(pod.index, 'object-malformed', path, 'the pod spec has no containers; expected at least one');
      continue;
    }
    if (!Array.isArray(value)) {
      ev.report(pod.index, 'object-malformed', path, `${list} is ${q(value)}, not a list of containers`);
      continue;
    }
    if (list === 'containers' && value.length === 0) ev.report(pod.index, 'object-malformed', path, 'the pod spec has no containers; expected at least one');
    value.forEach((c, j) => {
      const cp = `${path}[${j}]`;
      if (!isRec(c)) {
        ev.report(pod.index, 'object-malformed', cp, `container ${q(c)} is not a mapping`);
        return;
      }
      const label = `${list === 'containers' ? 'container' : list === 'initContainers' ? 'init container' : 'ephemeral container'} ${q(c.name ?? j)}`;
      out.push({ c, sc: rec(c.securityContext), path: cp, list, label });
    });
  }
  return out;
}

/**
 * Every rule about one pod template. The runtime class of an agent pod is only recorded in
 * `runtimeChecks`: RuntimeClasses later in the input decide it.
 */
function checkPod(ev: Evaluation, pod: PodTemplate, controls: PodSecurityControls, runtimeChecks: RuntimeCheck[]): void {
  const { spec, specPath: sp, index: i } = pod;
  const report = (ruleId: string, path: string, message: string, excuse?: string): void => ev.report(i, ruleId, path, message, excuse);
  const podSC = rec(spec.securityContext);
  const scPath = join(sp, 'securityContext');
  const windows = rec(spec.os).name === 'windows';
  // A pod in its own user namespace: root inside is not root on the node.
  const userNamespace = controls.version.atLeast(USER_NAMESPACE_RELAXATION_SINCE) && spec.hostUsers === false;
  const containers = containersOf(ev, pod);
  const annotations = rec(pod.meta.annotations);

  for (const k of ['hostNetwork', 'hostPID', 'hostIPC']) {
    if (setTrue(spec[k])) report('pss-host-namespaces', join(sp, k), `${k} is ${q(spec[k])}; the pod would share the node's ${k.slice(4)} namespace`);
  }
  if (setTrue(rec(podSC.windowsOptions).hostProcess)) report('pss-host-process', `${scPath}.windowsOptions.hostProcess`, 'the pod runs as a Windows HostProcess');

  // Pod-level security context.
  checkSeLinux(report, podSC.seLinuxOptions, `${scPath}.seLinuxOptions`, 'the pod', controls);
  checkAppArmor(report, podSC.appArmorProfile, `${scPath}.appArmorProfile`, 'the pod');
  const podSeccomp = rec(podSC.seccompProfile).type;
  if (podSeccomp !== undefined && !SECCOMP_OK.has(podSeccomp as string) && !(windows && podSeccomp !== 'Unconfined')) {
    report('pss-seccomp', `${scPath}.seccompProfile.type`, `the pod's seccomp profile is ${q(podSeccomp)}; expected RuntimeDefault or Localhost`);
  }
  const podSeccompOk = SECCOMP_OK.has(podSeccomp as string);
  if (!userNamespace && podSC.runAsNonRoot !== undefined && podSC.runAsNonRoot !== true) report('pss-run-as-non-root', `${scPath}.runAsNonRoot`, `runAsNonRoot is ${q(podSC.runAsNonRoot)} for the pod; expected true`);
  if (!userNamespace && (podSC.runAsUser === 0 || podSC.runAsUser === '0')) report('pss-run-as-user', `${scPath}.runAsUser`, 'the pod runs as UID 0 (root)');
  if (podSC.sysctls !== undefined) {
    if (!Array.isArray(podSC.sysctls)) report('pss-sysctls', `${scPath}.sysctls`, `sysctls is ${q(podSC.sysctls)}, not a list of safe sysctls`);
    else {
      podSC.sysctls.forEach((s, j) => {
        const name = rec(s).name;
        if (!controls.sysctls.has(name as string)) report('pss-sysctls', `${scPath}.sysctls[${j}].name`, `sysctl ${q(name)} is not in the safe set of Kubernetes ${controls.version}`);
      });
    }
  }

  for (const [key, value] of Object.entries(annotations)) {
    if (unconfinedAppArmorAnnotation(key, value)) {
      report('pss-apparmor', `${pod.metaPath}.annotations[${JSON.stringify(key)}]`, `AppArmor profile ${q(value)} for container ${q(key.slice(APPARMOR_ANNOTATION.length))}; expected runtime/default or localhost/<profile>`);
    }
  }

  // Volumes.
  const volumes = spec.volumes;
  if (volumes !== undefined && volumes !== null) {
    if (!Array.isArray(volumes)) report('object-malformed', join(sp, 'volumes'), `volumes is ${q(volumes)}, not a list`);
    else {
      volumes.forEach((v, j) => {
        const vp = `${join(sp, 'volumes')}[${j}]`;
        if (!isRec(v)) {
          report('object-malformed', vp, `volume ${q(v)} is not a mapping`);
          return;
        }
        for (const type of Object.keys(v)) {
          if (type === 'name') continue;
          if (type === 'hostPath') report('pss-host-path-volumes', `${vp}.hostPath`, `volume ${q(v.name)} mounts the node's ${q(rec(v.hostPath).path)}`);
          else if (!RESTRICTED_VOLUME_TYPES.has(type)) report('pss-volume-types', `${vp}.${type}`, `volume ${q(v.name)} is of type ${type}, which Pod Security restricted does not allow`);
        }
      });
    }
  }

  // Containers: init, regular and ephemeral alike.
  for (const { c, sc, path: cp, list, label } of containers) {
    const csp = `${cp}.securityContext`;
    if (setTrue(sc.privileged)) report('pss-privileged', `${csp}.privileged`, `${label} is privileged`);
    if (setTrue(rec(sc.windowsOptions).hostProcess)) report('pss-host-process', `${csp}.windowsOptions.hostProcess`, `${label} runs as a Windows HostProcess`);
    const caps = rec(sc.capabilities);
    if (!windows && !(Array.isArray(caps.drop) && caps.drop.includes('ALL'))) report('pss-capabilities', `${csp}.capabilities.drop`, `${label} does not drop ALL capabilities (drop is ${q(caps.drop)})`);
    if (caps.add !== undefined && caps.add !== null) {
      const allowed = windows ? BASELINE_CAPABILITIES : new Set(['NET_BIND_SERVICE']);
      const bad = Array.isArray(caps.add) ? caps.add.filter((x) => !allowed.has(x as string)) : [caps.add];
      if (bad.length) report('pss-capabilities', `${csp}.capabilities.add`, `${label} adds capabilities ${q(bad)}; only NET_BIND_SERVICE may be added`);
    }
    if (Array.isArray(c.ports)) {
      c.ports.forEach((p, j) => {
        const hp = rec(p).hostPort;
        if (hp !== undefined && hp !== null && hp !== 0) report('pss-host-ports', `${cp}.ports[${j}].hostPort`, `${label} binds host port ${q(hp)}`);
      });
    }
    for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) checkHandlerHost(report, c[probe], `${cp}.${probe}`, label);
    const lifecycle = rec(c.lifecycle);
    for (const hook of ['postStart', 'preStop']) checkHandlerHost(report, lifecycle[hook], `${cp}.lifecycle.${hook}`, label);
    checkAppArmor(report, sc.appArmorProfile, `${csp}.appArmorProfile`, label);
    checkSeLinux(report, sc.seLinuxOptions, `${csp}.seLinuxOptions`, label, controls);
    if (sc.procMount !== undefined && sc.procMount !== null && sc.procMount !== 'Default') report('pss-proc-mount', `${csp}.procMount`, `${label} has procMount ${q(sc.procMount)}`);
    const seccomp = rec(sc.seccompProfile).type;
    if (seccomp !== undefined && !SECCOMP_OK.has(seccomp as string) && !(windows && seccomp !== 'Unconfined')) {
      report('pss-seccomp', `${csp}.seccompProfile.type`, `${label} has seccomp profile ${q(seccomp)}; expected RuntimeDefault or Localhost`);
    } else if (seccomp === undefined && !podSeccompOk && !windows) {
      report('pss-seccomp', `${csp}.seccompProfile`, `${label} has no seccomp profile and the pod sets none (RuntimeDefault or Localhost)`);
    }
    if (!windows && sc.allowPrivilegeEscalation !== false) report('pss-privilege-escalation', `${csp}.allowPrivilegeEscalation`, `${label} does not set allowPrivilegeEscalation: false (it is ${q(sc.allowPrivilegeEscalation)})`);
    if (userNamespace) {
      // Exempt from runAsNonRoot and runAsUser (Pod Security 1.35+).
    } else if (sc.runAsNonRoot !== undefined && sc.runAsNonRoot !== true) {
      report('pss-run-as-non-root', `${csp}.runAsNonRoot`, `${label} sets runAsNonRoot ${q(sc.runAsNonRoot)}`);
    } else if (sc.runAsNonRoot === undefined && podSC.runAsNonRoot !== true) {
      report('pss-run-as-non-root', `${csp}.runAsNonRoot`, `${label} may run as root: neither it nor the pod sets runAsNonRoot: true`);
    }
    if (!userNamespace && (sc.runAsUser === 0 || sc.runAsUser === '0')) report('pss-run-as-user', `${csp}.runAsUser`, `${label} runs as UID 0 (root)`);

    if (list !== 'ephemeralContainers') checkResources(report, c.resources, `${cp}.resources`, label);
    if (c.env !== undefined && c.env !== null) {
      if (!Array.isArray(c.env)) report('object-malformed', `${cp}.env`, `${label} has env ${q(c.env)}, not a list`);
      else {
        c.env.forEach((e, j) => {
          const ev2 = rec(e);
          if (isSecretLiteral(ev2)) {
            report('env-secret-literal', `${cp}.env[${j}].value`, `${label} sets ${q(ev2.name)}, which looks like a secret, to a literal value; it would be readable in the manifest`);
          }
        });
      }
    }
    const imageProblem = checkPinnedImage(c.image);
    if (imageProblem) report('pinned-image', `${cp}.image`, `${label}: ${imageProblem}`);
  }

  // Agent pods run sandboxed: judged in PolicyEvaluator.finish().
  if (pod.agent) {
    const rc = spec.runtimeClassName;
    const reason = annotations[UNSANDBOXED_POD_ANNOTATION];
    const excuse = typeof reason === 'string' && reason.trim().length > 0 ? detach(`${UNSANDBOXED_POD_ANNOTATION}: ${reason.trim()}`) : undefined;
    runtimeChecks.push({
      index: i,
      path: join(sp, 'runtimeClassName'),
      ...(typeof rc === 'string' && rc.length > 0 ? { runtimeClass: detach(rc) } : {}),
      ...(rc !== undefined ? { shown: q(rc) } : {}),
      ...(excuse !== undefined ? { excuse } : {}),
    });
  }

  // Agent pods call the API only when granted: otherwise no token is mounted.
  if (pod.agent && spec.automountServiceAccountToken !== false && stringLabels(pod.meta.labels).get(API_ACCESS_POD_LABEL) !== 'true') {
    report('service-account-token', join(sp, 'automountServiceAccountToken'), `agent pod mounts its ServiceAccount token (automountServiceAccountToken is ${q(spec.automountServiceAccountToken)}) without the ${API_ACCESS_POD_LABEL}: "true" label of a workload granted apiAccess`);
  }

  // Dapr-injected pods: the sidecar the YAML does not show is hardened through annotations.
  if (daprTrue(annotations['dapr.io/enabled'])) {
    const seccomp = annotations[DAPR_SECCOMP_ANNOTATION];
    const ap = (k: string): string => `${pod.metaPath}.annotations[${JSON.stringify(k)}]`;
    if (seccomp !== undefined ? !SECCOMP_OK.has(seccomp as string) : !podSeccompOk) {
      report('dapr-sidecar-hardening', ap(DAPR_SECCOMP_ANNOTATION), `the Dapr sidecar gets seccomp profile ${q(seccomp)}${seccomp === undefined ? ' and the pod sets none' : ''}; expected ${DAPR_SECCOMP_ANNOTATION}: RuntimeDefault`);
    }
    const missing = DAPR_RESOURCE_ANNOTATIONS.filter((k) => !str(annotations[k]));
    if (missing.length) report('dapr-sidecar-hardening', ap(missing[0]), `the Dapr sidecar has no ${missing.join(', ')}, so it runs without requests or limits`);
  }
}

type Reporter = (ruleId: string, path: string, message: string, excuse?: string) => void;

/** An env entry that gives a secret-looking variable a literal value. */
function isSecretLiteral(env: Rec): env is Rec & { name: string } {
  return typeof env.name === 'string' && looksSecret(env.name) && env.value !== undefined && env.value !== null && env.value !== '';
}

/** A legacy AppArmor annotation whose profile is neither runtime/default nor localhost/*. */
function unconfinedAppArmorAnnotation(key: string, value: unknown): boolean {
  return key.startsWith(APPARMOR_ANNOTATION) && !(value === '' || value === 'runtime/default' || (typeof value === 'string' && value.startsWith('localhost/')));
}

/**
 * A SandboxClaim has no pod template, but the controller merges its `spec.env` and
 * `spec.additionalPodMetadata` into the pod it starts: the env and annotation rules apply.
 */
function checkClaim(ev: Evaluation, i: number, obj: Rec): void {
  const spec = rec(obj.spec);
  if (Array.isArray(spec.env)) {
    spec.env.forEach((e, j) => {
      const env = rec(e);
      if (isSecretLiteral(env)) {
        ev.report(i, 'env-secret-literal', `spec.env[${j}].value`, `the claim sets ${q(env.name)}, which looks like a secret, to a literal value; it would be readable in the manifest`);
      }
    });
  }
  const annotations = rec(rec(spec.additionalPodMetadata).annotations);
  for (const [key, value] of Object.entries(annotations)) {
    const at = `spec.additionalPodMetadata.annotations[${JSON.stringify(key)}]`;
    if (unconfinedAppArmorAnnotation(key, value)) {
      ev.report(i, 'pss-apparmor', at, `the claim gives its pod AppArmor profile ${q(value)}; expected runtime/default or localhost/<profile>`);
    }
    if (key.startsWith('dapr.io/')) {
      ev.report(i, 'dapr-sidecar-hardening', at, `the claim adds ${q(key)} to a sandbox pod; Dapr injection is configured on the workload (DaprWorker), not per claim`);
    }
  }
}

function checkHandlerHost(report: Reporter, handler: unknown, path: string, label: string): void {
  const h = rec(handler);
  for (const kind of ['httpGet', 'tcpSocket']) {
    const host = rec(h[kind]).host;
    if (host !== undefined && host !== null && host !== '') report('pss-host-probes', `${path}.${kind}.host`, `${label} probes or hooks host ${q(host)}`);
  }
}

function checkAppArmor(report: Reporter, profile: unknown, path: string, who: string): void {
  if (profile === undefined || profile === null) return;
  const type = rec(profile).type;
  if (!SECCOMP_OK.has(type as string)) report('pss-apparmor', `${path}.type`, `${who} has AppArmor profile type ${q(type)}; expected RuntimeDefault or Localhost`);
}

function checkSeLinux(report: Reporter, options: unknown, path: string, who: string, controls: PodSecurityControls): void {
  if (options === undefined || options === null) return;
  const o = rec(options);
  if (o.type !== undefined && !controls.seLinuxTypes.has(o.type as string)) report('pss-selinux', `${path}.type`, `${who} has SELinux type ${q(o.type)}, which Kubernetes ${controls.version} does not allow`);
  for (const k of ['user', 'role']) {
    if (o[k] !== undefined && o[k] !== '') report('pss-selinux', `${path}.${k}`, `${who} sets SELinux ${k} ${q(o[k])}`);
  }
}

function checkResources(report: Reporter, resources: unknown, path: string, label: string): void {
  const r = rec(resources);
  const missing: string[] = [];
  for (const side of ['requests', 'limits']) {
    const s = rec(r[side]);
    for (const res of ['cpu', 'memory']) {
      const v = s[res];
      if (!(str(v) || (typeof v === 'number' && v > 0))) missing.push(`${side}.${res}`);
    }
  }
  if (missing.length) report('container-resources', path, `${label} has no ${missing.join(', ')}`);
}

/** `apps/v1 Deployment agents/web`: how reports name an object. */
export function describeObject(ref: PolicyObjectRef): string {
  if (!ref.kind && !ref.name) return `object #${ref.index}`;
  const ns = ref.namespace ? `${ref.namespace}/` : '';
  return `${ref.apiVersion ?? '?'} ${ref.kind ?? '?'} ${ns}${ref.name ?? '?'}`;
}

/** Options for {@link formatPolicyReport}. */
export interface FormatOptions {
  /** Extra location of an object (file, construct path), shown after its name. */
  readonly locate?: (object: PolicyObjectRef) => string | undefined;
}

/**
 * The human report: a summary line, then each finding (severity, rule, object, location,
 * path, message, fix), then each excepted finding with its reason.
 */
export function formatPolicyReport(report: PolicyReport, options: FormatOptions = {}): string {
  const lines: string[] = [];
  const where = (f: PolicyFinding): string => {
    const extra = options.locate?.(f.object);
    return `${describeObject(f.object)}${extra ? ` (${extra})` : ''}`;
  };
  const n = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
  lines.push(`ftekit policy: ${report.ok ? 'PASSED' : 'FAILED'}: ${n(report.errors.length, 'error')}, ${n(report.warnings.length, 'warning')}, ${n(report.excepted.length, 'excepted finding')} in ${n(report.objectCount, 'object')}`);
  for (const f of report.findings) {
    lines.push('');
    lines.push(`${f.severity.toUpperCase()} [${f.ruleId}] ${where(f)}`);
    if (f.path) lines.push(`  at:  ${f.path}`);
    lines.push(`  why: ${f.message}`);
    lines.push(`  fix: ${f.fix}`);
  }
  for (const f of report.excepted) {
    lines.push('');
    lines.push(`EXCEPTED [${f.ruleId}] ${where(f)}`);
    if (f.path) lines.push(`  at:     ${f.path}`);
    lines.push(`  why:    ${f.message}`);
    lines.push(`  reason: ${f.reason}`);
  }
  return lines.join('\n');
}

/**
 * The key naming an object in construct metadata and in `cdk8s synth` reports:
 * `<Kind> <namespace>/<name>`, or `<Kind> <name>` when it has no namespace.
 */
export function policyResourceKey(ref: { readonly kind?: string; readonly namespace?: string; readonly name?: string }): string {
  return `${ref.kind ?? '?'} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name ?? '?'}`;
}
