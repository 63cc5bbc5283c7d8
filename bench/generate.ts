/**
 * Generated environments for the benchmark: N FTEs with the mix a large platform runs.
 *
 * Everything goes through the public constructs, the way a user would compose them (see
 * `src/app/example-environment.ts`); only the numbers scale with N.
 */
import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { EnvironmentCharts } from '../src/environment/build';
import { KafkaAuth } from '../src/dapr-backends';
import { DaprRetry } from '../src/dapr-resiliency';
import { DaprWorker } from '../src/dapr-worker';
import { EgressEnforcement, Peer, Port } from '../src/egress-allowlist';
import { ExistingSecret } from '../src/env-value';
import { FteNamespace } from '../src/fte-namespace';
import { FteSandbox } from '../src/fte-sandbox';
import { FteMonitoring } from '../src/fte-monitoring';
import { Probe } from '../src/probe';
import { SandboxPool } from '../src/sandbox-pool';
import { RuntimeClasses, SandboxRuntime } from '../src/sandbox-runtime';
import { VaultStaticSecret } from '../src/vault-static-secret';
import { VaultServer, VaultSync } from '../src/vault-sync';
import { Workspace } from '../src/workspace';

/** Namespace of every generated environment. */
export const BENCH_NAMESPACE = 'bench-ftes';

/** FTEs per team: each team shares one LLM-key secret synced from Vault. */
export const TEAM_SIZE = 10;

/** How N FTEs split into kinds of workload. */
export interface FteMix {
  /** All FTEs: `sandboxes + claims + workers`. */
  readonly ftes: number;
  /** Long-lived FteSandboxes (about 80%). */
  readonly sandboxes: number;
  /** SandboxClaims on the shared code-execution pool (about 10%). */
  readonly claims: number;
  /** Dapr workers with Kafka pub/sub, Redis state, a subscription and resiliency (about 10%). */
  readonly workers: number;
  /** Warm sandboxes kept by the pool (one per five claims, at least one). */
  readonly poolReplicas: number;
  /** Teams of {@link TEAM_SIZE} FTEs; one VaultStaticSecret each, plus Kafka and Redis credentials. */
  readonly teams: number;
}

/** The split of `ftes` FTEs (a positive integer) into sandboxes, claims and workers. */
export function fteMix(ftes: number): FteMix {
  if (!Number.isInteger(ftes) || ftes < 1) throw new Error(`ftes: ${ftes} is not a positive integer`);
  const workers = Math.floor(ftes / 10);
  const claims = Math.floor(ftes / 10);
  return {
    ftes,
    sandboxes: ftes - workers - claims,
    claims,
    workers,
    poolReplicas: Math.max(1, Math.ceil(claims / 5)),
    teams: Math.ceil(ftes / TEAM_SIZE),
  };
}

/** What {@link buildBenchEnvironment} made. */
export interface BenchEnvironment extends EnvironmentCharts {
  /** The mix it was built from. */
  readonly mix: FteMix;
}

const pad = (i: number, width = 4): string => String(i).padStart(width, '0');

/**
 * Builds the charts of an environment of `ftes` FTEs in `app` (the same two charts as
 * `buildEnvironment`: `cluster` and `ftes`), using only the public constructs:
 * - a restricted FteNamespace whose quota is derived from everything below;
 * - one VaultSync with a static secret per team and shared Kafka/Redis credentials;
 * - FteSandboxes with Cilium egress allowlists (Kafka, Redis, LLM hostnames), ingress from
 *   the API gateway, the team's LLM keys mounted as files; every other one also reaches the
 *   code-execution pool (allowed on both sides);
 * - a SandboxPool with warm replicas and one SandboxClaim per pooled FTE;
 * - DaprWorkers, each with Kafka pub/sub, Redis state, a subscription and a resiliency
 *   policy, reading the team's keys as environment variables (so Vault restarts them);
 * - an FteMonitoring that monitors every workload.
 */
