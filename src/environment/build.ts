import { App, Chart } from 'cdk8s';
import { DaprWorker } from '../dapr-worker';
import { Peer, Port } from '../egress-allowlist';
import { EnvValue, ExistingSecret, ISecretSource } from '../env-value';
import { FteNamespace } from '../fte-namespace';
import { FteSandbox } from '../fte-sandbox';
import { FteMonitoring } from '../fte-monitoring';
import { SandboxPool } from '../sandbox-pool';
import { FteAdmissionPolicies } from '../fte-admission-policies';
import { RuntimeClasses } from '../sandbox-runtime';
import { FteValidationError, ValidationProblem } from '../errors';
import { SpecLocation } from './config-reader';
import { ENVIRONMENT_CONFIG_KEY, EnvironmentSpec, inFileOrder, rawConfigOf } from './spec';
import { DaprAppSpec, kafkaPropsOf, redisPropsOf } from './platform';
import { Workload } from '../_workload';
import { VaultServer, VaultSync } from '../vault-sync';
import { PeerService } from '../peer-service';
import { APP_NAME_LABEL } from '../_labels';
import { serviceInNamespace } from './peers';
import { WorkspaceBackups } from '../workspace-backups';
import { BackupSpec } from './backups';

/** The two charts of one environment. */
export interface EnvironmentCharts {
  /** Cluster-scoped objects: RuntimeClasses and the Namespace. Synthesised to `cluster.k8s.yaml`. */
  readonly cluster: Chart;
  /** Everything in the FTE namespace. Synthesised to `ftes.k8s.yaml`. */
  readonly ftes: Chart;
  /** The FTE sandboxes, by name. */
  readonly sandboxes: ReadonlyMap<string, FteSandbox>;
  /** The warm pools, by name. */
  readonly pools: ReadonlyMap<string, SandboxPool>;
  /** The Dapr workers, by name. */
  readonly daprWorkers: ReadonlyMap<string, DaprWorker>;
  /** The services ftekit does not run (`peers[]`), by name. */
  readonly peers: ReadonlyMap<string, PeerService>;
}

/**
 * Builds an environment's charts from its validated spec, in `app`. The same function
 * serves `cdk8s synth` and the Pulumi program, so both deliver the same objects.
 *
 * Each construct checks its own props. When one refuses them, the build goes on with the
 * next spec entry and at the end throws one error listing every problem, each at the stack
 * file and field it came from (in file order), so nothing is yielded from a bad spec.
 */
export function buildEnvironment(app: App, spec: EnvironmentSpec): EnvironmentCharts {
  const { charts, problems } = build(app, spec);
  const raw = rawConfigOf(spec);
  if (problems.length) throw new FteValidationError(raw === undefined ? problems : inFileOrder(problems, raw, ENVIRONMENT_CONFIG_KEY));
  return charts;
}

/**
 * The problems the constructs find in `spec`'s entries, built in a scratch app; for the
 * parser, which reports them together with its own (shape) problems.
 */
export function buildProblems(spec: EnvironmentSpec): ValidationProblem[] {
  // Names the parser found repeated are its problems: build each name once, so that they are
  // neither reported twice nor stop the build.
  const names = new Set<string>();
  const firstOfName = <T extends { readonly props: { readonly name: string } }>(entries: readonly T[]): T[] =>
    entries.filter((e) => !names.has(e.props.name) && names.add(e.props.name));
  const ftes = firstOfName(spec.ftes);
  const firstPools = firstOfName(spec.pools);
  const daprWorkers = firstOfName(spec.daprWorkers);
  const pools = firstPools.map((p) => ({ ...p, claims: p.claims.filter((c) => !names.has(c) && names.add(c)) }));
  return build(new App(), { ...spec, ftes, pools, daprWorkers }).problems;
}

/** How a construct's prop paths read as the fields of its spec entry (where they differ). */
type FieldMap = (field: string) => string;

