/**
 * What makes any ftekit workload (DaprWorker, FteSandbox, SandboxPool) a Dapr app, decided in
 * one place: the checks of {@link DaprAppOptions}, the hardened sidecar annotations, the app's
 * Configuration, its components, subscriptions and resiliency scoped to the app id, and the
 * Dapr network flows of a Dapr-enabled workload. The Workload base owns one per Dapr-enabled
 * workload. Not exported from the package.
 */
import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { isIPv4, isIPv6 } from 'net';
import { DAPR_ANNOTATIONS, DAPR_INJECTED_LABEL } from './_labels';
import { nameClash } from './_object-names';
import { ContainerPort, daprSidecarAnnotations } from './_pod';
import { ResourceRequirements, resourceProblems } from './_quantities';
import { checkDnsLabel, checkPort, checkServiceName, secondsOf } from './_validate';
import type { ScrapeTarget } from './_workload';
import { DAPR_CONTROL_PLANE_PODS, DAPR_INTERNAL_PORT, DaprAppOptions, DaprAppProtocol, DaprAppResiliencyProps, DaprAppSubscriptionProps, DaprLogLevel, DEFAULT_DAPR_SIDECAR_RESOURCES } from './dapr-app';
import { checkKafkaProps, checkRedisProps, kafkaMetadata, KafkaPubSubProps, redisMetadata, RedisStateStoreProps } from './dapr-backends';
import { DaprComponent } from './dapr-component';
import { DaprConfiguration } from './dapr-configuration';
import { DaprResiliency } from './dapr-resiliency';
import { DaprSubscription } from './dapr-subscription';
import { EgressAllowlist, Peer, Port } from './egress-allowlist';
import { constructError, describeValue, ProblemCollector } from './errors';

/** Ports daprd always binds in the pod: HTTP API, public health, gRPC API, internal gRPC. */
export const DAPRD_PORTS: readonly number[] = [3500, 3501, 50001, DAPR_INTERNAL_PORT];

/** The workload a {@link DaprApp} belongs to, as the app sees it. */
export interface DaprAppHost {
  /** The workload construct: the app's objects are its children. */
  readonly scope: Construct;
  /** Construct kind named in errors (`DaprWorker`, `FteSandbox`...). */
  readonly kind: string;
  /** Workload name: of the Configuration, and of the labels of the app's objects. */
  readonly name: string;
  /** Labels of the workload's objects of `component`. */
  readonly labels: (component: string) => Record<string, string>;
  /** Component label of the workload's own objects (its Configuration has them). */
  readonly component: string;
  /** The container ports the app declares. */
  readonly ports: readonly ContainerPort[];
  /** The pod's termination grace period, seconds (undefined when it is itself bad). */
  readonly terminationGracePeriodSeconds: number | undefined;
  /** Prefix of the option fields in errors: `''` when they are the workload's own props, `dapr.` under a `dapr` prop. */
  readonly field: string;
}

/** The Dapr side of one Dapr-enabled workload. */
export class DaprApp {
  /** Dapr app id. */
  public readonly appId: string;
  /** Port the sidecar serves metrics on. */
  public readonly sidecarMetricsPort: number;
  /** Requests and limits of the sidecar (they count in every pod). */
  public readonly sidecarResources: ResourceRequirements;
  /** Namespace allowed to scrape. */
  public readonly monitoringNamespace: string;
  /** The Configuration named in `dapr.io/config` (absent only when the workload was refused). */
  public readonly configuration: DaprConfiguration;
  private readonly components: DaprComponent[] = [];
  private readonly actorStores = new Set<DaprComponent>();
  private readonly annotations: () => Record<string, string>;
  private readonly controlPlaneNamespace: string;

