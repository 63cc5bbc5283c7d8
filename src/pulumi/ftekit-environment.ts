import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { App } from 'cdk8s';
import { APP_MANAGED_BY_LABEL, APP_PART_OF_LABEL, FTEKIT } from '../_labels';
import { buildEnvironment, EnvironmentCharts } from '../environment/build';
import { FteValidationError } from '../errors';
import { evaluatePolicy, formatPolicyReport, PolicyOptions } from '../policy';
import { EnvironmentSpec } from '../environment/spec';
import { deployObjects, KubeObject, ObjectResourceOptions } from './objects';
import { installOperators, OperatorInstalls, operatorsNeededBy } from './operators';

/** Pulumi type token of the environment component. */
export const ENVIRONMENT_TYPE = 'ftekit:index:Environment';

/** Kinds whose deletion loses workspace data: the Sandbox owns its PVCs. */
const WORKSPACE_KINDS = new Set(['Sandbox', 'PersistentVolumeClaim']);

/**
 * Kinds kept with retained workspaces: a retained Sandbox keeps its pod running, and that pod
 * must stay isolated (network policies), bounded (quota, limits), with its identity, on
 * its runtime class and under the admission policies that refuse unsafe changes to it.
 * Without them a `pulumi destroy` would leave agents running unconfined.
 */
const KEPT_WITH_WORKSPACES = new Set([
  'NetworkPolicy', 'CiliumNetworkPolicy', 'FQDNNetworkPolicy', 'ApplicationNetworkPolicy', 'ResourceQuota', 'LimitRange', 'ServiceAccount', 'Role', 'RoleBinding', 'RuntimeClass',
  'ValidatingAdmissionPolicy', 'ValidatingAdmissionPolicyBinding',
  // The backups of retained workspaces go on being taken, and their snapshots keep their class
  // (Pulumi never registers the VolumeSnapshots themselves: SnapScheduler makes them).
  'SnapshotSchedule', 'VolumeSnapshotClass',
]);

/** The objects of an environment, built, resolved and checked by the policy gate. */
export interface ResolvedEnvironment {
  /** The charts, for the component's outputs. */
  readonly charts: EnvironmentCharts;
  /** The cluster-scoped objects. */
  readonly clusterObjects: KubeObject[];
  /** The namespace's objects. */
  readonly namespacedObjects: KubeObject[];
}

/**
 * Builds and resolves the environment's charts and runs the policy gate, before anything is
 * registered: a spec the constructs or the gate refuse throws here and registers nothing.
 */
export function resolveEnvironment(name: string, spec: EnvironmentSpec, policy?: PolicyOptions): ResolvedEnvironment {
  const charts = buildEnvironment(new App({ outdir: 'dist' }), spec);
  const clusterObjects = charts.cluster.toJson() as KubeObject[];
  const namespacedObjects = charts.ftes.toJson() as KubeObject[];
  // The policy gate of `cdk8s synth` guards `pulumi up` too.
  const report = evaluatePolicy([...clusterObjects, ...namespacedObjects], policy);
  if (!report.ok) throw new FteValidationError(`FtekitEnvironment ${name}`, `the manifests fail the policy gate; nothing was deployed\n${formatPolicyReport(report)}`);
  return { charts, clusterObjects, namespacedObjects };
}

/**
 * Key of the internal argument through which `deployStack` hands over objects it resolved
 * before creating the provider (so a refused spec registers not even the provider).
 */
export const RESOLVED = Symbol('ftekit.resolvedEnvironment');

/** {@link FtekitEnvironmentArgs} with the internal hand-over of {@link RESOLVED}. */
export interface ResolvedEnvironmentArgs extends FtekitEnvironmentArgs {
  readonly [RESOLVED]?: ResolvedEnvironment;
}

/** Arguments of {@link FtekitEnvironment}. */
export interface FtekitEnvironmentArgs {
  /** The validated environment spec (see `stacks/Pulumi.<env>.yaml`). */
  readonly spec: EnvironmentSpec;
  /**
   * Values of the Pulumi-managed Secrets: Pulumi config key (as named in the spec's
   * `secrets[].data`) → value, normally from `config.requireSecret`.
   * @default {} - then the spec must declare no `secrets`
   */
  readonly secretValues?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Options of the policy gate every object passes before anything is registered, e.g.
   * `sandboxedRuntimeClasses` for a custom sandboxed RuntimeClass.
   * @default - the gate's defaults
   */
  readonly policy?: PolicyOptions;
}

/**
 * One environment, deployed: the same charts `cdk8s synth` writes to `dist/<env>/`, plus
 * what only a push deploy does (operator installs, Secrets from Pulumi config secrets).
 *
 * Order: operators, then the cluster-scoped objects (RuntimeClasses, Namespace), then the
 * Pulumi-managed Secrets, then the namespace's objects, each also waiting for the operator
 * that serves its API group. Every object passes the policy gate first. With
 * `retainWorkspaces`, Sandboxes, PVCs, the Namespace and the agent-sandbox install are kept
 * when Pulumi deletes them (a `pulumi destroy` leaves every workspace in place), and so are
 * the network policies, quota, limits, identities and RuntimeClasses their still-running
 * pods rely on; with `protectWorkspaces` Pulumi refuses to delete the workspaces at all.
 */
