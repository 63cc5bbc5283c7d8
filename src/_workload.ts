import { Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { DaprApp } from './_dapr-app';
import { SandboxBlueprint } from './_l1';
import { nameClash } from './_object-names';
import { AgentContainerProps, checkPodInput, ContainerPort, DnsPolicy, hardenedPod, HardenedPodInput, HardenedPodTemplate, PodIdentityProps } from './_pod';
import { cpuMillis, ResourceRequirements, sizeBytes } from './_quantities';
import { checkLabels, checkPort, checkServiceName, looksSecret } from './_validate';
import { ApiAccess, WorkloadIdentity } from './api-access';
import { DaprAppOptions, DaprAppResiliencyProps, DaprAppSubscriptionProps } from './dapr-app';
import { KafkaPubSubProps, RedisStateStoreProps } from './dapr-backends';
import { DaprComponent } from './dapr-component';
import { DaprResiliency } from './dapr-resiliency';
import { DaprSubscription } from './dapr-subscription';
import { ApiServerEndpoint, ClusterDnsOptions, EgressAllowlist, EgressEnforcement } from './egress-allowlist';
import { EnvValue } from './env-value';
import { constructError, describeValue, ProblemCollector } from './errors';
import { AGENT_SANDBOX_PREFIXES, APP_COMPONENT_LABEL, APP_NAME_LABEL, APP_PART_OF_LABEL, DAPR_PREFIX, FTEKIT, POLICY_EXCEPTION_PREFIX, UNSANDBOXED_ANNOTATION, WORKLOAD_LABEL } from './_labels';
import { SandboxRuntime } from './sandbox-runtime';
import { SkillsVolume } from './skills-volume';
import { Workspace } from './workspace';

/**
 * Something that runs pods ftekit can attach policies and monitors to: an FteSandbox, a
 * SandboxPool, a DaprWorker. Other constructs take it by object, never by label strings.
 */
export interface IWorkload extends IConstruct {
  /** Object name of the workload (Sandbox, SandboxTemplate, Deployment...). */
  readonly workloadName: string;
  /** Stable labels on every pod of the workload; an exact selector for them. */
  readonly podSelector: Readonly<Record<string, string>>;
  /** Namespace the pods run in, if the chart sets one. */
  readonly namespace?: string;
}

/** The explicit, stable labels of a workload's pods. Never derived from construct paths. */
export function workloadLabels(name: string, component: string): Record<string, string> {
  return {
    [APP_NAME_LABEL]: name,
    [APP_COMPONENT_LABEL]: component,
    [APP_PART_OF_LABEL]: FTEKIT,
    [WORKLOAD_LABEL]: name,
  };
}

/** The selector part of {@link workloadLabels}: one label, so it never changes. */
export function workloadSelector(name: string): Record<string, string> {
  return { [WORKLOAD_LABEL]: name };
}

/** The namespace of the chart `scope` lives in. */
export function namespaceOf(scope: IConstruct): string | undefined {
  return Chart.of(scope).namespace;
}

/** Compute and storage a workload can use at most, for sizing namespace quotas. */
export interface ResourceFootprint {
  /** Pods at most (pool replicas at their maximum, plus claims). */
  readonly pods: number;
  /** Sum of CPU requests in millicores, runtime overhead included. */
  readonly cpuRequestMillis: number;
  /** Sum of CPU limits in millicores, runtime overhead included. */
  readonly cpuLimitMillis: number;
  /** Sum of memory requests in bytes. */
  readonly memoryRequestBytes: number;
  /** Sum of memory limits in bytes. */
  readonly memoryLimitBytes: number;
  /** PersistentVolumeClaims at most. */
  readonly persistentVolumeClaims: number;
  /** Sum of storage requests in bytes. */
  readonly storageBytes: number;
  /** Largest single-container CPU limit in millicores. */
  readonly maxContainerCpuMillis: number;
  /** Largest single-container memory limit in bytes. */
  readonly maxContainerMemoryBytes: number;
  /** Largest single PVC in bytes (0 if none). */
  readonly maxClaimBytes: number;
}

/** A construct that reports its {@link ResourceFootprint} to FteNamespace. */
export interface IHasFootprint extends IConstruct {
  /** Namespace whose quota the footprint counts against. */
  readonly namespace?: string;
  /** The footprint, computed at synth time. */
  footprint(): ResourceFootprint;
  /**
   * Existing claims the workload mounts and shares with others (a skills claim), by name and
   * requested bytes: counted once per name in the namespace's quota and LimitRange.
   */
  sharedClaims?(): ReadonlyArray<{ readonly name: string; readonly bytes: number }>;
}

/** Type guard for {@link IHasFootprint}. */
export function hasFootprint(c: IConstruct): c is IHasFootprint {
  return typeof (c as Partial<IHasFootprint>).footprint === 'function';
}

/** What a workload runs, for {@link podFootprint}. */
export interface PodShape {
  /** Pods at most. */
  readonly pods: number;
  /** Requirements of every container of one pod (the agent, and a sidecar if any). */
  readonly containers: readonly ResourceRequirements[];
  /** Runtime whose per-pod overhead counts towards quotas (none: pods ftekit does not run). */
  readonly runtime?: SandboxRuntime;
  /** PersistentVolumeClaims held. */
  readonly claims: number;
  /** Size of each claim in bytes (0 when the workload has no persistent claims). */
  readonly claimBytes: number;
}

/** The footprint of `shape.pods` identical pods: containers plus runtime overhead. */
export function podFootprint(shape: PodShape): ResourceFootprint {
  const sum = (f: (r: ResourceRequirements) => number): number => shape.containers.reduce((acc, r) => acc + f(r), 0);
  const max = (f: (r: ResourceRequirements) => number): number => Math.max(...shape.containers.map(f));
  const overhead = shape.runtime?.overhead;
  const overCpu = overhead ? cpuMillis(overhead.cpu) : 0;
  const overMem = overhead ? sizeBytes(overhead.memory) : 0;
  const { pods } = shape;
  return {
    pods,
    cpuRequestMillis: pods * (sum((r) => cpuMillis(r.cpu.request)) + overCpu),
    cpuLimitMillis: pods * (sum((r) => cpuMillis(r.cpu.limit)) + overCpu),
    memoryRequestBytes: pods * (sum((r) => sizeBytes(r.memory.request)) + overMem),
    memoryLimitBytes: pods * (sum((r) => sizeBytes(r.memory.limit)) + overMem),
    persistentVolumeClaims: shape.claims,
    storageBytes: shape.claims * shape.claimBytes,
    maxContainerCpuMillis: max((r) => cpuMillis(r.cpu.limit)),
    maxContainerMemoryBytes: max((r) => sizeBytes(r.memory.limit)),
    maxClaimBytes: shape.claimBytes,
  };
}

/**
 * Props every ftekit workload shares (FteSandbox, SandboxPool, DaprWorker): the hardened
 * container plus its name, runtime, pod identity, API access, pod metadata and network
 * allowlist.
 */
export interface WorkloadProps extends AgentContainerProps {
  /**
   * Object name of the workload and of its ServiceAccount and policies.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Isolation runtime of the pods: its RuntimeClass, node selector and tolerations.
   * @default SandboxRuntime.GVISOR
   */
  readonly runtime?: SandboxRuntime;
  /**
   * UID, GID and fsGroup of the pods' security context (never root).
   * @default - UID, GID and fsGroup 65532
   */
  readonly identity?: PodIdentityProps;
  /**
   * How the pods resolve names (`spec.dnsPolicy`).
   * @default DnsPolicy.CLUSTER_FIRST
   */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Kubernetes API access. Without it the ServiceAccount token is not mounted.
   * @default - none
   */
  readonly apiAccess?: ApiAccess[];
  /**
   * Where the Kubernetes API server's endpoints are, for the egress `apiAccess` implies:
   * required with `apiAccess` unless the enforcement is EgressEnforcement.CILIUM (which allows
   * the `kube-apiserver` entity instead).
   * @default - none
   */
  readonly apiServer?: ApiServerEndpoint;
  /**
   * Extra labels on the pods; keys ftekit sets itself (its selectors use them) are refused.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /**
   * Extra annotations on the pods; `ftekit.dev/unsandboxed` is refused (ftekit sets it from the
   * runtime).
   * @default - none
   */
  readonly podAnnotations?: Record<string, string>;
  /**
   * How the egress allowlist is enforced.
   * @default EgressEnforcement.KUBERNETES
   */
  readonly egressEnforcement?: EgressEnforcement;
  /**
   * Seed-style egress destinations (`kafka:9092`, `api.anthropic.com:443`); more with
   * `.network.allowTo(...)`.
   * @default - DNS only
   */
  readonly egress?: string[];
  /**
   * Where cluster DNS runs: the workload's allowlist always permits egress to it on 53/UDP and
   * 53/TCP.
   * @default - kube-dns in kube-system
   */
  readonly clusterDns?: ClusterDnsOptions;
}

/**
 * Checks the props of {@link WorkloadProps} in the same way for every workload, recording
 * every problem in `problems` (`scope` is the workload, whose names are claimed), and
 * returns the resolved name and runtime. Pod label and annotation keys starting with one of
 * `reservedPrefixes` are refused with the problem `reservedProblem` describes.
 */
export function checkWorkloadProps(
  scope: IConstruct,
  problems: ProblemCollector,
  id: string,
  props: WorkloadProps,
  reservedPrefixes: readonly string[],
  reservedProblem: (key: string, prefix: string) => string,
): { readonly name: string; readonly runtime: SandboxRuntime } {
  const name = props.name ?? id;
  if (problems.add('name', checkServiceName(name), name)) {
    // Every workload has a ServiceAccount (and Service, policies) of its name; the Service
    // is ours, or the agent-sandbox controller's for a Sandbox.
    problems.add('name', nameClash(scope, 'ServiceAccount', name) ?? nameClash(scope, 'Service', name), name);
  }
  checkPodInput(problems, props);
  const runtime = props.runtime ?? SandboxRuntime.GVISOR;
  problems.add('runtime', runtime instanceof SandboxRuntime ? undefined : `${describeValue(props.runtime)} is not a SandboxRuntime; expected e.g. SandboxRuntime.GVISOR`);
  problems.add('dnsPolicy', props.dnsPolicy === undefined || Object.values(DnsPolicy).includes(props.dnsPolicy) ? undefined : `${describeValue(props.dnsPolicy)} is not a DnsPolicy; expected DnsPolicy.CLUSTER_FIRST or DnsPolicy.DEFAULT`);
  problems.add('podLabels', checkLabels(props.podLabels));
  problems.add('podAnnotations', Object.keys(props.podAnnotations ?? {}).map((k) => checkLabels({ [k]: '' })).find((p) => p));
  for (const field of ['podLabels', 'podAnnotations'] as const) {
    for (const key of Object.keys(props[field] ?? {})) {
      const reserved = reservedPrefixes.find((p) => key.startsWith(p));
      problems.add(field, reserved ? reservedProblem(key, reserved) : undefined);
    }
  }
  // ftekit sets these itself; a user value would be silently replaced.
  const ownLabel = Object.keys(props.podLabels ?? {}).find((k) => k in workloadLabels('x', 'x'));
  problems.add('podLabels', ownLabel ? `key ${JSON.stringify(ownLabel)} is set by ftekit on every pod (its selectors use it); expected another key` : undefined);
  problems.add('podAnnotations', props.podAnnotations && UNSANDBOXED_ANNOTATION in props.podAnnotations ? `key ${JSON.stringify(UNSANDBOXED_ANNOTATION)} is set by ftekit from SandboxRuntime.unsandboxedForLocalDevelopment(reason); expected another key` : undefined);
  return { name, runtime };
}

/**
 * Object metadata that makes literals declared not secret (`EnvValue.fromValue(v,
 * { notSecret: true })` under a secret-looking name such as `MAX_TOKENS`) visible to the
 * policy gate as an exception of rule `env-secret-literal`, with the names as the reason.
 * Every other secret-looking literal was refused when the props were checked. Empty when
 * there is none, so output without such literals is unchanged.
 */
export function declaredNotSecretMetadata(props: AgentContainerProps): { annotations?: Record<string, string> } {
  const names = Object.entries(props.env ?? {}).filter(([name, value]) => value.isLiteral && looksSecret(name)).map(([name]) => name).sort();
  if (names.length === 0) return {};
  return { annotations: { [`${POLICY_EXCEPTION_PREFIX}env-secret-literal`]: `declared not secret (EnvValue.fromValue(..., { notSecret: true })): ${names.join(', ')}` } };
}

/**
 * {@link declaredNotSecretMetadata} of a Sandbox or SandboxTemplate, plus the annotations its
 * skills volume needs (an image volume's policy exception, stating the Kubernetes version).
 */
export function sandboxObjectMetadata(props: SandboxBlueprintProps): { annotations?: Record<string, string> } {
  const annotations = { ...declaredNotSecretMetadata(props).annotations, ...(props.skills instanceof SkillsVolume ? props.skills.objectAnnotations() : {}) };
  return Object.keys(annotations).length ? { annotations } : {};
}

/**
 * What every agent-sandbox workload (an FteSandbox, or a SandboxPool's template) is made
 * of: the hardened container, its runtime, workspace, identity and network allowlist.
 */
export interface SandboxBlueprintProps extends WorkloadProps {
  /**
   * Object name (Sandbox, SandboxTemplate/SandboxWarmPool, ServiceAccount, policies).
   * Becomes the pod's name and DNS name for an FteSandbox.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Where the agent keeps its files: a PersistentVolumeClaim per sandbox (from a
   * volumeClaimTemplate) or an emptyDir.
   * @default Workspace.persistent() (10Gi, ReadWriteOnce, at /workspace)
   */
  readonly workspace?: Workspace;
  /**
   * A read-only volume of skills and tools for the agent: `SkillsVolume.image(ref)` or
   * `SkillsVolume.claim(name, { readOnly: true })`.
   * @default - none
   */
  readonly skills?: SkillsVolume;
  /**
   * Create a headless Service per sandbox, giving it a stable DNS name.
   * @default true
   */
  readonly service?: boolean;
  /**
   * Make the sandboxes Dapr apps: their pod template asks the Dapr injector for the same
   * hardened `daprd` sidecar as a DaprWorker's, with the app's own Configuration and the Dapr
   * flows on the allowlist (control plane, sidecar to sidecar, sidecar metrics). Add
   * components with `addPubSub`, `addStateStore`, `addSubscription`, `addResiliency`. `{}`
   * takes every default. Needs Dapr installed with the injector dropping ALL capabilities
   * (see the README), or Pod Security `restricted` rejects the pod.
   *
   * In a SandboxPool every sandbox, warm or claimed, is an instance of the one app id (the
   * pool name by default): service invocation of the app id reaches any of them and a
   * subscription delivers each message to one of them (one consumer group). Reach one
   * claimed sandbox by its own Service instead.
   * @default - no Dapr sidecar
   */
  readonly dapr?: DaprAppOptions;
  /**
   * Extra pod labels. Keys under `agents.x-k8s.io/` are reserved by the controller.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
}

/** Where Prometheus scrapes a workload: the options of `FteMonitoring.monitor(...)`. */
export interface ScrapeOptions {
  /** Name of the metrics port, if given. */
  readonly port?: string;
  /** Number of that port, if given. */
  readonly portNumber?: number;
  /** URL path of the metrics. */
  readonly path: string;
}

/** One monitor of a workload's pods. */
export interface ScrapeTarget {
  /** Monitor kind. */
  readonly kind: 'PodMonitor' | 'ServiceMonitor';
  /** Construct id of the monitor (under the FteMonitoring). */
  readonly id: string;
  /** Object name of the monitor. */
  readonly name: string;
  /** Labels the monitor selects (pods for a PodMonitor, the Service for a ServiceMonitor). */
  readonly selector: Readonly<Record<string, string>>;
  /** Name of the scraped port. */
  readonly port: string;
  /** URL path scraped. */
  readonly path: string;
}

/** How a workload is monitored, as the workload decides it from {@link ScrapeOptions}. */
export interface ScrapePlan {
  /** Monitors to create, in order. */
  readonly targets: readonly ScrapeTarget[];
  /** Pod ports the workload's allowlist opens to Prometheus. */
  readonly ports: readonly number[];
  /** Whether the workload gets the warm-pool alerts. */
  readonly poolAlerts: boolean;
  /** What is wrong with the options, as `[field, problem]` (field relative to `monitor(...)`). */
  readonly problem?: readonly [string, string];
}

/** What a workload runs per pod and how many, for its {@link ResourceFootprint}. */
export type WorkloadCapacity = Omit<PodShape, 'runtime'>;

/**
 * The one base of every ftekit workload (FteSandbox, SandboxPool, DaprWorker): the checks of
 * {@link WorkloadProps}, name, runtime, stable labels and selector, the ServiceAccount and API
 * grants, the default-deny allowlist, the hardened pod and the footprint. Not exported from
 * the package.
 */
export abstract class Workload extends Construct implements IWorkload, IHasFootprint {
  public readonly workloadName: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly namespace?: string;
  /** The isolation runtime. */
  public readonly runtime: SandboxRuntime;
  protected readonly props: WorkloadProps;
  /**
   * The problems of the props, collected while the workload is built; the subclass calls
   * `problems.throwIfAny()` before it emits its own objects.
   */
  protected readonly problems: ProblemCollector;
  /** Construct kind named in errors. */
  private readonly kind: string;
  private wiredLabels?: Record<string, string>;
  private wiredDapr?: DaprApp;
  private wiredIdentity?: WorkloadIdentity;
  private wiredNetwork?: EgressAllowlist;

  /**
   * Checks the shared props (`kind` names the construct in errors; pod label and annotation
   * keys under `reservedPrefixes` are refused as `reservedProblem` says), recording every
   * problem in {@link problems}.
   */
  protected constructor(scope: Construct, id: string, kind: string, props: WorkloadProps,
    reservedPrefixes: readonly string[], reservedProblem: (key: string, prefix: string) => string) {
    super(scope, id);
    this.props = props;
    this.kind = kind;
    this.problems = ProblemCollector.forConstruct(this, kind);
    const { name, runtime } = checkWorkloadProps(this, this.problems, id, props, reservedPrefixes, reservedProblem);
    this.runtime = runtime;
    this.workloadName = name;
    this.namespace = namespaceOf(this);
    this.podSelector = workloadSelector(name);
  }

  /** The workload's ServiceAccount and optional API grants. */
  public get identity(): WorkloadIdentity {
    return this.wired(this.wiredIdentity);
  }

  /** The workload's default-deny network allowlist; add rules with `allowTo`/`allowFrom`. */
  public get network(): EgressAllowlist {
    return this.wired(this.wiredNetwork);
  }

  /** The container ports the agent declares. */
  public get declaredPorts(): readonly ContainerPort[] {
    return [...(this.props.ports ?? [])];
  }

  /** Dapr app id of the pods, when the workload is Dapr-enabled. */
  public get daprAppId(): string | undefined {
    return this.wiredDapr?.appId;
  }

  /** Dapr components added to this workload (none unless it is Dapr-enabled). */
  public get daprComponents(): readonly DaprComponent[] {
    return this.wiredDapr?.daprComponents ?? [];
  }

  /**
   * A Kafka pub/sub component (`pubsub.kafka`) scoped to this workload's Dapr app, with egress
   * to the brokers. Secrets (SASL password, mTLS keys) are referenced, never copied. The
   * workload must be Dapr-enabled.
   */
  public addPubSub(id: string, props: KafkaPubSubProps): DaprComponent {
    return this.daprApp(`addPubSub(${JSON.stringify(id)})`).addPubSub(this.network, id, props);
  }

  /**
   * A Redis state store (`state.redis`) scoped to this workload's Dapr app, with egress to
   * Redis. The workload must be Dapr-enabled.
   */
  public addStateStore(id: string, props: RedisStateStoreProps): DaprComponent {
    return this.daprApp(`addStateStore(${JSON.stringify(id)})`).addStateStore(this.network, id, props);
  }

  /** A declarative subscription of this Dapr app to a topic of one of its pub/sub components. */
  public addSubscription(id: string, props: DaprAppSubscriptionProps): DaprSubscription {
    return this.daprApp(`addSubscription(${JSON.stringify(id)})`).addSubscription(id, props);
  }

  /** A Resiliency scoped to this Dapr app; add targets with `forComponent` / `forApp`. */
  public addResiliency(id: string, props: DaprAppResiliencyProps = {}): DaprResiliency {
    return this.daprApp(`addResiliency(${JSON.stringify(id)})`).addResiliency(id, props);
  }

  /** Labels of the workload's pods and objects: the user's pod labels, then ftekit's own. */
  protected get labels(): Record<string, string> {
    return this.wired(this.wiredLabels);
  }

  /** How FteMonitoring scrapes this workload, given its options. */
  public abstract scrapePlan(options: ScrapeOptions): ScrapePlan;

  public footprint(): ResourceFootprint {
    return podFootprint({ ...this.capacity(), runtime: this.runtime });
  }

  /** Pods this workload can run at once, their containers, and the PVCs it holds. */
  protected abstract capacity(): WorkloadCapacity;

  /**
   * Labels and ServiceAccount (id `Identity`) of the workload, its objects labelled as
   * `component`. Called once the subclass's own props are checked.
   */
  protected addIdentity(component: string): WorkloadIdentity {
    const props = this.props;
    this.wiredLabels = { ...(props.podLabels ?? {}), ...workloadLabels(this.workloadName, component) };
    // The children check their own props; their problems join this workload's. A bad name
    // is already a problem of this workload: no identity is made from it.
    this.wiredIdentity = (checkServiceName(this.workloadName) === undefined
      ? this.problems.attempt(() => new WorkloadIdentity(this, 'Identity', { name: this.workloadName, apiAccess: props.apiAccess, labels: workloadLabels(this.workloadName, component) }))
      : undefined) as WorkloadIdentity;
    return this.wiredIdentity;
  }

  /**
   * The default-deny allowlist (id `Network`) with the props' egress, whose problems are
   * reported as this workload's own `egress[i]`.
   */
  protected addNetwork(): EgressAllowlist {
    const props = this.props;
    this.wiredNetwork = this.problems.attempt(() => new EgressAllowlist(this, 'Network', {
      workload: this,
      enforcement: props.egressEnforcement,
      clusterDns: props.clusterDns,
    })) as EgressAllowlist;
    this.wiredNetwork?.allowDestinations(props.egress ?? [], this.problems);
    // API access is useless without a path to the API server.
    const network = this.wiredNetwork;
    if (props.apiAccess?.length && network && this.problems.add('apiServer', network.kubeApiServerProblem(props.apiServer), props.apiServer)) network.allowKubeApiServer(props.apiServer);
    return this.wiredNetwork;
  }

  /**
   * Makes this workload a Dapr app with `options` (their fields named `field` + name in
   * errors), its objects labelled as `component`; the problems join {@link problems}. Called
   * after {@link addIdentity}; {@link allowDaprTraffic} opens its flows once the props are good.
   */
  protected addDapr(options: DaprAppOptions, field: string, component: string, terminationGracePeriodSeconds: number | undefined): DaprApp {
    this.wiredDapr = new DaprApp({
      scope: this,
      kind: this.kind,
      name: this.workloadName,
      labels: (c) => workloadLabels(this.workloadName, c),
      component,
      ports: this.props.ports ?? [],
      terminationGracePeriodSeconds,
      field,
    }, this.problems, options);
    return this.wiredDapr;
  }

  /** The flows of a Dapr-enabled workload (none otherwise); `appMetricsPort` is also opened to Prometheus. */
  protected allowDaprTraffic(appMetricsPort?: number): void {
    this.wiredDapr?.allowTraffic(this.network, appMetricsPort);
  }

  /** The Dapr side of this workload, if Dapr-enabled. */
  protected get dapr(): DaprApp | undefined {
    return this.wiredDapr;
  }

  /** The requirements of every container of one pod: the agent, and the Dapr sidecar if any. */
  protected podContainers(): ResourceRequirements[] {
    return [this.props.resources, ...(this.wiredDapr ? [this.wiredDapr.sidecarResources] : [])];
  }

  /** The hardened pod of this workload ({@link hardenedPod}), with `extra` inputs; a Dapr app's pods ask for the sidecar. */
  protected podTemplate(extra: Partial<HardenedPodInput> = {}): HardenedPodTemplate {
    const { annotations, ...rest } = extra;
    const dapr = this.wiredDapr?.podAnnotations() ?? {};
    const all = { ...(annotations ?? this.props.podAnnotations ?? {}), ...dapr };
    return hardenedPod({
      ...this.props,
      runtime: this.runtime,
      serviceAccountName: this.identity.serviceAccountName,
      automountServiceAccountToken: this.identity.mountsToken,
      labels: this.labels,
      annotations: Object.keys(all).length ? all : undefined,
      ...rest,
    });
  }

  private daprApp(call: string): DaprApp {
    if (this.wiredDapr) return this.wiredDapr;
    throw constructError(this, this.kind, call, `is called on a ${this.kind} without Dapr; expected the \`dapr\` prop (e.g. dapr: {}) to make its pods a Dapr app`);
  }

  private wired<T>(value: T | undefined): T {
    if (value === undefined) throw new Error(`unreachable: ${this.node.path} used before its identity and network were added`);
    return value;
  }
}

/** Shared base of FteSandbox and SandboxPool. Not exported from the package. */
export abstract class SandboxWorkload extends Workload {
  /** The workspace. */
  public readonly workspace: Workspace;
  protected declare readonly props: SandboxBlueprintProps;

  /**
   * Checks every prop, the subclass's own with `checkOwn`, and throws one error listing all
   * problems before the subclass emits any object.
   */
  protected constructor(scope: Construct, id: string, kind: string, component: string, props: SandboxBlueprintProps, checkOwn: (problems: ProblemCollector) => void) {
    super(scope, id, kind, props, [...AGENT_SANDBOX_PREFIXES, DAPR_PREFIX],
      (key, prefix) => (prefix === DAPR_PREFIX
        ? `key ${JSON.stringify(key)} is under ${DAPR_PREFIX}, which ftekit and the Dapr injector own; expected the \`dapr\` prop instead`
        : `key ${JSON.stringify(key)} uses the prefix ${prefix}, which the agent-sandbox controller silently drops; expected another prefix`));
    this.workspace = props.workspace ?? Workspace.persistent();
    this.problems.add('workspace', this.workspace instanceof Workspace ? this.workspace.check() : `${describeValue(props.workspace)} is not a Workspace; expected Workspace.persistent(...) or Workspace.ephemeral(...)`);
    (props.secretMounts ?? []).forEach((m, i) => this.problems.add(`secretMounts[${i}].mountPath`,
      m.mountPath === this.workspace.mountPath ? `${JSON.stringify(m.mountPath)} is the workspace's mount path; expected another path` : undefined, m.mountPath));
    // Rotation reaches files, not env, and a sandbox cannot be rolled out to re-read it.
    Object.entries(props.env ?? {}).forEach(([name, value]) => this.problems.add(`env.${name}`, value instanceof EnvValue ? value.checkRotationFor(name) : undefined));
    this.checkSkills(props);
    checkOwn(this.problems);
    this.addIdentity(component);
    // A sandbox's pod keeps Kubernetes' default grace period (30 s).
    if (props.dapr !== undefined) this.addDapr(props.dapr, 'dapr.', component, 30);
    this.addNetwork();
    this.problems.throwIfAny();
    this.allowDaprTraffic();
  }

  /** The skills claim, when the workload mounts one: it lives in the namespace, shared. */
  public sharedClaims(): ReadonlyArray<{ readonly name: string; readonly bytes: number }> {
    const claim = this.props.skills instanceof SkillsVolume ? this.props.skills.sharedClaim() : undefined;
    return claim ? [claim] : [];
  }

  /** Records the problems of the `skills` prop, and of its mount path against the other mounts. */
  private checkSkills(props: SandboxBlueprintProps): void {
    const skills = props.skills;
    if (skills === undefined) return;
    if (!(skills instanceof SkillsVolume)) {
      this.problems.add('skills', `${describeValue(skills)} is not a SkillsVolume; expected SkillsVolume.image(...) or SkillsVolume.claim(...)`);
      return;
    }
    for (const [field, problem] of skills.problems()) this.problems.add(`skills${field}`, problem);
    const taken = [
      ...(this.workspace instanceof Workspace ? [[this.workspace.mountPath, 'the workspace\'s']] : []),
      ...(props.secretMounts ?? []).map((m, i) => [m.mountPath, `secretMounts[${i}]'s`]),
    ];
    const clash = taken.find(([path]) => path === skills.mountPath);
    this.problems.add('skills.mountPath', clash ? `${JSON.stringify(skills.mountPath)} is ${clash[1]} mount path; expected another path` : undefined, skills.mountPath);
  }

  /**
   * A PodMonitor of the Dapr sidecar of a Dapr app, and one of the agent's metrics port when
   * `port` (and `portNumber`) are given; a
   * pool with warm sandboxes also gets the pool alerts.
   */
  public scrapePlan(options: ScrapeOptions): ScrapePlan {
    const poolAlerts = this.hasPoolAlerts();
    const fail = (field: string, problem: string): ScrapePlan => ({ targets: [], ports: [], poolAlerts, problem: [field, problem] });
    // A Dapr app's sidecar is scraped too, as a DaprWorker's is.
    const sidecar = this.dapr ? { targets: [this.dapr.sidecarScrapeTarget()], ports: [this.dapr.sidecarMetricsPort] } : { targets: [], ports: [] };
    if (options.port === undefined) {
      if (options.portNumber !== undefined) return fail('.port', 'is missing while portNumber is set; expected both');
      return { ...sidecar, poolAlerts };
    }
    if (options.portNumber === undefined || checkPort(options.portNumber)) return fail('.portNumber', `${describeValue(options.portNumber)} is not a port; expected the number of port ${JSON.stringify(options.port)}, for the allowlist rule that admits Prometheus`);
    // The PodMonitor scrapes the container port by name: an undeclared one scrapes nothing.
    const declared = this.declaredPorts.find((p) => p.name === options.port);
    if (!declared) return fail('.port', `${JSON.stringify(options.port)} is not the name of a port the sandbox declares (${this.declaredPorts.map((p) => p.name ?? p.number).join(', ') || 'none'}); expected a declared, named port`);
    if (declared.number !== options.portNumber) return fail('.portNumber', `${options.portNumber} is not the number of port ${JSON.stringify(options.port)} (${declared.number}); expected ${declared.number}`);
    return {
      targets: [...sidecar.targets, { kind: 'PodMonitor', id: `${this.workloadName}-pods`, name: this.workloadName, selector: this.podSelector, port: options.port, path: options.path }],
      ports: [...sidecar.ports, options.portNumber],
      poolAlerts,
    };
  }

  /** Whether the pool alerts apply (a SandboxPool with warm sandboxes). */
  protected hasPoolAlerts(): boolean {
    return false;
  }

  /** Pods at most and PVCs held. */
  protected abstract sandboxCapacity(): { readonly pods: number; readonly claims: number };

  protected capacity(): WorkloadCapacity {
    const { pods, claims } = this.sandboxCapacity();
    const persistent = this.workspace.persistent;
    return {
      pods,
      containers: this.podContainers(),
      claims: persistent ? claims : 0,
      claimBytes: persistent ? sizeBytes(this.workspace.size) : 0,
    };
  }

  /** The agent-sandbox `SandboxBlueprint` part of a Sandbox or SandboxTemplate spec. */
  protected blueprint(): SandboxBlueprint {
    return {
      podTemplate: this.podTemplate({
        extraMounts: [{ name: 'workspace', mountPath: this.workspace.mountPath }, ...(this.props.skills ? [this.props.skills.mount()] : [])],
        extraVolumes: [...(this.workspace.persistent ? [] : [this.workspace.podVolume()]), ...(this.props.skills ? [this.props.skills.podVolume()] : [])],
      }),
      ...(this.workspace.persistent ? { volumeClaimTemplates: [this.workspace.claimTemplate(workloadLabels(this.workloadName, 'workspace'))] } : {}),
      service: this.props.service ?? true,
    };
  }
}