  /**
   * Checks `options`, recording every problem in `problems` under `host.field`, and makes the
   * app's Configuration (id `Configuration`) when the workload name can name it.
   */
  public constructor(private readonly host: DaprAppHost, problems: ProblemCollector, options: DaprAppOptions) {
    const at = (f: string): string => `${host.field}${f}`;
    const opts = options ?? {};
    const ports = host.ports;
    if (host.field) problems.add(host.field.slice(0, -1), typeof options === 'object' && options !== null && !Array.isArray(options) ? undefined : `${describeValue(options)} is not an object; expected Dapr app options such as {} or { appPort: 8000 }`);
    this.appId = opts.appId ?? host.name;
    if (problems.add(at('appId'), checkDnsLabel(this.appId), this.appId)) {
      // Dapr addresses apps by id; the operator names a Service `<app id>-dapr` after it.
      problems.add(at('appId'), nameClash(host.scope, 'Dapr app id', this.appId) ?? nameClash(host.scope, 'Service', `${this.appId}-dapr`), this.appId);
    }
    ports.forEach((p, i) => problems.add(`ports[${i}].number`, DAPRD_PORTS.includes(p.number) ? `${p.number} is a port daprd binds in the pod (${DAPRD_PORTS.join(', ')}); expected another port` : undefined));
    const appPort = opts.appPort ?? ports[0]?.number;
    if (opts.appPort !== undefined) {
      problems.add(at('appPort'), checkPort(opts.appPort) ?? (ports.some((p) => p.number === opts.appPort) ? undefined : `${opts.appPort} is not one of the declared ports (${ports.map((p) => p.number).join(', ') || 'none'}); expected a declared port`));
    }
    const protocol = opts.appProtocol ?? DaprAppProtocol.HTTP;
    problems.add(at('appProtocol'), Object.values(DaprAppProtocol).includes(protocol) ? undefined : `${describeValue(protocol)} is not a DaprAppProtocol; expected e.g. DaprAppProtocol.HTTP`);

    const sidecar = opts.sidecar ?? {};
    this.sidecarResources = sidecar.resources ?? DEFAULT_DAPR_SIDECAR_RESOURCES;
    for (const { field, problem } of resourceProblems(this.sidecarResources, at('sidecar.resources'))) problems.add(field, problem);
    const logLevel = sidecar.logLevel ?? DaprLogLevel.INFO;
    problems.add(at('sidecar.logLevel'), Object.values(DaprLogLevel).includes(logLevel) ? undefined : `${describeValue(logLevel)} is not a DaprLogLevel; expected e.g. DaprLogLevel.INFO`);
    this.sidecarMetricsPort = sidecar.metricsPort ?? 9090;
    problems.add(at('sidecar.metricsPort'), checkPort(this.sidecarMetricsPort) ?? (ports.some((p) => p.number === this.sidecarMetricsPort) ? `${this.sidecarMetricsPort} is also an app port; expected a port the app does not use`
      : DAPRD_PORTS.includes(this.sidecarMetricsPort) ? `${this.sidecarMetricsPort} is a port daprd binds for its API, health or internal gRPC (${DAPRD_PORTS.join(', ')}); expected another port` : undefined));
    const grace = host.terminationGracePeriodSeconds;
    const graceful = secondsOf(sidecar.gracefulShutdown ?? Duration.seconds(5), 1, 3600);
    problems.add(at('sidecar.gracefulShutdown'), typeof graceful === 'string' ? graceful : (grace !== undefined && graceful >= grace ? `${graceful}s is not shorter than the termination grace period ${grace}s; expected less, or the kubelet kills daprd mid-drain` : undefined));
    const listen = sidecar.listenAddresses ?? ['[::1]', '127.0.0.1'];
    const isAddress = (a: unknown): boolean => typeof a === 'string' && (isIPv4(a) || (a.startsWith('[') && a.endsWith(']') && isIPv6(a.slice(1, -1))));
    problems.add(at('sidecar.listenAddresses'), Array.isArray(listen) && listen.length > 0 && listen.every(isAddress) && new Set(listen).size === listen.length ? undefined : `${describeValue(listen)} is not a list of distinct IP addresses (IPv6 in brackets); expected e.g. ["[::1]", "127.0.0.1"]`);

    this.controlPlaneNamespace = opts.controlPlane?.namespace ?? 'dapr-system';
    problems.add(at('controlPlane.namespace'), checkDnsLabel(this.controlPlaneNamespace));
    this.monitoringNamespace = opts.monitoringNamespace ?? 'monitoring';
    problems.add(at('monitoringNamespace'), checkDnsLabel(this.monitoringNamespace));

    // A bad name is already a problem of the workload: no Configuration is made from it. The
    // Configuration's own problems are reported under the option that holds its props.
    const name = host.name;
    this.configuration = (checkServiceName(name) === undefined
      ? problems.attempt(() => new DaprConfiguration(host.scope, 'Configuration', { ...(opts.configuration ?? {}), name, controlPlaneNamespace: this.controlPlaneNamespace, labels: host.labels(host.component) }))
      : undefined) as DaprConfiguration;
    this.annotations = () => daprSidecarAnnotations({
      appId: this.appId,
      appPort,
      appProtocol: protocol,
      config: this.configuration.name,
      logLevel,
      metricsPort: this.sidecarMetricsPort,
      gracefulShutdownSeconds: graceful as number,
      listenAddresses: listen,
      resources: this.sidecarResources,
    });
  }

