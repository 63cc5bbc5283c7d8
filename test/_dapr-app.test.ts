/*
 * The Dapr app of a workload (src/_dapr-app.ts), the same for DaprWorker, FteSandbox and
 * SandboxPool: sidecar annotations on the pod template the agent-sandbox controller turns into
 * the pod, the app's Configuration, components, subscriptions and resiliency scoped to the app
 * id, the Dapr flows on the allowlist, the sidecar monitor and footprint, and every error path.
 */
import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  DaprAppOptions, DaprAppProtocol, DaprLogLevel, DaprRetry, DaprWorker, FteMonitoring, FteNamespace, FteSandbox, FteSandboxProps, FteValidationError, KafkaAuth, Peer, Probe, SandboxPool,
} from '../src';
import { evaluatePolicy } from '../src/policy/engine';
import { daprSidecarAnnotations, IMAGE, RESOURCES } from './support/fixtures';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart, ofKind, one, podSpecOf, synth } from './support/synth';

const base: FteSandboxProps = { image: IMAGE, resources: RESOURCES, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000) };

/** The `dapr.io/` annotations of a pod template. */
function daprAnnotations(template: any): Record<string, string> {
  return Object.fromEntries(Object.entries(template.metadata.annotations ?? {}).filter(([k]) => k.startsWith('dapr.io/'))) as Record<string, string>;
}

