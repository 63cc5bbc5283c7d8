/**
 * Stand-in Pods for the analyzer, which reads Pods and the built-in workload kinds but not
 * agent-sandbox's Sandbox and SandboxTemplate: one Pod per Sandbox or SandboxTemplate pod
 * template (with the labels the pods would carry), one per `peers[]` service ftekit does not run, and one per
 * pod elsewhere a flow names (cluster DNS, the Dapr control plane, Prometheus), with the
 * Namespaces they live in.
 */
import { EnvironmentSpec } from '../../src/environment/spec';
import { FlowEndpoint } from '../../src/environment/flows';

type Obj = { kind: string; metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; spec?: any };

/** A stand-in Pod's name and the endpoint it stands for. */
export interface StandIn {
  readonly node: string;
  readonly object: object;
}

function pod(name: string, namespace: string, labels: Record<string, string>): object {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace, labels }, spec: { containers: [{ name: 'main', image: 'registry.k8s.io/pause:3.10' }] } };
}

/** The analyzer's name of a node: `<namespace>/<name>[<Kind>]`. */
export const node = (namespace: string, name: string, kind = 'Pod'): string => `${namespace}/${name}[${kind}]`;

/** The injector's label on the pods it adds a sidecar to (`dapr.io/enabled: "true"`). */
const DAPR_INJECTED = 'dapr.io/sidecar-injected';
const daprEnabled = (template: any): boolean => template?.metadata?.annotations?.['dapr.io/enabled'] === 'true';

/**
 * `o` as the analyzer should see it: a Deployment whose pods get a Dapr sidecar carries the
 * label the Dapr injector (absent here) adds to them. Everything else unchanged.
 */
export function asInjected<T>(o: T): T {
  const d = o as unknown as Obj;
  if (d?.kind !== 'Deployment' || !daprEnabled(d.spec?.template)) return o;
  const copy = JSON.parse(JSON.stringify(d));
  copy.spec.template.metadata.labels = { ...copy.spec.template.metadata.labels, [DAPR_INJECTED]: 'true' };
  return copy;
}

/** An IPv6 ipBlock rule taken out of a NetworkPolicy for the analyzer: `<workload> -> <cidr> except ... <port>/<protocol>`. */
export type Ipv6Rule = string;

/**
 * `o` without its IPv6 ipBlock peers, for netpol-analyzer v1.4.2, which models IPv4 only and
 * reads `::/0` as all of IPv4 (a dev fallback rule to public IPv6 addresses showed
 * 10.0.0.0/8 as reachable). A rule left with no peer is dropped whole (an empty `to` or
 * `from` would allow everything). The rules taken out are pushed to `removed`, so that the
 * test checks them against the model directly.
 */
export function ipv4Only<T>(o: T, removed: Ipv6Rule[]): T {
  const p = o as unknown as Obj;
  if (p?.kind !== 'NetworkPolicy') return o;
  const copy = JSON.parse(JSON.stringify(p));
  const workload = copy.spec.podSelector?.matchLabels?.['ftekit.dev/workload'] ?? JSON.stringify(copy.spec.podSelector);
  for (const [direction, peersKey] of [['egress', 'to'], ['ingress', 'from']] as const) {
    if (!copy.spec[direction]) continue;
    copy.spec[direction] = copy.spec[direction].filter((rule: any) => {
      const peers = rule[peersKey];
      if (!peers) return true;
      const v6 = peers.filter((x: any) => x.ipBlock?.cidr?.includes(':'));
      for (const x of v6) for (const port of rule.ports ?? [{ port: '*', protocol: 'TCP' }]) {
        const cidr = `${x.ipBlock.cidr}${x.ipBlock.except?.length ? ` except ${x.ipBlock.except.join(',')}` : ''}`;
        removed.push(direction === 'egress' ? `${workload} -> ${cidr} ${port.port}/${port.protocol}` : `${cidr} -> ${workload} ${port.port}/${port.protocol}`);
      }
      rule[peersKey] = peers.filter((x: any) => !x.ipBlock?.cidr?.includes(':'));
      return rule[peersKey].length > 0;
    });
  }
  return copy;
}

/**
 * Stand-ins for `objects` (the environment's synthesised objects) and the endpoints
 * `external` (pods and namespaces outside the FTE namespace that flows name).
 */
export function standIns(spec: EnvironmentSpec, objects: readonly Obj[], external: readonly FlowEndpoint[]): object[] {
  const out: object[] = [];
  for (const o of objects) {
    // The analyzer reads Deployments itself (see asInjected), not agent-sandbox's kinds.
    const template = o.kind === 'Sandbox' || o.kind === 'SandboxTemplate' ? o.spec?.podTemplate : undefined;
    if (!template) continue;
    const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
    if (daprEnabled(template)) labels[DAPR_INJECTED] = 'true';
    out.push(pod(o.metadata.name, o.metadata.namespace ?? spec.namespace, labels));
  }
  for (const p of spec.peers) out.push(pod(p.props.name, spec.namespace, { ...(p.props.podLabels ?? { 'app.kubernetes.io/name': p.props.name }) }));
  const namespaces = new Set<string>();
  for (const e of external) {
    if (e.kind === 'pods' && e.namespace !== spec.namespace) {
      out.push(pod(e.name, e.namespace, { ...e.labels }));
      namespaces.add(e.namespace);
    }
    if (e.kind === 'namespace') {
      out.push(pod('prometheus', e.namespace, { 'app.kubernetes.io/name': 'prometheus' }));
      namespaces.add(e.namespace);
    }
  }
  for (const ns of namespaces) out.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'kubernetes.io/metadata.name': ns } } });
  // One Pod per name: two flows may name the same pods.
  const seen = new Set<string>();
  return out.filter((o) => {
    const m = (o as Obj).metadata;
    const key = `${(o as Obj).kind}/${m.namespace}/${m.name}`;
    return !seen.has(key) && seen.add(key);
  });
}
