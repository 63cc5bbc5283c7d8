import { App, Chart } from 'cdk8s';
import * as fc from 'fast-check';
import {
  DaprAction, DaprApi, DaprAppOptions, DaprAppProtocol, DaprComponent, DaprConfiguration, DaprConfigurationProps, DaprLogLevel, DaprMetadataValue, DaprRetry, DaprSubscription,
  DaprTargetPolicies, DaprWorker, ExistingSecret, FteSandbox, KafkaAuth, KafkaInitialOffset, OtlpProtocol, Peer, Probe, SaslMechanism, SandboxPool,
} from '../src';
import { IMAGE, RESOURCES } from './support/fixtures';
import { quantityValue } from './support/oracle';
import { describeWithShared } from './support/schema';
import { podSpecOf } from './support/synth';
import {
  badDnsLabel, cpuRecipeMillis, dnsLabel, DurationRecipe, durationCase, durationMs, durationOf, durationSeconds, FTEKIT_LABELS, hostnameDestination, isHostnameDestination, labelsCase,
  ResourcesRecipe, resourcesCase, resourcesOf, serviceDestination, serviceName, sizeRecipeBytes, WorkloadRecipe, workloadCase, workloadPropsOf,
} from './support/arbitraries';
import { bad, Case, caseArray, caseRecord, checkCase, expectDeterministic, good, Mentions, mix, optional, params, withConflicts } from './support/cases';

/** Ports daprd itself binds in the pod (HTTP and gRPC API, health, internal gRPC). */
const DAPRD_PORTS = [3500, 3501, 50001, 50002];

/** A Dapr-enabled sandbox: dapr.io/ keys are ftekit's, agents.x-k8s.io/ ones the controller's; daprd's ports are taken. */
const SANDBOX_DAPR_KEYS = {
  reservedLabels: ['dapr.io/app-id', 'agents.x-k8s.io/managed', ...FTEKIT_LABELS],
  reservedAnnotations: ['dapr.io/enabled', 'agents.x-k8s.io/note', 'ftekit.dev/unsandboxed'],
  reservedPorts: DAPRD_PORTS,
};

const WORKER_KEYS = {
  reservedLabels: ['dapr.io/app-id', 'dapr.io/sidecar-injected', ...FTEKIT_LABELS],
  reservedAnnotations: ['dapr.io/app-id', 'dapr.io/enabled', 'dapr.io/sidecar-seccomp-profile-type', 'ftekit.dev/unsandboxed'],
  namedPorts: true,
  readinessRequired: true,
  reservedPorts: DAPRD_PORTS,
};

// ---------------------------------------------------------------------------------------
// Small generators

const goodPort = (n: number): boolean => Number.isInteger(n) && n >= 1 && n <= 65535;
const topic = fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/);
const badTopic = fc.constantFrom('', 'a b', 'tö', 'x'.repeat(250), 'a/b', 'a:b');
const appPath = fc.constantFrom('/tasks', '/', '/orders/new', '/a-b_c.d~e');
const badAppPath = fc.constantFrom('tasks', '/a b', '', '/ü', 'http://x/y');
/** Namespaces, DNS labels; a few from a small pool so that they sometimes coincide. */
const namespaceName = fc.oneof(dnsLabel, fc.constantFrom('monitoring', 'dapr-system', 'observability'));

/** Backend addresses (Kafka brokers, Redis, OTLP): in-cluster services and hostnames. */
const goodBackend = fc.oneof({ arbitrary: serviceDestination, weight: 4 }, { arbitrary: hostnameDestination.filter((d) => !d.startsWith('*')), weight: 1 }, { arbitrary: fc.constantFrom('kafka-0.kafka.messaging.svc:9093', 'redis:6379'), weight: 1 });
const badBackend = fc.constantFrom(
  'kafka', 'kafka:', ':9092', 'kafka:0', 'kafka:70000', 'kafka:99999', 'kafka:9092x', 'Kafka:9092', '*.example.com:9092', 'kafka:-1', 'http://kafka:9092',
  '10.0.0.0/8:9092', 'a..b:9092', 'kafka:9092,kafka-1:9092', 'kafka.:9092', 'kafkä:9092', `${'a'.repeat(64)}:9092`,
);

/** Problems of a backend address reached without `peer` under `enforcement` (hostnames need Cilium). */
function backendConflict(address: string, peer: boolean, enforcement: string, field: Mentions): Mentions[] {
  return !peer && enforcement === 'kubernetes' && isHostnameDestination(address) ? [field] : [];
}

/**
 * Prefixes the field mentions of `c` so that they name an item (`addPubSub("ps0").` +
 * `brokers`); mentions of factories (`DaprRetry`, capitalised) are left as they are.
 */
function prefixed<T>(c: Case<T>, prefix: string): Case<T> {
  return { value: c.value, problems: c.problems.map((p) => p.map((m) => (/^[A-Z]/.test(m) ? m : `${prefix}${m}`))) };
}

/** A list whose items' mentions are prefixed by `prefix(i)`. */
function itemArray<T>(item: fc.Arbitrary<Case<T>>, prefix: (i: number) => string, maxLength: number): fc.Arbitrary<Case<T[]>> {
  return fc.array(item, { maxLength }).map((items) => ({ value: items.map((c) => c.value), problems: items.flatMap((c, i) => prefixed(c, prefix(i)).problems) }));
}

/** A secret key reference recipe. */
interface SecretKeyRecipe { readonly secret: string; readonly key: string }
const secretKeyOf = (r: SecretKeyRecipe): { secret: ExistingSecret; key: string } => ({ secret: ExistingSecret.fromName(r.secret), key: r.key });

// ---------------------------------------------------------------------------------------
// Configuration (the worker's, and DaprConfiguration on its own)

type ApiRecipe = { readonly constant: 'INVOKE' | 'STATE' | 'PUBLISH' | 'BINDINGS' | 'SECRETS' | 'ACTORS' | 'METADATA' } | { readonly name: string; readonly version: string };

interface ConfigInput {
  readonly tracing?: { samplingRate: number; otlpEndpoint?: string; otlpProtocol?: OtlpProtocol; otlpSecure?: boolean };
  readonly metrics?: boolean;
  readonly mtls?: { workloadCertTtl?: DurationRecipe; allowedClockSkew?: DurationRecipe };
  readonly accessControl?: {
    defaultAction: DaprAction;
    trustDomain?: string;
    policies?: Array<{ appId: string; defaultAction: DaprAction; namespace?: string; operations?: Array<{ name: string; httpVerbs?: string[]; action: DaprAction }> }>;
  };
  readonly allowedApis?: ApiRecipe[];
}

function configOf(c: ConfigInput): Omit<DaprConfigurationProps, 'name' | 'controlPlaneNamespace' | 'labels'> {
  return {
    tracing: c.tracing,
    metrics: c.metrics,
    mtls: c.mtls && { workloadCertTtl: c.mtls.workloadCertTtl && durationOf(c.mtls.workloadCertTtl), allowedClockSkew: c.mtls.allowedClockSkew && durationOf(c.mtls.allowedClockSkew) },
    accessControl: c.accessControl,
    allowedApis: c.allowedApis?.map((a) => ('constant' in a ? DaprApi[a.constant] : DaprApi.of(a.name, a.version))),
  };
}