describe('a Dapr-enabled FteSandbox', () => {
  test('its pod template asks for the hardened sidecar, with its own Configuration; the workspace stays', () => {
    const objs = synth((c) => new FteSandbox(c, 'analyst', { ...base, dapr: {} }));
    const sb = one(objs, 'Sandbox', 'analyst');
    expect(daprAnnotations(sb.spec.podTemplate)).toEqual(daprSidecarAnnotations('analyst'));
    // The daprd drain fits in the pod's grace period.
    expect(podSpecOf(sb).terminationGracePeriodSeconds).toBe(30);
    expect(sb.spec.volumeClaimTemplates).toHaveLength(1);
    const config = one(objs, 'Configuration', 'analyst');
    expect(config.metadata.labels['ftekit.dev/workload']).toBe('analyst');
    expect(config.spec.metric.enabled).toBe(true);
    expect(objs.map((o) => o.kind).sort()).toEqual(['Configuration', 'NetworkPolicy', 'Sandbox', 'ServiceAccount']);
  });

  test('the same options give the same sidecar annotations as a DaprWorker: one machinery', () => {
    const options: DaprAppOptions = {
      appId: 'agent-app',
      appPort: 8000,
      appProtocol: DaprAppProtocol.GRPC,
      sidecar: { logLevel: DaprLogLevel.DEBUG, metricsPort: 9191, gracefulShutdown: Duration.seconds(10), listenAddresses: ['127.0.0.1'], resources: { cpu: { request: Cpu.millis(50), limit: Cpu.millis(200) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(256) } } },
      controlPlane: { namespace: 'dapr' },
      monitoringNamespace: 'observability',
    };
    const sandbox = synth((c) => new FteSandbox(c, 'agent', { ...base, dapr: options }));
    const worker = synth((c) => new DaprWorker(c, 'agent', { ...base, ...options }));
    const sandboxAnnotations = daprAnnotations(one(sandbox, 'Sandbox').spec.podTemplate);
    expect(sandboxAnnotations).toEqual(daprAnnotations(one(worker, 'Deployment').spec.template));
    expect(sandboxAnnotations).toMatchObject({ 'dapr.io/app-id': 'agent-app', 'dapr.io/app-protocol': 'grpc', 'dapr.io/metrics-port': '9191', 'dapr.io/sidecar-cpu-limit': '200m' });
    // ... and the same Dapr flows on the allowlist.
    const flows = (objs: any[]): any => {
      const np = one(objs, 'NetworkPolicy');
      return { ingress: np.spec.ingress, egress: np.spec.egress };
    };
    expect(flows(sandbox)).toEqual(flows(worker));
  });

  test('the Dapr flows: control plane, sidecar to sidecar both ways, sidecar metrics from Prometheus', () => {
    const objs = synth((c) => new FteSandbox(c, 'agent', { ...base, dapr: { controlPlane: { namespace: 'dapr-cp' } } }));
    const np = one(objs, 'NetworkPolicy', 'agent-allowlist');
    for (const [app, port] of [['dapr-sentry', 50001], ['dapr-operator', 6500], ['dapr-placement-server', 50005], ['dapr-scheduler-server', 50006]] as const) {
      expect(np.spec.egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dapr-cp' } }, podSelector: { matchLabels: { app } } }],
        ports: [{ protocol: 'TCP', port }],
      });
    }
    const sidecars = [{ podSelector: { matchLabels: { 'dapr.io/sidecar-injected': 'true' } } }];
    expect(np.spec.egress).toContainEqual({ to: sidecars, ports: [{ protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress).toContainEqual({ from: sidecars, ports: [{ protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] });
  });

  test('a sandbox without dapr has no sidecar, no Dapr object and no Dapr flow', () => {
    const objs = synth((c) => new FteSandbox(c, 'agent', base));
    expect(daprAnnotations(one(objs, 'Sandbox').spec.podTemplate)).toEqual({});
    expect(JSON.stringify(one(objs, 'NetworkPolicy'))).not.toContain('50002');
  });

  test('components, subscription and resiliency are scoped to the app id, with egress to their backends', () => {
    const objs = synth((c) => {
      const sb = new FteSandbox(c, 'analyst', { ...base, dapr: { appId: 'research' } });
      const pubsub = sb.addPubSub('events', { brokers: ['kafka:9092'], consumerGroup: 'research', auth: KafkaAuth.NONE, tls: false });
      const state = sb.addStateStore('state', { host: 'redis:6379', actorStateStore: true });
      sb.addSubscription('tasks', { pubsub, topic: 'tasks', defaultRoute: '/tasks' });
      sb.addResiliency('policies').forComponent(pubsub, { outbound: { retry: DaprRetry.constant(Duration.seconds(1), 3) } }).forComponent(state, { outbound: { timeout: Duration.seconds(2) } });
      expect(sb.daprAppId).toBe('research');
      expect(sb.daprComponents.map((x) => x.name)).toEqual(['events', 'state']);
    });
    for (const o of [...ofKind(objs, 'Component'), ...ofKind(objs, 'Subscription'), ...ofKind(objs, 'Resiliency')]) {
      expect([o.kind, o.scopes]).toEqual([o.kind, ['research']]);
      expect(o.metadata.labels['ftekit.dev/workload']).toBe('analyst');
    }
    expect(one(objs, 'Component', 'events').spec.metadata).toContainEqual({ name: 'consumerGroup', value: 'research' });
    expect(one(objs, 'Component', 'state').spec.metadata).toContainEqual({ name: 'actorStateStore', value: 'true' });
    const egress = one(objs, 'NetworkPolicy').spec.egress;
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } } }], ports: [{ protocol: 'TCP', port: 9092 }] });
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }], ports: [{ protocol: 'TCP', port: 6379 }] });
  });

  test('FteMonitoring scrapes the sidecar of a Dapr sandbox as it does a worker\'s, beside the app port', () => {
    const objs = synth((c) => {
      const sb = new FteSandbox(c, 'analyst', { ...base, dapr: {} });
      new FteMonitoring(c, 'Monitoring').monitor(sb, { port: 'http', portNumber: 8000 });
    });
    expect(ofKind(objs, 'PodMonitor').map((m) => m.metadata.name).sort()).toEqual(['analyst', 'analyst-dapr']);
    expect(one(objs, 'PodMonitor', 'analyst-dapr').spec).toMatchObject({ selector: { matchLabels: { 'dapr.io/app-id': 'analyst' } }, podMetricsEndpoints: [{ port: 'dapr-metrics' }] });
  });

  test('the footprint counts the sidecar in the pod (quotas size from it)', () => {
    const c = chart();
    const plain = new FteSandbox(c, 'plain', base).footprint();
    const dapr = new FteSandbox(c, 'dapr', { ...base, dapr: {} }).footprint();
    expect(dapr.cpuLimitMillis - plain.cpuLimitMillis).toBe(300);
    expect(dapr.memoryRequestBytes - plain.memoryRequestBytes).toBe(250 * 1024 * 1024);
    expect(dapr.pods).toBe(1);
  });

  test('the policy gate finds nothing, with the namespace', () => {
    const report = evaluatePolicy(synth((c) => {
      const sb = new FteSandbox(c, 'analyst', { ...base, dapr: {} });
      sb.addStateStore('state', { host: 'redis:6379' });
      new FteNamespace(c, 'Namespace');
    }));
    expect(report.findings).toEqual([]);
  });
});

