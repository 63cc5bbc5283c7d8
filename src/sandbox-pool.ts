import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { SandboxTemplate } from './_l1';
import { claimName } from './_object-names';
import { SandboxClaim, SandboxClaimSpecLifecycleShutdownPolicy, SandboxWarmPool, SandboxWarmPoolSpecUpdateStrategyType } from './imports/extensions.agents.x-k8s.io';
import { checkDnsLabel, checkInteger, checkLabels, checkRfc3339, checkServiceName, wholeSeconds } from './_validate';
import { sandboxObjectMetadata, SandboxBlueprintProps, SandboxWorkload, workloadLabels } from './_workload';
import { constructError, describeValue, FteValidationError, ProblemCollector } from './errors';

/** How a warm pool treats unclaimed sandboxes when the template changes. */
export enum PoolUpdateStrategy {
  /** Replace stale sandboxes only as they are claimed or deleted. */
  ON_REPLENISH = 'OnReplenish',
  /** Delete stale unclaimed sandboxes right away. Claimed sandboxes are never touched. */
  RECREATE = 'Recreate',
}

/** What happens when a claim's `shutdownTime` passes. */
export enum ClaimShutdownPolicy {
  /** Delete the sandbox, keep the claim (Ready=False, ClaimExpired). */
  RETAIN = 'Retain',
  /** Delete the claim and, by cascade, its sandbox. */
  DELETE = 'Delete',
  /** Like DELETE with foreground cascading. */
  DELETE_FOREGROUND = 'DeleteForeground',
}

/** Target value of a scaling metric. */
export interface ScalingTarget {
  /** Target per pool replica (HPA `AverageValue`), as a Kubernetes quantity string. */
  readonly averageValue: string;
}

/**
 * The metric a pool's HorizontalPodAutoscaler follows. The pool has no pods of its own to
 * measure, so the metric is an External or Object metric (e.g. the claim rate from the
 * agent-sandbox controller's `agent_sandbox_claim_creation_total`, served through
 * prometheus-adapter).
 */
export class PoolScalingMetric {
  /** An External metric by name and optional label selector. */
  public static external(metricName: string, target: ScalingTarget, matchLabels: Record<string, string> = {}): PoolScalingMetric {
    PoolScalingMetric.check(metricName, target, matchLabels);
    return new PoolScalingMetric({
      type: 'External',
      external: {
        metric: { name: metricName, ...(Object.keys(matchLabels).length ? { selector: { matchLabels: { ...matchLabels } } } : {}) },
        target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(target.averageValue) },
      },
    });
  }

  /** An Object metric describing one Kubernetes object (e.g. a Service of the router). */
  public static object(metricName: string, target: ScalingTarget, describedObject: { readonly apiVersion: string; readonly kind: string; readonly name: string }): PoolScalingMetric {
    PoolScalingMetric.check(metricName, target, {});
    const p = checkDnsLabel(describedObject?.name ?? '', 253);
    if (p) throw new FteValidationError('PoolScalingMetric.object', `describedObject.name: ${p}`);
    return new PoolScalingMetric({
      type: 'Object',
      object: {
        metric: { name: metricName },
        describedObject: { apiVersion: describedObject.apiVersion, kind: describedObject.kind, name: describedObject.name },
        target: { type: 'AverageValue', averageValue: k8s.Quantity.fromString(target.averageValue) },
      },
    });
  }

  private static check(metricName: string, target: ScalingTarget, labels: Record<string, string>): void {
    const problem = typeof metricName !== 'string' || !/^[a-zA-Z_:][a-zA-Z0-9_:.-]*$/.test(metricName)
      ? `metric name ${describeValue(metricName)} is invalid; expected a metric name such as agent_sandbox_claim_rate`
      : typeof target?.averageValue !== 'string' || !/^\d+(\.\d+)?(m|k|M|G)?$/.test(target.averageValue)
        ? `averageValue ${describeValue(target?.averageValue)} is not a quantity; expected e.g. "5" or "500m"`
        : checkLabels(labels);
    if (problem) throw new FteValidationError('PoolScalingMetric', problem);
  }

  private constructor(private readonly spec: k8s.MetricSpecV2) {}

  /** The `MetricSpec` JSON. */
  public toJson(): Record<string, unknown> {
    return k8s.toJson_MetricSpecV2(this.spec) as Record<string, unknown>;
  }

  /** The typed `MetricSpec`. */
  public _toKube(): k8s.MetricSpecV2 {
    return this.spec;
  }
}

/** Autoscaling of a pool's warm sandboxes through its scale subresource. */
export interface PoolAutoscaling {
  /** At least 0 (scale to zero needs an External/Object metric, which this always is). */
  readonly minReplicas: number;
  /** At least `minReplicas` and 1. */
  readonly maxReplicas: number;
  /** The metric to follow. */
  readonly metric: PoolScalingMetric;
}

