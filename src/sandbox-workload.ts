import { Construct } from 'constructs';
import { ApiAccess, WorkloadIdentity } from './api-access';
import { AgentContainerProps } from './agent-container';
import { describeValue, ensure } from './errors';
import { ClusterDnsOptions, EgressAllowlist, EgressEnforcement } from './egress-allowlist';
import { checkDnsLabel, checkLabels } from './input-checks';
import { checkPodInput, DnsPolicy, hardenedPod, PodIdentityProps } from './pod-hardening';
import { cpuMillis, sizeBytes } from './resources';
import { SandboxRuntime } from './sandbox-runtime';
import { IHasFootprint, IWorkload, namespaceOf, ResourceFootprint, workloadLabels, workloadSelector } from './workload';
import { Workspace } from './workspace';

/**
 * What every agent-sandbox workload (an FteSandbox, or a SandboxPool's template) is made
 * of: the hardened container, its runtime, workspace, identity and network allowlist.
 */
export interface SandboxBlueprintProps extends AgentContainerProps {
  /**
   * Object name (Sandbox, SandboxTemplate/SandboxWarmPool, ServiceAccount, policies).
   * Becomes the pod's name and DNS name for an FteSandbox.
   * @default - the construct id
   */
  readonly name?: string;
  /** @default SandboxRuntime.GVISOR */
  readonly runtime?: SandboxRuntime;
  /** @default Workspace.persistent() (10Gi, ReadWriteOnce, at /workspace) */
  readonly workspace?: Workspace;
  /**
   * Create a headless Service per sandbox, giving it a stable DNS name.
   * @default true
   */
  readonly service?: boolean;
  /** @default - UID, GID and fsGroup 65532 */
  readonly identity?: PodIdentityProps;
  /** @default DnsPolicy.CLUSTER_FIRST */
  readonly dnsPolicy?: DnsPolicy;
  /**
   * Kubernetes API access. Without it the ServiceAccount token is not mounted.
   * @default - none
   */
  readonly apiAccess?: ApiAccess[];
  /**
   * Extra pod labels. Keys under `agents.x-k8s.io/` are reserved by the controller.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
  /** @default - none */
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
  /** @default - kube-dns in kube-system */
  readonly clusterDns?: ClusterDnsOptions;
}

const RESERVED_PREFIXES = ['agents.x-k8s.io/', 'extensions.agents.x-k8s.io/'];

/** Shared base of FteSandbox and SandboxPool. Not exported from the package. */
export abstract class SandboxWorkload extends Construct implements IWorkload, IHasFootprint {
  public readonly workloadName: string;
  public readonly podSelector: Readonly<Record<string, string>>;
  public readonly namespace?: string;
  /** The workload's default-deny network allowlist; add rules with `allowTo`/`allowFrom`. */
  public readonly network: EgressAllowlist;
  /** The workload's ServiceAccount and optional API grants. */
  public readonly identity: WorkloadIdentity;
  /** The isolation runtime. */
  public readonly runtime: SandboxRuntime;
  /** The workspace. */
  public readonly workspace: Workspace;
  protected readonly props: SandboxBlueprintProps;
  protected readonly labels: Record<string, string>;

  protected constructor(scope: Construct, id: string, kind: string, component: string, props: SandboxBlueprintProps) {
    super(scope, id);
    this.props = props;
    const name = props.name ?? id;
    ensure(this, kind, 'name', checkDnsLabel(name));
    checkPodInput(this, kind, props);
    this.runtime = props.runtime ?? SandboxRuntime.GVISOR;
    ensure(this, kind, 'runtime', this.runtime instanceof SandboxRuntime ? undefined : `${describeValue(props.runtime)} is not a SandboxRuntime; expected e.g. SandboxRuntime.GVISOR`);
    this.workspace = props.workspace ?? Workspace.persistent();
    ensure(this, kind, 'workspace', this.workspace instanceof Workspace ? this.workspace.check() : `${describeValue(props.workspace)} is not a Workspace; expected Workspace.persistent(...) or Workspace.ephemeral(...)`);
    ensure(this, kind, 'podLabels', checkLabels(props.podLabels));
    ensure(this, kind, 'podAnnotations', Object.keys(props.podAnnotations ?? {}).map((k) => checkLabels({ [k]: '' })).find((p) => p));
    for (const key of [...Object.keys(props.podLabels ?? {}), ...Object.keys(props.podAnnotations ?? {})]) {
      const reserved = RESERVED_PREFIXES.find((p) => key.startsWith(p));
      ensure(this, kind, 'podLabels', reserved ? `key ${JSON.stringify(key)} uses the prefix ${reserved}, which the agent-sandbox controller silently drops; expected another prefix` : undefined);
    }
    this.workloadName = name;
    this.namespace = namespaceOf(this);
    this.podSelector = workloadSelector(name);
    this.labels = { ...(props.podLabels ?? {}), ...workloadLabels(name, component) };
    this.identity = new WorkloadIdentity(this, 'Identity', { name, apiAccess: props.apiAccess, labels: workloadLabels(name, component) });
    this.network = new EgressAllowlist(this, 'Network', {
      workload: this,
      enforcement: props.egressEnforcement,
      clusterDns: props.clusterDns,
      egress: props.egress,
    });
  }

  /** Pods this workload can run at once, and PVCs it holds. */
  protected abstract capacity(): { readonly pods: number; readonly claims: number };

  /** The agent-sandbox `SandboxBlueprint` part of a Sandbox or SandboxTemplate spec. */
  protected blueprintJson(): Record<string, unknown> {
    const pod = hardenedPod({
      ...this.props,
      runtime: this.runtime,
      serviceAccountName: this.identity.serviceAccountName,
      automountServiceAccountToken: this.identity.mountsToken,
      labels: this.labels,
      annotations: this.props.podAnnotations,
      extraMounts: [{ name: 'workspace', mountPath: this.workspace.mountPath }],
      extraVolumes: this.workspace.persistent ? [] : [this.workspace.podVolume()],
    });
    return {
      podTemplate: pod,
      ...(this.workspace.persistent ? { volumeClaimTemplates: [this.workspace.claimTemplate(workloadLabels(this.workloadName, 'workspace'))] } : {}),
      service: this.props.service ?? true,
    };
  }

  public footprint(): ResourceFootprint {
    const { pods, claims } = this.capacity();
    const r = this.props.resources;
    const overCpu = this.runtime.overhead ? cpuMillis(this.runtime.overhead.cpu) : 0;
    const overMem = this.runtime.overhead ? sizeBytes(this.runtime.overhead.memory) : 0;
    const persistent = this.workspace.persistent;
    return {
      pods,
      cpuRequestMillis: pods * (cpuMillis(r.cpu.request) + overCpu),
      cpuLimitMillis: pods * (cpuMillis(r.cpu.limit) + overCpu),
      memoryRequestBytes: pods * (sizeBytes(r.memory.request) + overMem),
      memoryLimitBytes: pods * (sizeBytes(r.memory.limit) + overMem),
      persistentVolumeClaims: persistent ? claims : 0,
      storageBytes: persistent ? claims * sizeBytes(this.workspace.size) : 0,
      maxContainerCpuMillis: cpuMillis(r.cpu.limit),
      maxContainerMemoryBytes: sizeBytes(r.memory.limit),
      maxClaimBytes: persistent ? sizeBytes(this.workspace.size) : 0,
    };
  }
}
