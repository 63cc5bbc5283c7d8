import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { Sandbox } from './_l1';
import { nameClash } from './_object-names';
import { checkRfc3339 } from './_validate';
import { sandboxObjectMetadata, SandboxBlueprintProps, SandboxWorkload, workloadLabels } from './_workload';
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

/**
 * What a group of people may do with one sandbox's pod, for {@link FteSandbox.grantAccess}.
 * Every option is off unless set; at least one must be on. Whatever is granted, the Role is
 * limited by `resourceNames` to this sandbox's pod, with `get` on the pod itself (kubectl
 * reads the pod before it execs, forwards or streams logs) and never list or watch.
 */
export interface SandboxAccessOptions {
  /**
   * `kubectl exec` into the agent container: `create` and `get` on `pods/exec` (kubectl from
   * 1.30 opens exec over WebSocket, an HTTP GET that API servers before 1.35 authorize as
   * `get`; from 1.35 they also require `create`).
   * @default false
   */
  readonly exec?: boolean;
  /**
   * `kubectl port-forward` to the pod: `create` and `get` on `pods/portforward` (`get` for the
   * WebSocket transport, as for exec).
   * @default false
   */
  readonly portForward?: boolean;
  /**
   * `kubectl logs`: `get` on `pods/log`.
   * @default false
   */
  readonly logs?: boolean;
}

/** One rule of an access Role: the core-group `resource` of the sandbox's pod, with `verbs`. */
interface PodRule {
  readonly resource: string;
  readonly verbs: string[];
}

/** Longest group slug kept in an object name (the name stays a short DNS subdomain). */
const GROUP_SLUG_MAX = 40;

/**
 * The DNS-safe part of an access object name for `group`: the group itself when it already
 * is a lowercase DNS label of at most {@link GROUP_SLUG_MAX} characters; otherwise its
 * lowercase alphanumeric runs joined by `-`, shortened, plus 8 hex digits of the group's
 * SHA-256, so that groups differing only in case or punctuation get different names.
 */
function groupSlug(group: string): string {
  if (group.length <= GROUP_SLUG_MAX && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(group)) return group;
  const readable = group.toLowerCase().replace(/[^a-z0-9]+/g, '-').slice(0, GROUP_SLUG_MAX).replace(/^-+|-+$/g, '');
  const hash = createHash('sha256').update(group, 'utf8').digest('hex').slice(0, 8);
  return readable ? `${readable}-${hash}` : hash;
}

