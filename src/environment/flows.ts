import { DAPR_CONTROL_PLANE_PODS, DAPR_INTERNAL_PORT } from '../dapr-app';
import { DaprAppSpec } from './platform';
import { DEFAULT_DNS_LABELS, DEFAULT_DNS_NAMESPACE, NON_PUBLIC_IPV4, NON_PUBLIC_IPV6, Peer } from '../egress-allowlist';
import { APP_NAME_LABEL } from '../_labels';
import { EnvironmentSpec } from './spec';

/**
 * One end of a flow:
 * - `workload`: an ftekit workload (an FTE's Sandbox, a pool's sandboxes, a Dapr worker) in the namespace;
 * - `peer`: a `peers[]` service in the namespace (ftekit opens its side);
 * - `pods`: pods ftekit does not manage, by labels, in another namespace (Dapr control plane, cluster DNS, a service elsewhere);
 * - `namespace`: every pod of another namespace (Prometheus);
 * - `cidr`: addresses (the API server's endpoints, the public-address fallback of a hostname);
 * - `hostname`: a DNS name, enforced by a Cilium, GKE or EKS policy, not by NetworkPolicy;
 * - `entity`: the Cilium `kube-apiserver` entity.
 */
export type FlowEndpoint =
  | { readonly kind: 'workload'; readonly name: string; readonly namespace: string; readonly role: 'fte' | 'pool' | 'dapr-worker' }
  | { readonly kind: 'peer'; readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: 'pods'; readonly name: string; readonly namespace: string; readonly labels: Readonly<Record<string, string>> }
  | { readonly kind: 'namespace'; readonly namespace: string }
  | { readonly kind: 'cidr'; readonly cidr: string; readonly except: readonly string[] }
  | { readonly kind: 'hostname'; readonly hostname: string }
  | { readonly kind: 'entity'; readonly entity: 'kube-apiserver' };

/** Why a flow exists: which part of the spec asks for it. */
export type FlowReason = 'dns' | 'egress' | 'ingress' | 'pool' | 'dapr-control-plane' | 'dapr-sidecar' | 'dapr-backend' | 'scrape' | 'api-server';

/** One allowed connection: `from` may open connections to `to` on `port`. */
export interface Flow {
  /** The end that opens the connection. */
  readonly from: FlowEndpoint;
  /** The end that accepts it. */
  readonly to: FlowEndpoint;
  /** Transport protocol. */
  readonly protocol: 'TCP' | 'UDP';
  /** Destination port; undefined for every port (the Cilium API-server entity without a port). */
  readonly port?: number;
  /** The part of the spec that asks for it. */
  readonly reason: FlowReason;
}

/** A short, unique name for an endpoint: `<namespace>/<name>`, `<namespace>/*`, a CIDR, a hostname. */
export function endpointId(e: FlowEndpoint): string {
  switch (e.kind) {
    case 'workload':
    case 'peer':
    case 'pods':
      return `${e.namespace}/${e.name}`;
    case 'namespace':
      return `${e.namespace}/*`;
    case 'cidr':
      return e.except.length ? `${e.cidr} except ${e.except.join(',')}` : e.cidr;
    case 'hostname':
      return e.hostname;
    case 'entity':
      return `entity:${e.entity}`;
  }
}

/** `from -> to port/protocol`, one line per flow, for comparisons and reports. */
export function flowKey(f: Flow): string {
  return `${endpointId(f.from)} -> ${endpointId(f.to)} ${f.port ?? '*'}/${f.protocol}`;
}

/**
 * Every connection an environment is meant to allow, derived from its spec alone: the
 * model the emitted policies are checked against (the connectivity test compares it with
 * what np-guard's netpol-analyzer computes from `dist/<env>/`, and the diagram draws it).
 * It does not read the NetworkPolicies the constructs emit, so that it is a second opinion.
 *
 * Each flow is listed once however many rules allow it. Flows between two pods of the
 * namespace are allowed at both ends by the emitted policies; flows to other namespaces only
 * at ftekit's end (ftekit does not manage those namespaces). Vault auth runs from the Vault
 * Secrets Operator's namespace to Vault, neither of which is the FTE namespace: no flow here.
 */