export function buildBenchEnvironment(app: App, ftes: number): BenchEnvironment {
  const mix = fteMix(ftes);
  const cluster = new Chart(app, 'cluster');
  new RuntimeClasses(cluster, 'RuntimeClasses', { runtimes: [SandboxRuntime.GVISOR] });
  const chart = new Chart(app, 'ftes', { namespace: BENCH_NAMESPACE });
  new FteNamespace(chart, 'Namespace', { namespaceObjectScope: cluster });

  const vault = new VaultSync(chart, 'vault', {
    server: VaultServer.connect({ address: 'https://vault.vault.svc:8200', caCert: ExistingSecret.fromName('vault-ca') }),
    role: BENCH_NAMESPACE,
  });
  const kafkaCreds = vault.addStaticSecret('kafka-credentials', { mount: 'secret', path: 'bench/kafka' });
  const redisCreds = vault.addStaticSecret('redis-credentials', { mount: 'secret', path: 'bench/redis' });
  const teamKeys: VaultStaticSecret[] = [];
  for (let t = 0; t < mix.teams; t++) {
    teamKeys.push(vault.addStaticSecret(`team-${pad(t, 3)}-llm`, { mount: 'secret', path: `bench/team-${pad(t, 3)}/llm` }));
  }
  const keysOf = (fte: number): VaultStaticSecret => teamKeys[Math.floor(fte / TEAM_SIZE)];

  const pool = new SandboxPool(chart, 'code-exec', {
    image: 'ghcr.io/acme/deer-flow-sandbox:1.4.0',
    runtime: SandboxRuntime.GVISOR,
    replicas: mix.poolReplicas,
    resources: {
      cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
      memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
    },
    ports: [{ name: 'http', number: 8080 }],
    readiness: Probe.httpGet('/v1/sandbox', 8080, { period: Duration.seconds(5) }),
    workspace: Workspace.ephemeral({ sizeLimit: Size.gibibytes(2) }),
  });

  const monitoring = new FteMonitoring(chart, 'Monitoring');
  monitoring.monitor(pool);

  const sandboxes = new Map<string, FteSandbox>();
  const daprWorkers = new Map<string, DaprWorker>();
  // FTE numbers run over the whole environment so names are stable as N grows.
  let fte = 0;
  for (let i = 0; i < mix.sandboxes; i++, fte++) {
    const sandbox = new FteSandbox(chart, `agent-${pad(fte)}`, {
      image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
      runtime: SandboxRuntime.GVISOR,
      resources: {
        cpu: { request: Cpu.millis(250), limit: Cpu.units(1) },
        memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) },
      },
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      secretMounts: [keysOf(fte).mount('/var/run/secrets/llm')],
      workspace: Workspace.persistent({ size: Size.gibibytes(5) }),
      egressEnforcement: EgressEnforcement.CILIUM,
      egress: ['kafka:9092', 'redis:6379', '*.googleapis.com:443', 'api.anthropic.com:443'],
    });
    sandboxes.set(sandbox.workloadName, sandbox);
    sandbox.network.allowFrom(Peer.service('api-gateway'), Port.tcp(8000));
    if (i % 2 === 0) {
      sandbox.network.allowTo(Peer.workload(pool), Port.tcp(8080));
      pool.network.allowFrom(Peer.workload(sandbox), Port.tcp(8080));
    }
    monitoring.monitor(sandbox, { port: 'http', portNumber: 8000 });
  }
  for (let i = 0; i < mix.claims; i++, fte++) pool.claim(`task-${pad(fte)}`);
  for (let i = 0; i < mix.workers; i++, fte++) {
    const keys = keysOf(fte);
    const worker = new DaprWorker(chart, `worker-${pad(fte)}`, {
      image: 'ghcr.io/acme/research-analyst-worker:1.0.0',
      runtime: SandboxRuntime.GVISOR,
      replicas: 2,
      resources: {
        cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
      },
      ports: [{ name: 'http', number: 8000 }, { name: 'metrics', number: 9100 }],
      appPort: 8000,
      metricsPortName: 'metrics',
      readiness: Probe.httpGet('/healthz', 8000),
      env: { ANTHROPIC_API_KEY: keys.envValue('anthropic'), OPENAI_API_KEY: keys.envValue('openai') },
      egressEnforcement: EgressEnforcement.CILIUM,
      egress: ['api.anthropic.com:443', 'api.openai.com:443'],
    });
    daprWorkers.set(worker.workloadName, worker);
    // Dapr objects are namespaced: each worker's carry its name, or they would replace each other.
    const wn = worker.workloadName;
    const pubsub = worker.addPubSub('pubsub', {
      name: `${wn}-pubsub`,
      brokers: ['kafka:9092'],
      consumerGroup: `worker-${pad(fte)}`,
      auth: KafkaAuth.password({ username: 'bench', password: { secret: kafkaCreds, key: 'password' } }),
    });
    const state = worker.addStateStore('statestore', { name: `${wn}-state`, host: 'redis:6379', password: { secret: redisCreds, key: 'password' } });
    worker.addSubscription('requests', { name: `${wn}-requests`, pubsub, topic: `requests-${pad(fte)}`, defaultRoute: '/work', deadLetterTopic: `requests-${pad(fte)}-dead` });
    worker.addResiliency('resiliency', { name: `${wn}-resiliency` })
      .forComponent(pubsub, { outbound: { timeout: Duration.seconds(5), retry: DaprRetry.exponential(Duration.seconds(30), 5) } })
      .forComponent(state, { outbound: { timeout: Duration.seconds(2), retry: DaprRetry.constant(Duration.seconds(1), 3) } });
    worker.network.allowTo(Peer.workload(pool), Port.tcp(8080));
    pool.network.allowFrom(Peer.workload(worker), Port.tcp(8080));
    monitoring.monitor(worker);
  }
  return { cluster, ftes: chart, sandboxes, pools: new Map([[pool.workloadName, pool]]), daprWorkers, peers: new Map(), mix };
}