/** What the output Configuration must say for `c` (nothing clamped or dropped). */
function expectConfigKept(c: ConfigInput, cfg: any): void {
  expect(Number(cfg.spec.tracing.samplingRate)).toBe(c.tracing?.samplingRate ?? 0);
  expect(cfg.spec.tracing.otel?.endpointAddress).toBe(c.tracing?.otlpEndpoint);
  if (c.tracing?.otlpEndpoint) expect(cfg.spec.tracing.otel.protocol).toBe(c.tracing.otlpProtocol ?? 'grpc');
  expect(cfg.spec.metric.enabled).toBe(c.metrics ?? true);
  if (c.mtls) {
    expect(cfg.spec.mtls.workloadCertTTL).toBe(`${c.mtls.workloadCertTtl ? durationSeconds(c.mtls.workloadCertTtl, 0, Infinity) : 86400}s`);
    expect(cfg.spec.mtls.allowedClockSkew).toBe(`${c.mtls.allowedClockSkew ? durationSeconds(c.mtls.allowedClockSkew, 0, Infinity) : 900}s`);
  } else {
    expect(cfg.spec.mtls).toBeUndefined();
  }
  expect((cfg.spec.accessControl?.policies ?? []).map((p: any) => p.appId)).toEqual((c.accessControl?.policies ?? []).map((p) => p.appId));
  expect(cfg.spec.api?.allowed?.length).toBe(c.allowedApis?.length);
}

// ---------------------------------------------------------------------------------------
// The worker and its components

type AuthRecipe =
  | { readonly type: 'none' }
  | { readonly type: 'password'; readonly username: string; readonly password: SecretKeyRecipe; readonly mechanism?: SaslMechanism }
  | { readonly type: 'mtls'; readonly caCert: SecretKeyRecipe; readonly clientCert: SecretKeyRecipe; readonly clientKey: SecretKeyRecipe }
  | { readonly type: 'not-an-auth' };

interface PubSubInput {
  readonly name?: string;
  readonly brokers: string[];
  readonly consumerGroup?: string;
  readonly clientId?: string;
  readonly auth: AuthRecipe;
  readonly tls?: boolean;
  readonly peer: boolean;
  readonly initialOffset?: KafkaInitialOffset;
}

interface StoreInput {
  readonly name?: string;
  readonly host: string;
  readonly password?: SecretKeyRecipe;
  readonly username?: string;
  readonly tls?: boolean;
  readonly database?: number;
  readonly actorStateStore?: boolean;
  readonly peer: boolean;
}

interface SubscriptionInput {
  readonly name?: string;
  /** Index into the worker's pub/subs; `foreign` is another worker's, `store` a state store. */
  readonly pubsub: number | 'foreign' | 'store';
  readonly topic: string;
  readonly defaultRoute?: string;
  readonly rules?: Array<{ match: string; path: string }>;
  readonly deadLetterTopic?: string;
}

type RetryRecipe = { readonly policy: 'constant'; readonly interval: DurationRecipe; readonly maxRetries: number } | { readonly policy: 'exponential'; readonly maxInterval: DurationRecipe; readonly maxRetries: number };

interface PoliciesInput {
  readonly timeout?: DurationRecipe;
  readonly retry?: RetryRecipe;
  readonly circuitBreaker?: { consecutiveFailures: number; timeout: DurationRecipe; interval?: DurationRecipe; maxRequests?: number };
}

interface ResiliencyInput {
  readonly name?: string;
  /** Targets: a component by index into the worker's components (pub/subs then stores), or an app. */
  readonly targets: Array<({ component: number; outbound?: PoliciesInput; inbound?: PoliciesInput } | { app: string; policies: PoliciesInput }) & { problems: Mentions[] }>;
}

interface WorkerInput {
  readonly id: string;
  readonly workload: WorkloadRecipe;
  readonly appId?: string;
  /** `{ declared: i }` picks a declared port; `{ number }` is any number. */
  readonly appPort?: { declared: number } | { number: number };
  readonly appProtocol?: DaprAppProtocol;
  readonly metricsPortName?: { declared: number } | { name: string };
  readonly replicas?: number;
  readonly autoscaling?: { minReplicas: number; maxReplicas: number; targetCpuUtilizationPercent?: number };
  readonly sidecar?: { resources?: ResourcesRecipe; logLevel?: DaprLogLevel; metricsPort?: number; gracefulShutdown?: DurationRecipe; listenAddresses?: string[] };
  readonly configuration?: ConfigInput;
  readonly controlPlane?: { namespace?: string };
  readonly monitoringNamespace?: string;
  readonly terminationGracePeriod?: DurationRecipe;
  readonly pubsubs: PubSubInput[];
  readonly stores: StoreInput[];
  readonly subscriptions: SubscriptionInput[];
  readonly resiliency?: ResiliencyInput;
}

/** The same Dapr app as a worker's, on an FteSandbox (`dapr` prop) or a SandboxPool. */
type SandboxAppInput = Omit<WorkerInput, 'metricsPortName' | 'replicas' | 'autoscaling' | 'terminationGracePeriod'> & { readonly kind: 'sandbox' | 'pool' };

function authOf(a: AuthRecipe): KafkaAuth {
  switch (a.type) {
    case 'none': return KafkaAuth.NONE;
    case 'password': return KafkaAuth.password({ username: a.username, password: secretKeyOf(a.password), mechanism: a.mechanism });
    case 'mtls': return KafkaAuth.mtls({ caCert: secretKeyOf(a.caCert), clientCert: secretKeyOf(a.clientCert), clientKey: secretKeyOf(a.clientKey) });
    case 'not-an-auth': return 'none' as unknown as KafkaAuth;
  }
}

const LISTEN_GOOD = ['[::1]', '127.0.0.1', '0.0.0.0', '[::]', '10.1.2.3', '[fd00::1]'];
const LISTEN_BAD: string[][] = [[], ['localhost'], ['::1'], ['256.0.0.1'], ['999.1.1.1'], ['1.2.3.4.5'], ['[12345::]'], ['[:::::]'], ['127.0.0.1', '127.0.0.1'], ['127.0.0.1:3500'], ['']];

/**
 * How the generators below are built: `any` mixes good and bad values field by field;
 * `good` leaves out the bad ones; `single` makes them rare, for inputs with exactly one
 * problem (with several, the error may name any of them, which can hide a bad value that
 * is accepted).
 */
let MODE: 'any' | 'good' | 'single' = 'any';
/** True while building the `good` or `single` generators. */
let ALL_GOOD = false;
/** `mix`, by {@link MODE}. */
function m<T>(goodArb: fc.Arbitrary<Case<T>>, badArb: fc.Arbitrary<Case<T>>, badWeight = 1): fc.Arbitrary<Case<T>> {
  if (MODE === 'good') return goodArb;
  if (MODE === 'single') return fc.oneof({ arbitrary: goodArb, weight: 80 }, { arbitrary: badArb, weight: 1 });
  return mix(goodArb, badArb, badWeight);
}
/** `arb`, or only its valid cases outside `any` (shared generators are checked by other suites). */
function ok<T>(arb: fc.Arbitrary<Case<T>>): fc.Arbitrary<Case<T>> {
  return ALL_GOOD ? arb.filter((c) => c.problems.length === 0) : arb;
}

/**
 * The generators, built twice: with bad values (`ALL_GOOD` false), and without any (true),
 * whose cases are then filtered to the valid ones. Nested optional fields each with a
 * small chance of a bad value leave almost no input fully valid; the second build keeps
 * about half of the generated workers valid, so synthesis and the oracle run as often as
 * rejection.
 */