/** Props for {@link SandboxPool}. */
export interface SandboxPoolProps extends SandboxBlueprintProps {
  /**
   * Warm sandboxes kept ready. Ignored in the manifest when `autoscaling` is set (the HPA
   * owns the field).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * What the SandboxWarmPool does with unclaimed sandboxes when the template changes
   * (`spec.updateStrategy.type`).
   * @default PoolUpdateStrategy.ON_REPLENISH
   */
  readonly updateStrategy?: PoolUpdateStrategy;
  /**
   * Scale the SandboxWarmPool with a HorizontalPodAutoscaler instead of a fixed `replicas`.
   * @default - fixed size
   */
  readonly autoscaling?: PoolAutoscaling;
}

/** Props for {@link SandboxPool.claim}. */
export interface SandboxClaimProps {
  /**
   * Name of the SandboxClaim object; unique among the pool's claims.
   * @default - the claim's construct id
   */
  readonly name?: string;
  /**
   * Claim expiry, RFC 3339.
   * @default - none
   */
  readonly shutdownTime?: string;
  /**
   * What happens when `shutdownTime` passes (`spec.lifecycle.shutdownPolicy`).
   * @default ClaimShutdownPolicy.RETAIN
   */
  readonly shutdownPolicy?: ClaimShutdownPolicy;
  /**
   * Delete this long after the sandbox finished (pods with restartPolicy Never only).
   * @default - never
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Labels added to the claimed pod. Their domain must be in the controller's
   * `allowed-label-domains` (default `sandbox.users.io`).
   * @default - none
   */
  readonly podLabels?: Record<string, string>;
}

/** Records the problems of the props only a SandboxPool has. */
function checkPoolProps(problems: ProblemCollector, props: SandboxPoolProps): void {
  problems.add('replicas', checkInteger(props.replicas ?? 1, 0, 10000), props.replicas);
  const strategy = props.updateStrategy ?? PoolUpdateStrategy.ON_REPLENISH;
  problems.add('updateStrategy', Object.values(PoolUpdateStrategy).includes(strategy) ? undefined : `${describeValue(strategy)} is not a PoolUpdateStrategy; expected OnReplenish or Recreate`);
  const scaling = props.autoscaling;
  if (scaling) {
    problems.add('autoscaling.minReplicas', checkInteger(scaling.minReplicas, 0, 10000), scaling.minReplicas);
    problems.add('autoscaling.maxReplicas', checkInteger(scaling.maxReplicas, Math.max(1, scaling.minReplicas), 10000)
      && `maxReplicas ${describeValue(scaling.maxReplicas)} must be a whole number >= max(1, minReplicas=${scaling.minReplicas}) and <= 10000`, scaling.maxReplicas);
    problems.add('autoscaling.metric', scaling.metric instanceof PoolScalingMetric ? undefined : `${describeValue(scaling.metric)} is not a PoolScalingMetric; expected PoolScalingMetric.external(...) or .object(...)`);
    problems.add('replicas', props.replicas !== undefined ? `${describeValue(props.replicas)} is set together with autoscaling; expected one of them (the HPA owns replicas)` : undefined, props.replicas);
  }
}

/**
 * Pre-warmed sandboxes: a `SandboxTemplate` (the same hardened blueprint as FteSandbox),
 * a `SandboxWarmPool` that keeps `replicas` of them ready, optional autoscaling, and
 * static `SandboxClaim`s from {@link SandboxPool.claim}.
 *
 * The template sets `networkPolicyManagement: Unmanaged`: the controller's default policy
 * allows the public internet and would defeat the allowlist (NetworkPolicies add up).
 * This construct's own allowlist selects the pool's pods by the stable label
 * `ftekit.dev/workload=<name>`.
 *
 * Objects: SandboxTemplate (id `Template`), SandboxWarmPool (id `Resource`),
 * ServiceAccount, NetworkPolicy (+ the hostname policy of its egress enforcement), optional
 * HorizontalPodAutoscaler, and one SandboxClaim per claim.
 */
export class SandboxPool extends SandboxWorkload {
  /** The SandboxWarmPool object. */
  public readonly resource: SandboxWarmPool;
  /** The SandboxTemplate object. */
  public readonly template: SandboxTemplate;
  /** Claims made with {@link SandboxPool.claim}. */
  public readonly claims: SandboxClaim[] = [];
  private readonly replicas: number;
  private readonly maxReplicas: number;

  public constructor(scope: Construct, id: string, props: SandboxPoolProps) {
    super(scope, id, 'SandboxPool', 'sandbox-pool', props, (problems) => checkPoolProps(problems, props));
    const replicas = props.replicas ?? 1;
    const strategy = props.updateStrategy ?? PoolUpdateStrategy.ON_REPLENISH;
    const scaling = props.autoscaling;
    this.replicas = replicas;
    this.maxReplicas = scaling ? scaling.maxReplicas : replicas;

    [this.template, this.resource] = this._toKube(replicas, strategy, scaling);
  }

