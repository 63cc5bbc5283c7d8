import { Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  DaprAction, DaprApi, DaprAppProtocol, DaprComponent, DaprConfiguration, DaprLogLevel, DaprMetadataValue, DaprResiliency, DaprRetry, DaprSubscription, DaprWorker, DaprWorkerProps, EgressEnforcement, ExistingSecret,
  FteNamespace, FteSandbox, KafkaAuth, KafkaInitialOffset, Peer, Probe, SandboxRuntime, SaslMechanism,
} from '../src';
import { daprSidecarAnnotations } from './support/fixtures';
import { expectProblems } from './support/oracle';
import { describeWithShared, expectSchemaValid } from './support/schema';
import { chart as namespacedChart, one as find } from './support/synth';

/** Every test here builds in namespace `ns`. */
const chart = (namespace = 'ns'): Chart => namespacedChart(namespace);

const baseProps: DaprWorkerProps = {
  image: 'ghcr.io/acme/research-analyst-fte:1.0.0',
  resources: {
    cpu: { request: Cpu.millis(500), limit: Cpu.units(2) },
    memory: { request: Size.gibibytes(1), limit: Size.gibibytes(4) },
  },
  ports: [{ name: 'http', number: 8000 }, { name: 'metrics', number: 9100 }],
  readiness: Probe.httpGet('/healthz', 8000),
  metricsPortName: 'metrics',
};

function fullWorker(c: Chart): DaprWorker {
  const kafkaCreds = ExistingSecret.fromName('kafka-creds');
  const redisCreds = ExistingSecret.fromName('redis-creds');
  const worker = new DaprWorker(c, 'worker', {
    ...baseProps,
    env: { ANTHROPIC_API_KEY: ExistingSecret.fromName('llm-api-keys').envValue('anthropic') },
    configuration: {
      tracing: { samplingRate: 0.1, otlpEndpoint: 'otel-collector:4317' },
      accessControl: { defaultAction: DaprAction.DENY, policies: [{ appId: 'frontend', defaultAction: DaprAction.ALLOW }] },
      allowedApis: [DaprApi.STATE, DaprApi.PUBLISH],
      mtls: {},
    },
  });
  const pubsub = worker.addPubSub('events', {
    brokers: ['kafka:9092'],
    auth: KafkaAuth.password({ username: 'worker', password: { secret: kafkaCreds, key: 'password' }, mechanism: SaslMechanism.SCRAM_SHA_512 }),
    initialOffset: KafkaInitialOffset.OLDEST,
  });
  const state = worker.addStateStore('state', { host: 'redis:6379', password: { secret: redisCreds, key: 'redis-password' } });
  worker.addSubscription('tasks', { pubsub, topic: 'tasks', defaultRoute: '/tasks', rules: [{ match: 'event.type == "urgent"', path: '/urgent' }], deadLetterTopic: 'tasks-dead' });
  worker.addResiliency('resiliency')
    .forComponent(pubsub, { outbound: { timeout: Duration.seconds(5), retry: DaprRetry.exponential(Duration.seconds(30), 5), circuitBreaker: { consecutiveFailures: 5, timeout: Duration.seconds(30) } } })
    .forComponent(state, { outbound: { retry: DaprRetry.constant(Duration.seconds(1), 3) } })
    .forApp('frontend', { timeout: Duration.seconds(10) });
  return worker;
}