export function environmentFlows(spec: EnvironmentSpec): Flow[] {
  const ns = spec.namespace;
  const flows = new Map<string, Flow>();
  const add = (f: Flow): void => void flows.set(flowKey(f), f);
  const tcp = (from: FlowEndpoint, to: FlowEndpoint, port: number | undefined, reason: FlowReason): void => add({ from, to, protocol: 'TCP', port, reason });

  const peers = new Map(spec.peers.map((p) => [p.props.name, { kind: 'peer', name: p.props.name, namespace: ns, labels: p.props.podLabels ?? { [APP_NAME_LABEL]: p.props.name } } as const]));
  const workload = (name: string, role: 'fte' | 'pool' | 'dapr-worker'): FlowEndpoint => ({ kind: 'workload', name, namespace: ns, role });
  const entries: Array<{ readonly self: FlowEndpoint; readonly egress: readonly string[] }> = [
    ...spec.ftes.map((f) => ({ self: workload(f.props.name, 'fte'), egress: f.props.egress ?? [] })),
    ...spec.pools.map((p) => ({ self: workload(p.props.name, 'pool'), egress: p.props.egress ?? [] })),
    ...spec.daprWorkers.map((w) => ({ self: workload(w.props.name, 'dapr-worker'), egress: w.props.egress ?? [] })),
  ];

  /** The endpoint a seed-style destination names (as Peer.parse reads it), and its port. */
  const destination = (text: string): { readonly to: FlowEndpoint[]; readonly port: number } => {
    const { peer, port } = Peer.parse(text);
    const s = peer.spec;
    if (s.type === 'hostname') {
      if (spec.egressEnforcement.engine !== 'kubernetes') return { to: [{ kind: 'hostname', hostname: s.hostname }], port: port.number };
      // The explicit fallback: any public address on that port.
      return { to: [{ kind: 'cidr', cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 }, { kind: 'cidr', cidr: '::/0', except: NON_PUBLIC_IPV6 }], port: port.number };
    }
    if (s.type === 'cidr') return { to: [{ kind: 'cidr', cidr: s.cidr, except: s.except }], port: port.number };
    const name = s.labels[APP_NAME_LABEL] ?? JSON.stringify(s.labels);
    const inNamespace = s.namespace === undefined || s.namespace === ns;
    const peer_ = inNamespace ? peers.get(name) : undefined;
    return { to: [peer_ ?? { kind: 'pods', name, namespace: s.namespace ?? ns, labels: s.labels }], port: port.number };
  };

  // Cluster DNS, from every pod of the namespace (the default-deny policy allows it to all).
  const dns: FlowEndpoint = { kind: 'pods', name: 'kube-dns', namespace: DEFAULT_DNS_NAMESPACE, labels: DEFAULT_DNS_LABELS };
  for (const pod of [...entries.map((e) => e.self), ...peers.values()]) {
    for (const protocol of ['UDP', 'TCP'] as const) add({ from: pod, to: dns, protocol, port: 53, reason: 'dns' });
  }

  for (const { self, egress } of entries) {
    for (const text of egress) {
      const { to, port } = destination(text);
      for (const t of to) tcp(self, t, port, 'egress');
    }
  }
  for (const f of spec.ftes) {
    const self = workload(f.props.name, 'fte');
    for (const rule of f.ingress) {
      const s = rule.peer.spec;
      if (s.type !== 'pods') continue;
      const from: FlowEndpoint = s.allNamespacePods ? { kind: 'namespace', namespace: s.namespace! }
        : peers.get(s.labels[APP_NAME_LABEL]) ?? { kind: 'pods', name: s.labels[APP_NAME_LABEL] ?? JSON.stringify(s.labels), namespace: s.namespace ?? ns, labels: s.labels };
      tcp(from, self, rule.port, 'ingress');
    }
    for (const reach of f.reaches) tcp(self, workload(reach.pool, 'pool'), reach.port, 'pool');
    if (f.props.apiAccess?.length) {
      if (spec.egressEnforcement.engine === 'cilium') tcp(self, { kind: 'entity', entity: 'kube-apiserver' }, spec.apiServer?.port, 'api-server');
      else for (const cidr of spec.apiServer?.cidrs ?? []) tcp(self, { kind: 'cidr', cidr, except: [] }, spec.apiServer!.port, 'api-server');
    }
    if (spec.monitoring && f.metricsPort) tcp({ kind: 'namespace', namespace: spec.monitoring.prometheusNamespace ?? 'monitoring' }, self, f.metricsPort.number, 'scrape');
  }
  for (const w of spec.daprWorkers) {
    for (const reach of w.reaches) tcp(workload(w.props.name, 'dapr-worker'), workload(reach.pool, 'pool'), reach.port, 'pool');
  }
  // Dapr: every Dapr-enabled workload (worker, FTE or pool alike) calls its components'
  // backends and the control plane, every two of them (itself included: its replicas) talk
  // sidecar to sidecar, and Prometheus scrapes the sidecar's metrics (and a worker's own).
  const daprApps = daprEnabled(spec);
  const prometheus: FlowEndpoint[] = [{ kind: 'namespace', namespace: 'monitoring' }];
  if (spec.monitoring) prometheus.push({ kind: 'namespace', namespace: spec.monitoring.prometheusNamespace ?? 'monitoring' });
  for (const { name, role, app, appMetricsPort } of daprApps) {
    const self = workload(name, role);
    for (const text of [...(app.pubsub?.brokers ?? []), ...(app.stateStore ? [app.stateStore.host] : [])]) {
      const { to, port } = destination(text);
      for (const t of to) tcp(self, t, port, 'dapr-backend');
    }
    for (const from of prometheus) for (const port of [9090, ...(appMetricsPort !== undefined ? [appMetricsPort] : [])]) tcp(from, self, port, 'scrape');
    for (const { app: label, port } of DAPR_CONTROL_PLANE_PODS) tcp(self, { kind: 'pods', name: label, namespace: 'dapr-system', labels: { app: label } }, port, 'dapr-control-plane');
    for (const other of daprApps) tcp(self, workload(other.name, other.role), DAPR_INTERNAL_PORT, 'dapr-sidecar');
  }
  return [...flows.values()].sort((a, b) => flowKey(a).localeCompare(flowKey(b)));
}

