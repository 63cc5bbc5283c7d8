import { Construct } from 'constructs';
import { Sandbox } from './_l1';
import { checkRfc3339 } from './_validate';
import { declaredNotSecretMetadata, SandboxBlueprintProps, SandboxWorkload } from './_workload';
import { describeValue, ProblemCollector } from './errors';

/** Whether the sandbox's pod runs. */
export enum OperatingMode {
  /** The pod runs. */
  RUNNING = 'Running',
  /** The pod is deleted; the Sandbox, its workspace PVC and Service stay. */
  SUSPENDED = 'Suspended',
}

/** What happens to the Sandbox object when `shutdownTime` passes. */
export enum ShutdownPolicy {
  /** Keep the Sandbox and its workspace; only the pod and Service go. */
  RETAIN = 'Retain',
  /** Delete the Sandbox; garbage collection then deletes its workspace PVC. */
  DELETE = 'Delete',
}

/** Props for {@link FteSandbox}. */
export interface FteSandboxProps extends SandboxBlueprintProps {
  /**
   * Whether the sandbox's pod runs or is suspended (`spec.operatingMode`); suspending keeps the
   * Sandbox, workspace PVC and Service.
   * @default OperatingMode.RUNNING
   */
  readonly operatingMode?: OperatingMode;
  /**
   * Absolute expiry, RFC 3339 (`2026-12-31T18:00:00Z`). Never computed from the clock, so
   * synth stays deterministic.
   * @default - no expiry
   */
  readonly shutdownTime?: string;
  /**
   * What expiry does. Only `ShutdownPolicy.DELETE` loses the workspace, so it must be
   * asked for.
   * @default ShutdownPolicy.RETAIN
   */
  readonly shutdownPolicy?: ShutdownPolicy;
}

/** Records the problems of the props only an FteSandbox has. */
function checkSandboxProps(problems: ProblemCollector, props: FteSandboxProps): void {
  const mode = props.operatingMode ?? OperatingMode.RUNNING;
  problems.add('operatingMode', Object.values(OperatingMode).includes(mode) ? undefined : `${describeValue(mode)} is not an OperatingMode; expected Running or Suspended`);
  const policy = props.shutdownPolicy ?? ShutdownPolicy.RETAIN;
  problems.add('shutdownPolicy', Object.values(ShutdownPolicy).includes(policy) ? undefined : `${describeValue(policy)} is not a ShutdownPolicy; expected Retain or Delete`);
  if (props.shutdownTime !== undefined) problems.add('shutdownTime', checkRfc3339(props.shutdownTime), props.shutdownTime);
  problems.add('shutdownPolicy', props.shutdownPolicy !== undefined && props.shutdownTime === undefined ? `${describeValue(props.shutdownPolicy)} is set without shutdownTime; expected a shutdownTime for it to apply` : undefined, props.shutdownPolicy);
}

/**
 * One long-lived, isolated agent: an agent-sandbox `Sandbox` (`agents.x-k8s.io/v1beta1`)
 * with a hardened pod on a sandboxed runtime, a persistent workspace, a headless Service,
 * its own ServiceAccount and a default-deny network allowlist.
 *
 * Objects: Sandbox (id `Resource`), ServiceAccount (+ Role/RoleBinding with `apiAccess`),
 * NetworkPolicy (+ the hostname policy of its egress enforcement: Cilium, GKE or EKS).
 */
export class FteSandbox extends SandboxWorkload {
  /** The Sandbox object. */
  public readonly resource: Sandbox;

  public constructor(scope: Construct, id: string, props: FteSandboxProps) {
    super(scope, id, 'FteSandbox', 'fte-sandbox', props, (problems) => checkSandboxProps(problems, props));
    const mode = props.operatingMode ?? OperatingMode.RUNNING;
    const policy = props.shutdownPolicy ?? ShutdownPolicy.RETAIN;

    this.resource = this._toKube(mode, policy);
  }

  /** The Sandbox. */
  private _toKube(mode: OperatingMode, policy: ShutdownPolicy): Sandbox {
    const props = this.props as FteSandboxProps;
    return new Sandbox(this, 'Resource', {
      metadata: { name: this.workloadName, labels: { ...this.labels }, ...declaredNotSecretMetadata(props) },
      spec: {
        ...this.blueprint(),
        operatingMode: mode,
        ...(props.shutdownTime ? { shutdownTime: props.shutdownTime, shutdownPolicy: policy } : {}),
      },
    });
  }

  /** Stable in-cluster DNS name of the sandbox (its headless Service), when `service` is on. */
  public get serviceName(): string | undefined {
    return this.props.service === false ? undefined : this.workloadName;
  }

  protected sandboxCapacity(): { pods: number; claims: number } {
    return { pods: (this.props as FteSandboxProps).operatingMode === OperatingMode.SUSPENDED ? 0 : 1, claims: 1 };
  }
}
