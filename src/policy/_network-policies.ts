/*
 * Network policies: Kubernetes NetworkPolicies and Cilium (clusterwide) policies normalised
 * to what the rules need, indexed by namespace and selector as objects arrive, then judged
 * per pod (egress restricted) and per namespace (default deny, DNS).
 */
import { Evaluation } from './_evaluation';
import { isRec, q, rec, Rec } from './_objects';
import { defineRule } from './_rule';
import { describeObject } from './report';
import { compileSelector, CompiledSelector, Labels, SelectorIndex } from './selectors';

export const NAMESPACE_DEFAULT_DENY = defineRule('namespace-default-deny',
  'Every namespace with pods has a NetworkPolicy (or CiliumNetworkPolicy) selecting all its pods that denies ingress and egress by default, and no select-all rule that allows any source or destination (0.0.0.0/0, every namespace, no peers; DNS-only egress aside).',
  'Add an FteNamespace (or a NetworkPolicy with podSelector: {} and policyTypes: [Ingress, Egress]) to the namespace.');

export const NAMESPACE_DNS_EGRESS = defineRule('namespace-dns-egress',
  'Every namespace with default-deny egress lets all its pods reach DNS (port 53) through a select-all policy.',
  'Add an egress rule for UDP and TCP 53 to the cluster DNS pods to the select-all policy (FteNamespace does this).');

export const POD_EGRESS_POLICY = defineRule('pod-egress-policy',
  'Every pod is selected by a NetworkPolicy (or CiliumNetworkPolicy) that restricts its egress, and by none with a rule that allows every destination on every port.',
  'Give the workload an EgressAllowlist, or put it in a namespace with a default-deny policy.');

export const API_SERVER_EGRESS = defineRule('api-server-egress',
  'Every pod labelled ftekit.dev/api-access: "true" (a workload granted apiAccess) that mounts its token and whose egress is restricted can reach the Kubernetes API server: a policy selecting it allows egress to an ipBlock (the API server\'s endpoint addresses) on a port other than 53, or, under Cilium, to the kube-apiserver entity (or host, remote-node, cluster, world, all) or a CIDR.',
  'Give the workload the API server\'s endpoint addresses and port (apiServer: { cidrs, port } in ftekit), or enforce egress with Cilium, where ftekit allows the kube-apiserver entity.');

const NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
/** Cilium entities that include the Kubernetes API server. */
const API_SERVER_ENTITIES = new Set(['kube-apiserver', 'host', 'remote-node', 'cluster', 'world', 'all']);
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
  /** An egress rule that can reach the API server: an address block (or anywhere) on a port other than DNS's, or a Cilium entity including it. */
  readonly reachesApiServer: boolean;
}

interface NamespaceInfo {
  readonly podObjects: number[];
  readonly policies: NetPolicy[];
  /** Egress-restricting NetworkPolicies, by pod selector. */
  readonly egressIndex: SelectorIndex<NetPolicy>;
  /** Egress-restricting CiliumNetworkPolicies, by endpoint selector. */
  readonly ciliumEgressIndex: SelectorIndex<NetPolicy>;
}

/** A pod's labels, matched against the network policies once all are known. */
export interface PodSelection {
  readonly index: number;
  readonly namespace: string;
  /** Keys and values in turn (a Map per pod would cost more than its labels). */
  readonly labels: readonly string[];
  readonly labelsPath: string;
  /** Where the pod says it calls the API server (its api-access label), when it does and mounts its token. */
  readonly apiAccessPath?: string;
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
    reachesApiServer: egressRules.some((r) => !isRec(r) || ((npPeersAny(r.to) || (Array.isArray(r.to) && r.to.some((p) => isRec(p) && isRec(p.ipBlock)))) && !npPortsOnlyDns(r.ports))),
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
      reachesApiServer: egressRules.some((r) => isRec(r) && !ciliumPortsOnlyDns(r.toPorts) && (
        (Array.isArray(r.toEntities) && r.toEntities.some((e) => typeof e === 'string' && API_SERVER_ENTITIES.has(e)))
        || (Array.isArray(r.toCIDR) && r.toCIDR.length > 0) || (Array.isArray(r.toCIDRSet) && r.toCIDRSet.length > 0))),
    };
  });
}

/**
 * The network policies and pods of one input, as the rules spanning objects need them:
 * policies by namespace and selector, each pod's labels, the Namespace objects.
 */
export class NetworkPolicyIndex {
  private readonly namespaces = new Map<string, NamespaceInfo>();
  private readonly clusterWide: NetPolicy[] = [];
  private readonly clusterWideEgress = new SelectorIndex<NetPolicy>();
  private readonly namespaceObjects = new Map<string, number[]>();
  private readonly pods: PodSelection[] = [];

