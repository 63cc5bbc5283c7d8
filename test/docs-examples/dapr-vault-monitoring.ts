/*
 * The examples of docs/dapr-vault-monitoring.md. Each `// docs:begin <name>` ...
 * `// docs:end` region must appear verbatim in a ```ts block of that document (checked by
 * test/docs-dapr-vault-monitoring.test.ts), so the documentation compiles and cannot drift.
 */
import { Chart } from 'cdk8s';
import { DaprRetry, DaprWorker, ExistingSecret, FteMonitoring, FteSandbox, KafkaAuth, Probe, SandboxPool, SandboxRuntime, VaultServer, VaultSync } from '../../src';
import { Cpu } from 'cdk8s-plus-28';
import { Duration, Size } from 'cdk8s';

/** DaprWorker section. */
export function daprWorkerExample(chart: Chart): DaprWorker {
  // docs:begin dapr-worker
  const kafkaCreds = ExistingSecret.fromName('kafka-credentials');
  const worker = new DaprWorker(chart, 'research-analyst-worker', {
    image: 'ghcr.io/acme/research-analyst-worker:1.0.0',
    runtime: SandboxRuntime.GVISOR,
    resources: {
      cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
      memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) },
    },
    ports: [{ name: 'http', number: 8000 }, { name: 'metrics', number: 9100 }],
    metricsPortName: 'metrics',
    readiness: Probe.httpGet('/healthz', 8000),
  });
  const pubsub = worker.addPubSub('pubsub', {
    brokers: ['kafka:9092'],
    auth: KafkaAuth.password({ username: 'research-analyst', password: { secret: kafkaCreds, key: 'password' } }),
  });
  const state = worker.addStateStore('statestore', {
    host: 'redis:6379',
    password: { secret: ExistingSecret.fromName('redis-credentials'), key: 'password' },
  });
  worker.addSubscription('research-requests', {
    pubsub,
    topic: 'research-requests',
    defaultRoute: '/research',
    deadLetterTopic: 'research-requests-dead',
  });
  worker.addResiliency('resiliency')
    .forComponent(pubsub, { outbound: { timeout: Duration.seconds(5), retry: DaprRetry.exponential(Duration.seconds(30), 5) } })
    .forComponent(state, { outbound: { circuitBreaker: { consecutiveFailures: 5, timeout: Duration.seconds(30) } } });
  // docs:end
  return worker;
}

/** VaultSync section. */
export function vaultSyncExample(chart: Chart): VaultSync {
  // docs:begin vault-sync
  const vault = new VaultSync(chart, 'vault', {
    server: VaultServer.connect({ address: 'https://vault.vault.svc:8200', caCert: ExistingSecret.fromName('vault-ca') }),
    role: 'digital-ftes',
  });
  const llmKeys = vault.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'digital-ftes/llm-api-keys' });

  // A worker reads the keys from env: the operator restarts its Deployment on rotation.
  new DaprWorker(chart, 'worker', {
    image: 'ghcr.io/acme/worker:1.0.0',
    resources: {
      cpu: { request: Cpu.millis(250), limit: Cpu.units(1) },
      memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) },
    },
    ports: [{ name: 'http', number: 8000 }],
    readiness: Probe.httpGet('/healthz', 8000),
    env: { ANTHROPIC_API_KEY: llmKeys.envValue('anthropic') },
  });

  // A sandbox is never rolled out: it mounts the keys as files, which follow rotation.
  new FteSandbox(chart, 'research-analyst', {
    image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
    resources: {
      cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
      memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
    },
    secretMounts: [llmKeys.mount('/var/run/secrets/llm')],
  });
  // docs:end
  return vault;
}

/** Monitors section. */
export function monitorsExample(chart: Chart, worker: DaprWorker): FteMonitoring {
  // docs:begin monitors
  const pool = new SandboxPool(chart, 'code-exec', {
    image: 'ghcr.io/acme/code-sandbox:1.4.0',
    replicas: 3,
    resources: {
      cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
      memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
    },
    ports: [{ name: 'http', number: 8080 }],
  });
  const monitoring = new FteMonitoring(chart, 'Monitoring', {
    selectionLabels: { release: 'kube-prometheus-stack' },
    prometheusNamespace: 'monitoring',
  });
  monitoring.monitor(worker); // ServiceMonitor (app metrics) + PodMonitor (dapr-metrics)
  monitoring.monitor(pool, { port: 'http', portNumber: 8080, path: '/metrics' });
  // docs:end
  return monitoring;
}