/** The spec fields of a workload's props: `ports[i]` is `ports[i].port`, a secret env var is under `secretEnv`... */
function workloadFields(env: Readonly<Record<string, EnvValue>> | undefined): FieldMap {
  return (field) => {
    let m: RegExpExecArray | null;
    if ((m = /^ports\[(\d+)\](\.number)?$/.exec(field))) return `ports[${m[1]}].port`;
    if ((m = /^secretMounts\[(\d+)\]\.mountPath$/.exec(field))) return `secretMounts[${m[1]}].path`;
    if ((m = /^env\.(.+)$/.exec(field)) && env?.[m[1]] && !env[m[1]].isLiteral) return `secretEnv.${m[1]}`;
    if (field === 'metricsPortName') return 'metricsPort';
    return field;
  };
}

/** The spec fields of a backup's WorkspaceBackups props: retention is flat, a class by name is one field. */
function backupFields(b: BackupSpec): FieldMap {
  return (field) => {
    if (field === 'retention') return 'maxCount';
    if (field.startsWith('retention.')) return field.slice('retention.'.length);
    if (field.startsWith('snapshotClass') && b.snapshotClassByName) return 'snapshotClass';
    return field;
  };
}

/** Every prop of a call made for one spec field (an ingress rule, a claim...) reads as that field. */
const wholly = (specField: string): FieldMap => () => specField;

/**
 * Construct-to-spec-entry bookkeeping: runs the steps that build the constructs of one spec
 * entry and records the problems of the props they refuse at the entry's file and fields.
 */
class EntryProblems {
  public readonly problems: ValidationProblem[] = [];

  /** Runs `step` for the entry at `at`; a validation error it throws is recorded, mapped by `fields`. */
  public run<T>(at: SpecLocation | undefined, fields: FieldMap, step: () => T): T | undefined {
    try {
      return step();
    } catch (e) {
      if (!(e instanceof FteValidationError)) throw e;
      for (const p of e.problems) this.problems.push(at === undefined ? p : located(at, fields(p.field), p));
      return undefined;
    }
  }
}

/**
 * The components, subscriptions and resiliency of a Dapr-enabled workload's app, from the
 * fields `prefix` + name of its spec entry (the same for workers, FTEs and pools).
 */
/**
 * The peer a Dapr backend's addresses (`field` of the app, e.g. `pubsub.brokers`) point at,
 * when they all name one peer service: the component's rule then selects that service's
 * pods, and the peer admits the workload. Undefined for anything else.
 */
type BackendPeer = (workload: Workload, addresses: readonly string[], field: string) => Peer | undefined;

function addDaprApp(entries: EntryProblems, at: SpecLocation | undefined, prefix: string, workload: Workload, app: DaprAppSpec, secretOf: (name: string) => ISecretSource, backendPeer: BackendPeer): void {
  // `addPubSub("events").brokers[0]` was written as `pubsub.brokers[0]`.
  const under = (specField: string): FieldMap => (f) => [`${prefix}${specField}`, f.replace(/^(add\w+|forComponent)\([^)]*\)\.?/, '')].filter(Boolean).join('.');
  const pubsub = app.pubsub ? entries.run(at, under('pubsub'), () => workload.addPubSub(app.pubsub!.name, { ...kafkaPropsOf(app.pubsub!, secretOf), peer: backendPeer(workload, app.pubsub!.brokers, `${prefix}pubsub.brokers`) })) : undefined;
  const stateStore = app.stateStore ? entries.run(at, under('stateStore'), () => workload.addStateStore(app.stateStore!.name, { ...redisPropsOf(app.stateStore!, secretOf), peer: backendPeer(workload, [app.stateStore!.host], `${prefix}stateStore.host`) })) : undefined;
  app.subscriptions.forEach((sub, i) => entries.run(at, under(`subscriptions[${i}]`), () => {
    if (pubsub) workload.addSubscription(sub.name, { pubsub, topic: sub.topic, defaultRoute: sub.route, deadLetterTopic: sub.deadLetterTopic });
  }));
  const resiliency = app.resiliency;
  if (!resiliency) return;
  const made = entries.run(at, under('resiliency'), () => workload.addResiliency(resiliency.name ?? workload.workloadName));
  if (made && pubsub && resiliency.pubsub) entries.run(at, under('resiliency.pubsub'), () => made.forComponent(pubsub, resiliency.pubsub!));
  if (made && stateStore && resiliency.stateStore) entries.run(at, under('resiliency.stateStore'), () => made.forComponent(stateStore, resiliency.stateStore!));
}