  /** The SandboxTemplate and SandboxWarmPool (returned), and the pool's HorizontalPodAutoscaler. */
  private _toKube(replicas: number, strategy: PoolUpdateStrategy, scaling: PoolAutoscaling | undefined): [SandboxTemplate, SandboxWarmPool] {
    const template = new SandboxTemplate(this, 'Template', {
      metadata: { name: this.workloadName, labels: { ...this.labels }, ...sandboxObjectMetadata(this.props) },
      spec: {
        ...this.blueprint(),
        networkPolicyManagement: 'Unmanaged',
        envVarsInjectionPolicy: 'Disallowed',
        volumeClaimTemplatesPolicy: 'Disallowed',
      },
    });
    const pool = new SandboxWarmPool(this, 'Resource', {
      metadata: { name: this.workloadName, labels: { ...this.labels } },
      spec: {
        ...(scaling ? {} : { replicas }),
        sandboxTemplateRef: { name: this.workloadName },
        updateStrategy: { type: strategy as string as SandboxWarmPoolSpecUpdateStrategyType },
      },
    });
    if (scaling) {
      new k8s.KubeHorizontalPodAutoscalerV2(this, 'Autoscaler', {
        metadata: { name: this.workloadName, labels: { ...this.labels } },
        spec: {
          scaleTargetRef: { apiVersion: SandboxWarmPool.GVK.apiVersion, kind: SandboxWarmPool.GVK.kind, name: this.workloadName },
          minReplicas: scaling.minReplicas,
          maxReplicas: scaling.maxReplicas,
          metrics: [scaling.metric._toKube()],
        },
      });
    }
    return [template, pool];
  }

  /**
   * A static claim on the pool: checks out one warm sandbox. The claimed sandbox keeps its
   * pool-generated name; read it from the claim's `status.sandbox.name`.
   */
  public claim(id: string, props: SandboxClaimProps = {}): SandboxClaim {
    const name = props.name ?? id;
    const where = (field: string, problem: string | undefined): void => {
      if (problem) throw constructError(this, 'SandboxPool', `claim(${JSON.stringify(id)}).${field}`, problem);
    };
    // A claim started cold gets a Sandbox, and a Service, of its own name.
    where('name', checkServiceName(name));
    where('name', this.claims.some((c) => c.name === name) ? `${JSON.stringify(name)} is already claimed from this pool; expected unique claim names` : undefined);
    if (props.shutdownTime !== undefined) where('shutdownTime', checkRfc3339(props.shutdownTime));
    const policy = props.shutdownPolicy ?? ClaimShutdownPolicy.RETAIN;
    where('shutdownPolicy', Object.values(ClaimShutdownPolicy).includes(policy) ? undefined : `${describeValue(policy)} is not a ClaimShutdownPolicy; expected Retain, Delete or DeleteForeground`);
    const ttlSeconds = props.ttlAfterFinished === undefined ? undefined : wholeSeconds(props.ttlAfterFinished);
    if (typeof ttlSeconds === 'string') where('ttlAfterFinished', ttlSeconds);
    const ttl = ttlSeconds as number | undefined;
    where('podLabels', checkLabels(props.podLabels));
    for (const [key, value] of Object.entries(props.podLabels ?? {})) {
      where('podLabels', key.startsWith('agents.x-k8s.io/') || key.startsWith('extensions.agents.x-k8s.io/') || !key.includes('/')
        ? `label ${JSON.stringify(key)} is refused by the claim controller; expected a key with an allowed domain prefix such as sandbox.users.io/`
        : key === 'app' && value === 'sandbox-router' ? 'app=sandbox-router is reserved for the sandbox router' : undefined);
    }
    claimName(this, 'SandboxPool', `claim(${JSON.stringify(id)}).name`, 'SandboxClaim', name);
    claimName(this, 'SandboxPool', `claim(${JSON.stringify(id)}).name`, 'Service', name);
    const claim = new SandboxClaim(this, `Claim-${id}`, {
      metadata: { name, labels: workloadLabels(this.workloadName, 'sandbox-claim') },
      spec: {
        warmPoolRef: { name: this.workloadName },
        lifecycle: {
          shutdownPolicy: policy as string as SandboxClaimSpecLifecycleShutdownPolicy,
          ...(props.shutdownTime ? { shutdownTime: props.shutdownTime } : {}),
          ...(ttl !== undefined ? { ttlSecondsAfterFinished: ttl } : {}),
        },
        ...(props.podLabels && Object.keys(props.podLabels).length ? { additionalPodMetadata: { labels: { ...props.podLabels } } } : {}),
      },
    });
    this.claims.push(claim);
    return claim;
  }

  /** Warm sandboxes when not autoscaled. */
  public get desiredReplicas(): number {
    return this.replicas;
  }

  protected hasPoolAlerts(): boolean {
    return this.desiredReplicas > 0;
  }

  protected sandboxCapacity(): { pods: number; claims: number } {
    // A claimed sandbox leaves the pool and the pool replenishes, so claims add pods.
    const pods = this.maxReplicas + this.claims.length;
    return { pods, claims: pods };
  }
}