describe('DaprWorker', () => {
  test('Deployment carries the Dapr annotations, runtime, hardened pod and stable selector', () => {
    const c = chart();
    new DaprWorker(c, 'worker', baseProps);
    const objs = Testing.synth(c);
    const dep = find(objs, 'Deployment', 'worker');
    expect(dep.apiVersion).toBe('apps/v1');
    expect(dep.spec.replicas).toBe(2);
    expect(dep.spec.selector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'worker' } });
    const tpl = dep.spec.template;
    expect(tpl.metadata.labels['ftekit.dev/workload']).toBe('worker');
    expect(tpl.metadata.annotations).toEqual(daprSidecarAnnotations('worker'));
    expect(tpl.spec.runtimeClassName).toBe('gvisor');
    expect(tpl.spec.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
    expect(tpl.spec.automountServiceAccountToken).toBe(false);
    expect(tpl.spec.containers).toHaveLength(1);
    expect(tpl.spec.containers[0].securityContext.capabilities).toEqual({ drop: ['ALL'] });
    expect(tpl.spec.containers[0].readinessProbe.httpGet.path).toBe('/healthz');
    expect(tpl.spec.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'ftekit.dev/workload': 'worker' } } });
  });

  test('Service, PodDisruptionBudget and no HPA by default', () => {
    const c = chart();
    new DaprWorker(c, 'worker', baseProps);
    const objs = Testing.synth(c);
    const svc = find(objs, 'Service', 'worker');
    expect(svc.spec.selector).toEqual({ 'ftekit.dev/workload': 'worker' });
    expect(svc.spec.ports).toEqual([
      { name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' },
      { name: 'metrics', port: 9100, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(find(objs, 'PodDisruptionBudget', 'worker').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: { 'ftekit.dev/workload': 'worker' } } });
    expect(objs.some((o) => o.kind === 'HorizontalPodAutoscaler')).toBe(false);
  });

  test('one replica has no PodDisruptionBudget; autoscaling adds an HPA and leaves replicas to it', () => {
    const c1 = chart();
    new DaprWorker(c1, 'worker', { ...baseProps, replicas: 1 });
    expect(Testing.synth(c1).some((o) => o.kind === 'PodDisruptionBudget')).toBe(false);

    const c2 = chart();
    new DaprWorker(c2, 'worker', { ...baseProps, autoscaling: { minReplicas: 2, maxReplicas: 6 } });
    const objs = Testing.synth(c2);
    expect(find(objs, 'Deployment').spec.replicas).toBeUndefined();
    const hpa = find(objs, 'HorizontalPodAutoscaler', 'worker');
    expect(hpa.spec).toMatchObject({ scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'worker' }, minReplicas: 2, maxReplicas: 6 });
    expect(hpa.spec.metrics[0].resource.target).toEqual({ type: 'Utilization', averageUtilization: 70 });
  });

  test('sidecar options reach the annotations', () => {
    const c = chart();
    new DaprWorker(c, 'worker', {
      ...baseProps,
      appPort: 8000,
      appProtocol: DaprAppProtocol.GRPC,
      sidecar: {
        logLevel: DaprLogLevel.WARN,
        gracefulShutdown: Duration.seconds(20),
        resources: { cpu: { request: Cpu.millis(200), limit: Cpu.units(1) }, memory: { request: Size.mebibytes(128), limit: Size.mebibytes(512) } },
      },
    });
    const ann = find(Testing.synth(c), 'Deployment').spec.template.metadata.annotations;
    expect(ann['dapr.io/app-protocol']).toBe('grpc');
    expect(ann['dapr.io/log-level']).toBe('warn');
    expect(ann['dapr.io/graceful-shutdown-seconds']).toBe('20');
    expect(ann['dapr.io/sidecar-cpu-limit']).toBe('1');
    expect(ann['dapr.io/sidecar-memory-limit']).toBe('512Mi');
  });

  test('network policy admits the Dapr control plane, peer sidecars, Prometheus and the backends', () => {
    const c = chart();
    fullWorker(c);
    const np = find(Testing.synth(c), 'NetworkPolicy', 'worker-allowlist');
    expect(np.spec.podSelector).toEqual({ matchLabels: { 'ftekit.dev/workload': 'worker' } });
    const egress = np.spec.egress;
    for (const [app, port] of [['dapr-sentry', 50001], ['dapr-operator', 6500], ['dapr-placement-server', 50005], ['dapr-scheduler-server', 50006]] as const) {
      expect(egress).toContainEqual({
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dapr-system' } }, podSelector: { matchLabels: { app } } }],
        ports: [{ protocol: 'TCP', port }],
      });
    }
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'kafka' } } }], ports: [{ protocol: 'TCP', port: 9092 }] });
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'redis' } } }], ports: [{ protocol: 'TCP', port: 6379 }] });
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'otel-collector' } } }], ports: [{ protocol: 'TCP', port: 4317 }] });
    expect(egress).toContainEqual({ to: [{ podSelector: { matchLabels: { 'dapr.io/sidecar-injected': 'true' } } }], ports: [{ protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress).toContainEqual({ from: [{ podSelector: { matchLabels: { 'dapr.io/sidecar-injected': 'true' } } }], ports: [{ protocol: 'TCP', port: 50002 }] });
    expect(np.spec.ingress).toContainEqual({
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 9090 }, { protocol: 'TCP', port: 9100 }],
    });
  });

  test('a custom control-plane namespace and backend peer are used', () => {
    const c = chart();
    const worker = new DaprWorker(c, 'worker', { ...baseProps, controlPlane: { namespace: 'dapr' } });
    worker.addPubSub('events', { brokers: ['kafka-0.kafka-brokers.messaging.svc.cluster.local:9093'], auth: KafkaAuth.NONE, peer: Peer.pods({ labels: { 'strimzi.io/cluster': 'main' }, namespace: 'messaging' }) });
    const egress = find(Testing.synth(c), 'NetworkPolicy').spec.egress;
    expect(egress).toContainEqual(expect.objectContaining({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dapr' } }, podSelector: { matchLabels: { app: 'dapr-sentry' } } }] }));
    expect(egress).toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'messaging' } }, podSelector: { matchLabels: { 'strimzi.io/cluster': 'main' } } }], ports: [{ protocol: 'TCP', port: 9093 }] });
  });

  test('components are scoped to the app id and reference secrets by name', () => {
    const c = chart();
    fullWorker(c);
    const objs = Testing.synth(c);
    const kafka = find(objs, 'Component', 'events');
    expect(kafka.scopes).toEqual(['worker']);
    expect(kafka.auth).toBeUndefined();
    expect(kafka.spec.type).toBe('pubsub.kafka');
    expect(kafka.spec.metadata).toEqual([
      { name: 'brokers', value: 'kafka:9092' },
      { name: 'consumerGroup', value: 'worker' },
      { name: 'clientID', value: 'worker' },
      { name: 'authType', value: 'password' },
      { name: 'saslUsername', value: 'worker' },
      { name: 'saslPassword', secretKeyRef: { name: 'kafka-creds', key: 'password' } },
      { name: 'saslMechanism', value: 'SHA-512' },
      { name: 'initialOffset', value: 'oldest' },
    ]);
    const redis = find(objs, 'Component', 'state');
    expect(redis.scopes).toEqual(['worker']);
    expect(redis.spec.metadata).toContainEqual({ name: 'redisPassword', secretKeyRef: { name: 'redis-creds', key: 'redis-password' } });
    expect(redis.spec.metadata).toContainEqual({ name: 'enableTLS', value: 'true' });
  });

  test('Configuration, Subscription and Resiliency', () => {
    const c = chart();
    fullWorker(c);
    const objs = Testing.synth(c);
    const conf = find(objs, 'Configuration', 'worker');
    expect(conf.spec.tracing).toEqual({ samplingRate: '0.1', otel: { endpointAddress: 'otel-collector:4317', isSecure: true, protocol: 'grpc' } });
    expect(conf.spec.metric).toEqual({ enabled: true });
    expect(conf.spec.mtls).toMatchObject({ enabled: true, sentryAddress: 'dapr-sentry.dapr-system.svc.cluster.local:443' });
    expect(conf.spec.accessControl.defaultAction).toBe('deny');
    expect(conf.spec.api).toEqual({ allowed: [{ name: 'state', version: 'v1.0' }, { name: 'publish', version: 'v1.0' }] });

    const sub = find(objs, 'Subscription', 'tasks');
    expect(sub.apiVersion).toBe('dapr.io/v2alpha1');
    expect(sub.spec).toEqual({ pubsubname: 'events', topic: 'tasks', routes: { rules: [{ match: 'event.type == "urgent"', path: '/urgent' }], default: '/tasks' }, deadLetterTopic: 'tasks-dead' });
    expect(sub.scopes).toEqual(['worker']);

    const res = find(objs, 'Resiliency', 'resiliency');
    expect(res.scopes).toEqual(['worker']);
    expect(res.spec.targets.components.events).toEqual({ outbound: { timeout: 'events-outbound-timeout', retry: 'events-outbound-retry', circuitBreaker: 'events-outbound-cb' } });
    expect(res.spec.policies.circuitBreakers['events-outbound-cb']).toEqual({ maxRequests: 1, timeout: '30s', trip: 'consecutiveFailures > 4' });
    expect(res.spec.policies.retries['events-outbound-retry']).toEqual({ policy: 'exponential', maxInterval: '30s', maxRetries: 5 });
    expect(res.spec.targets.apps.frontend).toEqual({ timeout: 'app-frontend-timeout' });
  });

  test('footprint counts the sidecar in every pod and in the largest container', () => {
    const c = chart();
    const worker = new DaprWorker(c, 'worker', { ...baseProps, sidecar: { resources: { cpu: { request: Cpu.millis(100), limit: Cpu.units(3) }, memory: { request: Size.mebibytes(256), limit: Size.mebibytes(512) } } } });
    const f = worker.footprint();
    expect(f.pods).toBe(2);
    expect(f.cpuRequestMillis).toBe(2 * (500 + 100));
    expect(f.cpuLimitMillis).toBe(2 * (2000 + 3000));
    expect(f.memoryRequestBytes).toBe(2 * (2 ** 30 + 256 * 2 ** 20));
    expect(f.maxContainerCpuMillis).toBe(3000);
    expect(f.maxContainerMemoryBytes).toBe(4 * 2 ** 30);
  });

  test('FteNamespace sizes its quota with the worker and its sidecar', () => {
    const c = chart();
    new FteNamespace(c, 'Namespace');
    new DaprWorker(c, 'worker', baseProps);
    const quota = find(Testing.synth(c), 'ResourceQuota');
    // 2 pods x (2 + 0.3) CPU limit x 1.25 head-room = 5.75 -> 6 cores.
    expect(quota.spec.hard['limits.cpu']).toBe('6');
  });

  test('usesSecret sees env, files and component secrets', () => {
    const c = chart();
    const worker = fullWorker(c);
    expect(worker.usesSecret('llm-api-keys')).toBe(true);
    expect(worker.usesSecret('kafka-creds')).toBe(true);
    expect(worker.usesSecret('redis-creds')).toBe(true);
    expect(worker.usesSecret('other')).toBe(false);
  });

  describe('throws when', () => {
    test('the readiness probe is missing', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, readiness: undefined }))
        .toThrow("DaprWorker at 'test/worker': readiness: is missing; expected a readiness probe");
    });
    test('the name starts with a digit (it names the Service)', () => {
      expect(() => new DaprWorker(chart(), '1worker', baseProps))
        .toThrow("DaprWorker at 'test/1worker': name: \"1worker\" is not a valid name; expected it to start with a letter");
    });
    test('a port has no name', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, ports: [{ number: 8000 }], metricsPortName: undefined }))
        .toThrow(/DaprWorker at 'test\/worker': ports\[0\]\.name: port 8000 has no name; expected a name/);
    });
    test("an app port or the sidecar's metrics port is one daprd binds itself", () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, ports: [{ name: 'http', number: 8000 }, { name: 'api', number: 3500 }], metricsPortName: undefined }))
        .toThrow(`DaprWorker at 'test/worker': ports[1].number: 3500 is a port daprd binds in the pod (3500, 3501, 50001, 50002); expected another port`);
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, sidecar: { metricsPort: 50001 } }))
        .toThrow(`DaprWorker at 'test/worker': sidecar.metricsPort: 50001 is a port daprd binds for its API, health or internal gRPC`);
    });
    test('appPort is not a declared port', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, appPort: 3000 }))
        .toThrow(/DaprWorker at 'test\/worker': appPort: 3000 is not one of the declared ports \(8000, 9100\)/);
    });
    test('graceful shutdown is not shorter than the grace period', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, sidecar: { gracefulShutdown: Duration.seconds(30) } }))
        .toThrow(/sidecar\.gracefulShutdown: 30s is not shorter than the termination grace period 30s/);
    });
    test('sidecar limits are below requests', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, sidecar: { resources: { cpu: { request: Cpu.units(1), limit: Cpu.millis(500) }, memory: { request: Size.mebibytes(64), limit: Size.mebibytes(128) } } } }))
        .toThrow(/sidecar\.resources\.cpu: request 1 is greater than the limit 500m; expected request <= limit/);
    });
    test('a listen address is not an IP address, or is listed twice', () => {
      for (const listenAddresses of [['999.1.1.1'], ['[12345::]'], ['::1'], ['127.0.0.1', '127.0.0.1'], []]) {
        expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, sidecar: { listenAddresses } }))
          .toThrow(`DaprWorker at 'test/worker': sidecar.listenAddresses: ${JSON.stringify(listenAddresses)} is not a list of distinct IP addresses`);
      }
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, sidecar: { listenAddresses: ['[fd00::1]', '0.0.0.0', '[::]'] } })).not.toThrow();
    });
    test('a pod annotation is under dapr.io/', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, podAnnotations: { 'dapr.io/sidecar-seccomp-profile-type': 'Unconfined' } }))
        .toThrow(/podAnnotations: key "dapr.io\/sidecar-seccomp-profile-type" is under dapr.io\//);
    });
    test('replicas and autoscaling are both set', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, replicas: 3, autoscaling: { minReplicas: 2, maxReplicas: 4 } }))
        .toThrow(/replicas: 3 is set together with autoscaling/);
    });
    test('a broker address is malformed', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      expect(() => worker.addPubSub('events', { brokers: ['kafka'], auth: KafkaAuth.NONE }))
        .toThrow(`DaprWorker at 'test/worker': addPubSub("events").brokers[0]: "kafka" is not a host:port address; expected e.g. "kafka:9092"`);
    });
    test('a broker host name is longer than DNS allows, even with an explicit peer', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      const broker = `${'a'.repeat(64)}:9092`;
      expect(() => worker.addPubSub('events', { brokers: [broker], auth: KafkaAuth.NONE, peer: Peer.pods({ labels: { app: 'kafka' } }) }))
        .toThrow(`DaprWorker at 'test/worker': addPubSub("events").brokers[0]: "${broker}" has a host name longer than DNS allows`);
    });
    test('a broker hostname needs Cilium', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      expect(() => worker.addPubSub('events', { brokers: ['broker.example.com:9092'], auth: KafkaAuth.NONE }))
        .toThrow(/addPubSub\("events"\)\.brokers: "broker.example.com:9092": .*cannot be enforced by a Kubernetes NetworkPolicy/);
    });
    test('Kafka auth needs TLS, or has an unknown SASL mechanism or initial offset', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      const password = { secret: ExistingSecret.fromName('kafka-creds'), key: 'password' };
      expect(() => worker.addPubSub('plain', { brokers: ['kafka:9092'], tls: false, auth: KafkaAuth.password({ username: 'u', password, mechanism: SaslMechanism.PLAIN }) }))
        .toThrow(`DaprWorker at 'test/worker': addPubSub("plain").tls: is false while auth is SASL/PLAIN, which would send the password in clear text`);
      expect(() => worker.addPubSub('mtls', { brokers: ['kafka:9092'], tls: false, auth: KafkaAuth.mtls({ caCert: password, clientCert: password, clientKey: password }) }))
        .toThrow(`addPubSub("mtls").tls: is false while auth is mTLS, which is TLS itself`);
      expect(() => KafkaAuth.password({ username: 'u', password, mechanism: 'PLAIN' as SaslMechanism }))
        .toThrow('KafkaAuth.password: mechanism: "PLAIN" is not a SaslMechanism');
      expect(() => worker.addPubSub('offset', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE, initialOffset: 'earliest' as KafkaInitialOffset }))
        .toThrow(`addPubSub("offset").initialOffset: "earliest" is not a KafkaInitialOffset`);
      // SCRAM over plaintext is allowed (the password is not sent), as is no auth.
      expect(() => worker.addPubSub('scram', { brokers: ['kafka:9092'], tls: false, auth: KafkaAuth.password({ username: 'u', password }) })).not.toThrow();
    });
    test('a hostname broker is fine with Cilium', () => {
      const worker = new DaprWorker(chart(), 'worker', { ...baseProps, egressEnforcement: EgressEnforcement.CILIUM });
      expect(() => worker.addPubSub('events', { brokers: ['broker.example.com:9092'], auth: KafkaAuth.NONE })).not.toThrow();
    });
    test('a subscription names a component of another worker', () => {
      const c = chart();
      const a = new DaprWorker(c, 'a', baseProps);
      const b = new DaprWorker(c, 'b', baseProps);
      const pubsub = a.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      expect(() => b.addSubscription('tasks', { pubsub, topic: 'tasks', defaultRoute: '/tasks' }))
        .toThrow(`DaprWorker at 'test/b': addSubscription("tasks").pubsub: "events" is not a pub/sub component of this DaprWorker`);
    });
    test('two state stores are the actor state store', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      worker.addStateStore('actors', { host: 'redis:6379', actorStateStore: true });
      worker.addStateStore('cache', { host: 'redis:6379' });
      expect(() => worker.addStateStore('more', { host: 'redis:6379', actorStateStore: true }))
        .toThrow(`DaprWorker at 'test/worker': addStateStore("more").actorStateStore: is true, but "actors" is the actor state store already; expected one actor state store per app`);
    });
    test('a subscription has no route', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      const pubsub = worker.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      expect(() => worker.addSubscription('tasks', { pubsub, topic: 'tasks' }))
        .toThrow("DaprSubscription at 'test/worker/tasks': defaultRoute: and rules are both missing");
    });
    test('a dead-letter topic is the topic itself', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      const pubsub = worker.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      expect(() => worker.addSubscription('tasks', { pubsub, topic: 'tasks', defaultRoute: '/t', deadLetterTopic: 'tasks' }))
        .toThrow(/deadLetterTopic: is the subscribed topic itself/);
    });
    test('a resiliency target has no policy', () => {
      const worker = new DaprWorker(chart(), 'worker', baseProps);
      const pubsub = worker.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      expect(() => worker.addResiliency('r').forComponent(pubsub, { outbound: {} }))
        .toThrow("DaprResiliency at 'test/worker/r': forComponent(events).outbound: has no timeout, retry or circuitBreaker");
    });
    test('retries are unbounded', () => {
      expect(() => DaprRetry.constant(Duration.seconds(1), -1)).toThrow('DaprRetry: maxRetries: -1 is not a whole number in range 0-100');
    });
    test('the sampling rate is above 1', () => {
      expect(() => new DaprWorker(chart(), 'worker', { ...baseProps, configuration: { tracing: { samplingRate: 2 } } }))
        .toThrow("DaprConfiguration at 'test/worker/Configuration': tracing.samplingRate: 2 is out of range; expected a number from 0 to 1");
    });
    test('two workloads in one namespace have one name, or two workers one app id', () => {
      const c = chart();
      new DaprWorker(c, 'worker', baseProps);
      expect(() => new FteSandbox(c, 'sandbox', { name: 'worker', image: 'ghcr.io/acme/a:1.0.0', resources: baseProps.resources }))
        .toThrow(`FteSandbox at 'test/sandbox': name: "worker" is already the name of a ServiceAccount in namespace "ns" (from 'test/worker')`);
      expect(() => new DaprWorker(c, 'other', { ...baseProps, appId: 'worker' }))
        .toThrow(`DaprWorker at 'test/other': appId: "worker" is already the name of a Dapr app id in namespace "ns" (from 'test/worker')`);
      // Another namespace is fine.
      expect(() => new DaprWorker(new Chart(c.node.root as any, 'other-ns', { namespace: 'other' }), 'worker', baseProps)).not.toThrow();
    });
    test('two components, subscriptions or resiliencies in one namespace have one name', () => {
      const c = chart();
      const a = new DaprWorker(c, 'a', baseProps);
      const b = new DaprWorker(c, 'b', baseProps);
      const events = a.addPubSub('events', { brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      expect(() => b.addStateStore('events', { host: 'redis:6379' }))
        .toThrow(`DaprComponent at 'test/b/events': name: "events" is already the name of a Component in namespace "ns" (from 'test/a/events')`);
      a.addSubscription('tasks', { pubsub: events, topic: 'tasks', defaultRoute: '/tasks' });
      expect(() => a.addSubscription('more', { name: 'tasks', pubsub: events, topic: 'more', defaultRoute: '/more' }))
        .toThrow(`DaprSubscription at 'test/a/more': name: "tasks" is already the name of a Subscription`);
      a.addResiliency('res');
      expect(() => b.addResiliency('res')).toThrow(`DaprResiliency at 'test/b/res': name: "res" is already the name of a Resiliency`);
    });
    test('the Configuration has a bad OTLP protocol, trust domain, policy namespace, HTTP verb or a second policy for one app', () => {
      const config = (props: ConstructorParameters<typeof DaprConfiguration>[2]): DaprConfiguration => new DaprConfiguration(chart(), 'config', props);
      expect(() => config({ tracing: { samplingRate: 1, otlpEndpoint: 'otel:4317', otlpProtocol: 'tcp' as any } }))
        .toThrow(`DaprConfiguration at 'test/config': tracing.otlpProtocol: "tcp" is not an OtlpProtocol`);
      expect(() => config({ tracing: { samplingRate: 1, otlpEndpoint: 'otel:99999' } }))
        .toThrow(`DaprConfiguration at 'test/config': tracing.otlpEndpoint: "otel:99999" has port 99999, out of range`);
      expect(() => config({ accessControl: { defaultAction: DaprAction.DENY, trustDomain: '' } }))
        .toThrow(`DaprConfiguration at 'test/config': accessControl.trustDomain: "" is not a trust domain`);
      expect(() => config({ accessControl: { defaultAction: DaprAction.DENY, policies: [{ appId: 'a', defaultAction: DaprAction.ALLOW, namespace: 'Bad NS' }] } }))
        .toThrow(`DaprConfiguration at 'test/config': accessControl.policies[0].namespace: "Bad NS" is not a valid name`);
      expect(() => config({ accessControl: { defaultAction: DaprAction.DENY, policies: [{ appId: 'a', defaultAction: DaprAction.ALLOW, operations: [{ name: '/x', httpVerbs: [], action: DaprAction.ALLOW }] }] } }))
        .toThrow(`DaprConfiguration at 'test/config': accessControl.policies[0].operations[0].httpVerbs: [] is not a non-empty list of HTTP verbs`);
      expect(() => config({ accessControl: { defaultAction: DaprAction.DENY, policies: [{ appId: 'a', defaultAction: DaprAction.ALLOW }, { appId: 'a', defaultAction: DaprAction.DENY }] } }))
        .toThrow(`DaprConfiguration at 'test/config': accessControl.policies[1].appId: "a" already has a policy; expected one policy per calling app`);
    });
    test('a component metadata name is empty or not a field name', () => {
      for (const key of ['', '1brokers', 'broker list']) {
        expect(() => new DaprComponent(chart(), 'comp', { type: 'pubsub.kafka', metadata: { [key]: DaprMetadataValue.of('x') }, scopes: ['app'] }))
          .toThrow(`DaprComponent at 'test/comp': metadata[${JSON.stringify(key)}]: ${JSON.stringify(key)} is not a metadata name`);
      }
    });
    test('a Dapr resource built on its own has an invalid label', () => {
      const c = chart();
      const pubsub = new DaprComponent(c, 'events', { type: 'pubsub.kafka', metadata: {}, scopes: ['app'] });
      expect(() => new DaprConfiguration(c, 'config', { labels: { 'Bad Key': 'x' } }))
        .toThrow(`DaprConfiguration at 'test/config': labels: label "Bad Key": "Bad Key" is not a valid label key`);
      expect(() => new DaprComponent(c, 'comp', { type: 'state.redis', metadata: {}, scopes: ['app'], labels: { team: 'has space' } }))
        .toThrow(`DaprComponent at 'test/comp': labels: label "team": "has space" is not a valid label value`);
      expect(() => new DaprSubscription(c, 'sub', { pubsub, topic: 't', defaultRoute: '/t', scopes: ['app'], labels: { '-lead': 'x' } }))
        .toThrow(`DaprSubscription at 'test/sub': labels: label "-lead"`);
      expect(() => new DaprResiliency(c, 'res', { scopes: ['app'], labels: { team: 'v'.repeat(64) } }))
        .toThrow(`DaprResiliency at 'test/res': labels: label "team"`);
    });
    const RFC1123_LABEL = 'is not a valid name; expected an RFC 1123 label';
    test('several props of a DaprComponent are bad: one FteValidationError lists every problem', () => {
      const c = chart();
      expectProblems(() => new DaprComponent(c, 'c', {
        name: 'Bad_', type: 'kafka', version: 'one', scopes: [], initTimeoutSeconds: 0,
        metadata: { '1x': DaprMetadataValue.of('a'), brokers: 'k:9092' as any, nothing: null as any },
      }), "DaprComponent at 'test/c'", [
        ['name', `"Bad_" ${RFC1123_LABEL}`],
        ['type', '"kafka" is not a component type; expected e.g. "pubsub.kafka" or "state.redis"'],
        ['version', '"one" is not a component version; expected e.g. "v1"'],
        ['scopes', '[] is empty; expected at least one app id (unscoped components load into every app of the namespace)'],
        ['metadata["1x"]', '"1x" is not a metadata name; expected a field name such as "brokers"'],
        ['metadata.brokers', '"k:9092" is not a DaprMetadataValue; expected DaprMetadataValue.of(...) or .fromSecret(...)'],
        // Not a TypeError: the secrets of the metadata are only collected once every value is good.
        ['metadata.nothing', 'null is not a DaprMetadataValue'],
        ['initTimeoutSeconds', '0 is not a whole number in range 1-3600'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });
    test('several props of a DaprSubscription are bad: one FteValidationError lists every problem', () => {
      const c = chart();
      expectProblems(() => new DaprSubscription(c, 's', {
        name: 'S', pubsub: 'x' as any, topic: '', deadLetterTopic: 'a b', rules: [{ match: ' ', path: 'x' }], scopes: [],
      }), "DaprSubscription at 'test/s'", [
        ['name', `"S" ${RFC1123_LABEL}`],
        ['pubsub', '"x" is not a pub/sub component; expected the result of worker.addPubSub(...)'],
        ['topic', `"" is not a topic name; expected letters, digits, '.', '_' or '-'`],
        ['deadLetterTopic', `"a b" is not a topic name`],
        ['rules[0].match', '" " is empty; expected a CEL expression'],
        ['rules[0].path', '"x" is not an app path; expected e.g. "/reports"'],
        ['scopes', '[] is empty; expected at least one app id'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });
    test('several props of a DaprConfiguration are bad: one FteValidationError lists every problem, none derived from a bad one', () => {
      const c = chart();
      expectProblems(() => new DaprConfiguration(c, 'conf', {
        name: 'Bad_',
        tracing: { samplingRate: 2, otlpEndpoint: 'otel' },
        controlPlaneNamespace: 'Dapr',
        // Two policies for one bad app id: the bad id is reported, not also "already has a policy".
        accessControl: { defaultAction: 'maybe' as DaprAction, policies: [{ appId: 'Bad', defaultAction: DaprAction.DENY }, { appId: 'Bad', defaultAction: DaprAction.DENY }] },
        // Not a TypeError from looking for duplicates in a list that is not of DaprApi.
        allowedApis: [null as any],
        mtls: { workloadCertTtl: Duration.seconds(1) },
      }), "DaprConfiguration at 'test/conf'", [
        ['name', '"Bad_" is not a valid name; expected an RFC 1123 subdomain'],
        ['tracing.samplingRate', '2 is out of range; expected a number from 0 to 1'],
        ['tracing.otlpEndpoint', '"otel" is not a host:port address'],
        ['controlPlaneNamespace', `"Dapr" ${RFC1123_LABEL}`],
        ['accessControl.defaultAction', '"maybe" is not a DaprAction; expected DaprAction.ALLOW or DaprAction.DENY'],
        ['accessControl.policies[0].appId', `"Bad" ${RFC1123_LABEL}`],
        ['accessControl.policies[1].appId', `"Bad" ${RFC1123_LABEL}`],
        ['allowedApis', '[null] is not a non-empty list of DaprApi'],
        ['mtls.workloadCertTtl', '1s is out of range; expected whole seconds from 60 to 31536000'],
      ]);
      expect(Testing.synth(c)).toEqual([]);
    });
    test('several props of a DaprResiliency, or several policies of one forApp/forComponent call, are bad: one error each, and a failed call adds nothing', () => {
      const c = chart();
      expectProblems(() => new DaprResiliency(c, 'bad', { name: 'Bad_', labels: { 'a b': 'x' }, scopes: [] }), "DaprResiliency at 'test/bad'", [
        ['name', `"Bad_" ${RFC1123_LABEL}`],
        ['labels', 'label "a b": "a b" is not a valid label key'],
        ['scopes', '[] is empty; expected at least one app id'],
      ]);
      const res = new DaprResiliency(c, 'r', { scopes: ['w'] });
      expectProblems(() => res.forApp('w', { timeout: Duration.millis(1500), retry: 'x' as any, circuitBreaker: { consecutiveFailures: 0, timeout: Duration.millis(100), maxRequests: 0 } }),
        "DaprResiliency at 'test/r'", [
          ['forApp(w).timeout', '1500ms is not a whole number of seconds'],
          ['forApp(w).retry', '"x" is not a DaprRetry'],
          ['forApp(w).circuitBreaker.consecutiveFailures', '0 is not a whole number in range 1-1000'],
          ['forApp(w).circuitBreaker.maxRequests', '0 is not a whole number in range 1-1000'],
          ['forApp(w).circuitBreaker.timeout', '100ms is not a whole number of seconds'],
        ]);
      const pubsub = new DaprComponent(c, 'events', { type: 'pubsub.kafka', metadata: {}, scopes: ['w'] });
      expectProblems(() => res.forComponent(pubsub, { outbound: { timeout: Duration.seconds(5) }, inbound: {} }), "DaprResiliency at 'test/r'", [
        ['forComponent(events).inbound', 'has no timeout, retry or circuitBreaker; expected at least one'],
      ]);
      // Neither failed call left a policy or a target behind (the good outbound timeout included).
      expect(find(Testing.synth(c), 'Resiliency').spec).toEqual({ policies: { timeouts: {}, retries: {}, circuitBreakers: {} }, targets: { apps: {}, components: {} } });
      res.forApp('w', { timeout: Duration.seconds(5) });
      expect(find(Testing.synth(c), 'Resiliency').spec.targets.apps).toEqual({ w: { timeout: 'app-w-timeout' } });
    });
  });
});

describeWithShared('DaprWorker schema', () => {
  test('every object is schema-valid (unknown fields rejected)', () => {
    const c = chart();
    new FteNamespace(c, 'Namespace');
    fullWorker(c);
    new DaprWorker(c, 'scaled', { ...baseProps, autoscaling: { minReplicas: 2, maxReplicas: 5 }, runtime: SandboxRuntime.KATA_QEMU });
    const objs = Testing.synth(c);
    expect(objs.map((o) => o.kind).sort()).toEqual(expect.arrayContaining(['Component', 'Configuration', 'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Resiliency', 'Service', 'ServiceAccount', 'Subscription']));
    expectSchemaValid(objs);
  });
});
