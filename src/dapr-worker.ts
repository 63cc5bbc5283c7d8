import { Duration, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { isIPv4, isIPv6 } from 'net';
import { DAPR_ANNOTATIONS, DAPR_INJECTED_LABEL, DAPR_PREFIX } from './_labels';
import { nameClash } from './_object-names';
import { daprSidecarAnnotations, HardenedPodTemplate } from './_pod';
import { ResourceRequirements, resourceProblems } from './_quantities';
import { IRolloutTarget, registerRolloutTarget, RolloutKind } from './_rollout';
import { checkDnsLabel, checkInteger, checkPort, checkServiceName, secondsOf } from './_validate';
import { declaredNotSecretMetadata, ScrapeOptions, ScrapePlan, ScrapeTarget, Workload, WorkloadCapacity, workloadLabels, WorkloadProps } from './_workload';
import { ApiAccess } from './api-access';
import { checkKafkaProps, checkRedisProps, kafkaMetadata, KafkaPubSubProps, redisMetadata, RedisStateStoreProps } from './dapr-backends';
import { DaprComponent } from './dapr-component';
import { DaprConfiguration, DaprConfigurationProps } from './dapr-configuration';
import { DaprResiliency } from './dapr-resiliency';
import { DaprSubscription, DaprSubscriptionProps } from './dapr-subscription';
import { Peer, Port } from './egress-allowlist';
import { constructError, describeValue } from './errors';

/** Protocol the Dapr sidecar uses to call the app (`dapr.io/app-protocol`). */
export enum DaprAppProtocol {
  /** Plain HTTP/1.1 (Dapr's default). */
  HTTP = 'http',
  /** gRPC. */
  GRPC = 'grpc',
  /** HTTP over TLS. */
  HTTPS = 'https',
  /** gRPC over TLS. */
  GRPCS = 'grpcs',
  /** HTTP/2 cleartext. */
  H2C = 'h2c',
}

/** Log level of the sidecar (`dapr.io/log-level`). */
export enum DaprLogLevel {
  /** debug */
  DEBUG = 'debug',
  /** info (Dapr's default) */
  INFO = 'info',
  /** warn */
  WARN = 'warn',
  /** error */
  ERROR = 'error',
}

/** The injected `daprd` sidecar. */
export interface DaprSidecarOptions {
  /**
   * Sidecar requests and limits, always emitted: under gVisor (GKE Sandbox) limits apply
   * only when every container of the pod has them, and quotas need them.
   * @default - requests 100m / 250Mi, limits 300m / 1000Mi (Dapr's production guidance)
   */
  readonly resources?: ResourceRequirements;
  /**
   * Log level of the daprd sidecar (`dapr.io/log-level`).
   * @default DaprLogLevel.INFO
   */
  readonly logLevel?: DaprLogLevel;
  /** Port of the sidecar's Prometheus endpoint (container port `dapr-metrics`). @default 9090 */
  readonly metricsPort?: number;
  /**
   * How long daprd drains on shutdown. Must be shorter than the pod's termination grace period.
   * @default Duration.seconds(5) (daprd's own default, emitted explicitly)
   */
  readonly gracefulShutdown?: Duration;
  /**
   * Addresses the Dapr HTTP/gRPC API binds to.
   * @default ['[::1]', '127.0.0.1'] (loopback only: nothing outside the pod reaches the API)
   */
  readonly listenAddresses?: string[];
}

/** Where the Dapr control plane runs. */
export interface DaprControlPlaneOptions {
  /**
   * Namespace of the Dapr control plane: the worker's allowlist lets the sidecar reach its pods
   * there, and the mTLS Sentry address names it.
   * @default 'dapr-system'
   */
  readonly namespace?: string;
}

/** Horizontal pod autoscaling of a worker on CPU. */
export interface WorkerAutoscaling {
  /** At least 1. */
  readonly minReplicas: number;
  /** At least `minReplicas`. */
  readonly maxReplicas: number;
  /** Target average CPU utilisation of requests, percent. @default 70 */
  readonly targetCpuUtilizationPercent?: number;
}

/** The worker's Dapr Configuration (its name and scope are the worker's). */
export type WorkerConfigurationOptions = Omit<DaprConfigurationProps, 'name' | 'controlPlaneNamespace' | 'labels'>;

/** Props for {@link DaprWorker.addSubscription}: the worker's app id is the scope. */
export type WorkerSubscriptionProps = Omit<DaprSubscriptionProps, 'scopes' | 'labels'>;

/** Props for {@link DaprWorker.addResiliency}. */
export interface WorkerResiliencyProps {
  /**
   * Name of the Resiliency object.
   * @default - the construct id
   */
  readonly name?: string;
}

/** Props for {@link DaprWorker}. */
export interface DaprWorkerProps extends WorkloadProps {
  /**
   * Name of the Deployment, Service, ServiceAccount, Configuration and policies.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Dapr app id (`dapr.io/app-id`), the scope of the worker's components, subscriptions and
   * resiliency; the Dapr operator creates a Service `<appId>-dapr`.
   * @default - the name
   */
  readonly appId?: string;
  /**
   * Port the app serves Dapr calls and message delivery on (`dapr.io/app-port`); must be a
   * declared port.
   * @default - the first declared port; none when no port is declared (no app channel)
   */
  readonly appPort?: number;
  /**
   * Protocol the sidecar uses to call the app (`dapr.io/app-protocol`).
   * @default DaprAppProtocol.HTTP
   */
  readonly appProtocol?: DaprAppProtocol;
  /**
   * Name of a declared port serving the app's own Prometheus metrics. It is opened to the
   * monitoring namespace and scraped by `FteMonitoring`.
   * @default - the app has no metrics endpoint
   */
  readonly metricsPortName?: string;
  /**
   * Pods. A PodDisruptionBudget (maxUnavailable 1) is added when more than one.
   * Unlike a bare Deployment (1), two, so a node drain never stops the worker.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * Scale the Deployment on CPU with a HorizontalPodAutoscaler instead of a fixed `replicas`.
   * @default - fixed `replicas`
   */
  readonly autoscaling?: WorkerAutoscaling;
  /**
   * Resources, log level, metrics port, shutdown and listen addresses of the injected daprd
   * sidecar, set through `dapr.io/` pod annotations.
   * @default - the sidecar defaults in DaprSidecarOptions
   */
  readonly sidecar?: DaprSidecarOptions;
  /**
   * Tracing, metrics, mTLS, access control and API allowlist of the worker's own Dapr
   * Configuration.
   * @default - metrics on, tracing off, the control plane's mTLS and access settings
   */
  readonly configuration?: WorkerConfigurationOptions;
  /**
   * Where the Dapr control plane runs, for the worker's allowlist and Configuration.
   * @default - `dapr-system`
   */
  readonly controlPlane?: DaprControlPlaneOptions;
  /**
   * Namespace Prometheus scrapes from; the sidecar and app metrics ports are opened to it.
   * @default 'monitoring'
   */
  readonly monitoringNamespace?: string;
  /**
   * Kubernetes API access of the app. Without it the app container gets no token (the
   * sidecar gets its own projected token from the injector).
   * @default - none
   */
  readonly apiAccess?: ApiAccess[];
  /** Extra pod labels (not under `dapr.io/`). @default - none */
  readonly podLabels?: Record<string, string>;
  /** Extra pod annotations (not under `dapr.io/`: those are the worker's). @default - none */
  readonly podAnnotations?: Record<string, string>;
  /**
   * Time the pods get to stop (`terminationGracePeriodSeconds`); must be longer than the
   * sidecar's `gracefulShutdown`.
   * @default Duration.seconds(30)
   */
  readonly terminationGracePeriod?: Duration;
}

/** Default sidecar resources, after Dapr's production guidelines for daprd. */
export const DEFAULT_DAPR_SIDECAR_RESOURCES: ResourceRequirements = {
  cpu: { request: Cpu.millis(100), limit: Cpu.millis(300) },
  memory: { request: Size.mebibytes(250), limit: Size.mebibytes(1000) },
};

/** Pod labels of the Dapr control-plane services a sidecar calls, and their pod ports. */
export const DAPR_CONTROL_PLANE_PODS: ReadonlyArray<{ readonly app: string; readonly port: number }> = [
  { app: 'dapr-sentry', port: 50001 },
  { app: 'dapr-operator', port: 6500 },
  { app: 'dapr-placement-server', port: 50005 },
  { app: 'dapr-scheduler-server', port: 50006 },
];

/** Sidecar-to-sidecar service invocation port (`dapr-internal`). */
export const DAPR_INTERNAL_PORT = 50002;

/** Ports daprd always binds in the pod: HTTP API, public health, gRPC API, internal gRPC. */
const DAPRD_PORTS: readonly number[] = [3500, 3501, 50001, DAPR_INTERNAL_PORT];

/**
 * An agent worker as a Dapr app: an `apps/v1` Deployment whose pod template asks the Dapr
 * injector for a `daprd` sidecar, with the same hardened pod as the sandboxes, explicit
 * stable labels, spread across nodes, a Service, a PodDisruptionBudget, optional HPA, a
 * Dapr Configuration, and a default-deny allowlist that already admits Dapr's control
 * plane, peer sidecars, Prometheus and every Kafka/Redis backend added with
 * {@link DaprWorker.addPubSub} / {@link DaprWorker.addStateStore}.
 *
 * The injected sidecar gets seccomp `RuntimeDefault`, requests and limits from the
 * annotations; dropping its capabilities needs Dapr installed with
 * `dapr_sidecar_injector.sidecarDropALLCapabilities=true`, without which Pod Security
 * `restricted` rejects the pod.
 *
 * Objects: Deployment (id `Resource`), Service, PodDisruptionBudget, HorizontalPodAutoscaler,
 * ServiceAccount, Configuration, NetworkPolicy (+ the hostname policy of its egress
 * enforcement), and the Dapr Components, Subscriptions and Resiliency added through its methods.
 */
export class DaprWorker extends Workload implements IRolloutTarget {
  public readonly rolloutKind = RolloutKind.DEPLOYMENT;
  /** Dapr app id. */
  public readonly appId: string;
  /** The Deployment. */
  public readonly resource: k8s.KubeDeployment;
  /** The Service (absent when the app declares no port). */
  public readonly service?: k8s.KubeService;
  /** The Dapr Configuration named in `dapr.io/config`. */
  public readonly configuration: DaprConfiguration;
  /** Port the sidecar serves metrics on. */
  public readonly sidecarMetricsPort: number;
  /** Name of the app's metrics port, if any. */
  public readonly metricsPortName?: string;
  /** Number of the app's metrics port, if any. */
  public readonly metricsPortNumber?: number;
  /** Namespace allowed to scrape. */
  public readonly monitoringNamespace: string;
  protected declare readonly props: DaprWorkerProps;
  private readonly sidecarResources: ResourceRequirements;
  private readonly maxReplicas: number;
  private readonly components: DaprComponent[] = [];
  private readonly actorStores = new Set<DaprComponent>();
  private usedSecrets?: { readonly components: number; readonly names: ReadonlySet<string> };

  public constructor(scope: Construct, id: string, props: DaprWorkerProps) {
    super(scope, id, 'DaprWorker', props, [DAPR_PREFIX],
      (key) => `key ${JSON.stringify(key)} is under dapr.io/, which the worker and the Dapr injector own; expected a DaprWorker prop instead (e.g. sidecar, appPort)`);
    const name = this.workloadName;
    const problems = this.problems;
    this.appId = props.appId ?? name;
    problems.add('appId', checkDnsLabel(this.appId));
    // Dapr addresses apps by id; the operator names a Service `<app id>-dapr` after it.
    problems.add('appId', nameClash(this, 'Dapr app id', this.appId) ?? nameClash(this, 'Service', `${this.appId}-dapr`), this.appId);
    problems.add('readiness', props.readiness === undefined ? 'is missing; expected a readiness probe (a Deployment behind a Service must say when a pod can take traffic)' : undefined);
    const ports = props.ports ?? [];
    ports.forEach((p, i) => problems.add(`ports[${i}].name`, p.name === undefined ? `port ${p.number} has no name; expected a name (the Service and monitors refer to ports by name)` : undefined));
    ports.forEach((p, i) => problems.add(`ports[${i}].number`, DAPRD_PORTS.includes(p.number) ? `${p.number} is a port daprd binds in the pod (${DAPRD_PORTS.join(', ')}); expected another port` : undefined));

    const appPort = props.appPort ?? ports[0]?.number;
    if (props.appPort !== undefined) {
      problems.add('appPort', checkPort(props.appPort) ?? (ports.some((p) => p.number === props.appPort) ? undefined : `${props.appPort} is not one of the declared ports (${ports.map((p) => p.number).join(', ') || 'none'}); expected a declared port`));
    }
    const protocol = props.appProtocol ?? DaprAppProtocol.HTTP;
    problems.add('appProtocol', Object.values(DaprAppProtocol).includes(protocol) ? undefined : `${describeValue(protocol)} is not a DaprAppProtocol; expected e.g. DaprAppProtocol.HTTP`);
    if (props.metricsPortName !== undefined) {
      problems.add('metricsPortName', ports.some((p) => p.name === props.metricsPortName) ? undefined : `${describeValue(props.metricsPortName)} is not the name of a declared port (${ports.map((p) => p.name).join(', ') || 'none'}); expected one of them`);
    }
    this.metricsPortName = props.metricsPortName;
    this.metricsPortNumber = ports.find((p) => p.name !== undefined && p.name === props.metricsPortName)?.number;

    const replicas = props.replicas ?? 2;
    problems.add('replicas', checkInteger(replicas, 1, 1000));
    const scaling = props.autoscaling;
    if (scaling) {
      problems.add('replicas', props.replicas !== undefined ? `${describeValue(props.replicas)} is set together with autoscaling; expected one of them (the HPA owns replicas)` : undefined, props.replicas);
      problems.add('autoscaling.minReplicas', checkInteger(scaling.minReplicas, 1, 1000));
      problems.add('autoscaling.maxReplicas', checkInteger(scaling.maxReplicas, scaling.minReplicas, 1000));
      problems.add('autoscaling.targetCpuUtilizationPercent', checkInteger(scaling.targetCpuUtilizationPercent ?? 70, 1, 100));
    }
    const minReplicas = scaling ? scaling.minReplicas : replicas;
    this.maxReplicas = scaling ? scaling.maxReplicas : replicas;

    const sidecar = props.sidecar ?? {};
    this.sidecarResources = sidecar.resources ?? DEFAULT_DAPR_SIDECAR_RESOURCES;
    for (const { field, problem } of resourceProblems(this.sidecarResources, 'sidecar.resources')) problems.add(field, problem);
    const logLevel = sidecar.logLevel ?? DaprLogLevel.INFO;
    problems.add('sidecar.logLevel', Object.values(DaprLogLevel).includes(logLevel) ? undefined : `${describeValue(logLevel)} is not a DaprLogLevel; expected e.g. DaprLogLevel.INFO`);
    this.sidecarMetricsPort = sidecar.metricsPort ?? 9090;
    problems.add('sidecar.metricsPort', checkPort(this.sidecarMetricsPort) ?? (ports.some((p) => p.number === this.sidecarMetricsPort) ? `${this.sidecarMetricsPort} is also an app port; expected a port the app does not use`
      : DAPRD_PORTS.includes(this.sidecarMetricsPort) ? `${this.sidecarMetricsPort} is a port daprd binds for its API, health or internal gRPC (${DAPRD_PORTS.join(', ')}); expected another port` : undefined));
    const grace = secondsOf(props.terminationGracePeriod ?? Duration.seconds(30), 1, 3600);
    problems.add('terminationGracePeriod', typeof grace === 'string' ? grace : undefined);
    const graceful = secondsOf(sidecar.gracefulShutdown ?? Duration.seconds(5), 1, 3600);
    problems.add('sidecar.gracefulShutdown', typeof graceful === 'string' ? graceful : (graceful >= (grace as number) ? `${graceful}s is not shorter than the termination grace period ${grace}s; expected less, or the kubelet kills daprd mid-drain` : undefined));
    const listen = sidecar.listenAddresses ?? ['[::1]', '127.0.0.1'];
    const isAddress = (a: unknown): boolean => typeof a === 'string' && (isIPv4(a) || (a.startsWith('[') && a.endsWith(']') && isIPv6(a.slice(1, -1))));
    problems.add('sidecar.listenAddresses', listen.length > 0 && listen.every(isAddress) && new Set(listen).size === listen.length ? undefined : `${describeValue(listen)} is not a list of distinct IP addresses (IPv6 in brackets); expected e.g. ["[::1]", "127.0.0.1"]`);

    const cpNamespace = props.controlPlane?.namespace ?? 'dapr-system';
    problems.add('controlPlane.namespace', checkDnsLabel(cpNamespace));
    this.monitoringNamespace = props.monitoringNamespace ?? 'monitoring';
    problems.add('monitoringNamespace', checkDnsLabel(this.monitoringNamespace));

    this.addIdentity('dapr-worker');
    // A bad name is already a problem of this worker: no Configuration is made from it.
    this.configuration = (checkServiceName(name) === undefined
      ? problems.attempt(() => new DaprConfiguration(this, 'Configuration', { ...(props.configuration ?? {}), name, controlPlaneNamespace: cpNamespace, labels: workloadLabels(name, 'dapr-worker') }))
      : undefined) as DaprConfiguration;
    this.addNetwork();
    problems.throwIfAny();
    this.allowDaprTraffic(cpNamespace);

    const pod = this.podTemplate({
      annotations: {
        ...(props.podAnnotations ?? {}),
        ...daprSidecarAnnotations({
          appId: this.appId,
          appPort,
          appProtocol: protocol,
          config: this.configuration.name,
          logLevel,
          metricsPort: this.sidecarMetricsPort,
          gracefulShutdownSeconds: graceful as number,
          listenAddresses: listen,
          resources: this.sidecarResources,
        }),
      },
      terminationGracePeriodSeconds: grace as number,
      topologySpreadConstraints: [{
        maxSkew: 1,
        topologyKey: 'kubernetes.io/hostname',
        // Soft: a one-node cluster still runs every replica.
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: { ...this.podSelector } },
      }],
    });
    [this.resource, this.service] = this._toKube(pod, replicas, minReplicas, scaling);
    registerRolloutTarget(this);
  }

  /** The Deployment and Service (returned), PodDisruptionBudget and HorizontalPodAutoscaler. */
  private _toKube(pod: HardenedPodTemplate, replicas: number, minReplicas: number, scaling: WorkerAutoscaling | undefined): [k8s.KubeDeployment, k8s.KubeService | undefined] {
    const name = this.workloadName;
    const objectLabels = workloadLabels(name, 'dapr-worker');
    const ports = this.props.ports ?? [];
    const deployment = new k8s.KubeDeployment(this, 'Resource', {
      metadata: { name, labels: { ...this.labels }, ...declaredNotSecretMetadata(this.props) },
      spec: {
        ...(scaling ? {} : { replicas }),
        revisionHistoryLimit: 5,
        selector: { matchLabels: { ...this.podSelector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: pod,
      },
    });
    let service: k8s.KubeService | undefined;
    if (ports.length > 0) {
      service = new k8s.KubeService(this, 'Service', {
        metadata: { name, labels: { ...objectLabels } },
        spec: {
          type: 'ClusterIP',
          selector: { ...this.podSelector },
          ports: ports.map((p) => ({ name: p.name, port: p.number, targetPort: k8s.IntOrString.fromString(p.name as string), protocol: p.protocol ?? 'TCP' })),
        },
      });
    }
    if (minReplicas > 1) {
      new k8s.KubePodDisruptionBudget(this, 'Disruption', {
        metadata: { name, labels: { ...objectLabels } },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { ...this.podSelector } } },
      });
    }
    if (scaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name, labels: { ...objectLabels } },
        spec: {
          scaleTargetRef: { apiVersion: k8s.KubeDeployment.GVK.apiVersion, kind: k8s.KubeDeployment.GVK.kind, name },
          minReplicas: scaling.minReplicas,
          maxReplicas: scaling.maxReplicas,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: scaling.targetCpuUtilizationPercent ?? 70 } } }],
        },
      });
    }
    return [deployment, service];
  }

  /**
   * A PodMonitor of the sidecar's `dapr-metrics` (the injector labels the pod with its app id
   * and declares the port), and a ServiceMonitor of the app's metrics port when it has one.
   */
  public scrapePlan(options: ScrapeOptions): ScrapePlan {
    const fail = (field: string, problem: string): ScrapePlan => ({ targets: [], ports: [], poolAlerts: false, problem: [field, problem] });
    const port = options.port ?? this.metricsPortName;
    if (options.portNumber !== undefined) return fail('.portNumber', `${describeValue(options.portNumber)} is set for a DaprWorker, which knows its ports; expected it left out (it is for sandboxes)`);
    if (port !== undefined && port !== this.metricsPortName) return fail('.port', `${describeValue(port)} is not the worker's metricsPortName (${describeValue(this.metricsPortName)}); expected to set metricsPortName on the DaprWorker`);
    const sidecar: ScrapeTarget = { kind: 'PodMonitor', id: `${this.workloadName}-sidecar`, name: `${this.workloadName}-dapr`, selector: { [DAPR_ANNOTATIONS.appId]: this.appId }, port: 'dapr-metrics', path: '/' };
    if (port === undefined) return { targets: [sidecar], ports: [this.sidecarMetricsPort], poolAlerts: false };
    return {
      targets: [sidecar, { kind: 'ServiceMonitor', id: `${this.workloadName}-app`, name: this.workloadName, selector: this.podSelector, port, path: options.path }],
      // Both scraped ports, the sidecar's and the app's: Prometheus may run outside the worker's monitoringNamespace.
      ports: [this.sidecarMetricsPort, ...(this.metricsPortNumber !== undefined ? [this.metricsPortNumber] : [])],
      poolAlerts: false,
    };
  }

  /**
   * A Kafka pub/sub component (`pubsub.kafka`) scoped to this app, with egress to the
   * brokers. Secrets (SASL password, mTLS keys) are referenced, never copied.
   */
  public addPubSub(id: string, props: KafkaPubSubProps): DaprComponent {
    const [field, problem] = checkKafkaProps(props ?? ({} as KafkaPubSubProps));
    if (problem) throw constructError(this, 'DaprWorker', `addPubSub(${JSON.stringify(id)}).${field}`, problem);
    const component = new DaprComponent(this, id, {
      name: props.name,
      type: 'pubsub.kafka',
      metadata: kafkaMetadata(props, this.appId),
      scopes: [this.appId],
      labels: workloadLabels(this.workloadName, 'dapr-component'),
    });
    props.brokers.forEach((b) => this.allowBackend(b, props.peer, `addPubSub(${JSON.stringify(id)}).brokers`));
    this.components.push(component);
    return component;
  }

  /** A Redis state store (`state.redis`) scoped to this app, with egress to Redis. */
  public addStateStore(id: string, props: RedisStateStoreProps): DaprComponent {
    const [field, problem] = checkRedisProps(props ?? ({} as RedisStateStoreProps));
    if (problem) throw constructError(this, 'DaprWorker', `addStateStore(${JSON.stringify(id)}).${field}`, problem);
    // Dapr refuses to start with two actor state stores.
    const actorStore = props.actorStateStore ? this.components.find((c) => c.type === 'state.redis' && this.actorStores.has(c)) : undefined;
    if (actorStore) throw constructError(this, 'DaprWorker', `addStateStore(${JSON.stringify(id)}).actorStateStore`, `is true, but ${JSON.stringify(actorStore.name)} is the actor state store already; expected one actor state store per app`);
    const component = new DaprComponent(this, id, {
      name: props.name,
      type: 'state.redis',
      metadata: redisMetadata(props),
      scopes: [this.appId],
      labels: workloadLabels(this.workloadName, 'dapr-component'),
    });
    this.allowBackend(props.host, props.peer, `addStateStore(${JSON.stringify(id)}).host`);
    this.components.push(component);
    if (props.actorStateStore) this.actorStores.add(component);
    return component;
  }

  /** A declarative subscription of this app to a topic of one of its pub/sub components. */
  public addSubscription(id: string, props: WorkerSubscriptionProps): DaprSubscription {
    if (!this.components.includes(props?.pubsub)) {
      throw constructError(this, 'DaprWorker', `addSubscription(${JSON.stringify(id)}).pubsub`, `${describeValue(props?.pubsub?.name)} is not a pub/sub component of this worker; expected the result of this worker's addPubSub(...)`);
    }
    return new DaprSubscription(this, id, { ...props, scopes: [this.appId], labels: workloadLabels(this.workloadName, 'dapr-subscription') });
  }

  /** A Resiliency scoped to this app; add targets with `forComponent` / `forApp`. */
  public addResiliency(id: string, props: WorkerResiliencyProps = {}): DaprResiliency {
    return new DaprResiliency(this, id, { name: props.name, scopes: [this.appId], labels: workloadLabels(this.workloadName, 'dapr-resiliency') });
  }

  /** Dapr components added to this worker. */
  public get daprComponents(): readonly DaprComponent[] {
    return [...this.components];
  }

  public usesSecret(secretName: string): boolean {
    // Every VaultStaticSecret asks every worker at synth: keep the answer per component count
    // (env and mounts are fixed props; components only get added).
    if (this.usedSecrets?.components !== this.components.length) {
      const envSecrets = Object.entries(this.props.env ?? {}).map(([n, v]) => (v.toEnvVar(n) as { valueFrom?: { secretKeyRef?: { name?: string } } }).valueFrom?.secretKeyRef?.name);
      const mounted = (this.props.secretMounts ?? []).map((m) => m.secretName);
      const fromComponents = this.components.flatMap((c) => c.secrets.map((s) => s.secretName));
      this.usedSecrets = { components: this.components.length, names: new Set([...envSecrets, ...mounted, ...fromComponents].filter((n): n is string => n !== undefined)) };
    }
    return this.usedSecrets.names.has(secretName);
  }

  /** Pods, sidecar included: the sidecar's requests and limits count in every pod. */
  protected capacity(): WorkloadCapacity {
    return { pods: this.maxReplicas, containers: [this.props.resources, this.sidecarResources], claims: 0, claimBytes: 0 };
  }

  private allowDaprTraffic(cpNamespace: string): void {
    for (const { app, port } of DAPR_CONTROL_PLANE_PODS) {
      this.network.allowTo(Peer.pods({ labels: { app }, namespace: cpNamespace }), Port.tcp(port));
    }
    // Service invocation is sidecar to sidecar on dapr-internal, mTLS-authenticated by Dapr.
    const sidecars = Peer.pods({ labels: { [DAPR_INJECTED_LABEL]: 'true' } });
    this.network.allowFrom(sidecars, Port.tcp(DAPR_INTERNAL_PORT));
    this.network.allowTo(sidecars, Port.tcp(DAPR_INTERNAL_PORT));
    const appMetrics = (this.props.ports ?? []).find((p) => p.name === this.metricsPortName);
    this.network.allowFrom(Peer.namespace(this.monitoringNamespace), Port.tcp(this.sidecarMetricsPort), ...(appMetrics ? [Port.tcp(appMetrics.number)] : []));
    if (this.configuration.otlpEndpoint) this.allowBackend(this.configuration.otlpEndpoint, undefined, 'configuration.tracing.otlpEndpoint');
  }

  private allowBackend(address: string, peer: Peer | undefined, field: string): void {
    try {
      if (peer) {
        this.network.allowTo(peer, Port.tcp(Number(address.slice(address.lastIndexOf(':') + 1))));
      } else {
        this.network.allow(address);
      }
    } catch (e) {
      throw constructError(this, 'DaprWorker', field, `${describeValue(address)}: ${(e as Error).message}; set \`peer\` (Peer.pods(...)) when the backend's pods are not labelled app.kubernetes.io/name=<service>`);
    }
  }
}