function generators() {
const secretKeyCase: fc.Arbitrary<Case<SecretKeyRecipe>> = m(
  good(fc.record({ secret: dnsLabel, key: fc.stringMatching(/^[-._a-zA-Z0-9]{1,12}$/) })),
  bad(fc.record({ secret: dnsLabel, key: fc.constantFrom('', 'a b', 'ключ', '/x') }), 'DaprMetadataValue.fromSecret'),
);
const action = m(good(fc.constantFrom(DaprAction.ALLOW, DaprAction.DENY)), bad(fc.constantFrom('Allow', 'permit', '') as unknown as fc.Arbitrary<DaprAction>, 'defaultAction'));

const configCase: fc.Arbitrary<Case<ConfigInput>> = caseRecord<ConfigInput & Record<string, unknown>>({
  tracing: optional(caseRecord({
    samplingRate: m(good(fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constantFrom(0, 1, 0.1, 1e-7))), bad(fc.constantFrom(-0.1, 1.5, 2, Number.NaN, Number.POSITIVE_INFINITY, -1e-9), 'tracing.samplingRate')),
    otlpEndpoint: optional(m(good(goodBackend), bad(badBackend, 'tracing.otlpEndpoint'))),
    otlpProtocol: optional(m(good(fc.constantFrom(OtlpProtocol.GRPC, OtlpProtocol.HTTP)), bad(fc.constantFrom('tcp', 'GRPC', 'http/protobuf') as unknown as fc.Arbitrary<OtlpProtocol>, 'tracing.otlpProtocol'))),
    otlpSecure: optional(good(fc.boolean())),
  })),
  metrics: optional(good(fc.boolean())),
  mtls: optional(caseRecord({
    workloadCertTtl: optional(ok(durationCase('mtls.workloadCertTtl', 60, 365 * 24 * 3600))),
    allowedClockSkew: optional(ok(durationCase('mtls.allowedClockSkew', 0, 24 * 3600))),
  })),
  accessControl: optional(withConflicts(caseRecord({
    defaultAction: action.map((c) => prefixed(c, 'accessControl.')),
    trustDomain: optional(m(good(fc.constantFrom('public', 'cluster.local', 'acme.internal', 'team-a')), bad(fc.constantFrom('', 'Bad Domain', 'a/b', 'spiffe://x'), 'trustDomain'))),
    policies: optional(caseArray(caseRecord({
      appId: m(good(fc.oneof(dnsLabel, fc.constantFrom('frontend', 'planner'))), bad(badDnsLabel, 'accessControl.policies[')),
      defaultAction: action.map((c) => ({ ...c, problems: c.problems.map(() => ['accessControl.policies[']) })),
      namespace: optional(m(good(namespaceName), bad(badDnsLabel, 'accessControl.policies['))),
      operations: optional(caseArray(caseRecord({
        name: m(good(appPath.map((p) => (p === '/' ? '/*' : `${p}/*`))), bad(fc.constantFrom('orders', ''), 'accessControl.policies[')),
        httpVerbs: optional(m(good(fc.subarray(['GET', 'POST', 'PUT', 'DELETE', '*'], { minLength: 1 })), bad(fc.constantFrom<string[]>([], ['get'], ['FETCH'], ['']), 'accessControl.policies['))),
        action: action.map((c) => ({ ...c, problems: c.problems.map(() => ['accessControl.policies[']) })),
      }), { maxLength: 2 })),
    }), { maxLength: 3 })),
  }), (ac) => {
    // Dapr keys policies by app id and namespace: a second one silently replaces the first.
    const keys = (ac.policies ?? []).map((p) => `${p.appId}/${p.namespace ?? ''}`);
    return new Set(keys).size !== keys.length ? [['accessControl.policies[']] : [];
  })),
  allowedApis: optional(m(
    good(fc.subarray<ApiRecipe>([{ constant: 'INVOKE' }, { constant: 'STATE' }, { constant: 'PUBLISH' }, { constant: 'BINDINGS' }, { constant: 'ACTORS' }, { constant: 'METADATA' }, { name: 'workflows', version: 'v1.0-beta1' }], { minLength: 1 })),
    fc.oneof(bad(fc.constant<ApiRecipe[]>([]), 'allowedApis'), bad(fc.constantFrom<ApiRecipe[]>([{ name: 'State', version: 'v1.0' }], [{ name: 'state', version: '1.0' }], [{ name: '', version: 'v1' }]), 'DaprApi.of')),
  )),
});

const componentName = optional(m(good(fc.oneof(dnsLabel, fc.constantFrom('events', 'state', 'ps0', 'st0'))), bad(badDnsLabel, 'name')));

const authCase: fc.Arbitrary<Case<AuthRecipe>> = fc.oneof(
  good(fc.constant<AuthRecipe>({ type: 'none' })),
  caseRecord({
    type: good(fc.constant('password' as const)),
    username: good(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/)),
    password: secretKeyCase,
    mechanism: optional(m(good(fc.constantFrom(SaslMechanism.PLAIN, SaslMechanism.SCRAM_SHA_256, SaslMechanism.SCRAM_SHA_512)), bad(fc.constantFrom('PLAIN', 'SCRAM', 'sha-512') as unknown as fc.Arbitrary<SaslMechanism>, 'KafkaAuth.password'))),
  }) as fc.Arbitrary<Case<AuthRecipe>>,
  caseRecord({ type: good(fc.constant('mtls' as const)), caCert: secretKeyCase, clientCert: secretKeyCase, clientKey: secretKeyCase }) as fc.Arbitrary<Case<AuthRecipe>>,
  { arbitrary: bad(fc.constant<AuthRecipe>({ type: 'not-an-auth' }), 'auth'), weight: 1 },
);

const pubsubCase: fc.Arbitrary<Case<PubSubInput>> = withConflicts(caseRecord<PubSubInput & Record<string, unknown>>({
  name: componentName,
  brokers: fc.oneof(
    { arbitrary: caseArray(m(good(goodBackend), bad(badBackend, 'brokers')), { minLength: 1, maxLength: 3 }), weight: 20 },
    { arbitrary: bad(fc.constant<string[]>([]), 'brokers'), weight: 1 },
  ),
  consumerGroup: optional(m(good(fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/)), bad(fc.constantFrom('', 'a b', 'grüppe', 'g'.repeat(250)), 'consumerGroup'))),
  clientId: optional(good(fc.stringMatching(/^[A-Za-z0-9._-]{1,20}$/))),
  auth: ok(authCase),
  tls: optional(good(fc.boolean())),
  peer: good(fc.boolean()),
  initialOffset: optional(m(good(fc.constantFrom(KafkaInitialOffset.NEWEST, KafkaInitialOffset.OLDEST)), bad(fc.constantFrom('earliest', 'latest', 'Oldest') as unknown as fc.Arbitrary<KafkaInitialOffset>, 'initialOffset'))),
}), (p) => (p.tls === false && (p.auth.type === 'mtls' || (p.auth.type === 'password' && p.auth.mechanism === SaslMechanism.PLAIN)) ? [['tls']] : []));

const storeCase: fc.Arbitrary<Case<StoreInput>> = caseRecord<StoreInput & Record<string, unknown>>({
  name: componentName,
  host: m(good(goodBackend), bad(badBackend, 'host')),
  password: optional(secretKeyCase.map((c) => ({ ...c, problems: c.problems.map((p) => [...p, 'password']) }))),
  username: optional(good(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/))),
  tls: optional(good(fc.boolean())),
  database: optional(m(good(fc.integer({ min: 0, max: 15 })), bad(fc.constantFrom(-1, 16, 1.5, Number.NaN), 'database'))),
  actorStateStore: optional(good(fc.boolean())),
  peer: good(fc.boolean()),
});

