import { APP_NAME_LABEL } from '../_labels';
import { ResourceRequirements } from '../_quantities';
import { ApiServerEndpoint, Peer } from '../egress-allowlist';
import { PeerServiceProps } from '../peer-service';
import { ConfigReader, SpecLocation } from './config-reader';

/** A service ftekit does not run whose pods live in the environment's namespace (`peers[]`). */
export interface PeerServiceSpec {
  /** Props for the PeerService construct. */
  readonly props: PeerServiceProps & { readonly name: string };
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/**
 * Reads `peers: [{ name, labels, ports, replicas, resources }]`. Shape only: names, labels,
 * ports and resources are PeerService's to judge. `resources` is read by `parseResources`.
 */
export function parsePeers(r: ConfigReader, parseResources: (r: ConfigReader) => ResourceRequirements): PeerServiceSpec[] {
  if (r.absent) return [];
  return r.list().map((p) => p.guard((): PeerServiceSpec => {
    p.object(['name', 'labels', 'ports', 'replicas', 'resources']);
    const before = p.faults;
    const name = p.field('name').guard((x) => x.string());
    const labels = p.field('labels').guard((x) => (x.absent ? undefined : x.stringMap()));
    const ports = p.field('ports').guard((x) => (x.absent ? undefined : x.list().map((port) => port.integer(1, 65535))));
    const replicas = p.field('replicas').guard((x) => x.optionalWholeNumber());
    const resources = p.field('resources').guard((x) => (x.absent ? x.fail('is missing; expected { cpu: { request, limit }, memory: { request, limit } } of one pod: the pods count against the namespace\'s ResourceQuota and LimitRange') : parseResources(x)));
    if (p.faults > before) return p.abandon();
    return { props: { name: name as string, podLabels: labels, ports, replicas, resources: resources as ResourceRequirements }, source: p.location, location: p.at };
  })).filter((p): p is PeerServiceSpec => p !== undefined);
}

/** Reads `apiServer: { cidrs, port }`; the values are EgressAllowlist's to judge. */
export function parseApiServer(r: ConfigReader): ApiServerEndpoint | undefined {
  if (r.absent) return undefined;
  r.object(['cidrs', 'port']);
  return { cidrs: r.field('cidrs').list({ required: true }).map((c) => c.string()), port: r.field('port').wholeNumber() };
}

/**
 * The name of the service in `namespace` that a seed-style destination (`kafka:9092`,
 * `kafka.<namespace>.svc:9092`) names, or undefined for anything else (a hostname, a service
 * elsewhere, a destination that does not parse: those are the constructs' to judge).
 */
export function serviceInNamespace(destination: string, namespace: string): { readonly name: string; readonly port: number } | undefined {
  let parsed: ReturnType<typeof Peer.parse>;
  try {
    parsed = Peer.parse(destination);
  } catch {
    return undefined;
  }
  const spec = parsed.peer.spec;
  if (spec.type !== 'pods' || (spec.namespace !== undefined && spec.namespace !== namespace)) return undefined;
  const name = spec.labels[APP_NAME_LABEL];
  return name === undefined ? undefined : { name, port: parsed.port.number };
}

/**
 * Every service in the environment's namespace that the workloads name (egress, Dapr
 * backends, ingress sources) must be a `peers[]` entry: the namespace's default deny covers
 * its pods, so ftekit must open its side of each flow and count it in the quota. Records a
 * problem at each reference to an undeclared one.
 */
export function checkPeersDeclared(root: ConfigReader, namespace: string, peers: readonly PeerServiceSpec[]): void {
  const declared = new Set(peers.map((p) => p.props.name));
  const rawPeers = root.field('peers').value;
  // A peer entry that could not be read still counts by its name.
  for (const p of Array.isArray(rawPeers) ? rawPeers : []) if (typeof (p as { name?: unknown } | null)?.name === 'string') declared.add((p as { name: string }).name);
  const check = (r: ConfigReader, name: string): void => {
    if (!declared.has(name)) r.check(`names service ${JSON.stringify(name)} in namespace ${namespace}, whose default deny ftekit manages, but peers has no entry ${JSON.stringify(name)}; expected a peers[] entry (its pod labels, ports, replicas and resources) so that ftekit opens the service's side of the flow and counts its pods in the quota`);
  };
  const items = (r: ConfigReader): ConfigReader[] => (Array.isArray(r.value) ? r.list() : []);
  const destinations = (r: ConfigReader): void => {
    for (const d of items(r)) {
      const service = typeof d.value === 'string' ? serviceInNamespace(d.value, namespace) : undefined;
      if (service) check(d, service.name);
    }
  };
  for (const section of ['ftes', 'pools', 'daprWorkers']) {
    for (const entry of items(root.field(section))) {
      if (entry.value === null || typeof entry.value !== 'object') continue;
      destinations(entry.field('egress'));
      for (const rule of items(entry.field('ingressFrom'))) {
        const service = rule.value !== null && typeof rule.value === 'object' ? (rule.value as { service?: unknown }).service : undefined;
        if (typeof service === 'string') check(rule.field('service'), service);
      }
      const pubsub = entry.field('pubsub');
      if (pubsub.value !== null && typeof pubsub.value === 'object') destinations(pubsub.field('brokers'));
      const store = entry.field('stateStore');
      if (store.value !== null && typeof store.value === 'object' && typeof (store.value as { host?: unknown }).host === 'string') {
        const service = serviceInNamespace((store.value as { host: string }).host, namespace);
        if (service) check(store.field('host'), service.name);
      }
    }
  }
}
