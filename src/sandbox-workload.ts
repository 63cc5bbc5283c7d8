import { Construct } from 'constructs';
import { ContainerPort } from './agent-container';
import { WorkloadIdentity } from './api-access';
import { describeValue, ensure } from './errors';
import { EgressAllowlist } from './egress-allowlist';
import { hardenedPod } from './pod-hardening';
import { sizeBytes } from './resources';
import { SandboxRuntime } from './sandbox-runtime';
import { IHasFootprint, IWorkload, namespaceOf, podFootprint, ResourceFootprint, workloadLabels, workloadSelector } from './workload';
import { checkWorkloadProps, WorkloadProps } from './workload-props';
import { Workspace } from './workspace';

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
   * Create a headless Service per sandbox, giving it a stable DNS name.
   * @default true
   */
  readonly service?: boolean;
  /**
   * Extra pod labels. Keys under `agents.x-k8s.io/` are reserved by the controller.
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
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

  /** The container ports the agent declares. */
  public get declaredPorts(): readonly ContainerPort[] {
    return [...(this.props.ports ?? [])];
  }
  protected readonly labels: Record<string, string>;

  protected constructor(scope: Construct, id: string, kind: string, component: string, props: SandboxBlueprintProps) {
    super(scope, id);
    this.props = props;
    const { name, runtime } = checkWorkloadProps(this, kind, id, props, RESERVED_PREFIXES,
      (key, prefix) => `key ${JSON.stringify(key)} uses the prefix ${prefix}, which the agent-sandbox controller silently drops; expected another prefix`);
    this.runtime = runtime;
    this.workspace = props.workspace ?? Workspace.persistent();
    ensure(this, kind, 'workspace', this.workspace instanceof Workspace ? this.workspace.check() : `${describeValue(props.workspace)} is not a Workspace; expected Workspace.persistent(...) or Workspace.ephemeral(...)`);
    const taken = (props.secretMounts ?? []).find((m) => m.mountPath === this.workspace.mountPath);
    ensure(this, kind, 'secretMounts', taken ? `a secret is mounted at ${JSON.stringify(taken.mountPath)}, the workspace's mount path; expected another path` : undefined);
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
    const persistent = this.workspace.persistent;
    return podFootprint({
      pods,
      containers: [this.props.resources],
      runtime: this.runtime,
      claims: persistent ? claims : 0,
      claimBytes: persistent ? sizeBytes(this.workspace.size) : 0,
    });
  }
}