export class FtekitEnvironment extends pulumi.ComponentResource {
  /** The FTE namespace. */
  public readonly namespace: pulumi.Output<string>;
  /** In-cluster DNS names of the FTE sandboxes' headless Services. */
  public readonly sandboxServiceNames: pulumi.Output<string[]>;
  /** Names of the warm pools (SandboxWarmPool objects). */
  public readonly poolNames: pulumi.Output<string[]>;
  /** Names of the SandboxClaims, as `<pool>/<claim>`. */
  public readonly claimNames: pulumi.Output<string[]>;
  /** Names of the Dapr workers' Deployments. */
  public readonly daprWorkerNames: pulumi.Output<string[]>;
  /** The operator installs of this environment. */
  public readonly operators: OperatorInstalls;
  /** The cluster-scoped objects. */
  public readonly clusterObjects: k8s.yaml.ConfigGroup;
  /** The namespace's objects. */
  public readonly namespacedObjects: k8s.yaml.ConfigGroup;
  /** Secrets created from Pulumi config secrets, by name. */
  public readonly secrets: ReadonlyMap<string, k8s.core.v1.Secret>;

  public constructor(name: string, args: FtekitEnvironmentArgs, opts: pulumi.ComponentResourceOptions = {}) {
    const spec = args.spec;
    const { charts, clusterObjects, namespacedObjects } = (args as ResolvedEnvironmentArgs)[RESOLVED] ?? resolveEnvironment(name, spec, args.policy);
    const aliases = [...(opts.aliases ?? []), ...spec.deploy.previousNames.map((previous) => ({ name: previous }))];
    super(ENVIRONMENT_TYPE, name, {}, { ...opts, aliases });

    const keep = { retainOnDelete: spec.deploy.retainWorkspaces, protect: spec.deploy.protectWorkspaces };
    const hasWorkspaces = namespacedObjects.some((o) => WORKSPACE_KINDS.has(o.kind));

    // Deleting the agent-sandbox CRDs would delete every Sandbox, so the install is kept like them.
    this.operators = installOperators(name, spec.deploy.operators, { parent: this, retainOnDelete: keep.retainOnDelete }, { protect: keep.protect && hasWorkspaces });

    const objectOptions = (obj: KubeObject): ObjectResourceOptions => {
      const data = WORKSPACE_KINDS.has(obj.kind) || (obj.kind === 'Namespace' && hasWorkspaces);
      const guard = hasWorkspaces && KEPT_WITH_WORKSPACES.has(obj.kind);
      return { dependsOn: operatorsNeededBy(obj, this.operators), ...(data ? keep : guard ? { retainOnDelete: keep.retainOnDelete } : {}) };
    };
    this.clusterObjects = deployObjects(`${name}-cluster`, clusterObjects, objectOptions, { parent: this });

    const secrets = new Map<string, k8s.core.v1.Secret>();
    for (const s of spec.deploy.secrets) {
      const stringData: Record<string, pulumi.Input<string>> = {};
      for (const [key, configKey] of Object.entries(s.data)) {
        const value = args.secretValues?.[configKey];
        if (value === undefined) throw new FteValidationError(`FtekitEnvironment ${name}: secrets.${s.name}.data.${key}`, `has no value; expected the Pulumi config secret ftekit:${configKey} (\`pulumi config set --secret ftekit:${configKey} <value>\`)`);
        stringData[key] = pulumi.secret(value);
      }
      secrets.set(s.name, new k8s.core.v1.Secret(`${name}-secret-${s.name}`, {
        metadata: { name: s.name, namespace: spec.namespace, labels: { [APP_MANAGED_BY_LABEL]: FTEKIT, [APP_PART_OF_LABEL]: FTEKIT } },
        type: 'Opaque',
        stringData,
      }, { parent: this, dependsOn: [this.clusterObjects], additionalSecretOutputs: ['data', 'stringData'] }));
    }
    this.secrets = secrets;

    this.namespacedObjects = deployObjects(`${name}-ftes`, namespacedObjects, objectOptions, { parent: this, dependsOn: [this.clusterObjects, ...secrets.values()] });

    this.namespace = pulumi.output(spec.namespace);
    this.sandboxServiceNames = pulumi.output([...charts.sandboxes.values()].map((s) => s.serviceName).filter((n): n is string => n !== undefined));
    this.poolNames = pulumi.output([...charts.pools.keys()]);
    this.claimNames = pulumi.output([...charts.pools.values()].flatMap((p) => p.claims.map((c) => `${p.workloadName}/${c.name}`)));
    this.daprWorkerNames = pulumi.output([...charts.daprWorkers.values()].map((w) => w.workloadName));
    this.registerOutputs({
      namespace: this.namespace,
      sandboxServiceNames: this.sandboxServiceNames,
      poolNames: this.poolNames,
      claimNames: this.claimNames,
      daprWorkerNames: this.daprWorkerNames,
    });
  }
}