  /** The `dapr.io/` pod annotations asking the injector for the hardened sidecar. */
  public podAnnotations(): Record<string, string> {
    return this.annotations();
  }

  /**
   * The flows of a Dapr-enabled workload on its allowlist: its sidecar to the control plane,
   * sidecar to sidecar service invocation (both ways), the sidecar metrics (and
   * `appMetricsPort`) from the monitoring namespace, and the tracing collector.
   */
  public allowTraffic(network: EgressAllowlist, appMetricsPort?: number): void {
    for (const { app, port } of DAPR_CONTROL_PLANE_PODS) {
      network.allowTo(Peer.pods({ labels: { app }, namespace: this.controlPlaneNamespace }), Port.tcp(port));
    }
    // Service invocation is sidecar to sidecar on dapr-internal, mTLS-authenticated by Dapr.
    const sidecars = Peer.pods({ labels: { [DAPR_INJECTED_LABEL]: 'true' } });
    network.allowFrom(sidecars, Port.tcp(DAPR_INTERNAL_PORT));
    network.allowTo(sidecars, Port.tcp(DAPR_INTERNAL_PORT));
    network.allowFrom(Peer.namespace(this.monitoringNamespace), Port.tcp(this.sidecarMetricsPort), ...(appMetricsPort !== undefined ? [Port.tcp(appMetricsPort)] : []));
    if (this.configuration.otlpEndpoint) this.allowBackend(network, this.configuration.otlpEndpoint, undefined, `${this.host.field}configuration.tracing.otlpEndpoint`);
  }

  /** A PodMonitor of the sidecar's `dapr-metrics` port (the injector labels the pod with its app id). */
  public sidecarScrapeTarget(): ScrapeTarget {
    return { kind: 'PodMonitor', id: `${this.host.name}-sidecar`, name: `${this.host.name}-dapr`, selector: { [DAPR_ANNOTATIONS.appId]: this.appId }, port: 'dapr-metrics', path: '/' };
  }

  /** See `Workload.addPubSub`. */
  public addPubSub(network: EgressAllowlist, id: string, props: KafkaPubSubProps): DaprComponent {
    this.checkId('addPubSub', id);
    const [field, problem] = checkKafkaProps(props ?? ({} as KafkaPubSubProps));
    if (problem) throw this.error(`addPubSub(${JSON.stringify(id)}).${field}`, problem);
    const component = new DaprComponent(this.host.scope, id, {
      name: props.name,
      type: 'pubsub.kafka',
      metadata: kafkaMetadata(props, this.appId),
      scopes: [this.appId],
      labels: this.host.labels('dapr-component'),
    });
    props.brokers.forEach((b) => this.allowBackend(network, b, props.peer, `addPubSub(${JSON.stringify(id)}).brokers`));
    this.components.push(component);
    return component;
  }