/** A workload that runs a Dapr sidecar, with its app's settings. */
export interface DaprEnabledWorkload {
  readonly name: string;
  readonly role: 'fte' | 'pool' | 'dapr-worker';
  readonly app: DaprAppSpec;
  /** The app's own metrics port (a Dapr worker's `metricsPort`), scraped beside the sidecar's. */
  readonly appMetricsPort?: number;
}

/**
 * The workloads that run a Dapr sidecar: the Dapr workers, and every FTE or pool with a
 * `dapr` section.
 */
export function daprEnabled(spec: EnvironmentSpec): DaprEnabledWorkload[] {
  const workerMetrics = (w: EnvironmentSpec['daprWorkers'][number]): number | undefined => (w.props.ports ?? []).find((p) => p.name !== undefined && p.name === w.props.metricsPortName)?.number;
  return [
    ...spec.ftes.flatMap((f) => (f.dapr ? [{ name: f.props.name, role: 'fte' as const, app: f.dapr }] : [])),
    ...spec.pools.flatMap((p) => (p.dapr ? [{ name: p.props.name, role: 'pool' as const, app: p.dapr }] : [])),
    ...spec.daprWorkers.map((w) => ({ name: w.props.name, role: 'dapr-worker' as const, app: w, appMetricsPort: workerMetrics(w) })),
  ];
}
