import { Duration } from 'cdk8s';
import { KafkaAuth, KafkaPubSubProps, RedisStateStoreProps } from '../dapr-backends';
import { DaprComponentPolicies, DaprRetry, DaprTargetPolicies } from '../dapr-resiliency';
import { DaprWorkerProps } from '../dapr-worker';
import { EgressEnforcement } from '../egress-allowlist';
import { ISecretSource } from '../env-value';
import { checkDnsSubdomain, findDuplicate } from '../_validate';
import { describeValue } from '../errors';
import { SandboxRuntime } from '../sandbox-runtime';
import { KvVersion } from '../vault-static-secret';
import { ConfigReader, SpecLocation } from './config-reader';

/** A secret key read from a Secret named in the spec (resolved when the charts are built). */
export interface SecretKeyRef {
  /** Secret name: a `vault.secrets[]` entry, a `secrets[]` entry or an existing Secret. */
  readonly secret: string;
  /** Key within the Secret. */
  readonly key: string;
}

/** The Kafka pub/sub of a Dapr worker. */
export interface PubSubSpec {
  /** Component name (the app's `pubsubname`). */
  readonly name: string;
  /** Brokers as `host:port`. */
  readonly brokers: string[];
  /** Consumer group. */
  readonly consumerGroup?: string;
  /** SASL user name; with `password`, SASL/SCRAM authentication. */
  readonly username?: string;
  /** SASL password by reference. */
  readonly password?: SecretKeyRef;
}

/** The Redis state store of a Dapr worker. */
export interface StateStoreSpec {
  /** Component name. */
  readonly name: string;
  /** Redis `host:port`. */
  readonly host: string;
  /** Redis password by reference. */
  readonly password?: SecretKeyRef;
}

/** A declarative subscription of a Dapr worker. */
export interface SubscriptionSpec {
  /** Name of the Subscription object (default: the topic). */
  readonly name: string;
  /** Topic. */
  readonly topic: string;
  /** Route the messages are delivered to. */
  readonly route: string;
  /** Dead-letter topic. */
  readonly deadLetterTopic?: string;
}

/** The Resiliency of a Dapr app: policies for its pub/sub and state store. */
export interface ResiliencySpec {
  /** Name of the Resiliency object (default: the workload name). */
  readonly name?: string;
  /** Policies of the app's `pubsub`. */
  readonly pubsub?: DaprComponentPolicies;
  /** Policies of the app's `stateStore`. */
  readonly stateStore?: DaprComponentPolicies;
}

/**
 * The Dapr app of a workload as the stack file gives it (`daprWorkers[i]` itself, or
 * `ftes[i].dapr` / `pools[i].dapr`): the same fields, read by {@link parseDaprApp}.
 */
export interface DaprAppSpec {
  /** Dapr app id (default: the workload name). */
  readonly appId?: string;
  /** Port the sidecar calls the app on. */
  readonly appPort?: number;
  /** Kafka pub/sub. */
  readonly pubsub?: PubSubSpec;
  /** Redis state store. */
  readonly stateStore?: StateStoreSpec;
  /** Subscriptions (need `pubsub`). */
  readonly subscriptions: SubscriptionSpec[];
  /** Resiliency policies of the pub/sub and state store. */
  readonly resiliency?: ResiliencySpec;
}