describe('a Dapr-enabled SandboxPool', () => {
  test('the SandboxTemplate carries the sidecar annotations: every sandbox of the pool is an instance of one app', () => {
    const objs = synth((c) => {
      const pool = new SandboxPool(c, 'code-exec', { ...base, replicas: 3, dapr: {} });
      pool.addStateStore('code-state', { host: 'redis:6379' });
      pool.claim('task-1');
      new FteMonitoring(c, 'Monitoring').monitor(pool);
    });
    const tpl = one(objs, 'SandboxTemplate', 'code-exec');
    expect(daprAnnotations(tpl.spec.podTemplate)).toMatchObject({ 'dapr.io/enabled': 'true', 'dapr.io/app-id': 'code-exec', 'dapr.io/config': 'code-exec', 'dapr.io/app-port': '8000' });
    // The claim adds nothing Dapr: the template decides (the admission policy refuses Dapr keys on claims).
    expect(JSON.stringify(one(objs, 'SandboxClaim'))).not.toContain('dapr.io');
    expect(one(objs, 'Component', 'code-state').scopes).toEqual(['code-exec']);
    expect(one(objs, 'PodMonitor', 'code-exec-dapr').spec.selector.matchLabels).toEqual({ 'dapr.io/app-id': 'code-exec' });
  });

  test('the footprint counts the sidecar in every warm and claimed sandbox', () => {
    const c = chart();
    const plain = new SandboxPool(c, 'plain', { ...base, replicas: 2 });
    plain.claim('p-1');
    const dapr = new SandboxPool(c, 'dapr', { ...base, replicas: 2, dapr: {} });
    dapr.claim('d-1');
    expect(dapr.footprint().cpuLimitMillis - plain.footprint().cpuLimitMillis).toBe(3 * 300);
  });

  test('the policy gate finds nothing', () => {
    const report = evaluatePolicy(synth((c) => {
      new SandboxPool(c, 'pool', { ...base, dapr: { sidecar: { logLevel: DaprLogLevel.WARN } } }).claim('one');
      new FteNamespace(c, 'Namespace');
    }));
    expect(report.findings).toEqual([]);
  });
});

