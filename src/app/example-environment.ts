import { Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { KafkaAuth } from '../dapr-backends';
import { DaprRetry } from '../dapr-resiliency';
import { DaprWorker } from '../dapr-worker';
import { EgressEnforcement, Peer, Port } from '../egress-allowlist';
import { ExistingSecret } from '../env-value';
import { FteNamespace } from '../fte-namespace';
import { FteSandbox } from '../fte-sandbox';
import { FteMonitoring } from '../fte-monitoring';
import { Probe } from '../probe';
import { SandboxPool } from '../sandbox-pool';
import { RuntimeClasses, SandboxRuntime } from '../sandbox-runtime';
import { VaultServer, VaultSync } from '../vault-sync';
import { Workspace } from '../workspace';

/** Namespace of the example environment. */
export const EXAMPLE_NAMESPACE = 'digital-ftes';

/** Cluster-scoped objects of the example: the gVisor RuntimeClass. */
export class ExampleClusterChart extends Chart {
  public constructor(scope: Construct, id: string) {
    super(scope, id);
    new RuntimeClasses(this, 'RuntimeClasses', { runtimes: [SandboxRuntime.GVISOR] });
  }
}

/**
 * The example environment: seed 000's research-analyst FTE (a sandbox with a Dapr sidecar) and a pool of three pre-warmed
 * code-execution sandboxes (seed 002's sandbox) with two claims, in a restricted namespace;
 * the research-analyst worker as a Dapr app (Kafka pub/sub, Redis state); LLM, Kafka and
 * Redis credentials synced from Vault; Prometheus monitors and alerts for all of it.
 */
export class ExampleFtesChart extends Chart {
  /** The research analyst. */
  public readonly analyst: FteSandbox;
  /** The code-execution pool. */
  public readonly codeExec: SandboxPool;
  /** The research-analyst worker (Dapr app). */
  public readonly worker: DaprWorker;
  /** Secrets from Vault. */
  public readonly vault: VaultSync;

  public constructor(scope: Construct, id: string) {
    super(scope, id, { namespace: EXAMPLE_NAMESPACE });
    new FteNamespace(this, 'Namespace');

    this.vault = new VaultSync(this, 'vault', {
      server: VaultServer.connect({ address: 'https://vault.vault.svc:8200', caCert: ExistingSecret.fromName('vault-ca') }),
      role: 'digital-ftes',
    });
    const llmKeys = this.vault.addStaticSecret('llm-api-keys', { mount: 'secret', path: 'digital-ftes/llm-api-keys' });
    const kafkaCreds = this.vault.addStaticSecret('kafka-credentials', { mount: 'secret', path: 'digital-ftes/kafka' });
    const redisCreds = this.vault.addStaticSecret('redis-credentials', { mount: 'secret', path: 'digital-ftes/redis' });
    this.analyst = new FteSandbox(this, 'research-analyst', {
      image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
      runtime: SandboxRuntime.GVISOR,
      resources: {
        cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
        memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
      },
      ports: [{ name: 'http', number: 8000 }],
      readiness: Probe.httpGet('/healthz', 8000),
      liveness: Probe.httpGet('/healthz', 8000, { period: Duration.seconds(20) }),
      // A Sandbox is not rolled out when Vault rotates a key: files follow the rotation,
      // environment variables would keep the old value until the pod restarts.
      secretMounts: [llmKeys.mount('/var/run/secrets/llm')],
      workspace: Workspace.persistent({ size: Size.gibibytes(10) }),
      egressEnforcement: EgressEnforcement.CILIUM,
      // Kafka and Redis are reached by the Dapr sidecar, through the components below.
      egress: ['*.googleapis.com:443', 'api.anthropic.com:443', 'api.openai.com:443'],
      // Seed 000's FTE: a sandbox with a Dapr sidecar (app id research-analyst, app port 8000).
      dapr: {},
    });
    this.analyst.network.allowFrom(Peer.service('fastapi'), Port.tcp(8000));
    // It publishes its results and keeps conversation state; reviewers' feedback reaches it by topic.
    const analystPubsub = this.analyst.addPubSub('analyst-pubsub', {
      brokers: ['kafka:9092'],
      consumerGroup: 'research-analyst-fte',
      auth: KafkaAuth.password({ username: 'research-analyst', password: { secret: kafkaCreds, key: 'password' } }),
    });
    this.analyst.addStateStore('analyst-statestore', { host: 'redis:6379', password: { secret: redisCreds, key: 'password' } });
    this.analyst.addSubscription('research-feedback', { pubsub: analystPubsub, topic: 'research-feedback', defaultRoute: '/feedback', deadLetterTopic: 'research-feedback-dead' });

    this.codeExec = new SandboxPool(this, 'code-exec', {
      image: 'ghcr.io/acme/deer-flow-sandbox:1.4.0',
      runtime: SandboxRuntime.GVISOR,
      replicas: 3,
      resources: {
        cpu: { request: Cpu.millis(100), limit: Cpu.units(1) },
        memory: { request: Size.mebibytes(256), limit: Size.gibibytes(1) },
      },
      ports: [{ name: 'http', number: 8080 }],
      readiness: Probe.httpGet('/v1/sandbox', 8080, { period: Duration.seconds(5) }),
      workspace: Workspace.ephemeral({ sizeLimit: Size.gibibytes(2) }),
    });
    // Only the analyst may reach the code sandboxes, and the sandboxes reach nothing but DNS.
    this.codeExec.network.allowFrom(Peer.workload(this.analyst), Port.tcp(8080));
    this.analyst.network.allowTo(Peer.workload(this.codeExec), Port.tcp(8080));
    this.codeExec.claim('analyst-task-1');
    this.codeExec.claim('analyst-task-2');

    this.worker = new DaprWorker(this, 'research-analyst-worker', {
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
      liveness: Probe.httpGet('/healthz', 8000, { period: Duration.seconds(20) }),
      // A Deployment is rollout-restarted by the operator when these keys rotate.
      env: {
        ANTHROPIC_API_KEY: llmKeys.envValue('anthropic'),
        OPENAI_API_KEY: llmKeys.envValue('openai'),
        GOOGLE_API_KEY: llmKeys.envValue('google'),
      },
      egressEnforcement: EgressEnforcement.CILIUM,
      egress: ['*.googleapis.com:443', 'api.anthropic.com:443', 'api.openai.com:443'],
    });
    const pubsub = this.worker.addPubSub('pubsub', {
      brokers: ['kafka:9092'],
      consumerGroup: 'research-analyst',
      auth: KafkaAuth.password({ username: 'research-analyst', password: { secret: kafkaCreds, key: 'password' } }),
    });
    const state = this.worker.addStateStore('statestore', { host: 'redis:6379', password: { secret: redisCreds, key: 'password' } });
    this.worker.addSubscription('research-requests', { pubsub, topic: 'research-requests', defaultRoute: '/research', deadLetterTopic: 'research-requests-dead' });
    this.worker.addResiliency('resiliency')
      .forComponent(pubsub, {
        outbound: { timeout: Duration.seconds(5), retry: DaprRetry.exponential(Duration.seconds(30), 5), circuitBreaker: { consecutiveFailures: 5, timeout: Duration.seconds(30) } },
        inbound: { retry: DaprRetry.constant(Duration.seconds(5), 3) },
      })
      .forComponent(state, { outbound: { timeout: Duration.seconds(2), retry: DaprRetry.constant(Duration.seconds(1), 3) } });
    // The worker hands code to the code-execution sandboxes, as the analyst does.
    this.worker.network.allowTo(Peer.workload(this.codeExec), Port.tcp(8080));
    this.codeExec.network.allowFrom(Peer.workload(this.worker), Port.tcp(8080));

    const monitoring = new FteMonitoring(this, 'Monitoring');
    monitoring.monitor(this.worker);
    monitoring.monitor(this.analyst, { port: 'http', portNumber: 8000 });
    monitoring.monitor(this.codeExec);
  }
}