/** One Dapr worker of an environment. */
export interface DaprWorkerSpec extends DaprAppSpec {
  /** Props for the DaprWorker construct (secret references resolved later). */
  readonly props: DaprWorkerProps & { readonly name: string };
  /** Pools this worker may reach, with the port. */
  readonly reaches: Array<{ readonly pool: string; readonly port: number }>;
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/** One secret synced from Vault by the Vault Secrets Operator. */
export interface VaultSecretSpec {
  /** Name of the Kubernetes Secret it becomes. */
  readonly name: string;
  /** KV mount. */
  readonly mount: string;
  /** Path within the mount. */
  readonly path: string;
  /** KV engine version. */
  readonly kvVersion: KvVersion;
}

/** Vault connection, auth role and the secrets synced from it. */
export interface VaultSpec {
  /** Vault address (https). */
  readonly address: string;
  /** Secret (in the FTE namespace) holding Vault's CA certificate under `ca.crt`. */
  readonly caCertSecret?: string;
  /** Vault Kubernetes-auth role. */
  readonly role: string;
  /** Kubernetes auth mount. */
  readonly authMount?: string;
  /** Allow an `http://` address (a local development Vault only). */
  readonly allowPlainHttp?: boolean;
  /** Secrets synced into the namespace. */
  readonly secrets: VaultSecretSpec[];
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/** Prometheus Operator monitors and alerts for every workload. */
export interface MonitoringSpec {
  /** Namespace Prometheus runs in. */
  readonly prometheusNamespace?: string;
  /** Labels the Prometheus selects monitors and rules by. */
  readonly selectionLabels?: Record<string, string>;
  /** Where it is declared (`file: field.path`). */
  readonly source?: string;
  /** Where it is declared: construct problems found while building it are reported there. */
  readonly location?: SpecLocation;
}

/**
 * A Kubernetes Secret created by `pulumi up` from Pulumi config secrets (never by `cdk8s
 * synth`: GitOps users provide it another way, e.g. from Vault).
 */
export interface PulumiSecretSpec {
  /** Secret name. */
  readonly name: string;
  /** Secret key → Pulumi config key (in the `ftekit` namespace) holding the value as a secret. */
  readonly data: Record<string, string>;
}

/** A port a peer opens must be one the target declares (when it declares any). */
export function checkDeclaredPort(port: number, declared: readonly number[], target: string): string | undefined {
  return declared.length && !declared.includes(port) ? `${port} is not a port of ${target} (${declared.join(', ')}); expected one it listens on` : undefined;
}

/** Reads `pools: [{ name, port }]`: pools a workload may reach, on one of their ports. */
export function parsePoolReaches(r: ConfigReader, poolPorts: ReadonlyMap<string, readonly number[]>): Array<{ readonly pool: string; readonly port: number }> {
  const names = [...poolPorts.keys()];
  return r.list().map((p) => {
    p.object(['name', 'port']);
    const pool = p.field('name').string();
    if (!poolPorts.has(pool)) p.field('name').fail(`${JSON.stringify(pool)} is not a pool of this environment; expected one of ${names.join(', ') || '(none)'}`);
    const port = p.field('port').integer(1, 65535);
    p.field('port').check(checkDeclaredPort(port, poolPorts.get(pool) ?? [], `pool ${JSON.stringify(pool)}`));
    return { pool, port };
  });
}

/** Reads a `{ secret, key }` reference. */
export function parseSecretKeyRef(r: ConfigReader): SecretKeyRef {
  r.object(['secret', 'key']);
  const secret = r.field('secret').string();
  r.field('secret').check(checkDnsSubdomain(secret));
  return { secret, key: r.field('key').string() };
}

/** Reads `vault`. */
export function parseVault(r: ConfigReader): VaultSpec | undefined {
  if (r.absent) return undefined;
  r.object(['address', 'caCertSecret', 'role', 'authMount', 'allowPlainHttp', 'secrets']);
  // The address, names and paths are VaultSync's and VaultStaticSecret's to judge.
  const address = r.field('address').string();
  const caCertSecret = r.field('caCertSecret').optionalString();
  const secrets = r.field('secrets').list({ required: true }).map((s) => {
    s.object(['name', 'mount', 'path', 'kvVersion']);
    const kv = s.field('kvVersion').absent ? 2 : s.field('kvVersion').integer(1, 2);
    return { name: s.field('name').string(), mount: s.field('mount').string(), path: s.field('path').string(), kvVersion: kv === 1 ? KvVersion.V1 : KvVersion.V2 };
  });
  const dup = findDuplicate(secrets, (s) => s.name);
  if (dup) r.field('secrets').fail(`secret ${JSON.stringify(dup)} is listed twice; expected unique names`);
  const allowPlainHttp = r.field('allowPlainHttp').optionalBoolean();
  return { address, caCertSecret, role: r.field('role').string(), authMount: r.field('authMount').optionalString(), allowPlainHttp, secrets, source: r.location, location: r.at };
}

/** Reads `monitoring` (present = on). */
export function parseMonitoring(r: ConfigReader): MonitoringSpec | undefined {
  if (r.absent) return undefined;
  r.object(['prometheusNamespace', 'selectionLabels']);
  const ns = r.field('prometheusNamespace').optionalString();
  const labels = r.field('selectionLabels');
  return { prometheusNamespace: ns, selectionLabels: labels.absent ? undefined : labels.stringMap(), source: r.location, location: r.at };
}

/** Reads `secrets` (Pulumi-managed Secrets). */
export function parsePulumiSecrets(r: ConfigReader): PulumiSecretSpec[] {
  const secrets = r.list().map((s) => {
    s.object(['name', 'data']);
    const name = s.field('name').string();
    s.field('name').check(checkDnsSubdomain(name));
    const data = s.field('data').stringMap();
    if (Object.keys(data).length === 0) s.field('data').fail('is empty; expected secret key: Pulumi config key pairs');
    for (const [key, configKey] of Object.entries(data)) {
      if (!/^[-._a-zA-Z0-9]+$/.test(key)) s.field('data').field(key).fail(`${JSON.stringify(key)} is not a valid Secret key; expected letters, digits, '-', '_' or '.'`);
      if (!/^[a-zA-Z][a-zA-Z0-9_-]*$/.test(configKey)) s.field('data').field(key).fail(`${JSON.stringify(configKey)} is not a Pulumi config key; expected a name such as anthropicApiKey (set with \`pulumi config set --secret ftekit:anthropicApiKey ...\`)`);
    }
    return { name, data };
  });
  const dup = findDuplicate(secrets, (s) => s.name);
  if (dup) r.fail(`secret ${JSON.stringify(dup)} is listed twice; expected unique names`);
  return secrets;
}

/** The fields of a Dapr app, the same on `daprWorkers[i]` and under `ftes[i].dapr` / `pools[i].dapr`. */
export const DAPR_APP_FIELDS = ['appId', 'appPort', 'pubsub', 'stateStore', 'subscriptions', 'resiliency'] as const;

/** Fields a Dapr worker has on top of the shared workload fields. */
export const DAPR_WORKER_FIELDS = [...DAPR_APP_FIELDS, 'metricsPort', 'replicas', 'autoscaling', 'pools'] as const;

/** Reads a duration such as `500ms`, `5s`, `2m` or `1h`. */
function parseDuration(r: ConfigReader): Duration {
  const m = typeof r.value === 'string' ? /^(\d+)(ms|s|m|h)$/.exec(r.value) : null;
  if (!m) r.fail(`${describeValue(r.value)} is not a duration; expected a whole number with a unit, e.g. "500ms", "5s", "2m" or "1h"`);
  const n = Number(m[1]);
  switch (m[2]) {
    case 'ms': return Duration.millis(n);
    case 's': return Duration.seconds(n);
    case 'm': return Duration.minutes(n);
    default: return Duration.hours(n);
  }
}

/** Reads `{ timeout, retry, circuitBreaker }`: shape only, the rules are DaprResiliency's and DaprRetry's. */
function parseTargetPolicies(r: ConfigReader): DaprTargetPolicies | undefined {
  if (r.absent) return undefined;
  r.object(['timeout', 'retry', 'circuitBreaker']);
  const timeout = r.field('timeout').guard((x) => (x.absent ? undefined : parseDuration(x)));
  const retry = r.field('retry').guard((x): DaprRetry | undefined => {
    if (x.absent) return undefined;
    x.object(['policy', 'interval', 'maxInterval', 'maxRetries']);
    const policy = x.field('policy').oneOf(['constant', 'exponential'] as const);
    const intervalKey = policy === 'constant' ? 'interval' : 'maxInterval';
    const other = policy === 'constant' ? 'maxInterval' : 'interval';
    if (!x.field(other).absent) x.field(other).fail(`is set on a ${policy} retry; expected ${intervalKey}`);
    const interval = x.field(intervalKey).absent ? x.field(intervalKey).fail(`is missing; a ${policy} retry needs it`) : parseDuration(x.field(intervalKey));
    const maxRetries = x.field('maxRetries').wholeNumber();
    return x.make(() => (policy === 'constant' ? DaprRetry.constant(interval, maxRetries) : DaprRetry.exponential(interval, maxRetries)));
  });
  const circuitBreaker = r.field('circuitBreaker').guard((x): DaprTargetPolicies['circuitBreaker'] => {
    if (x.absent) return undefined;
    x.object(['consecutiveFailures', 'timeout', 'interval', 'maxRequests']);
    const consecutiveFailures = x.field('consecutiveFailures').guard((y) => y.wholeNumber());
    const cbTimeout = x.field('timeout').guard((y) => (y.absent ? y.fail('is missing; expected how long the breaker stays open, e.g. "30s"') : parseDuration(y)));
    const interval = x.field('interval').guard((y) => (y.absent ? undefined : parseDuration(y)));
    const maxRequests = x.field('maxRequests').guard((y) => y.optionalWholeNumber());
    if (consecutiveFailures === undefined || cbTimeout === undefined) return x.abandon();
    return { consecutiveFailures, timeout: cbTimeout, interval, maxRequests };
  });
  return { timeout, retry, circuitBreaker };
}

/** Reads `resiliency`; `has` says which components the app has. */
function parseResiliency(r: ConfigReader, has: { readonly pubsub: boolean; readonly stateStore: boolean }): ResiliencySpec | undefined {
  if (r.absent) return undefined;
  r.object(['name', 'pubsub', 'stateStore']);
  const component = (key: 'pubsub' | 'stateStore'): DaprComponentPolicies | undefined => r.field(key).guard((c) => {
    if (c.absent) return undefined;
    if (!has[key]) c.fail(`is set, but the app has no ${key}; expected policies only for the app's own components`);
    c.object(['outbound', 'inbound']);
    const outbound = c.field('outbound').guard(parseTargetPolicies);
    const inbound = c.field('inbound').guard(parseTargetPolicies);
    return { outbound, inbound };
  });
  return { name: r.field('name').guard((x) => x.optionalString()), pubsub: component('pubsub'), stateStore: component('stateStore') };
}

/**
 * Reads the fields of a Dapr app ({@link DAPR_APP_FIELDS}) from `r`: a Dapr worker entry, or
 * the `dapr` of an FTE or pool. Shape only: names, addresses and policies are the constructs'.
 */
export function parseDaprApp(r: ConfigReader): DaprAppSpec {
  const before = r.faults;
  const appId = r.field('appId').guard((x) => x.optionalString());
  const appPort = r.field('appPort').guard((x) => x.optionalWholeNumber());
  const pubsub = r.field('pubsub').guard((ps): PubSubSpec | undefined => {
    if (ps.absent) return undefined;
    ps.object(['name', 'brokers', 'consumerGroup', 'username', 'password']);
    // Names and addresses are the workload's to judge (addPubSub, addStateStore).
    const name = ps.field('name').absent ? 'pubsub' : ps.field('name').string();
    const username = ps.field('username').optionalString();
    const password = ps.field('password').absent ? undefined : parseSecretKeyRef(ps.field('password'));
    if ((username === undefined) !== (password === undefined)) ps.fail('has only one of username and password; expected both (SASL) or neither');
    return { name, brokers: ps.field('brokers').list({ required: true }).map((b) => b.string()), consumerGroup: ps.field('consumerGroup').optionalString(), username, password };
  });
  const stateStore = r.field('stateStore').guard((ss): StateStoreSpec | undefined => {
    if (ss.absent) return undefined;
    ss.object(['name', 'host', 'password']);
    const name = ss.field('name').absent ? 'statestore' : ss.field('name').string();
    return { name, host: ss.field('host').string(), password: ss.field('password').absent ? undefined : parseSecretKeyRef(ss.field('password')) };
  });
  const subscriptions = r.field('subscriptions').guard((x) => x.list().map((s) => {
    s.object(['name', 'topic', 'route', 'deadLetterTopic']);
    if (!pubsub && r.field('pubsub').absent) r.field('pubsub').fail('is missing; subscriptions need the app\'s pubsub');
    const route = s.field('route').string();
    if (!route.startsWith('/')) s.field('route').fail(`${JSON.stringify(route)} is not a path; expected it to start with /`);
    const topic = s.field('topic').string();
    const name = s.field('name').absent ? topic : s.field('name').string();
    if (checkDnsSubdomain(name)) (s.field('name').absent ? s.field('topic') : s.field('name')).fail(`${JSON.stringify(name)} cannot name the Subscription object (${checkDnsSubdomain(name)}); expected a name: field`);
    return { name, topic, route, deadLetterTopic: s.field('deadLetterTopic').optionalString() };
  })) ?? [];
  const dupTopic = findDuplicate(subscriptions, (s) => s.topic);
  if (dupTopic) r.field('subscriptions').check(`topic ${JSON.stringify(dupTopic)} is subscribed twice; expected one subscription per topic`);
  const resiliency = r.field('resiliency').guard((x) => parseResiliency(x, { pubsub: !r.field('pubsub').absent, stateStore: !r.field('stateStore').absent }));
  if (r.faults > before) r.abandon();
  return { appId, appPort, pubsub, stateStore, subscriptions, resiliency };
}

/**
 * Reads the Dapr-specific part of `daprWorkers[i]`; `workload` is its parsed workload part.
 * Shape only: the rules on values (readiness required, replicas or autoscaling, ports) are
 * DaprWorker's.
 */
export function parseDaprWorker(r: ConfigReader, workload: DaprWorkerProps & { name: string }, poolPorts: ReadonlyMap<string, readonly number[]>, runtime: SandboxRuntime, enforcement: EgressEnforcement): DaprWorkerSpec {
  const before = r.faults;
  if (!r.field('workspace').absent) r.field('workspace').check('is not supported on Dapr workers; expected state in the state store (workers are stateless Deployments)');
  if (!r.field('ingressFrom').absent) r.field('ingressFrom').check('is not supported on Dapr workers; expected their callers to use Dapr service invocation or pub/sub');
  const metricsPortName = r.field('metricsPort').guard((x) => x.optionalString());
  const replicas = r.field('replicas').guard((x) => x.optionalWholeNumber());
  const autoscaling = r.field('autoscaling').guard((a): DaprWorkerProps['autoscaling'] => {
    if (a.absent) return undefined;
    a.object(['minReplicas', 'maxReplicas', 'targetCpuUtilizationPercent']);
    const minReplicas = a.field('minReplicas').guard((x) => x.wholeNumber());
    const maxReplicas = a.field('maxReplicas').guard((x) => x.wholeNumber());
    const targetCpuUtilizationPercent = a.field('targetCpuUtilizationPercent').guard((x) => x.optionalWholeNumber());
    if (minReplicas === undefined || maxReplicas === undefined) return a.abandon();
    return { minReplicas, maxReplicas, targetCpuUtilizationPercent };
  });
  const app = r.guard(() => parseDaprApp(r));
  const reaches = r.field('pools').guard((x) => parsePoolReaches(x, poolPorts));
  if (r.faults > before || !reaches || !app) r.abandon();
  const { workspace: _ignored, ...rest } = workload as DaprWorkerProps & { name: string; workspace?: unknown };
  void _ignored;
  return {
    ...app,
    props: { ...rest, runtime, egressEnforcement: enforcement, appId: app.appId, appPort: app.appPort, metricsPortName, replicas, autoscaling },
    reaches,
    source: r.location,
    location: r.at,
  };
}

/** Kafka pub/sub props of a pub/sub spec, the password resolved by `secretOf`. */
export function kafkaPropsOf(spec: PubSubSpec, secretOf: (name: string) => ISecretSource): KafkaPubSubProps {
  return {
    name: spec.name,
    brokers: spec.brokers,
    consumerGroup: spec.consumerGroup,
    auth: spec.username !== undefined && spec.password ? KafkaAuth.password({ username: spec.username, password: { secret: secretOf(spec.password.secret), key: spec.password.key } }) : KafkaAuth.NONE,
  };
}

/** Redis state store props of a state store spec, the password resolved by `secretOf`. */
export function redisPropsOf(spec: StateStoreSpec, secretOf: (name: string) => ISecretSource): RedisStateStoreProps {
  return { name: spec.name, host: spec.host, password: spec.password ? { secret: secretOf(spec.password.secret), key: spec.password.key } : undefined };
}