const subscriptionCase: fc.Arbitrary<Case<SubscriptionInput>> = withConflicts(caseRecord<SubscriptionInput & Record<string, unknown>>({
  name: optional(m(good(fc.oneof(dnsLabel, fc.constantFrom('tasks', 'sub0'))), bad(badDnsLabel, 'name'))),
  pubsub: fc.oneof({ arbitrary: good(fc.nat(3)), weight: 18 }, { arbitrary: good(fc.constantFrom<'foreign' | 'store'>('foreign', 'store')), weight: 1 }),
  topic: m(good(fc.oneof(topic, fc.constant('tasks'))), bad(badTopic, 'topic')),
  defaultRoute: optional(m(good(appPath), bad(badAppPath, 'defaultRoute'))),
  rules: optional(caseArray(caseRecord({
    match: m(good(fc.constantFrom('event.type == "urgent"', 'event.data.priority > 3')), bad(fc.constantFrom('', '   '), 'rules[')),
    path: m(good(appPath), bad(badAppPath, 'rules[')),
  }), { maxLength: 2 })),
  deadLetterTopic: optional(m(good(fc.oneof(topic, fc.constant('tasks'))), bad(badTopic, 'deadLetterTopic'))),
}), (s) => [
  ...(s.defaultRoute === undefined && (s.rules ?? []).length === 0 ? [['defaultRoute']] : []),
  ...(s.deadLetterTopic !== undefined && s.deadLetterTopic === s.topic ? [['deadLetterTopic']] : []),
]);

const retryCase: fc.Arbitrary<Case<RetryRecipe>> = fc.oneof(
  caseRecord({ policy: good(fc.constant('constant' as const)), interval: ok(durationCase('interval', 1, 3600)), maxRetries: m(good(fc.integer({ min: 0, max: 100 })), bad(fc.constantFrom(-1, 101, 2.5), 'maxRetries')) }),
  caseRecord({ policy: good(fc.constant('exponential' as const)), maxInterval: ok(durationCase('maxInterval', 1, 24 * 3600)), maxRetries: m(good(fc.integer({ min: 0, max: 100 })), bad(fc.constantFrom(-1, 101, 2.5), 'maxRetries')) }),
) as fc.Arbitrary<Case<RetryRecipe>>;

/** Policies of one resiliency target; field mentions are prefixed by `at` (`).outbound.`). */
function policiesCase(at: string): fc.Arbitrary<Case<PoliciesInput>> {
  return withConflicts(caseRecord<PoliciesInput & Record<string, unknown>>({
    timeout: optional(ok(durationCase(`${at}timeout`, 1, 3600))),
    retry: optional(retryCase.map((c) => ({ ...c, problems: c.problems.map((p) => [...p, 'DaprRetry']) }))),
    circuitBreaker: optional(caseRecord({
      consecutiveFailures: m(good(fc.integer({ min: 1, max: 1000 })), bad(fc.constantFrom(0, -1, 1.5, 1001), `${at}circuitBreaker.consecutiveFailures`)),
      timeout: ok(durationCase(`${at}circuitBreaker.timeout`, 1, 24 * 3600)),
      interval: optional(ok(durationCase(`${at}circuitBreaker.interval`, 1, 24 * 3600))),
      maxRequests: optional(m(good(fc.integer({ min: 1, max: 1000 })), bad(fc.constantFrom(0, 1.5, 1001), `${at}circuitBreaker.maxRequests`))),
    })),
  }), (p) => (p.timeout === undefined && p.retry === undefined && p.circuitBreaker === undefined ? [['has no timeout, retry or circuitBreaker']] : []));
}

const resiliencyCase: fc.Arbitrary<Case<ResiliencyInput>> = caseRecord<ResiliencyInput & Record<string, unknown>>({
  name: optional(m(good(dnsLabel), bad(badDnsLabel, "res': name"))),
  // Each target keeps its problems: a component target is only built when the worker has components.
  targets: fc.array(fc.oneof(
    caseRecord({ component: good(fc.nat(3)), outbound: optional(policiesCase(').outbound.')), inbound: optional(policiesCase(').inbound.')) }),
    caseRecord({ app: m(good(fc.oneof(dnsLabel, fc.constant('frontend'))), bad(badDnsLabel, 'forApp')), policies: policiesCase(').') }),
  ), { maxLength: 3 }).map((cs) => ({ value: cs.map((c) => ({ ...c.value, problems: c.problems.map((p) => [...p]) })), problems: [] })) as fc.Arbitrary<Case<ResiliencyInput['targets']>>,
});

// The Dapr app fields, the same on a worker and on a sandbox or pool.
const appFields = {
  appId: optional(m(good(fc.oneof(dnsLabel, fc.constant('frontend'))), bad(badDnsLabel, 'appId'))),
  appPort: optional(fc.oneof(
    { arbitrary: good(fc.nat(2).map((declared): WorkerInput['appPort'] => ({ declared }))), weight: 8 },
    { arbitrary: good(fc.oneof(fc.integer({ min: 1, max: 65535 }), fc.constantFrom(0, -1, 65536, 1.5, Number.NaN)).map((number): WorkerInput['appPort'] => ({ number }))), weight: ALL_GOOD ? 0 : 1 },
  )),
  appProtocol: optional(m(good(fc.constantFrom(...Object.values(DaprAppProtocol))), bad(fc.constantFrom('HTTP', 'http2', 'tcp') as unknown as fc.Arbitrary<DaprAppProtocol>, 'appProtocol'))),
  sidecar: optional(caseRecord({
    resources: optional(ok(resourcesCase('sidecar.resources'))),
    logLevel: optional(m(good(fc.constantFrom(...Object.values(DaprLogLevel))), bad(fc.constantFrom('trace', 'INFO', 'fatal') as unknown as fc.Arbitrary<DaprLogLevel>, 'sidecar.logLevel'))),
    metricsPort: optional(m(good(fc.oneof(fc.integer({ min: 1024, max: 65535 }), fc.constant(9090))), bad(fc.constantFrom(0, 65536, 1.5, Number.NaN, ...DAPRD_PORTS), 'sidecar.metricsPort'))),
    // While ALL_GOOD, short drains: a drain as long as the grace period is a conflict.
    gracefulShutdown: optional(ok(durationCase('sidecar.gracefulShutdown', 1, 3600)).filter((c) => !ALL_GOOD || durationMs(c.value) <= 10_000)),
    listenAddresses: optional(m(good(fc.subarray(LISTEN_GOOD, { minLength: 1 })), bad(fc.constantFrom(...LISTEN_BAD), 'sidecar.listenAddresses'))),
  })),
  configuration: optional(configCase),
  controlPlane: optional(caseRecord({ namespace: optional(m(good(namespaceName), bad(badDnsLabel, 'controlPlane.namespace'))) })),
  monitoringNamespace: optional(m(good(namespaceName), bad(badDnsLabel, 'monitoringNamespace'))),
  pubsubs: itemArray(pubsubCase, (i) => `addPubSub("ps${i}").`, 2),
  stores: itemArray(storeCase, (i) => `addStateStore("st${i}").`, 2),
  subscriptions: itemArray(subscriptionCase, (i) => `sub${i}': `, 2),
  resiliency: optional(resiliencyCase),
};