  /** Object `index` is the Namespace `name`. */
  public addNamespace(index: number, name: string): void {
    const seen = this.namespaceObjects.get(name);
    if (seen) seen.push(index); else this.namespaceObjects.set(name, [index]);
  }

  /** Object `index` is a NetworkPolicy in namespace `ns` with this spec. */
  public addNetworkPolicy(index: number, ns: string, spec: Rec): void {
    const p = kubernetesPolicy(index, spec);
    const info = this.info(ns);
    info.policies.push(p);
    if (p.egress) info.egressIndex.add(p.selector, p);
  }

  /** Object `index` is a CiliumNetworkPolicy in namespace `ns`. */
  public addCiliumPolicy(index: number, ns: string, obj: Rec): void {
    const info = this.info(ns);
    for (const p of ciliumPolicies(index, obj)) {
      info.policies.push(p);
      if (p.egress) info.ciliumEgressIndex.add(p.selector, p);
    }
  }

  /** Object `index` is a CiliumClusterwideNetworkPolicy. */
  public addClusterwidePolicy(index: number, obj: Rec): void {
    for (const p of ciliumPolicies(index, obj)) {
      this.clusterWide.push(p);
      if (p.egress) this.clusterWideEgress.add(p.selector, p);
    }
  }

  /** A pod template of object `index` in namespace `ns`, with its labels (keys and values in turn). */
  public addPod(pod: PodSelection): void {
    this.pods.push(pod);
  }

  /** Object `index` has at least one pod template, in namespace `ns`. */
  public addPodObject(index: number, ns: string): void {
    this.info(ns).podObjects.push(index);
  }

  /** Applies the network rules once every object is indexed. */
  public check(ev: Evaluation): void {
    // Every pod is selected by an egress-restricting policy of its namespace (or cluster-wide).
    for (const pod of this.pods) {
      const info = this.info(pod.namespace);
      const labels = new Map<string, string>();
      for (let k = 0; k < pod.labels.length; k += 2) labels.set(pod.labels[k], pod.labels[k + 1]);
      const withNs: Labels = new Map([...labels, [NAMESPACE_LABEL, pod.namespace]]);
      let selected = false;
      let opener: NetPolicy | undefined;
      let reachesApiServer = false;
      const visit = (p: NetPolicy): void => {
        selected = true;
        if (p.egressFullyOpen) opener ??= p;
        if (p.reachesApiServer) reachesApiServer = true;
      };
      info.egressIndex.forEachMatch(labels, visit);
      info.ciliumEgressIndex.forEachMatch(withNs, visit);
      this.clusterWideEgress.forEachMatch(withNs, visit);
      if (!selected) {
        ev.report(pod.index, POD_EGRESS_POLICY, pod.labelsPath, `no NetworkPolicy or CiliumNetworkPolicy in namespace ${nsName(pod.namespace)} restricts the egress of this pod (labels ${q(Object.fromEntries(labels))}); it can reach any address`);
      } else if (opener) {
        ev.report(pod.index, POD_EGRESS_POLICY, pod.labelsPath, `${describeObject(ev.refs[(opener as NetPolicy).index])} selects this pod and allows egress to any address on any port, so its egress is not restricted`);
      } else if (pod.apiAccessPath !== undefined && !reachesApiServer) {
        ev.report(pod.index, API_SERVER_EGRESS, pod.apiAccessPath, 'this pod is granted API access and mounts its token, but no policy selecting it allows egress to the API server (an ipBlock on its port, or Cilium\'s kube-apiserver entity): every API call would be dropped');
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
        for (const i of targets) ev.report(i, NAMESPACE_DEFAULT_DENY, where(i), `namespace ${nsName(ns)} has pods but ${problems.join(', and ')}`);
        continue;
      }
      if (!all.some((p) => p.egress && p.allowsDns)) {
        for (const i of targets) ev.report(i, NAMESPACE_DNS_EGRESS, where(i), `namespace ${nsName(ns)} denies egress by default but no policy selecting all pods allows DNS (port 53), so name resolution fails`);
      }
    }
  }

  private info(ns: string): NamespaceInfo {
    let info = this.namespaces.get(ns);
    if (!info) {
      info = { podObjects: [], policies: [], egressIndex: new SelectorIndex<NetPolicy>(), ciliumEgressIndex: new SelectorIndex<NetPolicy>() };
      this.namespaces.set(ns, info);
    }
    return info;
  }
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