describe('throws when', () => {
  const expectThrow = (make: (c: ReturnType<typeof chart>) => unknown, where: string, ...patterns: (string | RegExp)[]): string => {
    const c = chart();
    let error: unknown;
    try {
      make(c);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(FteValidationError);
    const message = (error as Error).message;
    expect(message).toContain(where);
    for (const p of patterns) expect(message).toMatch(p);
    return message;
  };
  const sandboxThrows = (dapr: unknown, ...patterns: (string | RegExp)[]): string =>
    expectThrow((c) => new FteSandbox(c, 'agent', { ...base, dapr: dapr as DaprAppOptions }), "FteSandbox at 'test/agent'", ...patterns);

  test.each<[string, unknown, string | RegExp]>([
    ['dapr is not an object', 'yes', 'dapr: "yes" is not an object; expected Dapr app options'],
    ['the app id is not a DNS label', { appId: 'Agent_App' }, 'dapr.appId: "Agent_App"'],
    ['the app port is not declared', { appPort: 9000 }, 'dapr.appPort: 9000 is not one of the declared ports (8000); expected a declared port'],
    ['the app port is out of range', { appPort: 70000 }, 'dapr.appPort: port 70000 is out of range; expected an integer 1-65535'],
    ['the app protocol is unknown', { appProtocol: 'ftp' }, 'dapr.appProtocol: "ftp" is not a DaprAppProtocol'],
    ['the sidecar log level is unknown', { sidecar: { logLevel: 'loud' } }, 'dapr.sidecar.logLevel: "loud" is not a DaprLogLevel'],
    ['the sidecar metrics port is an app port', { sidecar: { metricsPort: 8000 } }, 'dapr.sidecar.metricsPort: 8000 is also an app port'],
    ['the sidecar metrics port is one daprd binds', { sidecar: { metricsPort: 3501 } }, 'dapr.sidecar.metricsPort: 3501 is a port daprd binds'],
    ['the sidecar drains longer than the sandbox grace period', { sidecar: { gracefulShutdown: Duration.seconds(30) } }, 'dapr.sidecar.gracefulShutdown: 30s is not shorter than the termination grace period 30s'],
    ['the sidecar listens on a hostname', { sidecar: { listenAddresses: ['localhost'] } }, 'dapr.sidecar.listenAddresses: ["localhost"] is not a list of distinct IP addresses'],
    ['the sidecar limits are below its requests', { sidecar: { resources: { cpu: { request: Cpu.millis(500), limit: Cpu.millis(100) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(64) } } } }, /dapr\.sidecar\.resources\.cpu/],
    ['the control plane namespace is not a DNS label', { controlPlane: { namespace: 'Dapr System' } }, 'dapr.controlPlane.namespace: "Dapr System"'],
    ['the monitoring namespace is not a DNS label', { monitoringNamespace: '' }, 'dapr.monitoringNamespace'],
  ])('%s', (_what, dapr, pattern) => {
    sandboxThrows(dapr, pattern);
  });

  test('the Configuration props are bad: the Configuration names its own field, and nothing is made', () => {
    expectThrow((c) => new FteSandbox(c, 'agent', { ...base, dapr: { configuration: { tracing: { samplingRate: 2 } } } }), "DaprConfiguration at 'test/agent/Configuration'",
      'tracing.samplingRate: 2 is out of range; expected a number from 0 to 1');
  });

  test('an agent port is one daprd binds in the pod', () => {
    expectThrow((c) => new SandboxPool(c, 'pool', { ...base, ports: [{ name: 'http', number: 3500 }], readiness: undefined, dapr: {} }), "SandboxPool at 'test/pool'",
      'ports[0].number: 3500 is a port daprd binds in the pod (3500, 3501, 50001, 50002); expected another port');
  });

  test('a pod annotation is under dapr.io/, which the dapr prop owns (with or without dapr)', () => {
    for (const dapr of [undefined, {}]) {
      expectThrow((c) => new FteSandbox(c, 'agent', { ...base, dapr, podAnnotations: { 'dapr.io/enabled': 'true' } }), "FteSandbox at 'test/agent'",
        'podAnnotations: key "dapr.io/enabled" is under dapr.io/, which ftekit and the Dapr injector own; expected the `dapr` prop instead');
    }
  });

  test('two workloads take one app id, or the app id names the operator Service of another', () => {
    expectThrow((c) => {
      new DaprWorker(c, 'worker', { ...base, appId: 'shared' });
      new FteSandbox(c, 'agent', { ...base, dapr: { appId: 'shared' } });
    }, "FteSandbox at 'test/agent'", 'dapr.appId: "shared" is already the name of a Dapr app id');
    // The Dapr operator names a Service `<app id>-dapr`: a sandbox of that name has it already.
    expectThrow((c) => {
      new FteSandbox(c, 'one-dapr', base);
      new SandboxPool(c, 'pool', { ...base, dapr: { appId: 'one' } });
    }, "SandboxPool at 'test/pool'", 'dapr.appId: "one-dapr" is already the name of a Service in namespace "agents" (from \'test/one-dapr\')');
  });

  test('every Dapr problem of one sandbox is reported in one error', () => {
    const message = sandboxThrows({ appPort: 9000, appProtocol: 'ftp', sidecar: { logLevel: 'loud', metricsPort: 3500 }, monitoringNamespace: 'Not A Label' });
    for (const field of ['dapr.appPort', 'dapr.appProtocol', 'dapr.sidecar.logLevel', 'dapr.sidecar.metricsPort', 'dapr.monitoringNamespace']) expect(message).toContain(`${field}:`);
  });

  test('a component, subscription or resiliency is added to a workload without Dapr', () => {
    const c = chart();
    const sb = new FteSandbox(c, 'agent', base);
    const pool = new SandboxPool(c, 'pool', base);
    const before = c.node.findAll().length;
    expect(() => sb.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE })).toThrow("FteSandbox at 'test/agent': addPubSub(\"events\"): is called on a FteSandbox without Dapr; expected the `dapr` prop (e.g. dapr: {}) to make its pods a Dapr app");
    expect(() => pool.addStateStore('state', { host: 'redis:6379' })).toThrow("SandboxPool at 'test/pool': addStateStore(\"state\"): is called on a SandboxPool without Dapr");
    expect(() => sb.addResiliency('r')).toThrow('addResiliency("r"): is called on a FteSandbox without Dapr');
    expect(c.node.findAll().length).toBe(before);
    expect(sb.daprAppId).toBeUndefined();
    expect(sb.daprComponents).toEqual([]);
  });

  test('a backend is refused, a second actor store is added, a subscription names another app\'s pub/sub, an id is taken', () => {
    const c = chart();
    const sb = new FteSandbox(c, 'agent', { ...base, dapr: {} });
    const other = new SandboxPool(c, 'pool', { ...base, dapr: {} });
    const foreign = other.addPubSub('foreign', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
    expect(() => sb.addPubSub('events', { brokers: ['kafka:99999'], auth: KafkaAuth.NONE })).toThrow("FteSandbox at 'test/agent': addPubSub(\"events\").brokers[0]: \"kafka:99999\"");
    expect(() => sb.addPubSub('remote', { brokers: ['kafka.example.com:9092'], auth: KafkaAuth.NONE })).toThrow(/addPubSub\("remote"\)\.brokers: "kafka\.example\.com:9092": .*set `peer`/);
    sb.addStateStore('actors', { host: 'redis:6379', actorStateStore: true });
    expect(() => sb.addStateStore('more-actors', { host: 'redis:6379', actorStateStore: true })).toThrow('addStateStore("more-actors").actorStateStore: is true, but "actors" is the actor state store already');
    expect(() => sb.addSubscription('tasks', { pubsub: foreign, topic: 'tasks', defaultRoute: '/tasks' })).toThrow('addSubscription("tasks").pubsub: "foreign" is not a pub/sub component of this FteSandbox');
    expect(() => sb.addStateStore('actors', { name: 'other-name', host: 'redis:6379' })).toThrow("addStateStore(\"actors\"): construct id \"actors\" is already taken by another child of this FteSandbox (test/agent/actors); expected another id");
    expect(() => sb.addResiliency('')).toThrow('addResiliency(""): construct id "" is empty; expected a name');
    // A peer given for a backend outside the cluster's naming works.
    expect(sb.addPubSub('remote-ok', { brokers: ['kafka.example.com:9092'], auth: KafkaAuth.NONE, peer: Peer.cidr('10.0.0.0/8') }).name).toBe('remote-ok');
  });
});

describeWithShared('Dapr-enabled sandbox and pool schema', () => {
  test('every object is schema-valid', () => {
    const objs = synth((c) => {
      const sb = new FteSandbox(c, 'analyst', { ...base, dapr: { configuration: { tracing: { samplingRate: 0.1, otlpEndpoint: 'otel-collector:4317' } } } });
      const pubsub = sb.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE, tls: false });
      sb.addSubscription('tasks', { pubsub, topic: 'tasks', defaultRoute: '/tasks', deadLetterTopic: 'tasks-dead' });
      sb.addResiliency('policies').forComponent(pubsub, { outbound: { timeout: Duration.seconds(5), circuitBreaker: { consecutiveFailures: 3, timeout: Duration.seconds(30) } } });
      const pool = new SandboxPool(c, 'pool', { ...base, dapr: {} });
      pool.addStateStore('pool-state', { host: 'redis:6379' });
      pool.claim('one');
    });
    expect(objs.map((o) => o.kind)).toEqual(expect.arrayContaining(['Sandbox', 'SandboxTemplate', 'Configuration', 'Component', 'Subscription', 'Resiliency']));
    expectSchemaValid(objs);
  });
});