/** The problem with a group name for an RBAC `Group` subject, if any. */
function checkGroupName(group: unknown): string | undefined {
  if (typeof group !== 'string') return `${describeValue(group)} is not a group name; expected a non-empty string such as "oidc:fte-oncall"`;
  if (group.trim() === '') return `${describeValue(group)} is empty; expected the name of a group your authenticator asserts, such as "oidc:fte-oncall"`;
  if (group !== group.trim()) return `${describeValue(group)} has leading or trailing whitespace; expected the group name exactly as your authenticator asserts it`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(group)) return `${describeValue(group)} contains a control character; expected a printable group name`;
  if (group.startsWith('system:')) return `${describeValue(group)} is a group Kubernetes assigns itself (system:*), e.g. to every authenticated user or every ServiceAccount; expected a group of people`;
  return undefined;
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
 * With `dapr` the sandbox is a Dapr app, as a DaprWorker is: its pod asks the injector for
 * the hardened sidecar (seed 000's FTE), with its Configuration, and `addPubSub`,
 * `addStateStore`, `addSubscription`, `addResiliency` scoped to its app id.
 *
 * Objects: Sandbox (id `Resource`), ServiceAccount (+ Role/RoleBinding with `apiAccess`),
 * NetworkPolicy (+ the hostname policy of its egress enforcement: Cilium, GKE or EKS), a
 * Role/RoleBinding per group given {@link FteSandbox.grantAccess}, and with `dapr` a Dapr
 * Configuration (id `Configuration`) and the Components, Subscriptions and Resiliency added.
 */
export class FteSandbox extends SandboxWorkload {
  /** The Sandbox object. */
  public readonly resource: Sandbox;
  /** Groups granted access with {@link grantAccess}, in order. */
  private readonly accessGroups: string[] = [];

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
      metadata: { name: this.workloadName, labels: { ...this.labels }, ...sandboxObjectMetadata(props) },
      spec: {
        ...this.blueprint(),
        operatingMode: mode,
        ...(props.shutdownTime ? { shutdownTime: props.shutdownTime, shutdownPolicy: policy } : {}),
      },
    });
  }

  /**
   * Lets the people of `group` (an RBAC `Group` subject, as your authenticator asserts it,
   * e.g. `oidc:fte-oncall`) reach this sandbox's pod, and nothing else: a Role limited by
   * `resourceNames` to the pod (the agent-sandbox controller names it after the Sandbox) and a
   * RoleBinding of it to the group. No list or watch, no other pod, no Secret.
   *
   * Objects: Role and RoleBinding `<name>-access-<group slug>` (the slug is the group when it
   * is a DNS label, else a readable part plus a short hash of the group); construct ids
   * `Access-<group slug>` and `Access-<group slug>-Binding`.
   *
   * @param group the group granted access; not a `system:` group
   * @param options what the group may do; at least one option must be true
   * @returns the Role
   */
  public grantAccess(group: string, options: SandboxAccessOptions): k8s.KubeRole {
    const problems = ProblemCollector.forConstruct(this, 'FteSandbox');
    const call = `grantAccess(${describeValue(group)})`;
    const groupOk = problems.add(`${call}.group`, checkGroupName(group), group);
    if (groupOk) {
      problems.add(`${call}.group`, this.accessGroups.includes(group)
        ? `${describeValue(group)} is already granted access to this sandbox; expected one grantAccess per group, with every option it needs`
        : undefined, group);
    }
    const opts: SandboxAccessOptions = typeof options === 'object' && options !== null ? options : {};
    problems.add(call, typeof options === 'object' && options !== null ? undefined : `options ${describeValue(options)} are not an object; expected { exec, portForward, logs }`);
    const flags = ['exec', 'portForward', 'logs'] as const;
    for (const flag of flags) {
      const v = opts[flag];
      problems.add(`${call}.${flag}`, v === undefined || typeof v === 'boolean' ? undefined : `${describeValue(v)} is not a boolean; expected true or false`, v);
    }
    if (typeof options === 'object' && options !== null && flags.every((f) => opts[f] !== true)) {
      problems.add(call, `options ${describeValue(options)} grant nothing; expected at least one of exec, portForward or logs to be true`);
    }
    problems.throwIfAny();
    const slug = groupSlug(group);
    const name = `${this.workloadName}-access-${slug}`;
    problems.add(`${call}.group`, nameClash(this, 'Role', name) ?? nameClash(this, 'RoleBinding', name), group);
    problems.throwIfAny();
    this.accessGroups.push(group);
    return this._toKubeAccess(`Access-${slug}`, name, group, opts);
  }

  /** The Role and RoleBinding of one {@link grantAccess}. */
  private _toKubeAccess(id: string, name: string, group: string, options: SandboxAccessOptions): k8s.KubeRole {
    const labels = workloadLabels(this.workloadName, 'access');
    // The pod of a Sandbox has the Sandbox's name.
    const pod = this.workloadName;
    const rules: PodRule[] = [
      { resource: 'pods', verbs: ['get'] },
      ...(options.exec ? [{ resource: 'pods/exec', verbs: ['create', 'get'] }] : []),
      ...(options.portForward ? [{ resource: 'pods/portforward', verbs: ['create', 'get'] }] : []),
      ...(options.logs ? [{ resource: 'pods/log', verbs: ['get'] }] : []),
    ];
    const role = new k8s.KubeRole(this, id, {
      metadata: { name, labels },
      rules: rules.map((r) => ({ apiGroups: [''], resources: [r.resource], verbs: r.verbs, resourceNames: [pod] })),
    });
    new k8s.KubeRoleBinding(this, `${id}-Binding`, {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: group }],
    });
    return role;
  }

  /** Stable in-cluster DNS name of the sandbox (its headless Service), when `service` is on. */
  public get serviceName(): string | undefined {
    return this.props.service === false ? undefined : this.workloadName;
  }

  protected sandboxCapacity(): { pods: number; claims: number } {
    return { pods: (this.props as FteSandboxProps).operatingMode === OperatingMode.SUSPENDED ? 0 : 1, claims: 1 };
  }
}