  /** See `Workload.addStateStore`. */
  public addStateStore(network: EgressAllowlist, id: string, props: RedisStateStoreProps): DaprComponent {
    this.checkId('addStateStore', id);
    const [field, problem] = checkRedisProps(props ?? ({} as RedisStateStoreProps));
    if (problem) throw this.error(`addStateStore(${JSON.stringify(id)}).${field}`, problem);
    // Dapr refuses to start with two actor state stores.
    const actorStore = props.actorStateStore ? this.components.find((c) => this.actorStores.has(c)) : undefined;
    if (actorStore) throw this.error(`addStateStore(${JSON.stringify(id)}).actorStateStore`, `is true, but ${JSON.stringify(actorStore.name)} is the actor state store already; expected one actor state store per app`);
    const component = new DaprComponent(this.host.scope, id, {
      name: props.name,
      type: 'state.redis',
      metadata: redisMetadata(props),
      scopes: [this.appId],
      labels: this.host.labels('dapr-component'),
    });
    this.allowBackend(network, props.host, props.peer, `addStateStore(${JSON.stringify(id)}).host`);
    this.components.push(component);
    if (props.actorStateStore) this.actorStores.add(component);
    return component;
  }

  /** See `Workload.addSubscription`. */
  public addSubscription(id: string, props: DaprAppSubscriptionProps): DaprSubscription {
    this.checkId('addSubscription', id);
    if (!this.components.includes(props?.pubsub)) {
      throw this.error(`addSubscription(${JSON.stringify(id)}).pubsub`, `${describeValue(props?.pubsub?.name)} is not a pub/sub component of this ${this.host.kind}; expected the result of its addPubSub(...)`);
    }
    return new DaprSubscription(this.host.scope, id, { ...props, scopes: [this.appId], labels: this.host.labels('dapr-subscription') });
  }

  /** See `Workload.addResiliency`. */
  public addResiliency(id: string, props: DaprAppResiliencyProps = {}): DaprResiliency {
    this.checkId('addResiliency', id);
    return new DaprResiliency(this.host.scope, id, { name: props?.name, scopes: [this.appId], labels: this.host.labels('dapr-resiliency') });
  }

  /** The components added so far. */
  public get daprComponents(): readonly DaprComponent[] {
    return [...this.components];
  }

  private allowBackend(network: EgressAllowlist, address: string, peer: Peer | undefined, field: string): void {
    try {
      if (peer) {
        network.allowTo(peer, Port.tcp(Number(address.slice(address.lastIndexOf(':') + 1))));
      } else {
        network.allow(address);
      }
    } catch (e) {
      throw this.error(field, `${describeValue(address)}: ${(e as Error).message}; set \`peer\` (Peer.pods(...)) when the backend's pods are not labelled app.kubernetes.io/name=<service>`);
    }
  }

  /** The construct id of a child must be free: it names the child's construct path. */
  private checkId(method: string, id: string): void {
    const taken = typeof id === 'string' && id !== '' ? this.host.scope.node.tryFindChild(id) : undefined;
    const problem = typeof id !== 'string' || id === '' ? `construct id ${describeValue(id)} is empty; expected a name`
      : taken ? `construct id ${JSON.stringify(id)} is already taken by another child of this ${this.host.kind} (${taken.node.path}); expected another id` : undefined;
    if (problem) throw this.error(`${method}(${describeValue(id)})`, problem);
  }

  private error(field: string, problem: string): Error {
    return constructError(this.host.scope, this.host.kind, field, problem);
  }
}