const workerCase: fc.Arbitrary<Case<WorkerInput>> = withConflicts(caseRecord<WorkerInput & Record<string, unknown>>({
  id: good(serviceName),
  workload: ok(workloadCase(WORKER_KEYS)),
  ...appFields,
  metricsPortName: optional(fc.oneof(
    { arbitrary: good(fc.nat(2).map((declared): WorkerInput['metricsPortName'] => ({ declared }))), weight: 8 },
    { arbitrary: good(fc.constantFrom('metrics', 'prom', 'Metrics', '').map((name): WorkerInput['metricsPortName'] => ({ name }))), weight: ALL_GOOD ? 0 : 1 },
  )),
  replicas: optional(m(good(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.constantFrom(1, 1000))), bad(fc.constantFrom(0, -1, 1.5, 1001, Number.NaN), 'replicas'))),
  autoscaling: fc.oneof({ arbitrary: fc.constant({ value: undefined, problems: [] }), weight: 3 }, {
    arbitrary: withConflicts(caseRecord({
      minReplicas: m(good(fc.integer({ min: 1, max: 10 })), bad(fc.constantFrom(0, -1, 1.5, 1001), 'autoscaling.minReplicas')),
      maxReplicas: m(good(fc.integer({ min: 1, max: 20 })), bad(fc.constantFrom(0, 1001, 2.5), 'autoscaling.maxReplicas')),
      targetCpuUtilizationPercent: optional(m(good(fc.integer({ min: 1, max: 100 })), bad(fc.constantFrom(0, 101, 50.5), 'autoscaling.targetCpuUtilizationPercent'))),
    }), (a) => (Number.isInteger(a.minReplicas) && a.minReplicas >= 1 && a.maxReplicas < a.minReplicas ? [['autoscaling.maxReplicas']] : [])),
    weight: 1,
  }),
  terminationGracePeriod: optional(ok(durationCase('terminationGracePeriod', 1, 3600))),
}), workerConflicts);

const sandboxAppCase: fc.Arbitrary<Case<SandboxAppInput>> = withConflicts(caseRecord<SandboxAppInput & Record<string, unknown>>({
  id: good(serviceName),
  kind: good(fc.constantFrom<SandboxAppInput['kind']>('sandbox', 'pool')),
  workload: ok(workloadCase(SANDBOX_DAPR_KEYS)),
  ...appFields,
}), (a) => [
  ...workerConflicts(a),
  // A secret mounted where the workspace is.
  ...((a.workload.secretMounts ?? []).some((mount) => mount.path === '/workspace') ? [['secretMounts']] : []),
]);

  return { secretKeyCase, configCase, pubsubCase, storeCase, subscriptionCase, resiliencyCase, workerCase, sandboxAppCase };
}

const ANY = generators();
[MODE, ALL_GOOD] = ['good', true];
const GOOD = generators();
MODE = 'single';
const SINGLE = generators();
[MODE, ALL_GOOD] = ['any', false];
const valid = <T>(c: Case<T>): boolean => c.problems.length === 0;
const single = <T>(c: Case<T>): boolean => c.problems.length === 1;
const secretKeyCase = ANY.secretKeyCase;
const configCase = fc.oneof(ANY.configCase, GOOD.configCase.filter(valid), SINGLE.configCase.filter(single));
const subscriptionCase = ANY.subscriptionCase;
const workerCase = fc.oneof(ANY.workerCase, GOOD.workerCase.filter(valid), SINGLE.workerCase.filter(single));
const sandboxAppCase = fc.oneof(ANY.sandboxAppCase, GOOD.sandboxAppCase.filter(valid), SINGLE.sandboxAppCase.filter(single));

function appPortOf(w: WorkerInput | SandboxAppInput): number | undefined {
  const ports = w.workload.ports ?? [];
  if (w.appPort === undefined) return ports[0]?.number;
  return 'declared' in w.appPort ? (ports.length ? ports[w.appPort.declared % ports.length].number : 8080) : w.appPort.number;
}

function metricsPortNameOf(w: WorkerInput): string | undefined {
  const ports = w.workload.ports ?? [];
  if (w.metricsPortName === undefined) return undefined;
  return 'declared' in w.metricsPortName ? (ports.length ? ports[w.metricsPortName.declared % ports.length].name : 'metrics') : w.metricsPortName.name;
}

const componentNames = (w: WorkerInput | SandboxAppInput): string[] => [...w.pubsubs.map((p, i) => p.name ?? `ps${i}`), ...w.stores.map((s, i) => s.name ?? `st${i}`)];

/** Cross-field and cross-object problems of a worker (or of the same Dapr app on a sandbox, without the worker's own fields). */
function workerConflicts(w: WorkerInput | SandboxAppInput): Mentions[] {
  const problems: Mentions[] = [];
  const ports = w.workload.ports ?? [];
  const appPort = appPortOf(w);
  if (w.appPort !== undefined && appPort !== undefined && !(goodPort(appPort) && ports.some((p) => p.number === appPort))) problems.push(['appPort']);
  if (!('kind' in w)) {
    const metricsName = metricsPortNameOf(w);
    if (w.metricsPortName !== undefined && !ports.some((p) => p.name !== undefined && p.name === metricsName)) {
      // A declared port picked by index whose name is missing is the `ports[i].name` problem already.
      if (!('declared' in w.metricsPortName && ports.length > 0 && metricsName === undefined)) problems.push(['metricsPortName']);
    }
    if (w.replicas !== undefined && w.autoscaling !== undefined) problems.push(['replicas']);
  }
  const metricsPort = w.sidecar?.metricsPort ?? 9090;
  if (ports.some((p) => p.number === metricsPort)) problems.push(['sidecar.metricsPort']);
  // A sandbox's pod keeps the default grace period.
  const grace = !('kind' in w) && w.terminationGracePeriod ? durationSeconds(w.terminationGracePeriod, 1, 3600) : 30;
  const graceful = w.sidecar?.gracefulShutdown ? durationSeconds(w.sidecar.gracefulShutdown, 1, 3600) : 5;
  if (grace !== undefined && graceful !== undefined && graceful >= grace) problems.push(['sidecar.gracefulShutdown']);
  const enforcement = w.workload.enforcement;
  const otlp = w.configuration?.tracing?.otlpEndpoint;
  if (otlp !== undefined) problems.push(...backendConflict(otlp, false, enforcement, ['tracing.otlpEndpoint']));

  w.pubsubs.forEach((p, i) => p.brokers.forEach((b) => problems.push(...backendConflict(b, p.peer, enforcement, [`addPubSub("ps${i}").brokers`]))));
  w.stores.forEach((s, i) => problems.push(...backendConflict(s.host, s.peer, enforcement, [`addStateStore("st${i}").host`])));
  const names = componentNames(w);
  if (new Set(names).size !== names.length) problems.push(['is already the name of a Component']);
  if (w.stores.filter((s) => s.actorStateStore).length > 1) problems.push(['actorStateStore']);
  w.subscriptions.forEach((s, i) => {
    if (s.pubsub === 'foreign' || s.pubsub === 'store' || w.pubsubs.length === 0) problems.push([`addSubscription("sub${i}").pubsub`, `sub${i}': pubsub`]);
  });
  const subNames = w.subscriptions.map((s, i) => s.name ?? `sub${i}`);
  if (new Set(subNames).size !== subNames.length) problems.push(['is already the name of a Subscription']);
  if (w.resiliency) {
    const seenComponents = new Set<string>();
    const seenApps = new Set<string>();
    for (const t of w.resiliency.targets) {
      if ('component' in t) {
        if (names.length === 0) continue;
        problems.push(...t.problems);
        const name = names[t.component % names.length];
        if (seenComponents.has(name) || (t.outbound === undefined && t.inbound === undefined)) problems.push(['forComponent']);
        seenComponents.add(name);
      } else {
        problems.push(...t.problems);
        if (seenApps.has(t.app)) problems.push(['forApp']);
        seenApps.add(t.app);
      }
    }
  }
  return problems;
}