/** Problem `p` of a construct, at field `field` of the spec entry at `at`. */
function located(at: SpecLocation, field: string, p: ValidationProblem): ValidationProblem {
  return { where: at.file, field: field ? `${at.path}.${field}` : at.path, ...(p.value !== undefined ? { value: p.value } : {}), message: p.message };
}

function build(app: App, spec: EnvironmentSpec): { charts: EnvironmentCharts; problems: ValidationProblem[] } {
  const entries = new EntryProblems();
  const same: FieldMap = (f) => f;
  const cluster = new Chart(app, 'cluster');
  new RuntimeClasses(cluster, 'RuntimeClasses', { runtimes: [spec.runtime] });
  // The gate's rules, enforced by the API server too: `kubectl apply` cannot bypass them.
  new FteAdmissionPolicies(cluster, 'AdmissionPolicies', { runtimes: [spec.runtime] });
  const ftes = new Chart(app, 'ftes', { namespace: spec.namespace });
  const namespace = entries.run(spec.location, (f) => (f === 'name' ? 'namespace' : f), () => new FteNamespace(ftes, 'Namespace', { namespaceObjectScope: cluster, quota: spec.quota, quotaHeadroom: spec.quotaHeadroom }));

  const secrets = new Map<string, ISecretSource>();
  const vaultSpec = spec.vault;
  if (vaultSpec) {
    const caCert = vaultSpec.caCertSecret === undefined ? undefined : entries.run(vaultSpec.location, wholly('caCertSecret'), () => ExistingSecret.fromName(vaultSpec.caCertSecret!));
    const server = entries.run(vaultSpec.location, wholly('address'), () => VaultServer.connect({ address: vaultSpec.address, caCert, allowPlainHttp: vaultSpec.allowPlainHttp }));
    const vault = server && entries.run(vaultSpec.location, (f) => f, () => new VaultSync(ftes, 'vault', { server, role: vaultSpec.role, authMount: vaultSpec.authMount }));
    // A static secret's props are the entry's fields: secretName is `name`, mount and path as written.
    const secretFields = (i: number): FieldMap => (f) => `secrets[${i}]${/secretName$/.test(f) ? '.name' : f === 'mount' || f === 'path' ? `.${f}` : ''}`;
    vaultSpec.secrets.forEach((s, i) => entries.run(vaultSpec.location, secretFields(i), () => {
      if (vault) secrets.set(s.name, vault.addStaticSecret(s.name, { mount: s.mount, path: s.path, kvVersion: s.kvVersion }));
    }));
  }
  const secretOf = (name: string): ISecretSource => secrets.get(name) ?? ExistingSecret.fromName(name);
  // `secretEnv` names Secrets; one synced from Vault is that VaultStaticSecret's (it rotates).
  const sourced = <P extends { readonly env?: Readonly<Record<string, EnvValue>> }>(props: P): P => (props.env === undefined ? props : {
    ...props,
    env: Object.fromEntries(Object.entries(props.env).map(([k, v]) => [k, v.secretKeyRef ? secretOf(v.secretKeyRef.secretName).envValue(v.secretKeyRef.key) : v])),
  });

  // Services ftekit does not run, in the namespace: ftekit opens their side of every flow.
  const peers = new Map<string, PeerService>();
  for (const p of spec.peers) {
    const peer = entries.run(p.location, (f) => (f === 'podLabels' ? 'labels' : f), () => new PeerService(ftes, p.props.name, p.props));
    if (peer) peers.set(p.props.name, peer);
  }
  const peerAt = (destination: string): { readonly peer: PeerService; readonly port: Port } | undefined => {
    const service = serviceInNamespace(destination, spec.namespace);
    const peer = service && peers.get(service.name);
    return peer && service ? { peer, port: Port.tcp(service.port) } : undefined;
  };
  /**
   * `props` without the egress to peers (wired on both sides by `wirePeers`), and the field
   * map that reports the remaining `egress[j]` at their index in the spec.
   */
  const withoutPeerEgress = <P extends { readonly egress?: string[]; readonly env?: Readonly<Record<string, EnvValue>> }>(props: P): { props: P; fields: FieldMap; toPeers: Array<[number, string]> } => {
    const all = props.egress ?? [];
    const kept = all.map((d, i) => [i, d] as [number, string]).filter(([, d]) => !peerAt(d));
    const base = workloadFields(props.env);
    return {
      props: { ...props, egress: kept.map(([, d]) => d) },
      fields: (f) => base(f).replace(/^egress\[(\d+)\]/, (_m, j: string) => `egress[${kept[Number(j)]?.[0] ?? j}]`),
      toPeers: all.map((d, i) => [i, d] as [number, string]).filter(([, d]) => peerAt(d)),
    };
  };
  /** Both sides of each flow from `workload` to a peer (`egress[i]` of the entry at `at`). */
  const wirePeers = (at: SpecLocation | undefined, workload: Workload, toPeers: Array<[number, string]>): void => {
    for (const [i, destination] of toPeers) entries.run(at, wholly(`egress[${i}]`), () => {
      const { peer, port } = peerAt(destination)!;
      peer.allowFrom(workload, port);
      workload.network.allowTo(Peer.workload(peer), port);
    });
  };

  /** Dapr backends that are peers, for the entry at `at`: each address's peer admits the workload. */
  const backendPeerAt = (at: SpecLocation | undefined): BackendPeer => (workload, addresses, field) => {
    const found = addresses.map(peerAt);
    const first = found[0];
    if (!first || found.some((x) => x?.peer !== first.peer)) return undefined;
    found.forEach((x, i) => entries.run(at, wholly(addresses.length > 1 ? `${field}[${i}]` : field), () => x!.peer.allowFrom(workload, x!.port)));
    return Peer.workload(first.peer);
  };

  const pools = new Map<string, SandboxPool>();
  for (const p of spec.pools) {
    const own = withoutPeerEgress(p.props);
    const pool = entries.run(p.location, own.fields, () => new SandboxPool(ftes, p.props.name, sourced(own.props)));
    if (!pool) continue;
    pools.set(p.props.name, pool);
    wirePeers(p.location, pool, own.toPeers);
    p.claims.forEach((claim, i) => entries.run(p.location, wholly(`claims[${i}]`), () => pool.claim(claim)));
    if (p.dapr) addDaprApp(entries, p.location, 'dapr.', pool, p.dapr, secretOf, backendPeerAt(p.location));
  }
  const sandboxes = new Map<string, FteSandbox>();
  for (const f of spec.ftes) {
    const own = withoutPeerEgress({ ...f.props, apiServer: spec.apiServer });
    // The API server endpoint is the environment's; its problem is the FTE's apiAccess.
    const sandbox = entries.run(f.location, (field) => (field === 'apiServer' ? 'apiAccess' : own.fields(field)), () => new FteSandbox(ftes, f.props.name, sourced(own.props)));
    if (!sandbox) continue;
    sandboxes.set(f.props.name, sandbox);
    wirePeers(f.location, sandbox, own.toPeers);
    if (f.dapr) addDaprApp(entries, f.location, 'dapr.', sandbox, f.dapr, secretOf, backendPeerAt(f.location));
    f.ingress.forEach((rule, i) => entries.run(f.location, wholly(`ingressFrom[${i}]`), () => {
      const service = rule.peer.spec.type === 'pods' && rule.peer.spec.namespace === undefined ? rule.peer.spec.labels[APP_NAME_LABEL] : undefined;
      const peer = service === undefined ? undefined : peers.get(service);
      if (!peer) return sandbox.network.allowFrom(rule.peer, Port.tcp(rule.port));
      peer.allowTo(sandbox, Port.tcp(rule.port));
      return sandbox.network.allowFrom(Peer.workload(peer), Port.tcp(rule.port));
    }));
    f.reaches.forEach((reach, i) => entries.run(f.location, wholly(`pools[${i}]`), () => {
      const pool = pools.get(reach.pool);
      if (!pool) return;
      sandbox.network.allowTo(Peer.workload(pool), Port.tcp(reach.port));
      pool.network.allowFrom(Peer.workload(sandbox), Port.tcp(reach.port));
    }));
    // `grantAccess("g").exec` was written as `access[i].exec`.
    f.access.forEach((a, i) => entries.run(f.location, (field) => `access[${i}]${/^grantAccess\(.*\)((?:\.\w+)?)$/.exec(field)?.[1] ?? ''}`,
      () => sandbox.grantAccess(a.group, { exec: a.exec, portForward: a.portForward, logs: a.logs })));
  }
  const daprWorkers = new Map<string, DaprWorker>();
  for (const w of spec.daprWorkers) {
    const own = withoutPeerEgress(w.props);
    const worker = entries.run(w.location, own.fields, () => new DaprWorker(ftes, w.props.name, sourced(own.props)));
    if (!worker) continue;
    daprWorkers.set(w.props.name, worker);
    wirePeers(w.location, worker, own.toPeers);
    addDaprApp(entries, w.location, '', worker, w, secretOf, backendPeerAt(w.location));
    w.reaches.forEach((reach, i) => entries.run(w.location, wholly(`pools[${i}]`), () => {
      const pool = pools.get(reach.pool);
      if (!pool) return;
      worker.network.allowTo(Peer.workload(pool), Port.tcp(reach.port));
      pool.network.allowFrom(Peer.workload(worker), Port.tcp(reach.port));
    }));
  }

  for (const b of spec.backups ?? []) {
    const workloads = b.workloads.map((n) => sandboxes.get(n) ?? pools.get(n)).filter((w): w is FteSandbox | SandboxPool => w !== undefined);
    // A workload that failed to build is already a problem of its own entry.
    if (b.workloads.length && !workloads.length) continue;
    entries.run(b.location, backupFields(b), () => new WorkspaceBackups(ftes, `backups-${b.name}`, {
      name: b.name,
      schedule: b.schedule,
      retention: { maxCount: b.maxCount, expires: b.expires },
      workloads: b.workloads.length ? workloads : undefined,
      snapshotClass: b.snapshotClass,
      snapshotClassScope: cluster,
      scheduler: b.scheduler,
    }));
  }

  const monitoringSpec = spec.monitoring;
  if (monitoringSpec) entries.run(monitoringSpec.location, same, () => {
    const { source: _source, location: _location, ...props } = monitoringSpec;
    void _source, _location;
    const monitoring = new FteMonitoring(ftes, 'Monitoring', props);
    for (const worker of daprWorkers.values()) monitoring.monitor(worker);
    for (const f of spec.ftes) {
      const sandbox = sandboxes.get(f.props.name);
      if (sandbox) monitoring.monitor(sandbox, f.metricsPort ? { port: f.metricsPort.name, portNumber: f.metricsPort.number } : {});
    }
    for (const pool of pools.values()) monitoring.monitor(pool);
  });
  // The quota is sized from the workloads: only meaningful once all of them were made.
  const shortfall = entries.problems.length === 0 ? namespace?.quotaShortfall() : undefined;
  if (shortfall) {
    const problem: ValidationProblem = { where: 'FteNamespace', field: `quota.${shortfall[0]}`, value: spec.quota?.[shortfall[0]], message: shortfall[1] };
    entries.problems.push(spec.location ? located(spec.location, problem.field, problem) : problem);
  }
  return { charts: { cluster, ftes, sandboxes, pools, daprWorkers, peers }, problems: entries.problems };
}
