import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { describeValue, FteValidationError, ProblemCollector } from './errors';
import { checkDnsSubdomain } from './_validate';
import { nameClash } from './_object-names';

/** Options for {@link ApiAccess.custom}. */
export interface ApiAccessOptions {
  /** API groups, `''` for the core group. No wildcards. */
  readonly apiGroups: string[];
  /** Resources (plural, optionally `/subresource`). No wildcards. */
  readonly resources: string[];
  /** Verbs such as get, list, watch, create, delete. No wildcards, no escalate/bind/impersonate. */
  readonly verbs: string[];
  /**
   * Restrict to these object names.
   * @default - all objects of the resources in the namespace
   */
  readonly resourceNames?: string[];
}

const VERBS = new Set(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection']);

/**
 * A least-privilege grant of Kubernetes API access to an agent, within its own namespace.
 * Granting any access mounts the ServiceAccount token into the pod; without grants the
 * token is never mounted.
 */
export class ApiAccess {
  /**
   * Create, watch and delete SandboxClaims, and read Sandboxes: for an orchestrator agent
   * that checks sandboxes out of a warm pool for its tasks.
   */
  public static readonly MANAGE_SANDBOX_CLAIMS = new ApiAccess([
    { apiGroups: ['extensions.agents.x-k8s.io'], resources: ['sandboxclaims'], verbs: ['create', 'get', 'list', 'watch', 'delete'] },
    { apiGroups: ['agents.x-k8s.io'], resources: ['sandboxes'], verbs: ['get', 'list', 'watch'] },
  ]);

  /** Any other namespaced grant, checked for wildcards and privilege-escalation verbs. */
  public static custom(options: ApiAccessOptions): ApiAccess {
    const fail = (problem: string): never => {
      throw new FteValidationError('ApiAccess.custom', problem);
    };
    for (const field of ['apiGroups', 'resources', 'verbs'] as const) {
      const list = options[field];
      if (!Array.isArray(list) || list.length === 0) fail(`${field} ${describeValue(list)} is empty; expected at least one entry`);
      if (list.some((x) => typeof x !== 'string' || x.includes('*'))) fail(`${field} ${describeValue(list)} contains a wildcard; expected explicit entries`);
    }
    const badVerb = options.verbs.find((v) => !VERBS.has(v));
    if (badVerb !== undefined) fail(`verb ${describeValue(badVerb)} is not allowed; expected one of ${[...VERBS].join(', ')}`);
    if (options.resources.includes('secrets') && !options.resourceNames?.length) {
      fail('access to all secrets of the namespace is too broad; expected resourceNames naming the secrets');
    }
    (options.resourceNames ?? []).forEach((n) => {
      const p = checkDnsSubdomain(n);
      if (p) fail(`resourceNames: ${p}`);
    });
    return new ApiAccess([{ ...options }]);
  }

  private constructor(public readonly rules: readonly ApiAccessOptions[]) {}
}

/** Props for {@link WorkloadIdentity}. */
export interface WorkloadIdentityProps {
  /** Name of the ServiceAccount (and Role/RoleBinding, suffixed `-api`). */
  readonly name: string;
  /**
   * Namespaced API grants, written to a Role and RoleBinding `<name>-api`; any grant makes the
   * pods mount the ServiceAccount token.
   * @default - no API access: no Role, token not mounted
   */
  readonly apiAccess?: ApiAccess[];
  /** Labels for the objects. */
  readonly labels: Record<string, string>;
}

/**
 * The ServiceAccount of one workload (token automount off), plus a Role and RoleBinding
 * when API access is granted.
 */
export class WorkloadIdentity extends Construct {
  /** ServiceAccount name. */
  public readonly serviceAccountName: string;
  /** Whether pods should mount the token. */
  public readonly mountsToken: boolean;

  public constructor(scope: Construct, id: string, props: WorkloadIdentityProps) {
    super(scope, id);
    const problems = ProblemCollector.forConstruct(this, 'WorkloadIdentity');
    problems.add('name', checkDnsSubdomain(props.name));
    const grants = props.apiAccess ?? [];
    problems.add('apiAccess', Array.isArray(grants) && grants.every((g) => g instanceof ApiAccess) ? undefined : `${describeValue(grants)} are not ApiAccess grants; expected ApiAccess.MANAGE_SANDBOX_CLAIMS or ApiAccess.custom(...)`);
    // The Role and RoleBinding names are claimed like every other object name ftekit emits.
    if (Array.isArray(grants) && grants.length > 0 && typeof props.name === 'string') problems.add('name', nameClash(this, 'Role', `${props.name}-api`) ?? nameClash(this, 'RoleBinding', `${props.name}-api`));
    problems.throwIfAny();
    this.serviceAccountName = props.name;
    this.mountsToken = grants.length > 0;
    this._toKube(props, grants);
  }

  /** The ServiceAccount, and with grants its Role and RoleBinding. */
  private _toKube(props: WorkloadIdentityProps, grants: ApiAccess[]): void {
    new k8s.KubeServiceAccount(this, 'Resource', {
      metadata: { name: props.name, labels: { ...props.labels } },
      automountServiceAccountToken: false,
    });
    if (!this.mountsToken) return;
    const role = new k8s.KubeRole(this, 'Role', {
      metadata: { name: `${props.name}-api`, labels: { ...props.labels } },
      rules: grants.flatMap((g) => g.rules).map((r) => ({
        apiGroups: [...r.apiGroups],
        resources: [...r.resources],
        verbs: [...r.verbs],
        ...(r.resourceNames?.length ? { resourceNames: [...r.resourceNames] } : {}),
      })),
    });
    new k8s.KubeRoleBinding(this, 'RoleBinding', {
      metadata: { name: `${props.name}-api`, labels: { ...props.labels } },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: role.name },
      subjects: [{ kind: 'ServiceAccount', name: props.name, ...(role.metadata.namespace ? { namespace: role.metadata.namespace } : {}) }],
    });
  }
}