// ---------------------------------------------------------------------------------------
// Building

const FOREIGN = 'foreign-worker-00';

function policiesOf(p: PoliciesInput): DaprTargetPolicies {
  const r = p.retry;
  return {
    timeout: p.timeout && durationOf(p.timeout),
    retry: r && (r.policy === 'constant' ? DaprRetry.constant(durationOf(r.interval), r.maxRetries) : DaprRetry.exponential(durationOf(r.maxInterval), r.maxRetries)),
    circuitBreaker: p.circuitBreaker && {
      consecutiveFailures: p.circuitBreaker.consecutiveFailures,
      timeout: durationOf(p.circuitBreaker.timeout),
      interval: p.circuitBreaker.interval && durationOf(p.circuitBreaker.interval),
      maxRequests: p.circuitBreaker.maxRequests,
    },
  };
}

/** The Dapr app options of an input: a worker's own props, a sandbox's `dapr` prop. */
function daprOptionsOf(w: WorkerInput | SandboxAppInput): DaprAppOptions {
  const s = w.sidecar;
  return {
    appId: w.appId,
    appPort: w.appPort === undefined ? undefined : appPortOf(w),
    appProtocol: w.appProtocol,
    sidecar: s && {
      resources: s.resources && resourcesOf(s.resources),
      logLevel: s.logLevel,
      metricsPort: s.metricsPort,
      gracefulShutdown: s.gracefulShutdown && durationOf(s.gracefulShutdown),
      listenAddresses: s.listenAddresses,
    },
    configuration: w.configuration && configOf(w.configuration),
    controlPlane: w.controlPlane,
    monitoringNamespace: w.monitoringNamespace,
  };
}

function buildWorker(chart: Chart, w: WorkerInput): DaprWorker {
  const worker = new DaprWorker(chart, w.id, {
    ...workloadPropsOf(w.workload),
    ...daprOptionsOf(w),
    metricsPortName: metricsPortNameOf(w),
    replicas: w.replicas,
    autoscaling: w.autoscaling,
    terminationGracePeriod: w.terminationGracePeriod && durationOf(w.terminationGracePeriod),
  });
  addAppParts(chart, worker, w);
  return worker;
}

function buildSandboxApp(chart: Chart, a: SandboxAppInput): FteSandbox | SandboxPool {
  const props = { ...workloadPropsOf(a.workload), dapr: daprOptionsOf(a) };
  const workload = a.kind === 'sandbox' ? new FteSandbox(chart, a.id, props) : new SandboxPool(chart, a.id, props);
  addAppParts(chart, workload, a);
  return workload;
}

