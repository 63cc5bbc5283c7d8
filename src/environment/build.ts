import { App, Chart } from 'cdk8s';
import { DaprWorker } from '../dapr-worker';
import { Peer, Port } from '../egress-allowlist';
import { ExistingSecret, ISecretSource } from '../env-value';
import { FteNamespace } from '../fte-namespace';
import { FteSandbox } from '../fte-sandbox';
import { FteMonitoring } from '../fte-monitoring';
import { SandboxPool } from '../sandbox-pool';
import { FteAdmissionPolicies } from '../fte-admission-policies';
import { RuntimeClasses } from '../sandbox-runtime';
import { FteValidationError } from '../errors';
import { EnvironmentSpec } from './spec';
import { kafkaPropsOf, redisPropsOf } from './platform';
import { VaultServer, VaultSync } from '../vault-sync';

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
}

/**
 * Builds an environment's charts from its validated spec, in `app`. The same function
 * serves `cdk8s synth` and the Pulumi program, so both deliver the same objects.
 */
export function buildEnvironment(app: App, spec: EnvironmentSpec): EnvironmentCharts {
  return within(spec.source, () => build(app, spec));
}

/** Errors {@link within} has already located at a spec entry (outer calls leave them be). */
const located = new WeakSet<Error>();

/**
 * Runs `step`, re-raising a construct's validation error at `source` (the spec entry it was
 * built from), so that an error a parser check missed still names the stack file and field.
 */
function within<T>(source: string | undefined, step: () => T): T {
  try {
    return step();
  } catch (e) {
    if (source === undefined || !(e instanceof FteValidationError) || located.has(e)) throw e;
    throw locatedError(source, e.message);
  }
}

/** A validation error at a spec location (`file: field.path`), which {@link within} keeps as is. */
function locatedError(location: string, message: string): FteValidationError {
  const error = new FteValidationError(location, message);
  located.add(error);
  return error;
}

function build(app: App, spec: EnvironmentSpec): EnvironmentCharts {
  const cluster = new Chart(app, 'cluster');
  new RuntimeClasses(cluster, 'RuntimeClasses', { runtimes: [spec.runtime] });
  // The gate's rules, enforced by the API server too: `kubectl apply` cannot bypass them.
  new FteAdmissionPolicies(cluster, 'AdmissionPolicies', { runtimes: [spec.runtime] });
  const ftes = new Chart(app, 'ftes', { namespace: spec.namespace });
  const namespace = new FteNamespace(ftes, 'Namespace', { namespaceObjectScope: cluster, quota: spec.quota, quotaHeadroom: spec.quotaHeadroom });

  const secrets = new Map<string, ISecretSource>();
  const vaultSpec = spec.vault;
  if (vaultSpec) within(vaultSpec.source, () => {
    const vault = new VaultSync(ftes, 'vault', {
      server: VaultServer.connect({ address: vaultSpec.address, caCert: vaultSpec.caCertSecret ? ExistingSecret.fromName(vaultSpec.caCertSecret) : undefined, allowPlainHttp: vaultSpec.allowPlainHttp }),
      role: vaultSpec.role,
      authMount: vaultSpec.authMount,
    });
    for (const s of vaultSpec.secrets) secrets.set(s.name, vault.addStaticSecret(s.name, { mount: s.mount, path: s.path, kvVersion: s.kvVersion }));
  });
  const secretOf = (name: string): ISecretSource => secrets.get(name) ?? ExistingSecret.fromName(name);

  const pools = new Map<string, SandboxPool>();
  for (const p of spec.pools) {
    const pool = within(p.source, () => {
      const built = new SandboxPool(ftes, p.props.name, p.props);
      for (const claim of p.claims) built.claim(claim);
      return built;
    });
    pools.set(p.props.name, pool);
  }
  const sandboxes = new Map<string, FteSandbox>();
  for (const f of spec.ftes) {
    within(f.source, () => {
      const sandbox = new FteSandbox(ftes, f.props.name, f.props);
      sandboxes.set(f.props.name, sandbox);
      for (const rule of f.ingress) sandbox.network.allowFrom(rule.peer, Port.tcp(rule.port));
      for (const reach of f.reaches) {
        const pool = pools.get(reach.pool) as SandboxPool;
        sandbox.network.allowTo(Peer.workload(pool), Port.tcp(reach.port));
        pool.network.allowFrom(Peer.workload(sandbox), Port.tcp(reach.port));
      }
    });
  }
  const daprWorkers = new Map<string, DaprWorker>();
  for (const w of spec.daprWorkers) within(w.source, () => {
    const worker = new DaprWorker(ftes, w.props.name, w.props);
    daprWorkers.set(w.props.name, worker);
    const pubsub = w.pubsub ? worker.addPubSub(w.pubsub.name, kafkaPropsOf(w.pubsub, secretOf)) : undefined;
    if (w.stateStore) worker.addStateStore(w.stateStore.name, redisPropsOf(w.stateStore, secretOf));
    for (const sub of w.subscriptions) {
      worker.addSubscription(sub.name, { pubsub: pubsub!, topic: sub.topic, defaultRoute: sub.route, deadLetterTopic: sub.deadLetterTopic });
    }
    for (const reach of w.reaches) {
      const pool = pools.get(reach.pool) as SandboxPool;
      worker.network.allowTo(Peer.workload(pool), Port.tcp(reach.port));
      pool.network.allowFrom(Peer.workload(worker), Port.tcp(reach.port));
    }
  });

  const monitoringSpec = spec.monitoring;
  if (monitoringSpec) within(monitoringSpec.source, () => {
    const { source: _source, ...props } = monitoringSpec;
    void _source;
    const monitoring = new FteMonitoring(ftes, 'Monitoring', props);
    for (const worker of daprWorkers.values()) monitoring.monitor(worker);
    for (const f of spec.ftes) {
      const sandbox = sandboxes.get(f.props.name) as FteSandbox;
      monitoring.monitor(sandbox, f.metricsPort ? { port: f.metricsPort.name, portNumber: f.metricsPort.number } : {});
    }
    for (const pool of pools.values()) monitoring.monitor(pool);
  });
  const shortfall = namespace.quotaShortfall();
  if (shortfall) throw locatedError(`${spec.source ?? 'environment'}.quota.${shortfall[0]}`, shortfall[1]);
  return { cluster, ftes, sandboxes, pools, daprWorkers };
}
