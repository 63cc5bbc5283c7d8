import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { DaprApp } from './_dapr-app';
import { DAPR_PREFIX } from './_labels';
import { HardenedPodTemplate } from './_pod';
import { IRolloutTarget, registerRolloutTarget, RolloutKind } from './_rollout';
import { checkInteger, secondsOf } from './_validate';
import { declaredNotSecretMetadata, ScrapeOptions, ScrapePlan, Workload, WorkloadCapacity, workloadLabels, WorkloadProps } from './_workload';
import { ApiAccess } from './api-access';
import { DaprAppConfigurationOptions, DaprAppOptions, DaprAppResiliencyProps, DaprAppSubscriptionProps } from './dapr-app';
import { DaprConfiguration } from './dapr-configuration';
import { describeValue } from './errors';

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
export type WorkerConfigurationOptions = DaprAppConfigurationOptions;

/** Props for {@link DaprWorker.addSubscription}: the worker's app id is the scope. */
export type WorkerSubscriptionProps = DaprAppSubscriptionProps;

/** Props for {@link DaprWorker.addResiliency}. */
export type WorkerResiliencyProps = DaprAppResiliencyProps;

/** Props for {@link DaprWorker}. */
export interface DaprWorkerProps extends WorkloadProps, DaprAppOptions {
  /**
   * Name of the Deployment, Service, ServiceAccount, Configuration and policies.
   * @default - the construct id
   */
  readonly name?: string;
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
  private readonly maxReplicas: number;
  private usedSecrets?: { readonly components: number; readonly names: ReadonlySet<string> };

  public constructor(scope: Construct, id: string, props: DaprWorkerProps) {
    super(scope, id, 'DaprWorker', props, [DAPR_PREFIX],
      (key) => `key ${JSON.stringify(key)} is under dapr.io/, which the worker and the Dapr injector own; expected a DaprWorker prop instead (e.g. sidecar, appPort)`);
    const problems = this.problems;
    problems.add('readiness', props.readiness === undefined ? 'is missing; expected a readiness probe (a Deployment behind a Service must say when a pod can take traffic)' : undefined);
    const ports = props.ports ?? [];
    ports.forEach((p, i) => problems.add(`ports[${i}].name`, p.name === undefined ? `port ${p.number} has no name; expected a name (the Service and monitors refer to ports by name)` : undefined));
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
    const grace = secondsOf(props.terminationGracePeriod ?? Duration.seconds(30), 1, 3600);
    problems.add('terminationGracePeriod', typeof grace === 'string' ? grace : undefined);

    this.addIdentity('dapr-worker');
    // The Dapr options are the worker's own props.
    const dapr = this.addDapr(props, '', 'dapr-worker', typeof grace === 'number' ? grace : undefined);
    this.appId = dapr.appId;
    this.configuration = dapr.configuration;
    this.sidecarMetricsPort = dapr.sidecarMetricsPort;
    this.monitoringNamespace = dapr.monitoringNamespace;
    this.addNetwork();
    problems.throwIfAny();
    this.allowDaprTraffic(this.metricsPortNumber);

    const pod = this.podTemplate({
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
    const sidecar = (this.dapr as DaprApp).sidecarScrapeTarget();
    if (port === undefined) return { targets: [sidecar], ports: [this.sidecarMetricsPort], poolAlerts: false };
    return {
      targets: [sidecar, { kind: 'ServiceMonitor', id: `${this.workloadName}-app`, name: this.workloadName, selector: this.podSelector, port, path: options.path }],
      // Both scraped ports, the sidecar's and the app's: Prometheus may run outside the worker's monitoringNamespace.
      ports: [this.sidecarMetricsPort, ...(this.metricsPortNumber !== undefined ? [this.metricsPortNumber] : [])],
      poolAlerts: false,
    };
  }

  public usesSecret(secretName: string): boolean {
    // Every VaultStaticSecret asks every worker at synth: keep the answer per component count
    // (env and mounts are fixed props; components only get added).
    const components = this.daprComponents;
    if (this.usedSecrets?.components !== components.length) {
      const envSecrets = Object.entries(this.props.env ?? {}).map(([n, v]) => (v.toEnvVar(n) as { valueFrom?: { secretKeyRef?: { name?: string } } }).valueFrom?.secretKeyRef?.name);
      const mounted = (this.props.secretMounts ?? []).map((m) => m.secretName);
      const fromComponents = components.flatMap((c) => c.secrets.map((s) => s.secretName));
      this.usedSecrets = { components: components.length, names: new Set([...envSecrets, ...mounted, ...fromComponents].filter((n): n is string => n !== undefined)) };
    }
    return this.usedSecrets.names.has(secretName);
  }

  /** Pods, sidecar included: the sidecar's requests and limits count in every pod. */
  protected capacity(): WorkloadCapacity {
    return { pods: this.maxReplicas, containers: this.podContainers(), claims: 0, claimBytes: 0 };
  }
}
