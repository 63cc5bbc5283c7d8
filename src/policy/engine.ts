/*
 * The policy engine over plain Kubernetes objects (parsed YAML or JSON, or cdk8s output). No
 * cdk8s import, no I/O. Malformed input is reported, never thrown on.
 *
 * The rules live by concern beside their checks: _objects (unreadable objects), _exceptions,
 * _pod-security, _containers, _agent-pods, _network-policies, _cluster-scope, _dapr, _claims;
 * this file indexes each object as it is added and runs them.
 *
 * Cost is linear in the input: each object is checked as it is added (PolicyEvaluator.add),
 * keeping only an index of pods, namespaces and network policies; at the end each pod is
 * matched against the policies of its own namespace. Objects can therefore be streamed
 * through and released, as `ftekit-check` does.
 */
import { checkAgentPod, checkRuntimes, RuntimeCheck, sandboxedHandler, AGENT_POD_LABEL, API_ACCESS_POD_LABEL } from './_agent-pods';
import { checkClaim } from './_claims';
import { ClusterScopeIndex } from './_cluster-scope';
import { checkContainers } from './_containers';
import { checkDaprPod } from './_dapr';
import { detach, StringPool } from './_detach';
import { Evaluation } from './_evaluation';
import { readExceptions } from './_exceptions';
import { NetworkPolicyIndex } from './_network-policies';
import { AGENT_SANDBOX_GROUPS, flattenLists, getPath, groupOf, HEURISTIC_TEMPLATE_PATHS, isRec, join, OBJECT_MALFORMED, q, rec, str, stringLabels, TEMPLATE_PATHS } from './_objects';
import { checkPodSecurity, containersOf, PodSecurityControls, PodTemplate } from './_pod-security';
import { allowedSeLinuxTypes, KubernetesVersion, safeSysctls } from './kubernetes-version';
import { PolicyFinding, PolicyObjectRef, PolicyReport } from './report';
import { POLICY_RULES, RULES_BY_ID } from './rules';

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

function kubernetesVersionOf(options: unknown): KubernetesVersion {
  const v = isRec(options) ? options.kubernetesVersion : undefined;
  if (v === undefined) return KubernetesVersion.FLOOR;
  if (v instanceof KubernetesVersion) return v;
  // Plain JavaScript callers and configuration files pass the version as text.
  return KubernetesVersion.of(v as string);
}

const RULE_ORDER = new Map(POLICY_RULES.map((r, i) => [r.id, i]));

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
  private readonly pool = new StringPool();
  private readonly network = new NetworkPolicyIndex();
  private readonly clusterScope = new ClusterScopeIndex(this.pool);
  /** RuntimeClass name → whether its handler is sandboxed (the last one of a name wins). */
  private readonly runtimeHandlers = new Map<string, boolean>();
  private readonly runtimeChecks: RuntimeCheck[] = [];
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
      ev.report(i, OBJECT_MALFORMED, '', `object #${i} is ${obj === null ? 'null' : Array.isArray(obj) ? 'an array' : `a ${typeof obj}`}, not a mapping; expected a Kubernetes object`);
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
    const exceptions = readExceptions(ev, i, m, RULES_BY_ID);
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
    if (problems.length) ev.report(i, OBJECT_MALFORMED, '', `${problems.join('; ')}; expected a Kubernetes object with apiVersion, kind and metadata.name`);
    if (!ref.kind) return i;

    const group = groupOf(ref.apiVersion);
    const gk = `${group}/${ref.kind}`;
    const ns = ref.namespace ?? '';
    const nsValue = m.namespace;
    if (nsValue !== undefined && nsValue !== null && nsValue !== '') this.clusterScope.addNamespaced(i, gk, nsValue);
    if (gk === 'apiextensions.k8s.io/CustomResourceDefinition') this.clusterScope.addCustomResourceDefinition(obj);
    if (gk === 'node.k8s.io/RuntimeClass' && ref.name) this.runtimeHandlers.set(ref.name, sandboxedHandler(obj.handler));
    if (gk === '/Namespace' && ref.name) this.network.addNamespace(i, ref.name);
    if (gk === 'networking.k8s.io/NetworkPolicy' && isRec(obj.spec)) this.network.addNetworkPolicy(i, ns, obj.spec);
    if (gk === 'cilium.io/CiliumNetworkPolicy') this.network.addCiliumPolicy(i, ns, obj);
    if (gk === 'cilium.io/CiliumClusterwideNetworkPolicy') this.network.addClusterwidePolicy(i, obj);

    if (gk === 'extensions.agents.x-k8s.io/SandboxClaim') checkClaim(ev, i, obj);
    const known = TEMPLATE_PATHS.get(gk);
    const agent = AGENT_SANDBOX_GROUPS.has(group);
    const candidates = known ? [known] : HEURISTIC_TEMPLATE_PATHS.filter((p) => isRec(rec(getPath(obj, p)).spec) && 'containers' in rec(rec(getPath(obj, p)).spec));
    let hasPod = false;
    for (const p of candidates) {
      const template = p.length === 0 ? obj : getPath(obj, p);
      const base = p.join('.');
      if (!isRec(template) || !isRec(template.spec)) {
        ev.report(i, OBJECT_MALFORMED, join(base, 'spec'), `${ref.kind} has no pod spec at ${join(base, 'spec')}; expected a mapping with containers`);
        continue;
      }
      hasPod = true;
      const podMeta = p.length === 0 ? m : rec(template.metadata);
      const labels = stringLabels(podMeta.labels);
      const pod: PodTemplate = { index: i, metaPath: join(base, 'metadata'), specPath: join(base, 'spec'), meta: podMeta, spec: template.spec, agent: agent || labels.has(AGENT_POD_LABEL) };
      this.checkPod(pod);
      const kept: string[] = [];
      for (const [k, v] of labels) kept.push(pool.get(k), pool.get(v));
      const labelsPath = join(pod.metaPath, 'labels');
      const apiAccess = labels.get(API_ACCESS_POD_LABEL) === 'true' && template.spec.automountServiceAccountToken !== false;
      this.network.addPod({ index: i, namespace: ns, labels: kept, labelsPath, ...(apiAccess ? { apiAccessPath: `${labelsPath}[${JSON.stringify(API_ACCESS_POD_LABEL)}]` } : {}) });
    }
    if (hasPod) this.network.addPodObject(i, ns);
    return i;
  }

  /**
   * Applies the rules that span objects (namespaces, network policies, runtime classes,
   * cluster scope) and returns the report. Call once, after the last {@link add}.
   */
  public finish(): PolicyReport {
    if (this.finished) return this.finished;
    const { ev } = this;

    this.clusterScope.check(ev);
    checkRuntimes(ev, this.runtimeChecks, this.runtimeHandlers, this.sandboxedClasses);
    this.network.check(ev);

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

  /** Every rule about one pod template. */
  private checkPod(pod: PodTemplate): void {
    const containers = containersOf(this.ev, pod);
    checkPodSecurity(this.ev, pod, containers, this.controls);
    checkContainers(this.ev, pod.index, containers);
    checkAgentPod(this.ev, pod, this.runtimeChecks);
    checkDaprPod(this.ev, pod);
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