/** The components, subscriptions and resiliency of an input, added to `worker` (any Dapr-enabled workload). */
function addAppParts(chart: Chart, worker: DaprWorker | FteSandbox | SandboxPool, w: WorkerInput | SandboxAppInput): void {
  const pubsubs = w.pubsubs.map((p, i) => worker.addPubSub(`ps${i}`, {
    name: p.name,
    brokers: p.brokers,
    consumerGroup: p.consumerGroup,
    clientId: p.clientId,
    auth: authOf(p.auth),
    tls: p.tls,
    peer: p.peer ? Peer.pods({ labels: { app: 'kafka' } }) : undefined,
    initialOffset: p.initialOffset,
  }));
  const stores = w.stores.map((st, i) => worker.addStateStore(`st${i}`, {
    name: st.name,
    host: st.host,
    password: st.password && secretKeyOf(st.password),
    username: st.username,
    tls: st.tls,
    database: st.database,
    actorStateStore: st.actorStateStore,
    peer: st.peer ? Peer.pods({ labels: { app: 'redis' } }) : undefined,
  }));
  let foreign: DaprComponent | undefined;
  w.subscriptions.forEach((sub, i) => {
    let pubsub: DaprComponent;
    if (sub.pubsub === 'store' && stores.length) {
      pubsub = stores[0];
    } else if (sub.pubsub === 'foreign' || sub.pubsub === 'store' || pubsubs.length === 0) {
      foreign ??= new DaprWorker(chart, FOREIGN, { image: IMAGE, resources: RESOURCES, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000) })
        .addPubSub('events', { name: 'foreign-events-00', brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      pubsub = foreign;
    } else {
      pubsub = pubsubs[sub.pubsub % pubsubs.length];
    }
    worker.addSubscription(`sub${i}`, { name: sub.name, pubsub, topic: sub.topic, defaultRoute: sub.defaultRoute, rules: sub.rules, deadLetterTopic: sub.deadLetterTopic });
  });
  if (w.resiliency) {
    const res = worker.addResiliency('res', { name: w.resiliency.name });
    const components = [...pubsubs, ...stores];
    for (const t of w.resiliency.targets) {
      if ('component' in t) {
        if (components.length) res.forComponent(components[t.component % components.length], { outbound: t.outbound && policiesOf(t.outbound), inbound: t.inbound && policiesOf(t.inbound) });
      } else {
        res.forApp(t.app, policiesOf(t.policies));
      }
    }
  }
}

function synthIn(ns: string, build: (chart: Chart) => void): any[] {
  const app = new App({ outdir: '/nonexistent-not-written' });
  const chart = new Chart(app, 'test', { namespace: ns });
  build(chart);
  return chart.toJson();
}

/** Output equals input: nothing clamped, rounded, defaulted wrongly or dropped. */
function expectWorkerKept(w: WorkerInput, objs: any[]): void {
  const name = w.workload.name ?? w.id;
  const dep = objs.find((o) => o.kind === 'Deployment' && o.metadata.name === name);
  const pod = podSpecOf(dep);
  expectAppKept(w, objs, dep.spec.template);
  expect(pod.terminationGracePeriodSeconds).toBe(w.terminationGracePeriod ? durationSeconds(w.terminationGracePeriod, 1, 3600) : 30);
  const hpa = objs.find((o) => o.kind === 'HorizontalPodAutoscaler');
  if (w.autoscaling) {
    expect(dep.spec.replicas).toBeUndefined();
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([w.autoscaling.minReplicas, w.autoscaling.maxReplicas]);
    expect(hpa.spec.metrics[0].resource.target.averageUtilization).toBe(w.autoscaling.targetCpuUtilizationPercent ?? 70);
  } else {
    expect(dep.spec.replicas).toBe(w.replicas ?? 2);
    expect(hpa).toBeUndefined();
  }
  const minReplicas = w.autoscaling?.minReplicas ?? w.replicas ?? 2;
  expect(objs.some((o) => o.kind === 'PodDisruptionBudget')).toBe(minReplicas > 1);
}

/** The same Dapr app on a sandbox or pool: its pod template (the SandboxTemplate's for a pool) carries it. */
function expectSandboxAppKept(a: SandboxAppInput, objs: any[]): void {
  const name = a.workload.name ?? a.id;
  const holder = objs.find((o) => o.kind === (a.kind === 'sandbox' ? 'Sandbox' : 'SandboxTemplate') && o.metadata.name === name);
  expectAppKept(a, objs, holder.spec.podTemplate);
  expect(holder.spec.podTemplate.spec.terminationGracePeriodSeconds).toBe(30);
  // The workspace stays beside the sidecar.
  expect(holder.spec.podTemplate.spec.containers[0].volumeMounts.map((v: any) => v.name)).toContain('workspace');
}

/** Output equals input for the Dapr app of any workload whose pod template is `template`. */
function expectAppKept(w: WorkerInput | SandboxAppInput, objs: any[], template: any): void {
  const name = w.workload.name ?? w.id;
  const ann = template.metadata.annotations;
  const appId = w.appId ?? name;
  expect(ann['dapr.io/app-id']).toBe(appId);
  expect(ann['dapr.io/app-port']).toBe(appPortOf(w) === undefined ? undefined : String(appPortOf(w)));
  expect(ann['dapr.io/app-protocol']).toBe(w.appProtocol ?? 'http');
  expect(ann['dapr.io/log-level']).toBe(w.sidecar?.logLevel ?? 'info');
  expect(ann['dapr.io/metrics-port']).toBe(String(w.sidecar?.metricsPort ?? 9090));
  expect(ann['dapr.io/graceful-shutdown-seconds']).toBe(String(w.sidecar?.gracefulShutdown ? durationSeconds(w.sidecar.gracefulShutdown, 1, 3600) : 5));
  expect(ann['dapr.io/sidecar-listen-addresses']).toBe((w.sidecar?.listenAddresses ?? ['[::1]', '127.0.0.1']).join(','));
  const r = w.sidecar?.resources;
  if (r) {
    expect(quantityValue(ann['dapr.io/sidecar-cpu-request']) * 1000).toBeCloseTo(cpuRecipeMillis(r.cpu.request), 6);
    expect(quantityValue(ann['dapr.io/sidecar-cpu-limit']) * 1000).toBeCloseTo(cpuRecipeMillis(r.cpu.limit), 6);
    expect(quantityValue(ann['dapr.io/sidecar-memory-request'])).toBe(sizeRecipeBytes(r.memory.request));
    expect(quantityValue(ann['dapr.io/sidecar-memory-limit'])).toBe(sizeRecipeBytes(r.memory.limit));
  }
  for (const [k, v] of Object.entries(w.workload.podAnnotations ?? {})) expect(ann[k]).toBe(v);
  const cfg = objs.find((o) => o.kind === 'Configuration' && o.metadata.name === name);
  expectConfigKept(w.configuration ?? {}, cfg);
  const components = objs.filter((o) => o.kind === 'Component' && o.metadata.labels['ftekit.dev/workload'] === name);
  expect(components.map((c) => c.metadata.name)).toEqual(componentNames(w));
  for (const c of components) expect(c.scopes).toEqual([appId]);
  w.pubsubs.forEach((p, i) => {
    const meta = Object.fromEntries(components[i].spec.metadata.map((m: any) => [m.name, m.value ?? m.secretKeyRef]));
    expect(meta.brokers).toBe(p.brokers.join(','));
    expect(meta.consumerGroup).toBe(p.consumerGroup ?? appId);
    expect(meta.initialOffset).toBe(p.initialOffset);
    expect(meta.disableTls).toBe(p.tls === false ? 'true' : undefined);
  });
  w.stores.forEach((st, i) => {
    const meta = Object.fromEntries(components[w.pubsubs.length + i].spec.metadata.map((m: any) => [m.name, m.value ?? m.secretKeyRef]));
    expect(meta.redisHost).toBe(st.host);
    expect(meta.redisDB).toBe(st.database === undefined ? undefined : String(st.database));
    expect(meta.enableTLS).toBe(String(st.tls ?? true));
  });
  const subs = objs.filter((o) => o.kind === 'Subscription');
  expect(subs.map((s) => s.spec.topic)).toEqual(w.subscriptions.map((s) => s.topic));
  // Every backend reaches the allowlist: a NetworkPolicy port, or a Cilium FQDN rule.
  const policies = objs.filter((o) => [`${name}-allowlist`, `${name}-fqdn`].includes(o.metadata.name));
  const text = JSON.stringify(policies);
  for (const address of [...w.pubsubs.flatMap((p) => p.brokers), ...w.stores.map((st) => st.host)]) {
    const port = address.slice(address.lastIndexOf(':') + 1);
    expect(text).toMatch(new RegExp(`"port":"?${port}"?[,}]`));
  }
  if (w.resiliency) {
    const res = objs.find((o) => o.kind === 'Resiliency');
    expect(res.metadata.name).toBe(w.resiliency.name ?? 'res');
    expect(Object.keys(res.spec.targets.apps).sort()).toEqual(w.resiliency.targets.flatMap((t) => ('app' in t ? [t.app] : [])).sort());
  }
}

// ---------------------------------------------------------------------------------------
// DaprConfiguration, DaprComponent and DaprSubscription on their own

interface StandaloneConfigInput { readonly name?: string; readonly config: ConfigInput; readonly controlPlaneNamespace?: string; readonly labels?: Record<string, string> }

// Kubernetes limits a subdomain to 253 characters, not its labels to 63.
const isSubdomain = (n: string): boolean => n.length <= 253 && n.split('.').every((l) => /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(l));
const standaloneConfig: fc.Arbitrary<Case<StandaloneConfigInput>> = caseRecord<StandaloneConfigInput & Record<string, unknown>>({
  name: optional(mix(good(fc.oneof(dnsLabel, fc.constant('app.config'))), bad(badDnsLabel.filter((n) => !isSubdomain(n)), 'name'))),
  config: configCase,
  controlPlaneNamespace: optional(mix(good(namespaceName), bad(badDnsLabel, 'controlPlaneNamespace'))),
  labels: labelsCase('labels'),
});

interface StandaloneComponentInput {
  readonly name?: string;
  readonly type: string;
  readonly version?: string;
  readonly metadata: Array<[string, { literal: unknown } | { secret: SecretKeyRecipe } | { raw: string }]>;
  readonly scopes: string[];
  readonly initTimeoutSeconds?: number;
  readonly labels?: Record<string, string>;
}

const standaloneComponent: fc.Arbitrary<Case<StandaloneComponentInput>> = caseRecord<StandaloneComponentInput & Record<string, unknown>>({
  name: optional(mix(good(dnsLabel), bad(badDnsLabel, 'name'))),
  type: mix(good(fc.constantFrom('pubsub.kafka', 'state.redis', 'bindings.http', 'secretstores.kubernetes')), bad(fc.constantFrom('kafka', 'Pubsub.Kafka', '', 'pubsub.'), 'type')),
  version: optional(mix(good(fc.constantFrom('v1', 'v2', 'v1alpha1', 'v2beta3')), bad(fc.constantFrom('1', 'V1', 'v1.0', ''), 'version'))),
  metadata: fc.uniqueArray(fc.tuple(fc.stringMatching(/^[a-z][A-Za-z0-9]{0,10}$/), fc.oneof(
    { arbitrary: good(freeTextValue()), weight: 4 },
    { arbitrary: secretKeyCase.map((c) => ({ value: { secret: c.value }, problems: c.problems })), weight: 2 },
    { arbitrary: bad(fc.constantFrom<{ literal: unknown }>({ literal: 42 }, { literal: true }, { literal: undefined }), 'DaprMetadataValue.of'), weight: 1 },
    { arbitrary: bad(fc.constant({ raw: 'plain string' }), 'metadata.'), weight: 1 },
  )), { maxLength: 4, selector: ([k]) => k }).map((pairs) => ({ value: pairs.map(([k, c]) => [k, c.value] as [string, any]), problems: pairs.flatMap(([, c]) => c.problems) })),
  scopes: mix(good(fc.uniqueArray(dnsLabel, { minLength: 1, maxLength: 3 })), bad(fc.constantFrom<string[]>([], ['Bad'], ['ok', '']), 'scopes')),
  initTimeoutSeconds: optional(mix(good(fc.integer({ min: 1, max: 3600 })), bad(fc.constantFrom(0, 1.5, 3601, Number.NaN), 'initTimeoutSeconds'))),
  labels: labelsCase('labels'),
});

function freeTextValue(): fc.Arbitrary<{ literal: unknown }> {
  return fc.string({ maxLength: 20 }).map((literal) => ({ literal }));
}

function buildComponent(chart: Chart, c: StandaloneComponentInput): DaprComponent {
  const metadata: Record<string, DaprMetadataValue> = {};
  for (const [k, v] of c.metadata) {
    metadata[k] = 'literal' in v ? DaprMetadataValue.of(v.literal as string) : 'secret' in v ? DaprMetadataValue.fromSecret(secretKeyOf(v.secret)) : v.raw as unknown as DaprMetadataValue;
  }
  return new DaprComponent(chart, 'comp', { name: c.name, type: c.type, version: c.version, metadata, scopes: c.scopes, initTimeoutSeconds: c.initTimeoutSeconds, labels: c.labels });
}

interface StandaloneSubscriptionInput { readonly sub: SubscriptionInput; readonly scopes: string[]; readonly labels?: Record<string, string> }

const standaloneSubscription: fc.Arbitrary<Case<StandaloneSubscriptionInput>> = caseRecord<StandaloneSubscriptionInput & Record<string, unknown>>({
  sub: subscriptionCase.map((c) => ({ value: c.value, problems: [...c.problems, ...(c.value.pubsub === 'store' ? [['pubsub']] : [])] })),
  scopes: mix(good(fc.uniqueArray(dnsLabel, { minLength: 1, maxLength: 2 })), bad(fc.constantFrom<string[]>([], ['Bad']), 'scopes')),
  labels: labelsCase('labels'),
});

function buildSubscription(chart: Chart, s: StandaloneSubscriptionInput): DaprSubscription {
  const pubsub = new DaprComponent(chart, 'events', { type: s.sub.pubsub === 'store' ? 'state.redis' : 'pubsub.kafka', metadata: {}, scopes: ['app'] });
  return new DaprSubscription(chart, 'sub', { ...s.sub, pubsub, scopes: s.scopes, labels: s.labels });
}

// ---------------------------------------------------------------------------------------
// Properties

describeWithShared('property: DaprWorker, its components and the Dapr resources', () => {
  test('DaprWorker with pub/subs, state stores, subscriptions and resiliency: bad input throws naming the field; good input gives valid manifests', () => {
    fc.assert(fc.property(workerCase, (c) => {
      checkCase(c, (w) => synthIn('agents', (chart) => buildWorker(chart, w)), expectWorkerKept);
    }), params(1500));
  });

  test('the same Dapr app on an FteSandbox or a SandboxPool: bad input throws naming the field; good input gives valid manifests', () => {
    fc.assert(fc.property(sandboxAppCase, (c) => {
      checkCase(c, (a) => synthIn('agents', (chart) => buildSandboxApp(chart, a)), expectSandboxAppKept);
    }), params(800));
  });

  test('DaprConfiguration on its own: tracing, mTLS durations, access control, allowed APIs, labels', () => {
    fc.assert(fc.property(standaloneConfig, (c) => {
      checkCase(c, (s) => synthIn('agents', (chart) => new DaprConfiguration(chart, 'config', { ...configOf(s.config), name: s.name, controlPlaneNamespace: s.controlPlaneNamespace, labels: s.labels })), (s, objs) => {
        expect(objs).toHaveLength(1);
        expect(objs[0].metadata.name).toBe(s.name ?? 'config');
        expectConfigKept(s.config, objs[0]);
        if (s.config.mtls) expect(objs[0].spec.mtls.sentryAddress).toBe(`dapr-sentry.${s.controlPlaneNamespace ?? 'dapr-system'}.svc.cluster.local:443`);
      });
    }), params(800));
  });

  test('DaprComponent and DaprSubscription on their own', () => {
    fc.assert(fc.property(standaloneComponent, (c) => {
      checkCase(c, (s) => synthIn('agents', (chart) => buildComponent(chart, s)), (s, objs) => {
        expect(objs[0].spec.metadata.map((m: any) => m.name)).toEqual(s.metadata.map(([k]) => k));
        expect(objs[0].scopes).toEqual(s.scopes);
        expect(objs[0].spec.initTimeout).toBe(s.initTimeoutSeconds === undefined ? undefined : `${s.initTimeoutSeconds}s`);
      });
    }), params(300));
    fc.assert(fc.property(standaloneSubscription, (c) => {
      checkCase(c, (s) => synthIn('agents', (chart) => buildSubscription(chart, s)), (s, objs) => {
        const sub = objs.find((o) => o.kind === 'Subscription');
        expect(sub.spec.topic).toBe(s.sub.topic);
        expect(sub.spec.routes.default).toBe(s.sub.defaultRoute);
        expect(sub.spec.routes.rules ?? []).toEqual(s.sub.rules ?? []);
        expect(sub.spec.deadLetterTopic).toBe(s.sub.deadLetterTopic);
      });
    }), params(300));
  });

  test('two workers in one namespace: the same name, app id or component name is refused', () => {
    const one = fc.record({ name: fc.constantFrom('alpha', 'beta', 'gamma'), appId: fc.option(fc.constantFrom('alpha', 'beta', 'shared'), { nil: undefined }), component: fc.constantFrom('events', 'orders') });
    const pair = fc.record({ a: one, b: one }).map(({ a, b }): Case<Array<typeof a>> => {
      const problems: Mentions[] = [];
      if (a.name === b.name) problems.push(['name: "']);
      if ((a.appId ?? a.name) === (b.appId ?? b.name)) problems.push(['appId']);
      if (a.component === b.component) problems.push(['is already the name of a Component']);
      return { value: [a, b], problems };
    });
    fc.assert(fc.property(pair, (c) => {
      checkCase(c, (ws) => synthIn('agents', (chart) => ws.forEach((w, i) => {
        new DaprWorker(chart, `w${i}`, { name: w.name, appId: w.appId, image: IMAGE, resources: RESOURCES, ports: [{ name: 'http', number: 8000 }], readiness: Probe.httpGet('/healthz', 8000) })
          .addPubSub('events', { name: w.component, brokers: ['kafka:9092'], auth: KafkaAuth.NONE });
      })));
    }), params(60));
  });

  test('synthesising the same valid worker twice gives byte-identical YAML', () => {
    fc.assert(fc.property(workerCase.filter((c) => c.problems.length === 0), (c) => {
      expectDeterministic((app) => buildWorker(new Chart(app, 'agents', { namespace: 'agents' }), c.value));
    }), params(40));
  });
});
