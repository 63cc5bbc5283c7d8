/**
 * Stand-in Pods for the analyzer, which reads Pods and the built-in workload kinds but not
 * agent-sandbox's Sandbox and SandboxTemplate: one Pod per pod template ftekit emits (with
 * the labels the pods would carry), one per `peers[]` service ftekit does not run, and one per
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

/** The analyzer's name of a Pod node. */
export const podNode = (namespace: string, name: string): string => `${namespace}/${name}[Pod]`;

/**
 * Stand-ins for `objects` (the environment's synthesised objects) and the endpoints
 * `external` (pods and namespaces outside the FTE namespace that flows name).
 */
export function standIns(spec: EnvironmentSpec, objects: readonly Obj[], external: readonly FlowEndpoint[]): object[] {
  const out: object[] = [];
  for (const o of objects) {
    const template = o.kind === 'Sandbox' || o.kind === 'SandboxTemplate' ? o.spec?.podTemplate : o.kind === 'Deployment' ? o.spec?.template : undefined;
    if (!template) continue;
    const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}) };
    // The Dapr injector (absent here) labels every pod it injects a sidecar into.
    if (template.metadata?.annotations?.['dapr.io/enabled'] === 'true') labels['dapr.io/sidecar-injected'] = 'true';
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
